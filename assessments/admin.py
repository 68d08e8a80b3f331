"""Admin for frameworks and assessments. Frozen records (a framework in use, a confirmed
assessment) are read-only here as everywhere: the models refuse the write as well."""

from django.contrib import admin

from assessments.choices import AssessmentStatus
from assessments.models import Area, Assessment, Category, Evidence, Framework, Item, ItemRating


class ReadOnlyWhenFrozen:
    def is_frozen(self, obj) -> bool:  # pragma: no cover - each admin defines it
        raise NotImplementedError

    def has_change_permission(self, request, obj=None):
        if obj is not None and self.is_frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and self.is_frozen(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Framework)
class FrameworkAdmin(ReadOnlyWhenFrozen, admin.ModelAdmin):
    list_display = ["code", "version", "name_ko", "status", "validity_years", "loaded_at"]
    list_filter = ["status"]
    readonly_fields = ["definition", "loaded_at"]

    def is_frozen(self, obj):
        return obj.in_use

    def has_add_permission(self, request):
        return False  # frameworks come in through `manage.py load_framework`


@admin.register(Item)
class ItemAdmin(ReadOnlyWhenFrozen, admin.ModelAdmin):
    list_display = ["code", "name_ko", "points", "category"]
    list_filter = ["category__area__framework"]
    search_fields = ["code", "name_ko", "name_en"]

    def is_frozen(self, obj):
        return obj.framework_of().in_use

    def has_add_permission(self, request):
        return False


admin.site.register([Area, Category], admin.ModelAdmin)


class ItemRatingInline(admin.TabularInline):
    model = ItemRating
    extra = 0
    can_delete = False
    fields = ["item", "rating", "not_applicable", "na_reason", "evidence_note"]
    readonly_fields = ["item"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == AssessmentStatus.CONFIRMED:
            return False
        return super().has_change_permission(request, obj)


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyWhenFrozen, admin.ModelAdmin):
    list_display = ["pk", "plant", "consultant", "status", "origin", "assessed_on", "final_level"]
    list_filter = ["status", "origin", "outcome_only", "final_level", "framework"]
    search_fields = [
        "plant__name",
        "plant__company__name",
        "consultant__username",
        "recorded_consultant",
        "source_reference",
    ]
    raw_id_fields = ["plant", "consultant", "opened_by", "confirmed_by"]
    readonly_fields = [
        "status",
        "total_score",
        "band_level",
        "final_level",
        "capping_rule",
        "result",
        "valid_until",
        "submitted_at",
        "returned_at",
        "confirmed_at",
        "confirmed_by",
        "revision",
    ]
    inlines = [ItemRatingInline]

    def is_frozen(self, obj):
        return obj.status == AssessmentStatus.CONFIRMED

    def has_add_permission(self, request):
        return False  # opened through the workflow, so ratings rows and audit exist


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyWhenFrozen, admin.ModelAdmin):
    list_display = ["original_name", "assessment", "item", "size", "uploaded_at"]
    readonly_fields = ["file", "original_name", "content_type", "size", "uploaded_by"]

    def is_frozen(self, obj):
        return obj.assessment.status == AssessmentStatus.CONFIRMED
