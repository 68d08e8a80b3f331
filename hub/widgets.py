"""Searchable pickers: one widget and one field for every form field that names a company,
plant, partner firm, supplier or consultant among thousands.

The widget is an ARIA combobox: a text input the user types a name or business number into,
a listbox htmx fills from a lookup route (`hub:plant_lookup`, `hub:organization_lookup`,
`hub:consultant_lookup`, answering only what the user may see, at most `LIMIT` rows), and a
hidden input holding the chosen id. static/js/app.js adds the keyboard (arrows, Enter,
Escape) and fills the hidden input. Without JavaScript the text itself is submitted and the
field resolves it: an id, a business number, or an exact name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from hub import roles
from hub.choices import REGION_KOREAN_NAMES, OrganizationKind, Region, Role
from hub.formats import org_name, person_name, region_name
from hub.models import Organization, Plant
from hub.validators import format_business_number, normalize_business_number

LIMIT = 20
MIN_CHARS = 2
MAX_WORDS = 4


@dataclass(frozen=True)
class Option:
    pk: int
    label: str  # what the input shows once chosen
    meta: str  # business number, region, organisation: what tells two namesakes apart


# --- searching ---------------------------------------------------------------------------------


def search_words(text: str) -> list[str]:
    """The words of a search, at most MAX_WORDS; none when the text is too short to search."""
    text = (text or "").strip()
    if len(text) < MIN_CHARS and not text.isdigit():
        return []
    return text.split()[:MAX_WORDS]


def regions_matching(word: str) -> list[str]:
    """Region codes whose Korean or English name starts with the word ("서울", "경기", "Busan")."""
    word = word.casefold()
    with override("en"):
        english = {code: str(label) for code, label in Region.choices}
    codes = []
    for code, label in Region.choices:
        names = (str(label), english[code], *REGION_KOREAN_NAMES.get(code, ()))
        if any(name.casefold().startswith(word) for name in names):
            codes.append(code)
    return codes


def _digits(word: str) -> str:
    digits = normalize_business_number(word)
    return digits if len(digits) >= 3 and digits.isdigit() else ""


def _organization_word(word: str, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}name__icontains": word}) | Q(**{f"{prefix}name_en__icontains": word})
    if digits := _digits(word):
        q |= Q(**{f"{prefix}business_number__startswith": digits})
    if regions := regions_matching(word):
        q |= Q(**{f"{prefix}region__in": regions})
    return q


def _plant_word(word: str) -> Q:
    q = Q(name__icontains=word) | _organization_word(word, "company__")
    if regions := regions_matching(word):
        q |= Q(region__in=regions)
    return q


def _org_meta(org) -> str:
    parts = (format_business_number(org.business_number or ""), region_name(org.region))
    return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class Lookup:
    """One kind of thing a picker picks: where its suggestions come from and how they read."""

    name: str
    url_name: str
    kind: str | None = None  # organisation kind, for organisation lookups

    def url(self) -> str:
        url = reverse(self.url_name)
        return f"{url}?kind={self.kind}" if self.kind else url

    # The lookups below are bounded: at most LIMIT + 1 rows (one more says "there is more").
    def queryset(self, user):
        if self.url_name == "hub:plant_lookup":
            return Plant.objects.visible_to(user).select_related("company")
        if self.url_name == "hub:organization_lookup":
            orgs = Organization.objects.visible_to(user).filter(is_active=True)
            return orgs.filter(kind=self.kind) if self.kind else orgs
        return consultants_visible_to(user)

    def search(self, user, text: str) -> list:
        words = search_words(text)
        if not words:
            return []
        queryset = self.queryset(user)
        for word in words:
            queryset = queryset.filter(self.word_filter(word))
        return list(queryset.order_by(*self.ordering)[: LIMIT + 1])

    @property
    def ordering(self) -> tuple[str, ...]:
        if self.url_name == "hub:consultant_lookup":
            return ("last_name", "first_name", "username", "pk")
        return ("name", "pk")

    def word_filter(self, word: str) -> Q:
        if self.url_name == "hub:plant_lookup":
            return _plant_word(word)
        if self.url_name == "hub:organization_lookup":
            return _organization_word(word)
        return (
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
            | Q(membership__organization__name__icontains=word)
        )

    def option(self, obj) -> Option:
        if self.url_name == "hub:plant_lookup":
            meta = " · ".join(
                p
                for p in (
                    org_name(obj.company),
                    format_business_number(obj.company.business_number or ""),
                    region_name(obj.region),
                )
                if p
            )
            return Option(obj.pk, obj.name, meta)
        if self.url_name == "hub:organization_lookup":
            return Option(obj.pk, org_name(obj), _org_meta(obj))
        membership = getattr(obj, "membership", None)
        meta = org_name(membership.organization) if membership else ""
        return Option(obj.pk, person_name(obj), meta)


def consultants_visible_to(user):
    """Active consultants, for the agency staff who assign them (nobody else picks one)."""
    users = get_user_model().objects.select_related("membership__organization")
    if not roles.is_agency_staff_or_admin(user):
        return users.none()
    return users.filter(membership__role=Role.CONSULTANT, is_active=True)


LOOKUPS = {
    "plant": Lookup("plant", "hub:plant_lookup"),
    "company": Lookup("company", "hub:organization_lookup", OrganizationKind.SME),
    "partner": Lookup("partner", "hub:organization_lookup", OrganizationKind.PARTNER),
    "supplier": Lookup("supplier", "hub:organization_lookup", OrganizationKind.SUPPLIER),
    "organization": Lookup("organization", "hub:organization_lookup"),
    "consultant": Lookup("consultant", "hub:consultant_lookup"),
}


# --- the widget and the field ------------------------------------------------------------------


class LookupWidget(forms.Widget):
    """A combobox: visible text input (`<name>__q`, id = the field's id so labels and error
    links reach it) + hidden id (`<name>`) + listbox filled by htmx."""

    template_name = "hub/widgets/lookup.html"

    def __init__(self, lookup: Lookup, attrs=None):
        super().__init__(attrs)
        self.lookup = lookup
        self.queryset = None  # set by LookupField

    def value_from_datadict(self, data, files, name):
        chosen = (data.get(name) or "").strip()
        return chosen or (data.get(f"{name}__q") or "").strip()

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}__q" not in data

    def chosen(self, value):
        """The object the value names (a pk), for showing its name; None otherwise."""
        if value in (None, "") or not str(value).isdigit() or self.queryset is None:
            return None
        if isinstance(value, int) or len(str(value)) < 10:
            return self.queryset.filter(pk=int(value)).first()
        return None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        field_id = widget["attrs"].get("id") or f"id_{name}"
        list_id = f"{field_id}-listbox"
        chosen = self.chosen(value)
        option = self.lookup.option(chosen) if chosen is not None else None
        text = option.label if option else ("" if value is None else str(value))
        widget.update(
            list_id=list_id,
            field_id=field_id,
            option=option,
            text=text,
            pk=option.pk if option else "",
            url=self.lookup.url(),
            hx_vals=f'{{"list": "{list_id}"}}',
        )
        return context


class LookupField(forms.ModelChoiceField):
    """A ModelChoiceField picked through a LookupWidget. The submitted value is the chosen id
    (JavaScript) or the typed text (no JavaScript): an id, a business number, or an exact
    name, resolved within the field's queryset."""

    default_error_messages = {
        "invalid_choice": _(
            "Nothing matches “%(value)s”: type a name or number and pick a suggestion."
        ),
        "ambiguous": _("Several match “%(value)s”: type more of the name, or the business number."),
    }

    def __init__(self, queryset, *, lookup: str, **kwargs):
        self.lookup = LOOKUPS[lookup]
        kwargs.setdefault("widget", LookupWidget(self.lookup))
        kwargs.pop("empty_label", None)
        super().__init__(queryset, **kwargs)

    @classmethod
    def replacing(cls, field: forms.ModelChoiceField, lookup: str) -> LookupField:
        """The same field (queryset, label, help, required) with the picker."""
        new = cls(
            field.queryset,
            lookup=lookup,
            required=field.required,
            label=field.label,
            help_text=field.help_text,
            disabled=field.disabled,
            initial=field.initial,
        )
        return new

    def _set_queryset(self, queryset):
        super()._set_queryset(queryset)
        self.widget.queryset = self._queryset

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if self.required:
            attrs["aria-required"] = "true"
        return attrs

    def to_python(self, value: Any):
        if value in self.empty_values:
            return None
        if isinstance(value, self.queryset.model):
            return value
        text = str(value).strip()
        if text.isdigit() and len(text) < 10:
            found = self.queryset.filter(pk=int(text)).first()
            if found is not None:
                return found
        matches = self.resolve_text(text)
        if len(matches) == 1:
            return matches[0]
        code = "ambiguous" if matches else "invalid_choice"
        raise ValidationError(self.error_messages[code], code=code, params={"value": text})

    def resolve_text(self, text: str) -> list:
        digits = normalize_business_number(text)
        model = self.queryset.model
        if len(digits) == 10 and digits.isdigit():
            if model is Plant:
                return list(self.queryset.filter(company__business_number=digits)[:2])
            if model is Organization:
                return list(self.queryset.filter(business_number=digits)[:2])
        if model is Organization:
            return list(self.queryset.filter(Q(name__iexact=text) | Q(name_en__iexact=text))[:2])
        if model is Plant:
            return list(self.queryset.filter(name__iexact=text)[:2])
        return list(self.queryset.filter(username__iexact=text)[:2])

    def has_changed(self, initial, data):
        if self.disabled:
            return False
        initial_value = "" if initial is None else str(getattr(initial, "pk", initial))
        return initial_value != ("" if data is None else str(data))


def use_lookup(form: forms.BaseForm, name: str, lookup: str) -> None:
    """Swap a form's model choice field for the picker, keeping its queryset and texts."""
    if name in form.fields:
        form.fields[name] = LookupField.replacing(form.fields[name], lookup)


def mark_required_if(form: forms.BaseForm, name: str, note, *, when: str = "") -> None:
    """Mark a field required only when another field has a value: the form shows `note`
    next to the label; `when` ("kind=sme") lets the page's script mark it live."""
    if name in form.fields:
        field = form.fields[name]
        field.required_if = note
        if when:
            field.widget.attrs["data-required-when"] = when
