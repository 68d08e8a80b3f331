"""Data hub models: the KPI catalogue, data sources and their tokens, series, observations
and rollups, ingest requests and corrections, consents and the access log."""

from datahub.models.catalogue import KpiCatalogue, KpiDefinition
from datahub.models.consents import AccessLogEntry, Consent, ReadKind
from datahub.models.datasets import DatasetDownload, ResearchDataset
from datahub.models.followups import FollowUpPeriod, FollowUpStatus
from datahub.models.observations import (
    BackfillApproval,
    Correction,
    DirtyBucket,
    IngestRequest,
    Observation,
    RollupBucket,
)
from datahub.models.sources import DataSource, Series, SourceToken
from datahub.models.warnings import EarlyWarning, WarningKind, WarningStatus

__all__ = [
    "AccessLogEntry",
    "BackfillApproval",
    "Consent",
    "Correction",
    "DataSource",
    "DatasetDownload",
    "DirtyBucket",
    "EarlyWarning",
    "FollowUpPeriod",
    "FollowUpStatus",
    "IngestRequest",
    "KpiCatalogue",
    "KpiDefinition",
    "Observation",
    "ReadKind",
    "ResearchDataset",
    "RollupBucket",
    "Series",
    "SourceToken",
    "WarningKind",
    "WarningStatus",
]
