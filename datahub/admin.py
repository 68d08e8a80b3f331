"""Admin of the data hub: read-only. Sources, tokens, series, consents and backfills change
only through their services (audited, the plant's own decision); observations and rollups
are too many to browse here and are read through the API."""

from django.contrib import admin

from datahub.models import (
    AccessLogEntry,
    BackfillApproval,
    Consent,
    DatasetDownload,
    DataSource,
    EarlyWarning,
    FollowUpPeriod,
    IngestRequest,
    KpiCatalogue,
    KpiDefinition,
    ResearchDataset,
    Series,
    SourceToken,
)
from hub.admin import ReadOnlyAdmin


@admin.register(KpiCatalogue)
class KpiCatalogueAdmin(ReadOnlyAdmin):
    list_display = ["code", "version", "name_ko", "is_current", "loaded_at"]


@admin.register(KpiDefinition)
class KpiDefinitionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_ko", "name_en", "kind", "unit", "better", "catalogue"]
    list_filter = ["catalogue", "kind"]
    search_fields = ["code", "name_ko", "name_en"]


@admin.register(DataSource)
class DataSourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "plant", "kind", "is_active", "last_data_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "plant__name"]


@admin.register(SourceToken)
class SourceTokenAdmin(ReadOnlyAdmin):
    # The digest is never shown.
    list_display = ["prefix", "source", "created_at", "expires_at", "last_used_at", "revoked_at"]
    fields = ["prefix", "source", "created_at", "expires_at", "last_used_at", "revoked_at"]
    search_fields = ["prefix", "source__name"]


@admin.register(Series)
class SeriesAdmin(ReadOnlyAdmin):
    list_display = ["key", "plant", "source", "kpi", "unit", "granularity", "last_ts"]
    search_fields = ["key", "plant__name"]


@admin.register(IngestRequest)
class IngestRequestAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "source", "channel", "accepted", "duplicates", "conflicts"]
    list_filter = ["channel"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ["plant", "purpose", "partner", "granted_at", "expires_at", "revoked_at"]
    list_filter = ["purpose"]


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "plant", "user", "organization", "purpose", "kind", "description"]
    list_filter = ["purpose"]


@admin.register(BackfillApproval)
class BackfillApprovalAdmin(ReadOnlyAdmin):
    list_display = ["plant", "start", "end", "approved_by", "approved_at", "expires_at"]


@admin.register(EarlyWarning)
class EarlyWarningAdmin(ReadOnlyAdmin):
    # Acknowledged and resolved through the queue (audited), not here.
    list_display = ["plant", "kind", "status", "first_detected", "last_detected", "acted_by"]
    list_filter = ["kind", "status"]
    search_fields = ["plant__name"]


@admin.register(ResearchDataset)
class ResearchDatasetAdmin(ReadOnlyAdmin):
    list_display = ["pk", "title", "as_of", "status", "plant_count", "row_count", "built_at"]
    list_filter = ["status"]


@admin.register(DatasetDownload)
class DatasetDownloadAdmin(ReadOnlyAdmin):
    list_display = ["at", "dataset", "user", "kind"]


@admin.register(FollowUpPeriod)
class FollowUpPeriodAdmin(ReadOnlyAdmin):
    """Materialised by datahub.services.followups from the projects and the plants' data."""

    list_display = ["plant", "program", "sequence", "period_start", "due_date", "status"]
    list_filter = ["status", "agency"]
    list_select_related = ["plant", "program"]
    search_fields = ["plant__name", "plant__company__name"]
