"""`manage.py import_plants FILE [--dry-run] [--user USERNAME]`: bulk import of plants with
their companies from a CSV or XLSX file. Prints the report; fails when the file has errors."""

from hub.importers import plants_import
from hub.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import SME companies and their plants from a CSV (UTF-8 or CP949) or XLSX file. "
        "Nothing is written unless every row is valid."
    )
    importer = staticmethod(plants_import)
    user_required = False
    user_help = "record the changes as made by this user (agency staff or administrator)"
