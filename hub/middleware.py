"""Language choice: Korean unless the user picked another language with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, which shows English
to anyone whose browser is set to English. The program's working language is Korean, so
only the language cookie written by the switch (`/i18n/setlang/`) changes it.

Korean pages and API answers also get their particles chosen by the word: the catalogue's
messages write "을(를)" where the word is only known when the message is formatted, and
`hub.particles.resolve` picks the form that word takes ("공장을", "OEE를").

The two-step sign-in gate (`MfaMiddleware`, hub/mfa.py) lives here too.
"""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from hub import mfa, particles

# Answers whose text is read by people: pages, htmx fragments and the API's messages.
READABLE_TYPES = ("text/html", "application/json", "text/plain")


class LanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        if language == "ko":
            _resolve_particles(response)
        return response


def _resolve_particles(response) -> None:
    if getattr(response, "streaming", False):
        return
    content_type = response.headers.get("Content-Type", "")
    if not content_type.startswith(READABLE_TYPES):
        return
    # JSON is UTF-8 by definition; text must say so.
    if not content_type.startswith("application/json") and "utf-8" not in content_type.lower():
        return
    try:
        text = response.content.decode("utf-8")
    except UnicodeDecodeError:
        return
    resolved = particles.resolve(text)
    if resolved != text:
        response.content = resolved.encode("utf-8")
        if "Content-Length" in response.headers:
            response.headers["Content-Length"] = str(len(response.content))


class MfaMiddleware:
    """A signed-in session that still owes its second step (hub.mfa) reaches only the
    two-step pages, sign-out, the language switch, static files and the health check; pages
    redirect to the second step (or to setting it up, for a role that must use it), API
    calls answer 403 with a JSON message. After django_otp's OTPMiddleware."""

    OPEN_PREFIXES = ("/accounts/two-step/", "/accounts/logout/", "/i18n/", "/jsi18n/")
    OPEN_PATHS = ("/healthz",)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (
            path.startswith(self.OPEN_PREFIXES)
            or path in self.OPEN_PATHS
            or path.startswith(settings.STATIC_URL)
            or not mfa.owes_second_step(request)
        ):
            return self.get_response(request)
        if path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Finish signing in with your second step first.")}, status=403
            )
        target = "hub:mfa_verify" if mfa.has_device(request.user) else "hub:mfa_setup"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
