"""PDF progress reports: request and list, one report's status (polled by htmx while it is
built), retry of a failed build, download. Reading follows `ProgressReport.objects.visible_to`
(invisible = 404); requesting is decided by `progress.services.report_request` (403 / errors)."""

import contextlib
import datetime

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views import View

from programs.views.common import add_service_errors
from progress import document
from progress import services as reports
from progress.choices import ReportStatus
from progress.forms import ReportRequestForm
from progress.models import ProgressReport
from progress.presentation.formats import person_name


def visible_report(user, pk) -> ProgressReport:
    return get_object_or_404(
        ProgressReport.objects.visible_to(user).select_related("requested_by"), pk=pk
    )


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


class ReportListView(LoginRequiredMixin, View):
    template_name = "progress/report_list.html"

    def get(self, request, form=None):
        queryset = ProgressReport.objects.visible_to(request.user).select_related("requested_by")
        page = Paginator(queryset, 25).get_page(request.GET.get("page"))
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
            if hasattr(exc, "error_dict") and "scope_value" in exc.error_dict:
                exc = ValidationError(
                    {
                        form.cleaned_data["scope"]: exc.error_dict.pop("scope_value"),
                        **exc.error_dict,
                    }
                )
            add_service_errors(form, exc)
            return self.get(request, form=form)
        messages.success(request, _("Report requested; it is being built."))
        return redirect(report.get_absolute_url())


class ReportDetailView(LoginRequiredMixin, View):
    def get(self, request, pk):
        report = _with_words([visible_report(request.user, pk)])[0]
        return render(
            request,
            "progress/report_detail.html",
            {"report": report, "can_retry": reports.can_request_reports(request.user)},
        )

    def post(self, request, pk):
        """Retry a failed build."""
        report = visible_report(request.user, pk)
        try:
            reports.report_retry(user=request.user, report=report)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The report is being built again."))
        return redirect(report.get_absolute_url())


class ReportStatusView(LoginRequiredMixin, View):
    """The status fragment; htmx polls it every second while the report is pending/running."""

    def get(self, request, pk):
        report = visible_report(request.user, pk)
        return render(request, "progress/partials/report_status.html", {"report": report})


class ReportDownloadView(LoginRequiredMixin, View):
    def get(self, request, pk):
        report = visible_report(request.user, pk)
        if report.status != ReportStatus.DONE or not report.file:
            raise Http404(_("The report is not ready."))
        return FileResponse(
            report.file.open("rb"),
            as_attachment=True,
            filename=reports.report_filename(report),
            content_type="application/pdf",
        )
