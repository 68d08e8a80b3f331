"""FilterSets shared by the program pages, CSV exports and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hub.choices import Industry, OrganizationKind, Region
from hub.filtersets import IdFilter, OrderingFilter
from hub.models import Organization
from programs.choices import Indicator, ProgramKind, ProjectStatus, TargetLevel
from programs.models import KPI, Program, Project


def _partners(request):
    qs = Organization.objects.filter(kind=OrganizationKind.PARTNER)
    return qs if request is None else qs.visible_to(request.user)


def _agencies(request):
    return Organization.objects.filter(kind=OrganizationKind.AGENCY)


def _programs(request):
    return Program.objects.all() if request is None else Program.objects.visible_to(request.user)


class ProgramFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    year = IdFilter(label=_("Year"))
    kind = django_filters.ChoiceFilter(choices=ProgramKind.choices, label=_("Kind"))
    agency = django_filters.ModelChoiceFilter(queryset=_agencies, label=_("Operating agency"))
    partner = django_filters.ModelChoiceFilter(
        queryset=_partners,
        field_name="commitments__partner",
        distinct=True,
        label=_("Partner firm"),
    )
    ordering = OrderingFilter(
        fields=(("year", "year"), ("name_ko", "name"), ("budget", "budget")),
        label=_("Sort by"),
    )

    class Meta:
        model = Program
        fields = ["q", "year", "kind", "agency", "partner"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(name_ko__icontains=value) | Q(name_en__icontains=value))


class ProjectFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    program = django_filters.ModelChoiceFilter(queryset=_programs, label=_("Program"))
    year = IdFilter(field_name="program__year", label=_("Year"))
    status = django_filters.MultipleChoiceFilter(choices=ProjectStatus.choices, label=_("Status"))
    partner = django_filters.ModelChoiceFilter(queryset=_partners, label=_("Partner firm"))
    region = django_filters.ChoiceFilter(
        field_name="plant__region", choices=Region.choices, label=_("Region")
    )
    industry = django_filters.ChoiceFilter(
        field_name="plant__industry", choices=Industry.choices, label=_("Industry")
    )
    target_level = django_filters.ChoiceFilter(
        choices=TargetLevel.choices, label=_("Target system level")
    )
    plant = IdFilter(field_name="plant_id", label=_("Plant"))
    ordering = OrderingFilter(
        fields=(
            ("applied_on", "applied"),
            ("completed_on", "completed"),
            ("plant__name", "plant"),
            ("total_cost", "cost"),
            ("status", "status"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Project
        fields = [
            "q",
            "program",
            "year",
            "status",
            "partner",
            "region",
            "industry",
            "target_level",
            "plant",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(plant__name__icontains=value)
            | Q(plant__company__name__icontains=value)
            | Q(reference__icontains=value)
        )


class KPIFilterSet(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", label=_("Project"))
    program = IdFilter(field_name="project__program_id", label=_("Program"))
    indicator = django_filters.ChoiceFilter(choices=Indicator.choices, label=_("Indicator"))
    partner = django_filters.ModelChoiceFilter(
        queryset=_partners, field_name="project__partner", label=_("Partner firm")
    )

    class Meta:
        model = KPI
        fields = ["project", "program", "indicator", "partner"]
