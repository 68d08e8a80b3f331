"""Error answers. A URL under /api/ that matches no route answers like the API does (JSON
`detail`), not with the HTML page meant for browsers: e.g. /api/v1/plants/1.5/ or
/api/v1/nothing/. A database that does not answer is a 503 with Retry-After, not a 500."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.translation import get_language, gettext
from django.views import defaults
from rest_framework.exceptions import NotFound


def not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)


# --- the database unreachable for a moment ---------------------------------------------------

# How long a client is told to wait when the database did not answer (it restarted, or a
# connection was cut): long enough for a restart, short enough not to stall a gateway.
RETRY_AFTER_SECONDS = 5

_UNAVAILABLE_PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{detail}</p></body></html>"""


def unavailable(request) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, a page built without the database otherwise
    (the site's layout reads the navigation and the user's membership from it)."""
    detail = gettext(
        "The database did not answer for a moment. Nothing was saved from this request; "
        "send it again in %(n)d seconds."
    ) % {"n": RETRY_AFTER_SECONDS}
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": detail, "code": "unavailable", "retry_after": RETRY_AFTER_SECONDS},
            status=503,
        )
    else:
        page = _UNAVAILABLE_PAGE.format(
            lang=get_language() or "ko",
            title=escape(gettext("Try again in a moment")),
            detail=escape(detail),
        )
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request):
    """handler500: a database that did not answer (OperationalError, InterfaceError: a
    restart, a cut connection, a lock or serialisation failure) is a 503 the client may
    retry — the request's transaction was rolled back, so a retry with the same
    Idempotency-Key stores its rows once. Anything else is the usual 500 (JSON under /api/)."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return unavailable(request)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": gettext("Server error.")}, status=500)
    return defaults.server_error(request)
