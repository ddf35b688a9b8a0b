"""The API's error answers in its OpenAPI schema: every operation lists the 4xx a client must handle.

drf-spectacular documents what a view returns when it succeeds; what DRF answers when it refuses is the
same for every view (`{"detail": "..."}`, or field → messages for a refused body), so it is added here,
once, as a schema post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).
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
WRITES = {"post", "put", "patch"}


def _answer(description: str, schema: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def add_error_responses(result: dict, generator, request, public) -> dict:
    """Add 401/403 to every operation that needs a user, 404 where the path names an object or the list has
    pages, 400 to writes and to reads that take a query (unless a view documents its own)."""
    result.setdefault("components", {}).setdefault("schemas", {})
    result["components"]["schemas"] |= {"ErrorDetail": DETAIL, "FieldErrors": FIELD_ERRORS}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            queries = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            if method in WRITES or queries - {"page"}:
                responses.setdefault(
                    "400", _answer("the request was refused: see the messages", "FieldErrors")
                )
            if {} not in operation.get("security", []):  # an operation open to anyone refuses no one
                responses.setdefault("401", _answer("no valid token or session", "ErrorDetail"))
                responses.setdefault(
                    "403", _answer("signed in, but your role may not do this", "ErrorDetail")
                )
            if "{" in path:
                responses.setdefault("404", _answer("no such object, or not one of yours", "ErrorDetail"))
            elif any(p.get("name") == "page" for p in operation.get("parameters", [])):
                responses.setdefault("404", _answer("no such page of the list", "ErrorDetail"))
    return result
