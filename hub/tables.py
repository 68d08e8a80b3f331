"""The columns of each list: what a page shows, what its export writes, which ones a user
chose. A `Table` names its columns once (label, value as shown on the page, the sort
parameter of its header, shown by default or not); the page renders the chosen ones, the
page's CSV/XLSX export writes the same chosen columns with the page's filters, search and
sort, and the API's `?format=csv` writes every column.

The choice is remembered per user in the session, per table (`?columns=a&columns=b` from the
page's column chooser; `?columns=default` goes back to the defaults). At most about eight
columns are shown by default. Exports always write every column: a download is the complete
record of the rows the page lists, whatever the screen shows."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hub.exports import export_response
from hub.formats import level_name

SESSION_KEY = "list_columns"
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation
    value: Callable[[Any], Any]  # the value as the page shows it (names, not ids)
    default: bool = True
    sort: str = ""  # the OrderingFilter parameter of its header, if it sorts
    numeric: bool = False


class Table:
    """A list's columns. Subclasses set `key` (remembered choices), `columns`, the joins the
    values need (`select_related`, `prefetch_related`) and the export's file name `stem`."""

    key = ""
    stem = "export"
    title = ""
    columns: tuple[Column, ...] = ()
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple = ()
    defer: tuple[str, ...] = ()  # large columns no cell shows (JSON documents)

    def __init__(self, extra: Iterable[Column] = ()):
        self.all_columns = (*self.columns, *extra)
        self.by_key = {c.key: c for c in self.all_columns}

    # --- which columns -------------------------------------------------------------------

    def defaults(self) -> list[Column]:
        return [c for c in self.all_columns if c.default]

    def chosen(self, request) -> list[Column]:
        """The user's columns: from `?columns=` (then remembered in the session), else those
        remembered, else the defaults. Unknown keys are ignored; an empty choice is the
        defaults."""
        asked = request.GET.getlist("columns")
        remembered = request.session.get(SESSION_KEY, {}) if hasattr(request, "session") else {}
        if asked:
            keys = [] if "default" in asked else [k for k in asked if k in self.by_key]
            if hasattr(request, "session"):
                remembered = dict(remembered)
                if keys:
                    remembered[self.key] = keys
                else:
                    remembered.pop(self.key, None)
                request.session[SESSION_KEY] = remembered
        else:
            keys = [k for k in remembered.get(self.key, []) if k in self.by_key]
        if not keys:
            return self.defaults()
        return [c for c in self.all_columns if c.key in keys]

    # --- export ----------------------------------------------------------------------------

    def export_queryset(self, queryset):
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        if self.defer:
            queryset = queryset.defer(*self.defer)
        return queryset

    def rows(self, queryset, columns: list[Column]):
        # Read in chunks: a bounded number of queries (prefetches run once per chunk) and
        # never the whole list in memory.
        for obj in self.export_queryset(queryset).iterator(chunk_size=EXPORT_CHUNK):
            yield [column.value(obj) for column in columns]

    def export(self, fmt: str, queryset, columns: list[Column] | None = None):
        columns = list(self.all_columns) if columns is None else columns
        header = [str(c.label) for c in columns]
        return export_response(
            fmt, self.stem, header, self.rows(queryset, columns), title=self.title or self.stem
        )


def _labels(model, field: str) -> dict:
    """{code: label} of a choice field in the active language (Django's get_FOO_display
    rebuilds and hashes every lazy label on each call: too slow for thousands of rows)."""
    language = translation.get_language()
    key = (model, field, language)
    labels = _LABELS.get(key)
    if labels is None:
        choices = model._meta.get_field(field).flatchoices
        labels = _LABELS[key] = {code: str(label) for code, label in choices}
    return labels


_LABELS: dict = {}


def _label(obj, field: str):
    value = getattr(obj, field)
    if value in (None, ""):
        return value
    return _labels(type(obj), field).get(value, value)


def display(field: str) -> Callable[[Any], Any]:
    """The value of a choice field as shown (its label in the active language)."""
    return lambda obj: _label(obj, field)


def display_of(relation: str, field: str) -> Callable[[Any], Any]:
    """The shown value of a choice field of a related object (empty without it)."""

    def get(obj):
        related = getattr(obj, relation, None)
        return _label(related, field) if related is not None else None

    return get


def attr(path: str, default=None) -> Callable[[Any], Any]:
    """`a.b.c` of the object, or `default` where a link of the chain is empty."""
    parts = path.split(".")

    def get(obj):
        for part in parts:
            obj = getattr(obj, part, None)
            if obj is None:
                return default
        return obj() if callable(obj) else obj

    return get


# --- the registry's lists ------------------------------------------------------------------


def _plant_level(plant) -> str:
    if plant.current_level is None:
        return ""
    label = level_name(plant.current_level)
    if plant.level_expired:
        return f"{label} · {gettext('expired')}"
    return label


class PlantTable(Table):
    key = "plants"
    stem = "plants"
    title = _("Plants")
    select_related = ("company",)
    columns = (
        Column("name", _("Plant"), attr("name"), sort="name"),
        Column("company", _("Company"), attr("company.name"), sort="company"),
        Column("business_number", _("Business number"), attr("company.business_number_display")),
        Column("region", _("Region"), display("region"), sort="region"),
        Column("industry", _("Industry"), display("industry"), sort="industry"),
        Column("employees", _("Employees"), attr("employees"), sort="employees", numeric=True),
        Column("level", _("Level"), _plant_level, sort="level", numeric=True),
        Column("status", _("Status"), display("status")),
        Column("address", _("Address"), attr("address"), default=False),
        Column(
            "factory_registration_number",
            _("Factory registration number"),
            attr("factory_registration_number"),
            default=False,
        ),
        Column("size", _("Company size"), display_of("company", "size_class"), default=False),
        Column(
            "level_valid_until", _("Level valid until"), attr("level_valid_until"), default=False
        ),
        Column("created", _("Registered"), attr("created_at"), sort="created", default=False),
    )


class OrganizationTable(Table):
    key = "organizations"
    stem = "organisations"
    title = _("Organisations")
    columns = (
        Column("name", _("Name"), attr("name"), sort="name"),
        Column("kind", _("Kind"), display("kind"), sort="kind"),
        Column("business_number", _("Business number"), attr("business_number_display")),
        Column("size_class", _("Size class"), display("size_class")),
        Column("region", _("Region"), display("region")),
        Column("employees", _("Employees"), attr("employees"), sort="employees", numeric=True),
        Column("name_en", _("English name"), attr("name_en"), default=False),
        Column("address", _("Address"), attr("address"), default=False),
        Column(
            "revenue",
            _("Revenue (million KRW)"),
            attr("revenue_million_krw"),
            numeric=True,
            default=False,
        ),
        Column(
            "active",
            _("Active"),
            lambda o: gettext("yes") if o.is_active else gettext("no"),
            default=False,
        ),
        Column("created", _("Registered"), attr("created_at"), sort="created", default=False),
    )


class MentorshipTable(Table):
    key = "mentorships"
    stem = "mentorships"
    title = _("Mentorships")
    select_related = ("partner", "plant", "plant__company")
    columns = (
        Column("partner", _("Partner firm"), attr("partner.name"), sort="partner"),
        Column("plant", _("Plant"), attr("plant.name"), sort="plant"),
        Column("company", _("Company"), attr("plant.company.name")),
        Column("region", _("Region"), display_of("plant", "region")),
        Column("start", _("Start"), attr("start_date"), sort="start"),
        Column("end", _("End"), attr("end_date"), sort="end"),
        Column(
            "business_number",
            _("Business number"),
            attr("plant.company.business_number_display"),
            default=False,
        ),
        Column("notes", _("Notes"), attr("notes"), default=False),
    )
