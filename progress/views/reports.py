"""PDF progress reports: request and list, one report's status (polled by htmx while it is
built), retry of a failed build, download. Reading follows `ProgressReport.objects.visible_to`
(invisible = 404, `ReportMixin`); requesting is decided by `progress.services.report_request`
(403 / errors)."""

import contextlib
import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View

from hub.formats import person_name
from hub.forms import add_service_errors
from hub.views.mixins import VisibleMixin
from progress import document
from progress import services as reports
from progress.choices import ReportStatus
from progress.forms import ReportRequestForm
from progress.models import ProgressReport


class ReportMixin(VisibleMixin):
    model = ProgressReport
    select_related = ("requested_by",)


def _with_words(items):
    for report in items:
        report.scope_words = document.scope_words(report.scope, report.scope_value)
        report.requested_by_name = person_name(report.requested_by)
    return items


PREFILLED = ("scope", "region", "program", "partner", "language")


def request_initial(params) -> dict:
    """The request form's first values: national, the page's language and today, or what the
    query string says (the dashboard's "Download this view as PDF" link carries its filters
    there). The form checks them again when it is sent."""
    initial = {
        "scope": "national",
        "language": translation.get_language() or "ko",
        "as_of": timezone.localdate(),
    }
    initial.update({name: params[name] for name in PREFILLED if params.get(name)})
    with contextlib.suppress(ValueError):  # a mistyped date leaves today
        initial["as_of"] = datetime.date.fromisoformat(params.get("as_of", ""))
    return initial


class ReportListView(ReportMixin, View):
    template_name = "progress/report_list.html"

    def get(self, request, form=None):
        page = Paginator(self.get_queryset(), 25).get_page(request.GET.get("page"))
        can_request = reports.can_request_reports(request.user)
        if form is None and can_request:
            form = ReportRequestForm(user=request.user, initial=request_initial(request.GET))
        return render(
            request,
            self.template_name,
            {
                "form": form,
                "can_request": can_request,
                "page_obj": page,
                "object_list": _with_words(list(page.object_list)),
            },
            status=400 if form is not None and form.is_bound else 200,
        )

    def post(self, request):
        form = ReportRequestForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.get(request, form=form)
        try:
            report = reports.report_request(
                user=request.user,
                scope=form.cleaned_data["scope"],
                scope_value=form.scope_value(),
                language=form.cleaned_data["language"],
                as_of=form.cleaned_data["as_of"],
            )
        except ValidationError as exc:
            # The service names the value "scope_value"; the form has one field per scope.
            add_service_errors(form, exc, rename={"scope_value": form.cleaned_data["scope"]})
            return self.get(request, form=form)
        messages.success(request, _("Report requested; it is being built."))
        return redirect(report.get_absolute_url())


class ReportDetailView(ReportMixin, View):
    def get(self, request, pk):
        report = _with_words([self.get_object()])[0]
        return render(
            request,
            "progress/report_detail.html",
            {"report": report, "can_retry": reports.can_request_reports(request.user)},
        )

    def post(self, request, pk):
        """Retry a failed build."""
        report = self.get_object()
        try:
            reports.report_retry(user=request.user, report=report)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The report is being built again."))
        return redirect(report.get_absolute_url())


class ReportStatusView(ReportMixin, View):
    """The status fragment; htmx polls it every second while the report is pending/running."""

    def get(self, request, pk):
        report = self.get_object()
        return render(request, "progress/partials/report_status.html", {"report": report})


class ReportDownloadView(ReportMixin, View):
    def get(self, request, pk):
        report = self.get_object()
        if report.status != ReportStatus.DONE or not report.file:
            raise Http404(_("The report is not ready."))
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=reports.report_filename(report),
            content_type="application/pdf",
        )
