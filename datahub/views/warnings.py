"""The early-warning queue (agency staff and officials) and one warning's page, where agency
staff acknowledge or resolve it with a note and move on to the next in the queue."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView

from datahub.filtersets import EarlyWarningFilterSet
from datahub.models import EarlyWarning
from datahub.services import warnings
from datahub.tables import WarningTable
from datahub.views.base import answers
from hub import roles
from hub.views.confirm import confirm_first
from hub.views.mixins import FilteredListView

RESOLVE_CONSEQUENCE = gettext_lazy(
    "Resolving closes the warning for good with your note: it cannot be reopened (if the "
    "condition comes back, a new warning is raised)."
)


class WarningQueueView(FilteredListView):
    """Agency staff's queue (officials read it too): open first, filters by kind, status,
    region, program and agency. Other roles answer 403 (an SME member reads its own plants'
    warnings on its data hub home)."""

    model = EarlyWarning
    filterset_class = EarlyWarningFilterSet
    table_class = WarningTable
    template_name = "datahub/warnings.html"
    context_object_name = "warnings"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not roles.sees_everything(request.user):
            raise PermissionDenied(_("The early-warning queue is for agency staff and officials."))
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return super().get_queryset().select_related("plant").queue_order()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["may_act"] = warnings.may_act_on_warnings(self.request.user)
        return ctx


def next_in_queue(user, warning):
    """The warning at the top of the queue (open first, newest first) other than `warning`:
    after acting on one, the next to work on."""
    return (
        EarlyWarning.objects.visible_to(user)
        .unresolved()
        .exclude(pk=warning.pk)
        .select_related("plant")
        .queue_order()
        .first()
    )


class WarningDetailView(LoginRequiredMixin, DetailView):
    """One warning: what was found, since when, its history; agency staff acknowledge or
    resolve it with a note (POST `action` = acknowledge | resolve, `note`)."""

    model = EarlyWarning
    template_name = "datahub/warning.html"
    context_object_name = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not answers(self, request):
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return get_object_or_404(
            EarlyWarning.objects.visible_to(self.request.user).select_related(
                "plant__company", "acted_by"
            ),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx["may_act"] = warnings.may_act_on_warnings(user)
        ctx["next_warning"] = next_in_queue(user, self.object) if ctx["may_act"] else None
        ctx["resolve_consequence"] = RESOLVE_CONSEQUENCE
        return ctx

    def post(self, request, *args, **kwargs):
        warning = self.get_object()
        if not warnings.may_act_on_warnings(request.user):
            raise PermissionDenied(_("Only agency staff acknowledge or resolve early warnings."))
        action = request.POST.get("action")
        service = {
            "acknowledge": warnings.warning_acknowledge,
            "resolve": warnings.warning_resolve,
        }.get(action)
        here = reverse("datahub:warning", args=[warning.pk])
        if action == "resolve":
            asked = confirm_first(
                request,
                question=_("Resolve this warning?"),
                consequence=RESOLVE_CONSEQUENCE,
                action_label=_("Resolve"),
                cancel_url=here,
            )
            if asked is not None:
                return asked
        if service is None:
            messages.error(request, _("Choose acknowledge or resolve."))
            return redirect(here)
        try:
            warning = service(user=request.user, warning=warning, note=request.POST.get("note", ""))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect(here)
        if action == "acknowledge":
            messages.success(request, _("Warning acknowledged."))
        else:
            messages.success(request, _("Warning resolved."))
        if request.POST.get("then") == "next":
            following = next_in_queue(request.user, warning)
            if following is not None:
                return redirect(following.get_absolute_url())
            return redirect("datahub:warnings")
        return redirect(here)
