"""The "Progress" navigation entry (registered in ProgramsConfig.ready through
hub.extensions): agency staff, officials, admins and partner members (who see their own
plants' progress)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hub import roles
from hub.choices import Role


def nav(user) -> list[tuple[str, str]]:
    if roles.sees_everything(user) or roles.role_of(user) == Role.PARTNER_MEMBER:
        return [(_("Progress"), reverse("progress:dashboard"))]
    return []
