"""Registry pages: organisations, plants and mentorships (list, detail, create, edit)."""

from django.utils.translation import gettext_lazy as _

from hub import extensions, services
from hub.filtersets import MentorshipFilterSet, OrganizationFilterSet, PlantFilterSet
from hub.forms import MentorshipForm, OrganizationForm, PlantForm, service_data
from hub.models import Mentorship, Organization, Plant
from hub.tables import MentorshipTable, OrganizationTable, PlantTable
from hub.views.mixins import (
    AuditedDetailView,
    FilteredListView,
    ServiceCreateView,
    ServiceUpdateView,
)


class PlantListView(FilteredListView):
    model = Plant
    filterset_class = PlantFilterSet
    table_class = PlantTable
    default_ordering = "name"
    select_related = ("company",)
    template_name = "hub/plant_list.html"

    def extra_columns(self):
        if not hasattr(self, "_columns"):
            user = self.request.user
            self._columns = [c for c in extensions.plant_list_columns if c.applies(user)]
        return self._columns

    def get_queryset(self):
        queryset = super().get_queryset()
        for column in self.extra_columns():
            queryset = column.annotate(queryset)
        return queryset

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["extra_columns"] = self.extra_columns()
        return ctx


class PlantDetailView(AuditedDetailView):
    model = Plant
    select_related = ("company",)
    template_name = "hub/plant_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["mentorships"] = (
            Mentorship.objects.visible_to(self.request.user)
            .filter(plant=self.object)
            .select_related("partner")
        )
        panels = (panel(self.request, self.object) for panel in extensions.plant_panels)
        ctx["plant_panels"] = [p for p in panels if p]
        return ctx


class PlantCreateView(ServiceCreateView):
    model = Plant
    form_class = PlantForm
    template_name = "hub/form.html"
    success_message = _("Plant %(object)s registered.")

    def get_initial(self):
        initial = super().get_initial()
        if "company" in self.request.GET:
            initial["company"] = self.request.GET["company"]
        return initial

    def call_service(self, form):
        return services.plant_register(user=self.request.user, data=service_data(form))


class PlantUpdateView(ServiceUpdateView):
    model = Plant
    form_class = PlantForm
    template_name = "hub/form.html"
    success_message = _("Plant %(object)s saved.")

    def call_service(self, form):
        return services.plant_update(
            plant=self.object, user=self.request.user, data=service_data(form)
        )


class OrganizationListView(FilteredListView):
    model = Organization
    filterset_class = OrganizationFilterSet
    table_class = OrganizationTable
    default_ordering = "name"
    template_name = "hub/organization_list.html"


class OrganizationDetailView(AuditedDetailView):
    model = Organization
    template_name = "hub/organization_detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["plants"] = Plant.objects.visible_to(self.request.user).filter(company=self.object)
        ctx["mentorships"] = (
            Mentorship.objects.visible_to(self.request.user)
            .filter(partner=self.object)
            .select_related("plant")
        )
        return ctx


class OrganizationCreateView(ServiceCreateView):
    model = Organization
    form_class = OrganizationForm
    template_name = "hub/form.html"
    success_message = _("Organisation %(object)s registered.")

    def call_service(self, form):
        return services.organization_create(user=self.request.user, data=service_data(form))


class OrganizationUpdateView(ServiceUpdateView):
    model = Organization
    form_class = OrganizationForm
    template_name = "hub/form.html"
    success_message = _("Organisation %(object)s saved.")

    def call_service(self, form):
        return services.organization_update(
            organization=self.object, user=self.request.user, data=service_data(form)
        )


class MentorshipListView(FilteredListView):
    model = Mentorship
    filterset_class = MentorshipFilterSet
    table_class = MentorshipTable
    default_ordering = "-start"
    select_related = ("partner", "plant", "plant__company")
    template_name = "hub/mentorship_list.html"


class MentorshipDetailView(AuditedDetailView):
    model = Mentorship
    select_related = ("partner", "plant", "plant__company")
    template_name = "hub/mentorship_detail.html"


class MentorshipCreateView(ServiceCreateView):
    model = Mentorship
    form_class = MentorshipForm
    template_name = "hub/form.html"
    success_message = _("Mentorship %(object)s registered.")

    def get_initial(self):
        initial = super().get_initial()
        for key in ("plant", "partner"):
            if key in self.request.GET:
                initial[key] = self.request.GET[key]
        return initial

    def call_service(self, form):
        return services.mentorship_create(user=self.request.user, data=service_data(form))


class MentorshipUpdateView(ServiceUpdateView):
    model = Mentorship
    form_class = MentorshipForm
    template_name = "hub/form.html"
    success_message = _("Mentorship %(object)s saved.")

    def call_service(self, form):
        return services.mentorship_update(
            mentorship=self.object, user=self.request.user, data=service_data(form)
        )
