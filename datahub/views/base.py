"""What every data hub page starts from: the plant (or source, or consent) the URL names among
those the user may see (404 otherwise), and the rule that only the plant's own members (and
administrators) manage its data (403 otherwise)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from datahub.models import Consent, DataSource
from datahub.services.sources import manages_data_of
from hub.models import Plant
from hub.views.mixins import get_visible_or_404


def managed_plant(user, plant_id) -> Plant:
    """The plant, if the user may see it (else 404) and manages its data (else 403)."""
    plant = get_visible_or_404(Plant.objects.select_related("company"), user, pk=plant_id)
    require_manager(user, plant)
    return plant


def managed_source(user, source_id) -> DataSource:
    """The source, if the user may see its plant (else 404) and manages its data (else 403):
    the plant decides, as for every data hub page."""
    source = get_object_or_404(DataSource.objects.select_related("plant__company"), pk=source_id)
    source.plant = managed_plant(user, source.plant_id)
    return source


def managed_consent(user, consent_id) -> Consent:
    consent = get_object_or_404(Consent.objects.select_related("partner"), pk=consent_id)
    consent.plant = managed_plant(user, consent.plant_id)
    return consent


def require_manager(user, plant) -> None:
    if not manages_data_of(user, plant):
        raise PermissionDenied(_("Only the plant's own members manage its data."))


def answers(view, request) -> bool:
    """Whether the view has a handler for the request's method (checked before the object,
    so an unknown method is a 405 for everyone, never a 403 or 404)."""
    method = request.method.lower()
    return method in view.http_method_names and hasattr(view, method)


class PlantDataMixin(LoginRequiredMixin):
    """A page about one plant's data (URL kwarg `plant_id`): sets self.plant."""

    def dispatch(self, request, *args, **kwargs):
        if not answers(self, request):
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.plant = managed_plant(request.user, kwargs["plant_pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["plant"] = self.plant
        return ctx


class SourceMixin(LoginRequiredMixin):
    """A page about one data source (URL kwarg `source_id`): sets self.source and self.plant."""

    def dispatch(self, request, *args, **kwargs):
        if not answers(self, request):
            return self.http_method_not_allowed(request, *args, **kwargs)
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.source = managed_source(request.user, kwargs["pk"])
        self.plant = self.source.plant
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["plant"] = self.plant
        ctx["source"] = self.source
        return ctx
