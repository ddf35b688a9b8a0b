"""A renderer for API views that answer a file (an image, a CSV), so that a client may ask for its type.

DRF negotiates the answer's type against its renderers before the view runs: `Accept: image/png` on a view
with only JSON renderers is refused with 406, though the view would send a PNG. Listed after the JSON
renderer, this one accepts any type; the file goes out as the view made it (a Django response, which no
renderer touches), and a refusal (a dict) goes out as JSON, whatever was asked.
"""

from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings


class FileOrRefusalRenderer(JSONRenderer):
    media_type = "*/*"
    format = "json"  # what it writes when it writes at all; no ?format= of its own

    def render(self, data, accepted_media_type=None, renderer_context=None):
        response = (renderer_context or {}).get("response")
        if response is not None:
            response["Content-Type"] = "application/json"
        return super().render(data, "application/json", renderer_context)


FILE_RENDERERS = [*api_settings.DEFAULT_RENDERER_CLASSES, FileOrRefusalRenderer]
