"""Imports into the assessments app: the program's history of confirmed assessments, back-filed
with their original dates (`history_import`, the `import_history` command and upload page).
Reading, header mapping, cells and the report come from hub.importers."""

from .columns import HISTORY_COLUMNS, template_header
from .history import HistoryImportReport, history_import

__all__ = ["HISTORY_COLUMNS", "HistoryImportReport", "history_import", "template_header"]
