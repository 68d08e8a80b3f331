"""The plant's consents (grant, revoke, ODRL export) and the log of who read its data."""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import FormView, ListView

from datahub.choices import Purpose
from datahub.forms import AccessLogFilterForm, ConsentForm
from datahub.models import AccessLogEntry, Consent
from datahub.services import consents
from datahub.views.base import PlantDataMixin, managed_consent
from hub.forms import add_service_errors
from hub.pagination import DeferredJoinPaginator
from hub.views.confirm import confirm_first
from hub.views.mixins import PAGE_SIZES


class ConsentListView(PlantDataMixin, FormView):
    """Every consent of the plant (active first), and the form that grants one."""

    template_name = "datahub/consents.html"
    form_class = ConsentForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["plant"] = self.plant
        return kwargs

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["revoke_consequence"] = REVOKE_CONSEQUENCE
        rows = list(
            Consent.objects.filter(plant=self.plant)
            .select_related("partner", "granted_by", "revoked_by")
            .order_by("revoked_at", "purpose", "-granted_at")
        )
        ctx["active"] = [c for c in rows if c.is_active]
        ctx["ended"] = [c for c in rows if not c.is_active]
        ctx["follow_up_until"] = consents.follow_up_until(self.plant)
        ctx["purposes"] = Purpose
        return ctx

    def form_valid(self, form):
        try:
            consent = consents.consent_grant(
                user=self.request.user,
                plant=self.plant,
                purpose=form.cleaned_data["purpose"],
                partner=form.cleaned_data.get("partner"),
                expires_at=form.expires_at(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc, rename={"expires_at": "expires_on"})
            return self.form_invalid(form)
        messages.success(self.request, _("Consent given: %(consent)s.") % {"consent": consent})
        return redirect("datahub:consents", plant_pk=self.plant.pk)


REVOKE_CONSEQUENCE = gettext_lazy(
    "Revoking ends the consent at once and cannot be undone: the reader loses access from "
    "now on, and a new consent must be given to share the data again."
)


class ConsentRevokeView(View):
    """POST only; the service's refusal (the follow-up consent during the follow-up period)
    comes back as a message on the consents page."""

    def post(self, request, pk):
        consent = managed_consent(request.user, pk)
        asked = confirm_first(
            request,
            question=_("Revoke the consent %(consent)s?") % {"consent": consent},
            consequence=REVOKE_CONSEQUENCE,
            action_label=_("Revoke"),
            cancel_url=reverse("datahub:consents", args=[consent.plant_id]),
        )
        if asked is not None:
            return asked
        try:
            consents.consent_revoke(user=request.user, consent=consent)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Consent revoked: %(consent)s.") % {"consent": consent})
        return redirect("datahub:consents", plant_pk=consent.plant_id)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)


class ConsentOdrlView(View):
    """The consent as an ODRL policy (JSON-LD), downloaded."""

    def get(self, request, pk):
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        consent = managed_consent(request.user, pk)
        body = json.dumps(consents.odrl_policy(consent), ensure_ascii=False, indent=2)
        response = HttpResponse(body, content_type="application/ld+json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="consent-{consent.pk}.jsonld"'
        return response


class AccessLogView(PlantDataMixin, ListView):
    """Who read the plant's data, for which purpose, when (newest first, filter by purpose)."""

    template_name = "datahub/access_log.html"
    paginate_by = 25
    paginator_class = DeferredJoinPaginator
    context_object_name = "entries"

    def get_queryset(self):
        self.filter_form = AccessLogFilterForm(self.request.GET or None)
        qs = AccessLogEntry.objects.filter(plant=self.plant).select_related("user", "organization")
        if self.filter_form.is_valid() and self.filter_form.cleaned_data["purpose"]:
            qs = qs.filter(purpose=self.filter_form.cleaned_data["purpose"])
        return qs.order_by("-at", "-pk")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET.copy()
        params.pop("page", None)
        ctx["filter_form"] = self.filter_form
        ctx["export_formats"] = ("csv", "xlsx")  # the API's list with the same filters
        ctx["query_without_page"] = params.urlencode()
        ctx["page_sizes"] = PAGE_SIZES
        return ctx
