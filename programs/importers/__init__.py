"""Bulk import of projects (with their historical status) and of KPIs from CSV or XLSX files,
Korean or English headers; all or nothing, with a row/column/reason report, idempotent.

The upload pages and the `import_projects` / `import_kpis` commands call `projects_import`
and `kpis_import`. File reading is hub.importers.reading (UTF-8, BOM, CP949, XLSX)."""

from .columns import KPI_COLUMNS, PROJECT_COLUMNS, template_header
from .kpis import kpis_import
from .projects import projects_import

__all__ = ["KPI_COLUMNS", "PROJECT_COLUMNS", "kpis_import", "projects_import", "template_header"]
