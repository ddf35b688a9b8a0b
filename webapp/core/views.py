"""Home page and the health endpoint."""

from django.http import JsonResponse
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
