"""Suggestions for the searchable pickers (hub/widgets.py): a few <li role="option"> rows for
the combobox's listbox. Each answers only what the user may see (`visible_to`), searches by
every word typed (name, business number, region; a consultant's name or firm), and returns
at most `widgets.LIMIT` rows."""

import re

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views import View

from hub import roles, widgets
from hub.choices import OrganizationKind

_LIST_ID = re.compile(r"^[A-Za-z][\w-]{0,80}$")


def search_text(params) -> str:
    """`q`, or the picker's own text input (`<field>__q`, as htmx sends it)."""
    if "q" in params:
        return params["q"]
    for key, value in params.items():
        if key.endswith("__q"):
            return value
    return ""


class LookupView(LoginRequiredMixin, View):
    lookup_name = ""

    def lookup(self, request) -> widgets.Lookup:
        return widgets.LOOKUPS[self.lookup_name]

    def get(self, request):
        lookup = self.lookup(request)
        text = search_text(request.GET)
        found = lookup.search(request.user, text)
        list_id = request.GET.get("list", "")
        return render(
            request,
            "partials/lookup_options.html",
            {
                "options": [lookup.option(obj) for obj in found[: widgets.LIMIT]],
                "more": len(found) > widgets.LIMIT,
                "limit": widgets.LIMIT,
                "searched": bool(widgets.search_words(text)),
                "list_id": list_id if _LIST_ID.match(list_id) else "lookup",
            },
        )


class PlantLookupView(LookupView):
    """Plants by name, company, business number or region."""

    lookup_name = "plant"


class OrganizationLookupView(LookupView):
    """Organisations (`?kind=sme|partner|supplier|…`) by name, business number or region."""

    def lookup(self, request):
        kind = request.GET.get("kind", "")
        if kind in OrganizationKind.values:
            return widgets.Lookup("organization", "hub:organization_lookup", kind)
        return widgets.LOOKUPS["organization"]


class ConsultantLookupView(LookupView):
    """Consultants by name or firm; only agency staff assign them, so only they may ask."""

    lookup_name = "consultant"

    def get(self, request):
        if not roles.is_agency_staff_or_admin(request.user):
            raise PermissionDenied
        return super().get(request)
