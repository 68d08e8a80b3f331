"""The "Data hub" navigation entry and home page of SME members (registered with
hub.extensions when DatahubConfig.ready imports this module)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hub import extensions, roles


def nav(user) -> list[tuple[str, str]]:
    if roles.is_sme_member(user):
        return [(_("Data hub"), reverse("datahub:home"))]
    if roles.sees_everything(user):
        # Agency staff, officials and administrators.
        return [
            (_("Follow-up"), reverse("datahub:followups")),
            (_("Early warnings"), reverse("datahub:warnings")),
            (_("Peer tables"), reverse("datahub:benchmark_table")),
        ]
    return []


def datasets_nav(user) -> list[tuple[str, str]]:
    """Research datasets: officials and agency staff (datahub.views.datasets)."""
    from datahub.services.datasets import can_see

    if can_see(user):
        return [(_("Research datasets"), reverse("datahub:datasets"))]
    return []


def home(user) -> str | None:
    """An SME member's home page is its data hub home."""
    if roles.is_sme_member(user):
        return reverse("datahub:home")
    return None


# Registered on import (DatahubConfig.ready imports this module); register() adds each once.
extensions.register(extensions.nav_items, nav)
extensions.register(extensions.nav_items, datasets_nav)
extensions.register(extensions.home_redirects, home)
