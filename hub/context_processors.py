"""Navigation entries for the signed-in user's role."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hub import extensions, roles


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "current_membership": None}
    items = [(_("Home"), reverse("home"))]
    membership = roles.membership_of(user)
    runs_program = roles.is_agency_staff_or_admin(user)
    if roles.is_member(user):
        items.append((_("Plants"), reverse("hub:plant_list")))
        items.append((_("Organisations"), reverse("hub:organization_list")))
        items.append((_("Mentorships"), reverse("hub:mentorship_list")))
    if runs_program:
        items.append((_("Import plants"), reverse("hub:plant_import")))
    for more_items in extensions.nav_items:
        items.extend(more_items(user))
    if runs_program:
        items.append((_("Audit log"), reverse("audit-list")))
    if roles.is_member(user):
        items.append((_("API"), reverse("api_docs")))
    if roles.is_admin(user):
        items.append((_("Administration"), reverse("admin:index")))
    return {
        "nav_items": items,
        "current_membership": membership,
        "can_edit_registry": runs_program,
        "can_see_audit": runs_program,
    }
