"""The FilterSet of follow-up periods, shared by the agency's queue and the API. Plants,
projects, programs and agencies are limited to what the caller sees: an invisible id reads
like a missing one."""

import django_filters
from django.utils.translation import gettext_lazy as _

from datahub.models import FollowUpPeriod, FollowUpStatus
from hub.choices import OrganizationKind, Region
from hub.filtersets import search_filters
from hub.models import Organization, Plant
from programs.models import Program, Project


def _visible(model):
    def queryset(request):
        qs = model.objects.all()
        return qs if request is None else qs.visible_to(request.user)

    return queryset


def _agencies(request):
    return Organization.objects.filter(kind=OrganizationKind.AGENCY).order_by("name")


class FollowUpFilterSet(django_filters.FilterSet):
    q, search = search_filters(
        text=(
            "plant__name",
            "plant__company__name",
            "program__name_ko",
            "program__name_en",
            "agency__name",
        ),
        business_number=("plant__company__business_number",),
        region=("plant__region",),
        industry=("plant__industry",),
        described=_(
            "Words separated by spaces, each matching the plant, the company, its business "
            "number, the program, the operating agency, the region or the industry."
        ),
    )
    plant = django_filters.ModelChoiceFilter(queryset=_visible(Plant), label=_("Plant"))
    project = django_filters.ModelChoiceFilter(queryset=_visible(Project), label=_("Project"))
    program = django_filters.ModelChoiceFilter(queryset=_visible(Program), label=_("Program"))
    agency = django_filters.ModelChoiceFilter(queryset=_agencies, label=_("Operating agency"))
    region = django_filters.ChoiceFilter(
        field_name="plant__region", choices=Region.choices, label=_("Region")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=FollowUpStatus.choices, method="filter_status", label=_("Status")
    )
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("Due on or after")
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due on or before")
    )

    class Meta:
        model = FollowUpPeriod
        fields = ["q", "search", "plant", "project", "program", "agency", "region", "status"]

    def filter_status(self, queryset, name, value):
        # The status today, from the dates (the stored one may be a day old).
        return queryset.in_status(value) if value else queryset
