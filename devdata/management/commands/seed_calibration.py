"""manage.py seed_calibration: demo spot-checks over the demo's confirmed assessments (run by
seed_demo after seed_assessments; devdata/calibration_demo.py)."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError

from devdata import calibration_demo
from devdata.demo_command import DemoCommand


class Command(DemoCommand):
    help = "Draw demo spot-checks (fixed seed), rate most of them, leave one to the consultant."

    def handle(self, *args, force: bool, **options):
        self.refuse_in_production(force)
        agency = get_user_model().objects.filter(username="agency").first()
        if agency is None:
            raise CommandError("The demo logins are missing: run `manage.py seed_demo` first.")
        summary = calibration_demo.seed(agency=agency)
        if options["verbosity"] >= 1:
            if summary["draw"] is None:
                self.stdout.write("Spot-checks: already drawn, nothing to do.")
            else:
                self.stdout.write(
                    f"Spot-checks: {summary['created']} drawn (draw #{summary['draw']}), "
                    f"{summary['submitted']} submitted, draft for `consultant`: "
                    f"{summary['draft'] or 'none'}."
                )
