"""Logging filters named in settings.LOGGING."""

import logging


class ClientErrorsOnOneLine(logging.Filter):
    """Django logs a refused request (403, 404) with the traceback of the exception that refused it; the line
    ("Forbidden (Permission denied): /path") says all, and a role sweep would otherwise fill the log with
    tracebacks. Server errors keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
