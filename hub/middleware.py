"""Language choice: Korean unless the user picked another language with the switch.

Django's LocaleMiddleware would follow the browser's Accept-Language, which shows English
to anyone whose browser is set to English. The program's working language is Korean, so
only the language cookie written by the switch (`/i18n/setlang/`) changes it.

Korean pages and API answers also get their particles chosen by the word: the catalogue's
messages write "을(를)" where the word is only known when the message is formatted, and
`hub.particles.resolve` picks the form that word takes ("공장을", "OEE를").
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers

from hub import particles

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
