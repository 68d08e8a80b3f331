"""manage.py seed_warnings: data the early-warning rules flag for two demo plants, then one
run of the rules (run by seed_demo after seed_telemetry; devdata/warnings_demo.py)."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from devdata import warnings_demo
from devdata.demo_command import DemoCommand


class Command(DemoCommand):
    help = "Give two demo plants data the early-warning rules flag, and run the rules once."

    def handle(self, *args, force: bool, **options):
        self.refuse_in_production(force)
        admin = get_user_model().objects.filter(username="admin", is_superuser=True).first()
        if admin is None:
            raise CommandError("The demo logins are missing: run `manage.py seed_demo` first.")
        summary = warnings_demo.seed(actor=admin)
        if options["verbosity"] >= 1:
            found = ", ".join(f"{kind} {n}" for kind, n in summary["warnings"].items() if n)
            self.stdout.write(
                f"Early warnings: {found or 'none'} ({summary['rows']} rows for "
                f"{', '.join(summary['plants']) or 'no plant'})."
            )
