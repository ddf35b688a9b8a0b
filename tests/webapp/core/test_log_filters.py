"""A refused request is logged on one line; a server error keeps its traceback."""

import io
import logging
import sys

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_a_page_refused_to_a_role_is_logged_without_a_traceback(client, make_user):
    make_user("rater", "rhea")
    client.login(username="rhea", password=PASSWORD)
    (console,) = [h for h in logging.getLogger().handlers if h.name == "console"]  # settings.LOGGING's
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        assert client.get(reverse("case-list")).status_code == 403
    finally:
        console.setStream(previous)
    logged = stream.getvalue()
    assert "WARNING django.request: Forbidden" in logged and "/cases/" in logged
    assert "Traceback" not in logged


def test_a_server_error_keeps_its_traceback():
    from webapp.core.log_filters import ClientErrorsOnOneLine

    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), exc_info
    )
    record.status_code = 500
    assert ClientErrorsOnOneLine().filter(record) and record.exc_info == exc_info
    record.status_code = 403
    assert ClientErrorsOnOneLine().filter(record) and record.exc_info is None
