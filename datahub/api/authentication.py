"""Bearer authentication with a data source's write-only token (`sfh_<prefix>_<secret>`).

Only the ingest endpoint uses it, and it accepts nothing else: a session or a member's API
token is not a source token. A missing, unknown, revoked or expired token answers 401 with
``WWW-Authenticate: Bearer``; a revoked token is refused from the next request on (tokens are
read from the database on every request, never cached). Guessing is limited per client
address and per token prefix (429 with Retry-After, `datahub.services.token_guard`)."""

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from datahub.models import SourceToken
from datahub.services import sources, token_guard

KEYWORD = "Bearer"


class SourceTokenAuthentication(BaseAuthentication):
    """request.auth is the SourceToken (its source and plant loaded); request.user stays
    anonymous: a token acts for its source, not for a person."""

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send the header as: Authorization: Bearer <token>.")
            )
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        try:
            token = sources.authenticate(raw, client=BaseThrottle().get_ident(request))
        except token_guard.TooManyFailures as refused:
            raise exceptions.Throttled(
                wait=refused.wait,
                detail=str(_("Too many failed token checks from here or for this token.")),
            ) from None
        if token is None:
            raise exceptions.AuthenticationFailed(
                _("Invalid, revoked or expired token, or the data source is inactive.")
            )
        return AnonymousUser(), token

    def authenticate_header(self, request):
        return f'{KEYWORD} realm="api"'


class HasSourceToken(BasePermission):
    message = _("A data source token is needed (Authorization: Bearer <token>).")

    def has_permission(self, request, view):
        return isinstance(request.auth, SourceToken)


class SourceTokenScheme(OpenApiAuthenticationExtension):
    target_class = SourceTokenAuthentication
    name = "sourceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A data source token (sfh_<prefix>_<secret>), shown once when issued.",
        }
