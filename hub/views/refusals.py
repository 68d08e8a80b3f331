"""How pages say no, in one place for every app.

- Invisible (not in `visible_to(user)`): 404, as if the object did not exist
  (`hub.views.mixins`).
- Visible but not the role's to change: services and views raise `PermissionDenied` (403).
- Refused in the object's current state (a service's ValidationError after a button):
  `refuse` puts the reasons in messages and goes back to a page that shows them.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect


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
