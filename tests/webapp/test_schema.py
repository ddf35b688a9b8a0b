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
