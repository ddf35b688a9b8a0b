"""A page, not Chromium's own error, for an address opened that only a button may use.

Django answers a GET on a view that takes POST only (log out, train a dataset, close a study) with an
empty 405, which a browser shows as "This page isn't working". A bookmarked or typed address of such a
button then reads as a broken app. This middleware gives those answers a page saying what the address is
and where to go; the status and its Allow header stay, and API answers (JSON) are left as they are.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


class MethodNotAllowedPage:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content or request.path.startswith("/api/"):
            return response
        page = TemplateResponse(request, "405.html", {"allowed": response.get("Allow", "")}, status=405)
        page["Allow"] = response.get("Allow", "")
        return page.render()
