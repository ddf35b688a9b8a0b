"""A renderer for API views that answer a file (an image, a CSV), so that a client may ask for its type.

DRF negotiates the answer's type against its renderers before the view runs: `Accept: image/png` on a view
with only JSON renderers is refused with 406, though the view would send a PNG. Listed after the JSON
renderer, this one accepts any type; the file goes out as the view made it (a Django response, which no
renderer touches), and a refusal (a dict) goes out as JSON, whatever was asked. Which of its types the file
goes out as is the view's choice, by `file_type` from the client's Accept header.
"""

from collections.abc import Sequence

from drf_spectacular.utils import OpenApiResponse
from rest_framework.exceptions import NotAcceptable
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings

NOT_ACCEPTABLE = OpenApiResponse(
    description="the Accept header asks for none of the types this file comes in"
)


class FileOrRefusalRenderer(JSONRenderer):
    media_type = "*/*"
    format = "json"  # what it writes when it writes at all; no ?format= of its own

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return super().render(data, "application/json", renderer_context)


FILE_RENDERERS = [*api_settings.DEFAULT_RENDERER_CLASSES, FileOrRefusalRenderer]


def file_type(request: Request, offered: Sequence[str]) -> str:
    """The one of `offered` media types the client's Accept header prefers (the first where it accepts any,
    or sends none); 406, answered as JSON, where it accepts none of them."""
    offered = list(dict.fromkeys(offered))
    chosen = request._request.get_preferred_type(offered)
    if chosen is None:
        raise NotAcceptable(
            f"This file comes as {' or '.join(offered)}, which the request's Accept header does not take."
        )
    return str(chosen)
