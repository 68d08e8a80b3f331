"""One FilterSet per model, shared by the web lists and the API."""

import functools

import django_filters
from django.db.models import F, Q, Value
from django.db.models.functions import Concat
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from hub.choices import (
    REGION_KOREAN_NAMES,
    Industry,
    OrganizationKind,
    PlantStatus,
    Region,
    SizeClass,
)
from hub.models import Mentorship, Organization, Plant
from hub.regions import region_code
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


# A search is at most this many words and characters: each word adds one OR-group to a
# single query, so the work stays bounded whatever is typed.
SEARCH_MAX_WORDS = 8
SEARCH_MAX_LENGTH = 200


def search_words(value) -> list[str]:
    """The distinct words of a search, in order, at most SEARCH_MAX_WORDS."""
    words = []
    for word in str(value or "").split():
        if word not in words:
            words.append(word)
    return words[:SEARCH_MAX_WORDS]


@functools.lru_cache(maxsize=512)
def region_codes(word: str) -> tuple[str, ...]:
    """Codes of the regions a search word names: a name or alias as people write it
    (서울시, 제주도, Gyeonggi-do: `hub.regions.region_code`), else the regions whose Korean or
    English name contains the word; none for a word shorter than two characters."""
    exact = region_code(word)
    if exact:
        return (exact,)
    if len(word) < 2:
        return ()
    folded = word.casefold()
    codes = []
    with translation.override("en"):
        english = {code: str(label).casefold() for code, label in Region.choices}
    for code, names in REGION_KOREAN_NAMES.items():
        if any(word in name for name in names) or folded in english.get(code, ""):
            codes.append(code)
    return tuple(codes)


@functools.lru_cache(maxsize=512)
def industry_codes(word: str) -> tuple[str, ...]:
    """KSIC divisions named by `word`: the code itself ("26" or "C26") or a word of its
    Korean or English name (at least two characters)."""
    code = word.upper().removeprefix("C")
    if code.isdigit():
        return (code,) if code in Industry.values else ()
    if len(word) < 2:
        return ()
    folded = word.casefold()
    codes = []
    for language in ("ko", "en"):
        with translation.override(language):
            for value, label in Industry.choices:
                if folded in str(label).casefold() and value not in codes:
                    codes.append(value)
    return tuple(codes)


class WordSearchFilter(django_filters.CharFilter):
    """Multi-word search: every word must match at least one of the fields people mean (AND
    across words, OR across fields). The same filter serves the web lists (`q`) and the API
    (`search`), and its help text lists the fields for the API schema.

    - `text`: lookups matched as case-insensitive substrings (names, references, addresses);
    - `business_number`: lookups matched by a word of at least three digits, with or
      without dashes, as a prefix (`123-45` finds 1234567890);
    - `region` / `industry`: choice fields matched by name in Korean or English (`서울`,
      `서울시`, `Seoul`) or, for industries, by KSIC code (`26`, `C26`);
    - `person`: user relations matched by username, given or family name, or the full
      Korean name written family name first (`김민수`).
    At most SEARCH_MAX_WORDS words of SEARCH_MAX_LENGTH characters: one query, bounded."""

    def __init__(
        self,
        *,
        text=(),
        business_number=(),
        region=(),
        industry=(),
        person=(),
        described=None,
        **kwargs,
    ):
        self.text = tuple(text)
        self.business_number = tuple(business_number)
        self.region = tuple(region)
        self.industry = tuple(industry)
        self.person = tuple(person)
        kwargs.setdefault("label", _("Search"))
        kwargs.setdefault("max_length", SEARCH_MAX_LENGTH)
        if described:
            kwargs.setdefault("help_text", described)
        super().__init__(**kwargs)

    def _person_alias(self, prefix: str) -> str:
        return f"_search_{prefix.replace('__', '_')}_name"

    def word_condition(self, word: str) -> Q:
        cond = Q()
        for lookup in self.text:
            cond |= Q(**{f"{lookup}__icontains": word})
        for prefix in self.person:
            cond |= (
                Q(**{f"{prefix}__username__icontains": word})
                | Q(**{f"{prefix}__first_name__icontains": word})
                | Q(**{f"{prefix}__last_name__icontains": word})
                | Q(**{f"{self._person_alias(prefix)}__icontains": word})
            )
        digits = _search_digits(word)
        if digits:
            for lookup in self.business_number:
                cond |= Q(**{f"{lookup}__startswith": digits})
        regions = region_codes(word) if self.region else ()
        for lookup in self.region if regions else ():
            cond |= Q(**{f"{lookup}__in": regions})
        industries = industry_codes(word) if self.industry else ()
        for lookup in self.industry if industries else ():
            cond |= Q(**{f"{lookup}__in": industries})
        return cond

    def filter(self, qs, value):
        words = search_words(value)
        if not words:
            return qs
        for prefix in self.person:
            full = Concat(F(f"{prefix}__last_name"), Value(""), F(f"{prefix}__first_name"))
            qs = qs.alias(**{self._person_alias(prefix): full})
        cond = Q()
        for word in words:
            cond &= self.word_condition(word)
        return qs.filter(cond)


def search_filters(**fields):
    """The search as the pages name it (`q`) and as the API names it (`search`): two filters
    with the same fields. Use as `q, search = search_filters(text=…, described=…)`."""
    return WordSearchFilter(**fields), WordSearchFilter(**fields)


class OrganizationFilterSet(django_filters.FilterSet):
    q, search = search_filters(
        text=("name", "name_en"),
        business_number=("business_number",),
        region=("region",),
        described=_(
            "Words separated by spaces, each matching the name (Korean or English), the "
            "business number (with or without dashes) or the region."
        ),
    )
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
        fields = ["q", "search", "kind", "size_class", "region"]


class PlantFilterSet(django_filters.FilterSet):
    q, search = search_filters(
        text=(
            "name",
            "company__name",
            "company__name_en",
            "address",
            "factory_registration_number",
        ),
        business_number=("company__business_number",),
        region=("region",),
        industry=("industry",),
        described=_(
            "Words separated by spaces, each matching the plant name, the company name, the "
            "address, the factory registration number, the business number (with or without "
            "dashes), the region (Korean or English) or the industry (name or KSIC code)."
        ),
    )
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
        fields = [
            "q",
            "search",
            "region",
            "industry",
            "size",
            "partner",
            "status",
            "company",
            "level",
        ]

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
    q, search = search_filters(
        text=("plant__name", "plant__company__name", "partner__name", "partner__name_en"),
        business_number=("plant__company__business_number",),
        region=("plant__region",),
        described=_(
            "Words separated by spaces, each matching the plant name, the company name, the "
            "partner firm, the business number or the region."
        ),
    )
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
        fields = ["q", "search", "partner", "plant", "region", "active_on"]

    def filter_active_on(self, queryset, name, value):
        return queryset.active_on(value) if value else queryset
