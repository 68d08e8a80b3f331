"""FilterSets of the data hub, shared by its pages and the API. Choices of plants and sources
are restricted to what the caller sees: an invisible id reads like a missing one."""

import datetime as dt

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from datahub.choices import Granularity, Purpose, QuantityKind, SourceKind
from datahub.models import (
    AccessLogEntry,
    Consent,
    DataSource,
    EarlyWarning,
    KpiDefinition,
    Series,
    WarningKind,
    WarningStatus,
)
from hub.choices import OrganizationKind, Region
from hub.filtersets import search_filters
from hub.models import Organization, Plant
from programs.models import Program, Project


def _plants(request):
    return Plant.objects.all() if request is None else Plant.objects.visible_to(request.user)


def _sources(request):
    qs = DataSource.objects.all()
    return qs if request is None else qs.visible_to(request.user)


# Dates at the ends of the calendar bound nothing (and would overflow once in UTC).
EARLIEST, LATEST = dt.date(1, 1, 2), dt.date(9999, 12, 30)


def _day_start(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the active time zone (Asia/Seoul by default)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class KpiDefinitionFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=QuantityKind.choices, label=_("Kind"))

    class Meta:
        model = KpiDefinition
        fields = ["kind"]


class DataSourceFilterSet(django_filters.FilterSet):
    plant = django_filters.ModelChoiceFilter(queryset=_plants, label=_("Plant"))
    kind = django_filters.ChoiceFilter(choices=SourceKind.choices, label=_("Kind"))
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = DataSource
        fields = ["plant", "kind", "is_active"]


class SeriesFilterSet(django_filters.FilterSet):
    plant = django_filters.ModelChoiceFilter(queryset=_plants, label=_("Plant"))
    source = django_filters.ModelChoiceFilter(queryset=_sources, label=_("Data source"))
    kpi = django_filters.CharFilter(field_name="kpi__code", label=_("KPI code"))
    granularity = django_filters.ChoiceFilter(choices=Granularity.choices, label=_("Granularity"))

    class Meta:
        model = Series
        fields = ["plant", "source", "kpi", "granularity"]


class ConsentFilterSet(django_filters.FilterSet):
    plant = django_filters.ModelChoiceFilter(queryset=_plants, label=_("Plant"))
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, label=_("Purpose"))
    active = django_filters.BooleanFilter(method="filter_active", label=_("Active now"))

    class Meta:
        model = Consent
        fields = ["plant", "purpose", "active"]

    def filter_active(self, queryset, name, value):
        if value is None:
            return queryset
        active = Consent.objects.active().values("pk")
        return queryset.filter(pk__in=active) if value else queryset.exclude(pk__in=active)


class AccessLogFilterSet(django_filters.FilterSet):
    plant = django_filters.ModelChoiceFilter(queryset=_plants, label=_("Plant"))
    purpose = django_filters.ChoiceFilter(choices=Purpose.choices, label=_("Purpose"))
    since = django_filters.DateFilter(
        method="filter_since", label=_("From (date, inclusive, Asia/Seoul)")
    )
    until = django_filters.DateFilter(
        method="filter_until", label=_("Until (date, inclusive, Asia/Seoul)")
    )

    class Meta:
        model = AccessLogEntry
        fields = ["plant", "purpose", "since", "until"]

    def filter_since(self, queryset, name, value):
        if value <= EARLIEST:
            return queryset
        return queryset.filter(at__gte=_day_start(value))

    def filter_until(self, queryset, name, value):
        if value >= LATEST:
            return queryset
        return queryset.filter(at__lt=_day_start(value + dt.timedelta(days=1)))


def _programs(request):
    qs = Program.objects.order_by("-year", "name_ko")
    return qs if request is None else qs.visible_to(request.user)


def _agencies(request):
    qs = Organization.objects.filter(kind=OrganizationKind.AGENCY).order_by("name")
    return qs if request is None else qs.visible_to(request.user)


@extend_schema_field(OpenApiTypes.INT)
class _ByIdFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter filtering through a method: an id in the schema."""


class EarlyWarningFilterSet(django_filters.FilterSet):
    """The early-warning queue's filters (the page and GET /api/v1/warnings/): kind, status,
    plant, the plant's region, and a program or operating agency the plant has a project in."""

    q, search = search_filters(
        text=("plant__name", "plant__company__name"),
        business_number=("plant__company__business_number",),
        region=("plant__region",),
        industry=("plant__industry",),
        described=_(
            "Words separated by spaces, each matching the plant name, the company name, the "
            "business number, the region or the industry."
        ),
    )
    kind = django_filters.ChoiceFilter(choices=WarningKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=WarningStatus.choices, label=_("Status"))
    plant = django_filters.ModelChoiceFilter(queryset=_plants, label=_("Plant"))
    region = django_filters.ChoiceFilter(
        field_name="plant__region", choices=Region.choices, label=_("Region")
    )
    program = _ByIdFilter(queryset=_programs, method="filter_program", label=_("Program"))
    agency = _ByIdFilter(queryset=_agencies, method="filter_agency", label=_("Operating agency"))

    class Meta:
        model = EarlyWarning
        fields = ["q", "search", "kind", "status", "plant", "region", "program", "agency"]

    def filter_program(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(
            plant_id__in=Project.objects.filter(program=value).values("plant_id")
        )

    def filter_agency(self, queryset, name, value):
        if value is None:
            return queryset
        plants = Project.objects.filter(program__agency=value).values("plant_id")
        return queryset.filter(plant_id__in=plants)
