"""`manage.py import_kpis FILE [--dry-run] --user USERNAME`: bulk import of project KPIs
(upserted by project and indicator) from a CSV or XLSX file."""

from hub.importers.command import ImportCommand
from programs.importers import kpis_import


class Command(ImportCommand):
    help = (
        "Import project KPIs (baseline, result, periods) from a CSV (UTF-8 or CP949) or XLSX "
        "file. Nothing is written unless every row is valid; re-importing changes nothing."
    )
    importer = staticmethod(kpis_import)
