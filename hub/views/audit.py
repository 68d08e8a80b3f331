"""The audit log page: every recorded change, newest first, for agency staff and administrators.

Filters: object type, object id, user (name or login), date range and action. People are
shown by name (family name first in Korean), related objects in the changes by name. Pages go
by keyset (50 entries, "older" and "newer" from the last and first entry shown), so a page
costs the same at any depth of a long log. The page's query count does not grow with its
entries: one query for the entries (with user and object type), one per object type on the
page to find which objects still exist (for the links), one for the filter's type list.
"""

import datetime
import re
from collections import defaultdict

import django_filters
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import CharField, Q, Subquery
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from hub import roles
from hub.audit import attach_change_rows
from hub.choices import AuditAction
from hub.forms import DATE
from hub.models import AuditEntry

PAGE_SIZE = 50

# Content types of the framework's own tables: the services never audit them.
NOT_AUDITED_APPS = (
    "admin",
    "auth",
    "authtoken",
    "axes",
    "contenttypes",
    "sessions",
    "otp_static",
    "otp_totp",
)


def _type_label(content_type) -> str:
    model = content_type.model_class()
    return capfirst(model._meta.verbose_name) if model else content_type.model


def object_type_choices():
    """(content type id, model name) for every model the hub may audit, by name, in the
    request's language."""
    types = ContentType.objects.exclude(app_label__in=NOT_AUDITED_APPS)
    return sorted(((ct.pk, _type_label(ct)) for ct in types), key=lambda choice: choice[1])


def _users_named(word: str):
    """Users whose whole Korean name (family name then given name, no space) contains word."""
    full = Concat("last_name", "first_name", output_field=CharField())
    return (
        get_user_model()
        .objects.annotate(korean_name=full)
        .filter(korean_name__icontains=word)
        .values("pk")
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class AuditEntryFilterSet(django_filters.FilterSet):
    content_type = django_filters.ChoiceFilter(choices=(), label=gettext_lazy("Object type"))
    object_id = django_filters.CharFilter(label=gettext_lazy("Object id"))
    user = django_filters.CharFilter(method="filter_user", label=gettext_lazy("User"))
    date_from = django_filters.DateFilter(
        method="filter_from", label=gettext_lazy("From date"), widget=DATE
    )
    date_to = django_filters.DateFilter(
        method="filter_to", label=gettext_lazy("To date"), widget=DATE
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=gettext_lazy("Action"))

    class Meta:
        model = AuditEntry
        fields = ["content_type", "object_id", "user", "date_from", "date_to", "action"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Once per page (a callable would be asked again for validation and for display).
        self.filters["content_type"].extra["choices"] = object_type_choices()

    def filter_user(self, queryset, name, value):
        """A person as people name them: login, given or family name, or the whole name
        either way round ("김지현", "지현 김", "Jihyun Kim")."""
        condition = Q()
        for word in value.split():
            condition &= (
                Q(user__username__icontains=word)
                | Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(user__in=_users_named(word))
            )
        return queryset.filter(condition)

    # Whole days in the hub's time zone, as bounds on the indexed timestamp itself.
    def filter_from(self, queryset, name, value):
        return queryset.filter(timestamp__gte=_day_start(value))

    def filter_to(self, queryset, name, value):
        return queryset.filter(timestamp__lt=_day_start(value + datetime.timedelta(days=1)))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        start, end = (self.form.cleaned_data.get(k) for k in ("date_from", "date_to"))
        if start and end and end < start:
            self.form.add_error("date_to", _("The end date cannot be before the start date."))
        return queryset


def _cursor(request, name) -> int | None:
    try:
        value = int(request.GET.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None


def _beyond(queryset, pk: int, older: bool):
    """Entries after (older=True) or before the entry `pk` in the log's order
    (-timestamp, -pk), in one statement: the entry's timestamp comes from a subquery."""
    at = Subquery(AuditEntry.objects.filter(pk=pk).values("timestamp")[:1])
    if older:
        return queryset.filter(Q(timestamp__lt=at) | Q(timestamp=at, pk__lt=pk))
    return queryset.filter(Q(timestamp__gt=at) | Q(timestamp=at, pk__gt=pk))


def _attach_links(entries) -> None:
    """entry.object_url for the entries whose object still exists: one query per type."""
    wanted = defaultdict(dict)
    for entry in entries:
        entry.object_url = None
        model = entry.content_type.model_class() if entry.content_type else None
        if model is None or not entry.object_id or not hasattr(model, "get_absolute_url"):
            continue
        try:
            pk = model._meta.pk.to_python(entry.object_id)
        except ValidationError:
            continue
        wanted[model].setdefault(pk, []).append(entry)
    for model, by_pk in wanted.items():
        for obj in model._base_manager.filter(pk__in=list(by_pk)).only("pk").order_by():
            for entry in by_pk[obj.pk]:
                entry.object_url = obj.get_absolute_url()


def _attach_changes(entries) -> None:
    """entry.type_label (the object type's name) and entry.change_rows: (field label, before,
    after) as people read them, related objects by name."""
    for entry in entries:
        entry.type_label = _type_label(entry.content_type) if entry.content_type else ""
        # "#369" once: objects named by their number already carry it.
        entry.show_id = f"#{entry.object_id}" not in (entry.object_repr or "")
        # Objects named by a key people typed (a series "availability") show it as code.
        entry.repr_is_code = bool(re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", entry.object_repr or ""))
    attach_change_rows(entries)


class AuditListView(LoginRequiredMixin, TemplateView):
    """Agency staff and administrators only: others get 403 (as on the other agency-only
    pages), anonymous users the login page."""

    template_name = "hub/audit_list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.is_agency_staff_or_admin(request.user):
            raise PermissionDenied(_("Only agency staff may read the audit log."))
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        for name in ("older", "newer"):
            params.pop(name, None)
        filterset = AuditEntryFilterSet(
            params or None,
            queryset=AuditEntry.objects.select_related("user", "content_type"),
            request=self.request,
        )
        qs = filterset.qs if filterset.is_bound else filterset.queryset
        older, newer = _cursor(self.request, "older"), _cursor(self.request, "newer")
        entries, has_older, has_newer = [], False, False
        if newer:
            # Back towards the newest: the page just above the cursor, shown newest first.
            above = _beyond(qs, newer, older=False).order_by("timestamp", "pk")
            page = list(above[: PAGE_SIZE + 1])
            entries = page[:PAGE_SIZE][::-1]
            has_newer, has_older = len(page) > PAGE_SIZE, True
        if not entries and older:
            below = _beyond(qs, older, older=True).order_by("-timestamp", "-pk")
            page = list(below[: PAGE_SIZE + 1])
            entries = page[:PAGE_SIZE]
            has_older, has_newer = len(page) > PAGE_SIZE, True
        if not entries:
            # The first page; also where a cursor leads nowhere (an unknown or filtered-out
            # entry, or the end of the log).
            page = list(qs.order_by("-timestamp", "-pk")[: PAGE_SIZE + 1])
            entries = page[:PAGE_SIZE]
            has_older, has_newer = len(page) > PAGE_SIZE, False
        _attach_links(entries)
        _attach_changes(entries)
        ctx.update(
            filterset=filterset,
            entries=entries,
            older_url=_page_url(params, "older", entries[-1].pk) if has_older else None,
            newer_url=_page_url(params, "newer", entries[0].pk) if has_newer else None,
            newest_url=_page_url(params) if has_newer else None,
        )
        return ctx


def _page_url(params, cursor: str | None = None, pk: int | None = None) -> str:
    query = params.copy()
    if cursor:
        query[cursor] = str(pk)
    return f"?{query.urlencode()}" if query else "?"
