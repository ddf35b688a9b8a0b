"""Record audited requests: every change (any successful non-GET), and reads of patient data or results."""

from django.utils.deprecation import MiddlewareMixin

from .models import AuditEvent

# Reads worth a trace: case and job pages, images and results, study items, statistics and exports.
AUDITED_READS = {
    "case-detail",
    "job-detail",
    "job-image",
    "job-cell-image",
    "api-case-detail",
    "api-karyogram-list",
    "api-karyogram-detail",
    "api-job-list",
    "api-job-detail",
    "api-job-result",
    "rate-study",
    "rate-image",
    "api-study-next",
    "study-detail",
    "study-case-image",
    "study-statistics",
    "study-csv",
    "api-study-statistics",
    "api-study-export",
    "dataset-detail",
    "model-compare",
}
SAFE = {"GET", "HEAD", "OPTIONS"}


class AuditMiddleware(MiddlewareMixin):
    def process_response(self, request, response):
        match = getattr(request, "resolver_match", None)
        if match is None or response.status_code >= 400:
            return response
        if request.method in SAFE and match.url_name not in AUDITED_READS:
            return response
        user = getattr(request, "user", None)
        authenticated = bool(user and user.is_authenticated)
        AuditEvent.objects.create(
            user=user if authenticated else None,
            username=user.get_username() if authenticated else "",
            action=match.url_name or match.view_name,
            method=request.method,
            path=request.path[:500],
            target={k: str(v) for k, v in match.kwargs.items()},
            status=response.status_code,
            ip=request.META.get("REMOTE_ADDR") or None,
        )
        return response
