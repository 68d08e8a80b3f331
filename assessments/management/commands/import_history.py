"""`manage.py import_history FILE --user USERNAME [--dry-run]`: back-file the program's history
of confirmed assessments (original dates, framework version, item ratings or the recorded
outcome) from a CSV or XLSX file. Prints the report; fails when the file has errors."""

from assessments.importers import history_import
from hub.importers.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Back-file confirmed assessments from before the hub with their original dates, from "
        "a CSV (UTF-8 or CP949) or XLSX file. Nothing is written unless every row is valid."
    )
    importer = staticmethod(history_import)
    user_help = (
        "agency staff member (or administrator) the import is made as; required: it is "
        "audited in their name and limited to the plants they see"
    )
