"""manage.py seed_self_assessments: demo self-diagnoses (run by seed_demo after the other
steps; devdata/self_assessments_demo.py)."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from devdata import self_assessments_demo
from devdata.demo_command import DemoCommand
from devdata.registry import SME_LOGIN


class Command(DemoCommand):
    help = "Give the sme login's plant and a few dozen demo plants a finished self-diagnosis."

    def handle(self, *args, force: bool, **options):
        self.refuse_in_production(force)
        users = get_user_model().objects
        admin = users.filter(username="admin", is_superuser=True).first()
        if admin is None:
            raise CommandError("The demo logins are missing: run `manage.py seed_demo` first.")
        summary = self_assessments_demo.seed(
            sme_user=users.filter(username=SME_LOGIN).first(), actor=admin
        )
        if options["verbosity"] >= 1:
            self.stdout.write(
                f"Self-diagnoses: sme login's {summary['sme'] or 'none new'}, "
                f"{summary['others']} other plants ({summary['skipped']} already had one)."
            )
