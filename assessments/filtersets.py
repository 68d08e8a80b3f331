"""The assessment FilterSet, shared by the work queues and the API."""

import django_filters
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from assessments.choices import EDITABLE_STATUSES, AssessmentOrigin, AssessmentStatus
from assessments.models import Assessment
from hub.choices import Industry, Region, Role
from hub.filtersets import IdFilter, OrderingFilter, search_filters
from hub.formats import person_name


def _consultants(request):
    return (
        get_user_model()
        .objects.filter(membership__role=Role.CONSULTANT)
        .order_by("last_name", "first_name", "username")
    )


class _PersonChoiceField(django_filters.fields.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)  # 김지현, not a login


class PersonChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = _PersonChoiceField


class AssessmentFilterSet(django_filters.FilterSet):
    QUEUE_CHOICES = (
        ("open", _("Open (not yet confirmed)")),
        ("done", _("Confirmed")),
        ("all", _("All")),
        ("mine", _("My assessments")),
        ("in_progress", _("In progress (draft or returned)")),
        ("to_confirm", _("To confirm")),
    )

    q, search = search_filters(
        text=("plant__name", "plant__company__name", "plant__company__name_en"),
        business_number=("plant__company__business_number",),
        region=("plant__region",),
        industry=("plant__industry",),
        person=("consultant",),
        described=_(
            "Words separated by spaces, each matching the plant name, the company name, the "
            "business number, the consultant's name, the region or the industry."
        ),
    )
    queue = django_filters.ChoiceFilter(
        choices=QUEUE_CHOICES, method="filter_queue", label=_("Queue")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=AssessmentStatus.choices, label=_("Status")
    )
    region = django_filters.ChoiceFilter(
        field_name="plant__region", choices=Region.choices, label=_("Region")
    )
    industry = django_filters.ChoiceFilter(
        field_name="plant__industry", choices=Industry.choices, label=_("Industry")
    )
    level = IdFilter(field_name="final_level", label=_("Level"))
    origin = django_filters.ChoiceFilter(
        choices=AssessmentOrigin.choices,
        label=_("Origin"),
        help_text=_("Filed in the hub, back-filed history, or an adopted spot-check."),
    )
    consultant = PersonChoiceFilter(queryset=_consultants, label=_("Consultant"))
    plant = IdFilter(field_name="plant_id", label=_("Plant"))
    ordering = OrderingFilter(
        fields=(
            ("opened_at", "opened"),
            ("submitted_at", "submitted"),
            ("assessed_on", "assessed"),
            ("due_on", "due"),
            ("plant__name", "plant"),
            ("final_level", "level"),
            ("total_score", "score"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Assessment
        fields = [
            "q",
            "search",
            "queue",
            "status",
            "region",
            "industry",
            "level",
            "origin",
            "consultant",
            "plant",
        ]

    def filter_queue(self, queryset, name, value):
        if value == "open":
            return queryset.exclude(status=AssessmentStatus.CONFIRMED)
        if value == "done":
            return queryset.filter(status=AssessmentStatus.CONFIRMED)
        if value == "mine":
            return queryset.filter(consultant=self.request.user) if self.request else queryset
        if value == "in_progress":
            return queryset.filter(status__in=EDITABLE_STATUSES)
        if value == "to_confirm":
            return queryset.filter(status=AssessmentStatus.SUBMITTED)
        return queryset
