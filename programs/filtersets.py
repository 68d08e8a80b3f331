"""FilterSets shared by the program pages, CSV exports and the API."""

import django_filters
from django.utils.translation import gettext_lazy as _

from hub.choices import Industry, OrganizationKind, Region
from hub.filtersets import IdFilter, OrderingFilter, search_filters
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
    q, search = search_filters(
        text=("name_ko", "name_en", "agency__name", "agency__name_en"),
        described=_(
            "Words separated by spaces, each matching the program name (Korean or English) "
            "or the operating agency."
        ),
    )
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
        fields = ["q", "search", "year", "kind", "agency", "partner"]


class ProjectFilterSet(django_filters.FilterSet):
    q, search = search_filters(
        text=(
            "title",
            "reference",
            "plant__name",
            "plant__company__name",
            "program__name_ko",
            "program__name_en",
            "partner__name",
            "supplier__name",
        ),
        business_number=("plant__company__business_number",),
        region=("plant__region",),
        industry=("plant__industry",),
        described=_(
            "Words separated by spaces, each matching the project title or reference, the "
            "plant, the company, its business number, the program, the partner firm, the "
            "supplier, the region or the industry."
        ),
    )
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
            "search",
            "program",
            "year",
            "status",
            "partner",
            "region",
            "industry",
            "target_level",
            "plant",
        ]


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
