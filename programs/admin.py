"""Admin of programs, commitments, projects and KPIs: read-only. Every change to them passes
through `programs.services`, which checks the cost-share rule, the partner's funds, overlaps
and the status pipeline and writes the audit entry; an admin form would bypass all of that.
Cost-share rules are seeded data that past projects were checked against."""

from django.contrib import admin

from hub.admin import ReadOnlyAdmin
from programs.models import KPI, CostShareRule, PartnerCommitment, Program, Project


@admin.register(CostShareRule)
class CostShareRuleAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_ko", "government_max_pct", "partner_min_pct", "sme_max_pct"]


class CommitmentInline(admin.TabularInline):
    model = PartnerCommitment
    extra = 0
    fields = ["partner", "committed"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Program)
class ProgramAdmin(ReadOnlyAdmin):
    list_display = [
        "name_ko",
        "year",
        "kind",
        "agency",
        "budget",
        "follow_up_years",
        "follow_up_frequency",
    ]
    list_filter = ["year", "kind", "agency", "follow_up_frequency"]
    search_fields = ["name_ko", "name_en"]
    inlines = [CommitmentInline]


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = ["pk", "plant", "program", "status", "partner", "target_level", "completed_on"]
    list_filter = ["status", "target_level", "program__year"]
    search_fields = ["plant__name", "plant__company__name", "program__name_ko"]
    list_select_related = ["plant", "program", "partner"]


@admin.register(KPI)
class KPIAdmin(ReadOnlyAdmin):
    list_display = ["project", "indicator", "baseline", "result", "improvement_pct"]
    list_filter = ["indicator"]
    list_select_related = ["project__plant", "project__program"]
