"""The SME member's data hub home (its company's plants) and one plant's data home."""

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Prefetch
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from datahub.models import AccessLogEntry, Consent, DataSource, IngestRequest, Series, SourceToken
from datahub.views.base import PlantDataMixin
from hub import roles
from hub.models import Plant

RECENT = 10


class DataHubHomeView(LoginRequiredMixin, TemplateView):
    """Where an SME member lands: its plants, their sources, when data last came in, and what
    to do next."""

    template_name = "datahub/home.html"

    def get(self, request, *args, **kwargs):
        if not roles.is_sme_member(request.user):
            raise PermissionDenied(_("The data hub home is for the members of an SME company."))
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        company = roles.sme_company_of(user)
        plants = list(
            Plant.objects.visible_to(user)
            .filter(company=company)
            .annotate(
                source_count=Count("data_sources", distinct=True),
                series_count=Count("series", distinct=True),
                last_data_at=Max("data_sources__last_data_at"),
            )
            .order_by("name", "pk")
        )
        ctx["company"] = company
        ctx["plants"] = plants
        ctx["needs_source"] = [p for p in plants if not p.source_count]
        ctx["needs_series"] = [p for p in plants if p.source_count and not p.series_count]
        return ctx


class PlantDataView(PlantDataMixin, TemplateView):
    """One plant's data: sources with their token state, series, consents, recent receipts
    and who read its data."""

    template_name = "datahub/plant.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        plant = self.plant
        sources = list(
            DataSource.objects.filter(plant=plant).prefetch_related(
                Prefetch("tokens", queryset=SourceToken.objects.order_by("-created_at", "-pk"))
            )
        )
        for source in sources:
            tokens = list(source.tokens.all())
            source.usable_tokens = [t for t in tokens if t.is_usable]
            source.latest_token = tokens[0] if tokens else None
        ctx["sources"] = sources
        ctx["series"] = (
            Series.objects.filter(plant=plant).select_related("kpi", "source").order_by("key")
        )
        ctx["consents"] = Consent.objects.active().filter(plant=plant).select_related("partner")
        ctx["receipts"] = IngestRequest.objects.filter(plant_id=plant.pk).select_related("source")[
            :RECENT
        ]
        ctx["reads"] = AccessLogEntry.objects.filter(plant=plant).select_related(
            "user", "organization"
        )[:RECENT]
        ctx["retention_months"] = settings.DATAHUB_RAW_RETENTION_MONTHS
        return ctx
