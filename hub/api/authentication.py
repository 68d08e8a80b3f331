"""API token authentication that loads the user's membership with the token."""

from types import SimpleNamespace

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from hub import roles


class MembershipTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, with the user's membership and organisation joined into
    the token query: every API request needs them (hub.roles) and would otherwise spend a
    second query on them."""

    def get_model(self):
        return SimpleNamespace(
            objects=Token.objects.select_related("user__membership__organization"),
            DoesNotExist=Token.DoesNotExist,
        )

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        try:
            membership = user.membership
        except ObjectDoesNotExist:
            membership = None
        roles.remember_membership(user, membership)
        return user, token
