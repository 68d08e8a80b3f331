"""Admin of targets and progress reports: read-only. A target changes only through the
targets page (`progress.services.target_update` keeps its history and audit entry); a target
change is history; a report is a record of what was published."""

from django.contrib import admin

from hub.admin import ReadOnlyAdmin
from progress.models import ProgressReport, Target, TargetChange


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["code", "value", "due_year", "updated_at"]


@admin.register(TargetChange)
class TargetChangeAdmin(ReadOnlyAdmin):
    list_display = ["target", "value", "due_year", "changed_at", "changed_by"]
    list_filter = ["target"]


@admin.register(ProgressReport)
class ProgressReportAdmin(ReadOnlyAdmin):
    list_display = ["pk", "scope", "scope_value", "language", "as_of", "status", "requested_at"]
    list_filter = ["status", "scope", "language"]
    exclude = ["figures"]
