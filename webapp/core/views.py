"""Home page, the health endpoint and the not-found answer."""

from django.http import JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from .health import system_health


class HomeView(TemplateView):
    template_name = "core/home.html"


@never_cache
def healthz(request):
    """JSON state of database, Redis and workers; HTTP 503 when any is down."""
    report = system_health()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def not_found(request, exception):
    """404 for a path no route matches: JSON under /api/, as the API's own 404s are, else the page.
    (Django calls it with DEBUG off, as in production; with DEBUG on it shows its own debug page.)"""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
