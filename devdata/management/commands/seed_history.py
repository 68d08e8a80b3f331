"""manage.py seed_history: import the demo's back-filed history of confirmed assessments
(devdata/data/history-demo.csv, through the history import) so the dashboard shows the past
years' shares. Run by seed_demo right after seed_assessments (levels it moves feed the
warnings step); a second run imports nothing.
`--write-file` regenerates the committed file from the demo database."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from devdata import history_demo
from devdata.demo_command import DemoCommand


class Command(DemoCommand):
    help = "Import the demo's back-filed assessment history (original confirmation dates)."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--write-file",
            action="store_true",
            help=f"regenerate {history_demo.FILE.name} from the demo database instead",
        )

    def handle(self, *args, force: bool, write_file: bool = False, **options):
        self.refuse_in_production(force)
        if write_file:
            count = history_demo.write_file()
            self.stdout.write(f"Wrote {count} back-filed assessments to {history_demo.FILE}.")
            return
        agency = get_user_model().objects.filter(username="agency").first()
        if agency is None:
            raise CommandError("The demo logins are missing: run `manage.py seed_demo` first.")
        try:
            summary = history_demo.seed(actor=agency)
        except ValueError as exc:
            raise CommandError(f"The demo history does not import: {exc}") from exc
        if options["verbosity"] >= 1:
            if summary["skipped"]:
                self.stdout.write("Back-filed history: already imported.")
            else:
                self.stdout.write(
                    f"Back-filed history: {summary['created']} assessments "
                    f"({summary['outcome_only']} with score and level only; "
                    f"{summary['left_out']} rows of plants this demo lacks left out)."
                )
