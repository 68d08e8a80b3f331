"""The shared body of the import commands (`import_plants`, `import_projects`, `import_kpis`):
read the file, run the importer, print its report, fail when it has errors."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hub.importers.plants import file_too_large_message


class ImportCommand(BaseCommand):
    importer = None  # staticmethod(plants_import) / staticmethod(projects_import) / …
    # Project and KPI rows go through services that check the user's operating agency.
    user_required = True
    user_help = (
        "agency staff member (or administrator) the changes are made as; required: "
        "rows go through the same services as the pages, which check the operating agency"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV or XLSX file to import")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and report what would change, without writing",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help=self.user_help,
        )

    def handle(self, *args, file, dry_run=False, user=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("%(file)s is not a file.") % {"file": file})
        size, limit = path.stat().st_size, settings.IMPORT_MAX_BYTES
        if size > limit:
            raise CommandError(file_too_large_message(size, limit))
        if not user and self.user_required:
            raise CommandError(
                _("Name the agency staff member the import is made as: --user USERNAME.")
            )
        actor = None
        if user:
            try:
                actor = get_user_model().objects.get_by_natural_key(user)
            except get_user_model().DoesNotExist:
                raise CommandError(_("There is no user %(user)s.") % {"user": user}) from None
        try:
            report = type(self).importer(
                user=actor, content=path.read_bytes(), filename=path.name, dry_run=dry_run
            )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc

        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(str(warning)))
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            count = len(report.errors)
            raise CommandError(
                ngettext(
                    "%(count)s error in %(file)s; nothing was written.",
                    "%(count)s errors in %(file)s; nothing was written.",
                    count,
                )
                % {"count": count, "file": path.name}
            )
        if report.dry_run:
            message = _("Dry run, nothing written. %(file)s, %(rows)s rows would give %(summary)s.")
        else:
            message = _("Imported %(file)s, %(rows)s rows: %(summary)s.")
        self.stdout.write(
            self.style.SUCCESS(
                message % {"file": path.name, "rows": report.rows, "summary": report.summary}
            )
        )
