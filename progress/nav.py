"""The "Progress" and "Reports" navigation entries (registered in ProgressConfig.ready through
hub.extensions): agency staff, officials, admins and partner members (who see their own
plants' progress and their own firm's reports). Reports follow the report rule
(`services.can_request_reports`, the same people `ProgressReport.objects.visible_to` shows
reports to), so nobody is sent to a list that can only ever be empty."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from progress.services import can_request_reports


def nav(user) -> list[tuple[str, str]]:
    items = []
    if can_request_reports(user):  # the same people see the dashboard and the reports
        items.append((_("Progress"), reverse("progress:dashboard")))
    if can_request_reports(user):
        items.append((_("Progress reports"), reverse("progress:report_list")))
    return items
