"""Property-based requests generated from /api/schema/ (schemathesis), as an admin: never a server error.

Bounded for CI: a few examples per operation; `SCHEMATHESIS_EXAMPLES` raises it for a longer run.
Each operation's strategy is driven by hypothesis directly (schemathesis' own pytest plugin does not
load under this pytest).
"""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error, response_schema_conformance, status_code_conformance

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))


@pytest.mark.django_db(transaction=True)  # the WSGI handler closes connections after each request
def test_no_operation_answers_with_a_server_error(make_user, finished_karyograms):
    finished_karyograms(2)  # something to find behind the ids
    headers = {"Authorization": f"Token {Token.objects.create(user=make_user('admin', 'fuzz-admin')).key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application(), headers=headers)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    tried = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case):
            case.call_and_validate(
                headers=headers,
                checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
            )

        exercise()
        tried.append(f"{operation.method.upper()} {operation.path}")
    assert "POST /api/studies/{id}/ratings/" in tried
