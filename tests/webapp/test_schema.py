"""The OpenAPI schema is complete and valid: no endpoint with an unknown type, no warnings."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_schema_generates_and_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    for path in (
        "/api/studies/{id}/next/",
        "/api/studies/{id}/ratings/",
        "/api/studies/{id}/statistics/",
        "/api/studies/{id}/export/",
        "/api/items/{token}/image/",
    ):
        assert path in text


@pytest.mark.django_db
def test_the_schema_documents_the_refusals_a_client_must_handle(tmp_path):
    """Walk-through: an integrator read only 200s in the schema; every 400/403/404 came as a surprise.
    (`tests/webapp/api/test_schemathesis.py` checks every status code the API answers is documented.)"""
    import yaml

    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    job = schema["paths"]["/api/jobs/{id}/"]["get"]["responses"]
    assert {"200", "401", "403", "404"} <= set(job) and "400" not in job
    detail = job["404"]["content"]["application/json"]["schema"]
    assert detail == {"$ref": "#/components/schemas/ErrorDetail"}
    move = schema["paths"]["/api/karyograms/{id}/move/"]["post"]["responses"]
    assert move["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Refusal"}
    assert "404" in schema["paths"]["/api/cases/"]["get"]["responses"]  # a page past the last
    refusal = {"$ref": "#/components/schemas/Refusal"}  # {"detail": ...} or field → messages
    assert (
        schema["paths"]["/api/studies/{id}/next/"]["get"]["responses"]["400"]["content"]["application/json"][
            "schema"
        ]
        == refusal
    )  # declared by the view, its body given by the hook
    token = schema["paths"]["/api/auth/token/"]["post"]["responses"]
    assert "400" in token and "401" not in token and "403" not in token  # open to anyone
    assert "503" in schema["paths"]["/api/jobs/{id}/strengths/"]["post"]["responses"]
    karyogram = schema["components"]["schemas"]["Karyogram"]["properties"]["job"]
    assert karyogram["allOf"] == [{"$ref": "#/components/schemas/Job"}] and karyogram["nullable"]
