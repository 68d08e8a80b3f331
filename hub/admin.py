"""Admin of the registry. Organisations, plants and mentorships are edited here as on the
registry pages; the audit log is read-only."""

from django.contrib import admin

from hub.models import AuditEntry, Membership, Mentorship, Organization, Plant


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "business_number", "size_class", "region", "is_active"]
    list_filter = ["kind", "size_class", "region", "is_active"]
    search_fields = ["name", "name_en", "business_number"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__name"]
    autocomplete_fields = ["organization"]


@admin.register(Plant)
class PlantAdmin(admin.ModelAdmin):
    list_display = ["name", "company", "region", "industry", "status", "current_level"]
    list_filter = ["region", "industry", "status", "current_level"]
    search_fields = ["name", "company__name", "company__business_number"]
    autocomplete_fields = ["company"]
    readonly_fields = ["current_level", "current_score", "level_confirmed_on", "level_valid_until"]


@admin.register(Mentorship)
class MentorshipAdmin(admin.ModelAdmin):
    list_display = ["partner", "plant", "start_date", "end_date"]
    list_filter = ["partner"]
    autocomplete_fields = ["partner", "plant"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shows records without letting the admin change them: records whose changes must pass
    through a service (rules checked, audit written) or that are never changed at all."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: the audit log is written by services and never edited."""

    list_display = ["timestamp", "user", "action", "content_type", "object_repr"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "message", "user__username"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
