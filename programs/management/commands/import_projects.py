"""`manage.py import_projects FILE [--dry-run] --user USERNAME`: bulk import of projects with
their historical status from a CSV or XLSX file. Prints the report; fails when the file has
errors, and then nothing is written."""

from hub.importers.command import ImportCommand
from programs.importers import projects_import


class Command(ImportCommand):
    help = (
        "Import projects (program, plant, partner, shares, status and step dates) from a CSV "
        "(UTF-8 or CP949) or XLSX file, through the project services. Nothing is written "
        "unless every row is valid; re-importing the same file changes nothing."
    )
    importer = staticmethod(projects_import)
