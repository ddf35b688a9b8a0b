"""The API's refusals in its OpenAPI schema: every operation lists the 4xx a client must handle.

drf-spectacular documents what a view answers when it succeeds. What DRF answers when it refuses is the
same for every view, so it is added here, once, as a schema post-processing hook
(SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]): 401/403 where a user is needed, 404 where the path names an
object or the list has pages, 400 and 415 for writes. A view that refuses in another way declares that
status itself (`extend_schema(responses={400: OpenApiResponse(description=...)})`); the hook gives such a
declaration its body. Bodies: `{"detail": "..."}`, or each refused field with its messages.
(406, for an `Accept` no renderer offers, is left out: every operation would list it.)
"""

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "why, in plain words"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "each refused field (or non_field_errors) with its messages",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
REFUSAL = {
    "oneOf": [{"$ref": "#/components/schemas/ErrorDetail"}, {"$ref": "#/components/schemas/FieldErrors"}]
}
WRITES = {"post", "put", "patch"}


def _body(status: str) -> dict:
    schema = "Refusal" if status == "400" else "ErrorDetail"
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Add the refusals above to every operation, and a body to each refusal a view declared without one."""
    result.setdefault("components", {}).setdefault("schemas", {})
    result["components"]["schemas"] |= {
        "ErrorDetail": DETAIL,
        "FieldErrors": FIELD_ERRORS,
        "Refusal": REFUSAL,
    }
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            added = {}
            if method in WRITES:
                added |= {
                    "400": "the request was refused: see the messages",
                    "415": "the body is not JSON, form data or multipart",
                }
            security = operation.get("security")
            if security and {} not in security:  # an operation open to anyone refuses no one
                added |= {
                    "401": "no valid token or session",
                    "403": "signed in, but your role may not do this",
                }
            if "{" in path:
                added["404"] = "no such object, or not one of yours"
            elif any(p.get("name") == "page" for p in operation.get("parameters", [])):
                added["404"] = "no such page of the list"
            for status, description in added.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status[0] in "45" and "content" not in response:
                    response["content"] = _body(status)
    return result
