"""Navigation entries of the ledger and the partner portfolio (registered in
ProgramsConfig.ready through hub.extensions; the portfolio is the first action of a partner
member's home page, programs.home)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hub import roles


def nav(user) -> list[tuple[str, str]]:
    """ "Ledger" for agency staff, officials and admins; "Portfolio" for partner members."""
    if roles.is_partner_member(user):
        return [(_("Portfolio"), reverse("programs:portfolio"))]
    if roles.sees_everything(user):
        return [(_("Ledger"), reverse("programs:ledger"))]
    return []
