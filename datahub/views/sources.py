"""Registering a data source, showing its token once, rotating and revoking tokens, and
adding series."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView

from datahub.forms import SeriesForm, SourceForm
from datahub.models import KpiDefinition
from datahub.services import sources
from datahub.views.base import PlantDataMixin, SourceMixin
from hub.forms import add_service_errors

# The session key under which a newly issued token waits for the one page that shows it.
NEW_TOKEN = "datahub_new_token"  # nosec B105 - a session key name


def remember_token(request, source, secret: str) -> None:
    request.session[NEW_TOKEN] = {"source": source.pk, "token": secret}


def plant_url(plant) -> str:
    return reverse("datahub:plant", args=[plant.pk])


class SourceCreateView(PlantDataMixin, FormView):
    form_class = SourceForm
    template_name = "datahub/source_form.html"

    def form_valid(self, form):
        try:
            source, secret = sources.source_create(
                user=self.request.user, plant=self.plant, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        remember_token(self.request, source, secret)
        messages.success(self.request, _("Data source %(name)s registered.") % {"name": source})
        return redirect("datahub:source_token", pk=source.pk)


class SourceTokenView(SourceMixin, TemplateView):
    """The token, once: the session holds it until this page is shown."""

    template_name = "datahub/source_token.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        pending = self.request.session.get(NEW_TOKEN)
        token = None
        if pending and pending.get("source") == self.source.pk:
            token = pending["token"]
            del self.request.session[NEW_TOKEN]
        ctx["token"] = token
        ctx["ingest_url"] = self.request.build_absolute_uri("/api/v1/ingest/")
        ctx["example_series"] = (
            self.source.series.order_by("key").values_list("key", flat=True).first() or "oee"
        )
        return ctx


class TokenActionView(SourceMixin, TemplateView):
    """GET: what the action does and what cannot be undone; POST: do it."""

    template_name = "datahub/token_confirm.html"
    action = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["action"] = self.action
        ctx["usable_count"] = self.source.tokens.usable().count()
        return ctx

    def post(self, request, *args, **kwargs):
        if self.action == "rotate":
            _token, secret = sources.token_rotate(user=request.user, source=self.source)
            remember_token(request, self.source, secret)
            messages.success(request, _("A new token was issued; the old ones no longer work."))
            return redirect("datahub:source_token", pk=self.source.pk)
        count = sources.token_revoke(user=request.user, source=self.source)
        messages.success(
            request,
            _("%(count)d token(s) revoked: requests with them are refused from now on.")
            % {"count": count},
        )
        return redirect(plant_url(self.plant))


class SeriesCreateView(SourceMixin, FormView):
    """A series of the source's plant. The unit follows the chosen KPI (prefilled; an htmx
    request with `?kpi=` answers just the unit field)."""

    form_class = SeriesForm
    template_name = "datahub/series_form.html"

    def chosen_definition(self):
        code = self.request.GET.get("kpi") or self.request.POST.get("kpi")
        if not code:
            return None
        return KpiDefinition.objects.filter(catalogue__is_current=True, code=code).first()

    def get_initial(self):
        initial = super().get_initial()
        definition = self.chosen_definition()
        if definition is None:
            definition = self.get_form_class()().fields["kpi"].queryset.first()
        if definition is not None:
            initial["kpi"] = definition.code
            initial["unit"] = definition.unit
        return initial

    def get(self, request, *args, **kwargs):
        if request.headers.get("HX-Request") and "kpi" in request.GET:
            form = self.get_form()
            form.initial["unit"] = self.get_initial().get("unit", "")
            return self.render_to_response(
                self.get_context_data(form=form), template_name="datahub/unit_field.html"
            )
        return super().get(request, *args, **kwargs)

    def render_to_response(self, context, template_name=None, **kwargs):
        if template_name:
            return self.response_class(
                request=self.request, template=[template_name], context=context, **kwargs
            )
        return super().render_to_response(context, **kwargs)

    def form_valid(self, form):
        data = dict(form.cleaned_data)
        try:
            series = sources.series_create(
                user=self.request.user,
                source=self.source,
                kpi=data["kpi"],
                unit=data["unit"],
                granularity=data["granularity"],
                label=data["label"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _('Series %(key)s added: rows name it "%(key)s".') % {"key": series.key},
        )
        return redirect(plant_url(self.plant))
