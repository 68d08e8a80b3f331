"""A URL under /api/ that matches no route answers like the API does (JSON `detail`), not
with the HTML page meant for browsers: e.g. /api/v1/plants/1.5/ or /api/v1/nothing/."""

from django.http import JsonResponse
from django.views import defaults
from rest_framework.exceptions import NotFound


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
