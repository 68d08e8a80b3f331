"""One FilterSet per model, shared by the web lists and the API."""

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from hub.choices import Industry, OrganizationKind, PlantStatus, Region, SizeClass
from hub.models import Mentorship, Organization, Plant
from hub.validators import normalize_business_number

# Largest value a database integer holds (SQLite and PostgreSQL bigint): a bigger one in a
# query string is a 400, not an overflow inside the database driver.
DB_INT_MAX = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A filter on an id or another whole number, bounded so any value reaches the database
    as an integer it can hold."""

    def __init__(self, *args, min_value=0, max_value=DB_INT_MAX, **kwargs):
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class OrderingFilter(django_filters.OrderingFilter):
    """Sorting that puts empty values last in both directions on every database (PostgreSQL
    puts NULLs first when descending) and breaks ties by id, so pages never overlap."""

    def get_ordering_value(self, param):
        descending = param.startswith("-")
        expr = F(self.param_map[param.lstrip("-")])
        return expr.desc(nulls_last=True) if descending else expr.asc(nulls_last=True)

    def filter(self, qs, value):
        if value in django_filters.constants.EMPTY_VALUES:
            return qs
        # An empty item ("?ordering=," or "?ordering=-") orders by nothing rather than failing.
        params = [param for param in value if param.lstrip("-")]
        return qs.order_by(*[self.get_ordering_value(param) for param in params], "pk")


def _level_label(level: int) -> str:
    return gettext("Level %(level)s") % {"level": level}


LEVEL_FILTER_CHOICES = [
    # Lazy: the label is translated per request, not once at import.
    *((str(level), lazy(_level_label, str)(level)) for level in range(6)),
    ("expired", _("Level expired")),
    ("none", _("Never assessed")),
]


def _partner_queryset(request):
    qs = Organization.objects.filter(kind=OrganizationKind.PARTNER)
    if request is None:
        return qs
    return qs.visible_to(request.user)


def _search_digits(value: str) -> str:
    digits = normalize_business_number(value)
    return digits if digits.isdigit() and len(digits) >= 3 else ""


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=OrganizationKind.choices, label=_("Kind"))
    size_class = django_filters.ChoiceFilter(choices=SizeClass.choices, label=_("Size class"))
    region = django_filters.ChoiceFilter(choices=Region.choices, label=_("Region"))
    ordering = OrderingFilter(
        fields=(
            ("name", "name"),
            ("kind", "kind"),
            ("employees", "employees"),
            ("created_at", "created"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Organization
        fields = ["q", "kind", "size_class", "region"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        cond = Q(name__icontains=value) | Q(name_en__icontains=value)
        digits = _search_digits(value)
        if digits:
            cond |= Q(business_number__startswith=digits)
        return queryset.filter(cond)


class PlantFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    region = django_filters.ChoiceFilter(choices=Region.choices, label=_("Region"))
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("Industry"))
    size = django_filters.ChoiceFilter(
        field_name="company__size_class", choices=SizeClass.choices, label=_("Company size")
    )
    partner = django_filters.ModelChoiceFilter(
        queryset=_partner_queryset, method="by_partner", label=_("Partner firm")
    )
    status = django_filters.ChoiceFilter(choices=PlantStatus.choices, label=_("Status"))
    company = IdFilter(field_name="company_id", label=_("Company"))
    level = django_filters.ChoiceFilter(
        choices=LEVEL_FILTER_CHOICES, method="by_level", label=_("Level")
    )
    ordering = OrderingFilter(
        fields=(
            ("name", "name"),
            ("company__name", "company"),
            ("region", "region"),
            ("industry", "industry"),
            ("employees", "employees"),
            ("current_level", "level"),
            ("created_at", "created"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Plant
        fields = ["q", "region", "industry", "size", "partner", "status", "company", "level"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        cond = (
            Q(name__icontains=value)
            | Q(company__name__icontains=value)
            | Q(address__icontains=value)
            | Q(factory_registration_number__icontains=value)
        )
        digits = _search_digits(value)
        if digits:
            cond |= Q(company__business_number__startswith=digits)
        return queryset.filter(cond)

    def by_level(self, queryset, name, value):
        """A level counts while it is valid; expired and never-assessed are their own states."""
        today = timezone.localdate()
        if value == "none":
            return queryset.filter(current_level__isnull=True)
        if value == "expired":
            return queryset.filter(level_valid_until__lt=today)
        return queryset.filter(current_level=int(value), level_valid_until__gte=today)

    @extend_schema_field(OpenApiTypes.INT)
    def by_partner(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=Mentorship.objects.filter(partner=value).values("plant_id"))


class MentorshipFilterSet(django_filters.FilterSet):
    partner = django_filters.ModelChoiceFilter(queryset=_partner_queryset, label=_("Partner firm"))
    plant = IdFilter(field_name="plant_id", label=_("Plant"))
    region = django_filters.ChoiceFilter(
        field_name="plant__region", choices=Region.choices, label=_("Region")
    )
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("Active on"))
    ordering = OrderingFilter(
        fields=(
            ("start_date", "start"),
            ("end_date", "end"),
            ("plant__name", "plant"),
            ("partner__name", "partner"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Mentorship
        fields = ["partner", "plant", "region", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value) if value else queryset
