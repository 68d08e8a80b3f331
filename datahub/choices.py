"""Fixed vocabularies of the data hub."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuantityKind(models.TextChoices):
    """A KPI the hub can derive (or a plant can report), or a raw quantity it comes from."""

    KPI = "kpi", _("KPI")
    RAW = "raw", _("Raw quantity")


class Better(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")
    NEITHER = "neither", _("Neither")


class Aggregation(models.TextChoices):
    """How a quantity combines over a longer period: quantities add up (produced, energy),
    ratios are recomputed from their sums or averaged, stock-like values keep the last."""

    SUM = "sum", _("Sum")
    MEAN = "mean", _("Mean")
    LAST = "last", _("Last value")


class SourceKind(models.TextChoices):
    MES = "mes", _("MES")
    SCADA = "scada", _("SCADA / gateway")
    ERP = "erp", _("ERP")
    SPREADSHEET = "spreadsheet", _("Spreadsheet")
    MANUAL = "manual", _("Manual entry")
    OTHER = "other", _("Other system")


class Granularity(models.TextChoices):
    HOUR = "hour", _("Hourly")
    DAY = "day", _("Daily")
    MONTH = "month", _("Monthly")


class Rollup(models.TextChoices):
    HOUR = "hour", _("Hour")
    DAY = "day", _("Day")
    MONTH = "month", _("Month")


class ConflictPolicy(models.TextChoices):
    REFUSE = "refuse", _("Refuse")
    REPLACE = "replace", _("Replace")


class Purpose(models.TextChoices):
    """Why someone other than the plant may use its data (DESIGN.md §5)."""

    FOLLOW_UP = "follow_up", _("Program follow-up by the operating agency")
    STATISTICS = "statistics", _("National statistics (aggregates only)")
    PARTNER = "partner", _("Mentoring partner firm")
    RESEARCH = "research", _("Anonymised research datasets")


class IngestChannel(models.TextChoices):
    API = "api", _("API")
    MQTT = "mqtt", _("MQTT")
    UPLOAD = "upload", _("Upload")
    FORM = "form", _("Monthly form")


class DatasetStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    BUILDING = "building", _("Building")
    READY = "ready", _("Ready")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class DatasetFile(models.TextChoices):
    """The files of a research dataset."""

    PARQUET = "parquet", _("Parquet")
    CSV = "csv", _("CSV")
    DICTIONARY = "dictionary", _("Data dictionary (JSON)")


class Refusal(models.TextChoices):
    """Why a dataset was not released; its details (counts, dates) are kept beside it and
    worded in the reader's language by `ResearchDataset.refusal_text`."""

    NO_CONSENT = "no_consent", _("No research consent")
    K_ANONYMITY = "k_anonymity", _("k-anonymity not met")
