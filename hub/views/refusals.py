"""How pages say no, in one place for every app.

- Invisible (not in `visible_to(user)`): 404, as if the object did not exist
  (`hub.views.mixins`).
- Visible but not the role's to change: services and views raise `PermissionDenied`; the root
  URLconf's handler403 answers `permission_denied`: the 403 page, or, for an htmx request, a
  small message swapped into the page's refusal area (`#refusals` in base.html), so a button
  or field that asked for a fragment does not get a whole error page pasted into it.
- Refused in the object's current state (a service's ValidationError after a button):
  `refuse` puts the reasons in messages and goes back to a page that shows them.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import csrf, defaults

REFUSAL_TARGET = "#refusals"


def htmx_refusal(request, message: str) -> HttpResponse:
    """The refusal (403) as a fragment for the page's refusal area. htmx is configured
    (base.html) to swap 403 answers; these headers say where."""
    html = render_to_string("partials/refusal.html", {"message": message}, request=request)
    response = HttpResponse(html, status=403)
    response["HX-Retarget"] = REFUSAL_TARGET
    response["HX-Reswap"] = "innerHTML"
    return response


def permission_denied(request, exception):
    """handler403: every PermissionDenied raised by a page ends here."""
    if getattr(request, "htmx", False):
        message = str(exception) or _("Your role may not do this.")
        return htmx_refusal(request, message)
    return defaults.permission_denied(request, exception)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: also a 403, so an htmx request gets the fragment too."""
    if getattr(request, "htmx", False):
        return htmx_refusal(request, _("This page has expired. Reload it and try again."))
    return csrf.csrf_failure(request, reason)


def refuse(request, exc: ValidationError, url: str):
    """A service refused an action in the object's current state: say why and go to `url`.
    An htmx request gets 400 and is sent there by HX-Redirect, so a stale page never swaps
    in nonsense."""
    for message in exc.messages:
        messages.error(request, message)
    if getattr(request, "htmx", False):
        response = HttpResponse(status=400)
        response["HX-Redirect"] = url
        return response
    return redirect(url)
