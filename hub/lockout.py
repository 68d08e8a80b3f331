"""Login throttling with django-axes: who is locked out, and what they are told.

Settings (hub/settings.py) lock one username from one address after LOGIN_FAILURE_LIMIT
failures for LOGIN_LOCKOUT_MINUTES. This module holds the pieces Axes calls back into:
the authentication backend, the client address and the lockout answer (a page for people,
JSON for the API), plus the API token view that answers a lockout the same way.
"""

from axes.backends import AxesBackend
from axes.helpers import get_cool_off
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from hub import mfa


class LockoutBackend(AxesBackend):
    """Refuses every login of a locked-out username and address (before any password check);
    otherwise leaves the password check to the next backend (ModelBackend). Being a
    ModelBackend itself, it can also be named as a session's backend (it loads the user).

    A login without an HTTP request (Django's test client, a shell) has no client to throttle
    and goes straight to the next backend; every login over HTTP passes its request (the
    login form, the admin login and the API token view all do)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip(request) -> str | None:
    """The client's address: the connection's own, or behind TRUSTED_PROXY_COUNT proxies the
    entry those proxies appended to X-Forwarded-For (entries further left are the client's
    word and could be forged)."""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= count:
            return hops[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_minutes(request=None) -> int:
    cool_off = get_cool_off(request)
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_message(request=None) -> str:
    minutes = lockout_minutes(request)
    if minutes:
        return _(
            "Too many failed logins for this account. Logging in is locked for "
            "%(minutes)s minutes; please try again later."
        ) % {"minutes": minutes}
    return _("Too many failed logins for this account. Ask an administrator to unlock it.")


def _wants_json(request) -> bool:
    return (
        request.path.startswith("/api/")
        or request.headers.get("x-requested-with") == "XMLHttpRequest"
        or "application/json" in request.headers.get("accept", "")
    )


def lockout_response(request, original_response=None, credentials=None):
    """What a locked-out login gets: 429 with the lockout page, or JSON for API clients."""
    message = lockout_message(request)
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status.HTTP_429_TOO_MANY_REQUESTS)
    return render(
        request,
        "registration/locked_out.html",
        {"message": message, "minutes": lockout_minutes(request)},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )


class TokenRequestSerializer(AuthTokenSerializer):
    otp = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=32,
        help_text=_lazy(
            "For users who sign in with two steps: the authenticator app's current code or a "
            "recovery code."
        ),
    )


class TokenLoginView(ObtainAuthToken):
    """Exchange a username and password for an API token. Repeated failed logins lock the
    username from the caller's address for a while (as on the login page): the answer is then
    429 with a message, even for the right password. A user who signs in with two steps
    (hub.mfa) also sends `otp`: the authenticator's current code or a recovery code."""

    serializer_class = TokenRequestSerializer

    def post(self, request, *args, **kwargs):
        try:
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # Axes marks the request it was given: here DRF's request, not Django's.
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": lockout_message(request)},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise
        user = serializer.validated_data["user"]
        if mfa.has_device(user):
            code = serializer.validated_data.get("otp") or ""
            if not code:
                raise ValidationError(
                    {"otp": [_("Send the code of your authenticator app as otp.")]}
                )
            if mfa.match(user, code) is None:
                raise ValidationError({"otp": [_("That code is not valid. Try the next one.")]})
        elif mfa.is_required(user):
            return Response(
                {"detail": _("Set up two-step sign-in on the website before asking for a token.")},
                status=status.HTTP_403_FORBIDDEN,
            )
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
