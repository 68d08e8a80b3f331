"""Shared view machinery: the visibility rule for pages, editor checks, filtered lists, and
service errors on forms."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from hub import roles
from hub.audit import attach_change_rows
from hub.exports import EXPORT_FORMATS
from hub.forms import add_service_errors
from hub.models import AuditEntry
from hub.pagination import DeferredJoinPaginator
from hub.services import require_registry_editor

PAGE_SIZES = (25, 50, 100)


def get_visible_or_404(queryset, user, **lookup):
    """The one object matching `lookup` among those `user` may see (a model's manager or a
    queryset of it); Http404 otherwise, whether it does not exist or is not visible."""
    return get_object_or_404(queryset.visible_to(user), **lookup)


class VisibleMixin(LoginRequiredMixin):
    """Restricts every query of the view to `model.objects.visible_to(user)`: objects the user
    may not see answer 404, exactly as if they did not exist. Every page that lists or shows
    objects of a model derives from it."""

    model = None
    select_related: tuple[str, ...] = ()
    pk_url_kwarg = "pk"

    def get_queryset(self):
        qs = self.model.objects.visible_to(self.request.user)
        if self.select_related:
            qs = qs.select_related(*self.select_related)
        return qs

    def get_object(self, queryset=None):
        """The object the URL names, among the visible ones."""
        queryset = self.get_queryset() if queryset is None else queryset
        return get_object_or_404(queryset, pk=self.kwargs[self.pk_url_kwarg])


class RegistryEditorMixin:
    """Only agency staff (and administrators) may open the create/edit pages. Someone who may
    see the object but not change it gets 403; someone who may not see it, 404."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.is_agency_staff_or_admin(request.user):
            if "pk" in kwargs and not self.get_queryset().filter(pk=kwargs["pk"]).exists():
                raise Http404
            require_registry_editor(request.user)
        return super().dispatch(request, *args, **kwargs)


class FilteredListView(VisibleMixin, ListView):
    """A list driven by the same FilterSet as the API: search, filters, sorting, pagination.
    With a `table_class` (hub.tables) it also shows the user's chosen columns and answers
    `?format=csv` / `?format=xlsx` with every column of every row that matches the page's
    filters, search and sort. `default_ordering` is the sort when the query names none."""

    filterset_class = None
    table_class = None
    default_ordering = ""
    template_name = None
    paginate_by = 25
    paginator_class = DeferredJoinPaginator

    def get_table(self):
        if self.table_class is None:
            return None
        if not hasattr(self, "_table"):
            self._table = self.table_class()
        return self._table

    def get(self, request, *args, **kwargs):
        fmt = request.GET.get("format")
        table = self.get_table()
        if table is not None and fmt in EXPORT_FORMATS:
            return table.export(fmt, self.get_queryset())
        return super().get(request, *args, **kwargs)

    def filter_data(self):
        data = self.request.GET.copy()
        if self.default_ordering and not data.get("ordering"):
            data["ordering"] = self.default_ordering
        return data

    def get_paginate_by(self, queryset):
        try:
            size = int(self.request.GET.get("page_size", self.paginate_by))
        except ValueError:
            return self.paginate_by
        return size if size in PAGE_SIZES else self.paginate_by

    def get_queryset(self):
        self.filterset = self.filterset_class(
            self.filter_data() or None, queryset=super().get_queryset(), request=self.request
        )
        qs = self.filterset.qs if self.filterset.is_bound else self.filterset.queryset
        return qs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        params.pop("format", None)
        # The column choice is remembered in the session: links need not carry it.
        params.pop("columns", None)
        ctx["filterset"] = self.filterset
        if "q" in self.filterset.form.fields:
            # The page keeps the searched fields as the box's tooltip, the API schema in full.
            search = self.filterset.form["q"]
            if search.help_text:
                search.field.widget.attrs.setdefault("title", search.help_text)
                search.help_text = ""
        ctx["query_without_page"] = params.urlencode()
        sort_params = params.copy()
        sort_params.pop("ordering", None)
        ctx["query_without_ordering"] = sort_params.urlencode()
        ctx["current_ordering"] = self.request.GET.get("ordering") or self.default_ordering
        ctx["page_sizes"] = PAGE_SIZES
        table = self.get_table()
        if table is not None:
            columns = table.chosen(self.request)
            ctx["table"] = table
            ctx["columns"] = columns
            ctx["shown"] = {column.key for column in columns}
            ctx["chooser_params"] = [
                (key, value) for key, values in params.lists() for value in values
            ]
            query = params.urlencode()
            ctx["export_urls"] = [
                (fmt.upper(), f"?{query}&format={fmt}" if query else f"?format={fmt}")
                for fmt in EXPORT_FORMATS
            ]
        return ctx


class AuditedDetailView(VisibleMixin, DetailView):
    """Detail page; agency staff also see the object's audit trail."""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if roles.is_agency_staff_or_admin(self.request.user):
            entries = list(AuditEntry.objects.for_object(self.object).select_related("user")[:50])
            attach_change_rows(entries, type(self.object))
            ctx["audit_entries"] = entries
        ctx["can_edit"] = roles.is_agency_staff_or_admin(self.request.user)
        return ctx


class ServiceFormMixin:
    """Create/edit through a service function; its ValidationErrors land on the form."""

    success_message = ""

    def call_service(self, form):  # pragma: no cover - each view defines it
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.object = self.call_service(form)
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message % {"object": self.object})
        return redirect(self.object.get_absolute_url())


class ServiceCreateView(VisibleMixin, RegistryEditorMixin, ServiceFormMixin, CreateView):
    pass


class ServiceUpdateView(VisibleMixin, RegistryEditorMixin, ServiceFormMixin, UpdateView):
    pass
