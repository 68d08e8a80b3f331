"""Bulk import of plants with their companies from CSV or XLSX files.

`plants_import(user=…, content=…, filename=…, dry_run=…)` is the one entry point; the upload
page and the `import_plants` command both call it and show the ImportReport it returns.
"""

from . import jobs
from .columns import COLUMNS, template_header
from .plants import file_too_large_message, max_rows, plants_import
from .report import ImportIssue, ImportReport

__all__ = [
    "COLUMNS",
    "ImportIssue",
    "ImportReport",
    "file_too_large_message",
    "jobs",
    "max_rows",
    "plants_import",
    "template_header",
]
