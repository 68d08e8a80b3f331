"""manage.py sweep_reports [--older-than SECONDS]: fail progress reports whose worker stopped.

The same sweep Celery beat runs every REPORT_SWEEP_EVERY seconds (`sweep_stale_reports`), for
installations that schedule jobs with cron instead. A pending or running report that showed no
sign of life for longer than --older-than (default REPORT_STALE_AFTER) becomes failed with an
error saying to build it again; its page then offers "Build again".
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from progress.services import report_sweep


class Command(BaseCommand):
    help = "Mark pending or running progress reports whose worker stopped as failed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            type=int,
            metavar="SECONDS",
            help=f"silence after which a report counts as abandoned "
            f"(default REPORT_STALE_AFTER, now {settings.REPORT_STALE_AFTER})",
        )

    def handle(self, *args, older_than=None, **options):
        if older_than is None:
            older_than = settings.REPORT_STALE_AFTER
        if older_than < 1:
            raise CommandError(_("--older-than must be a positive number of seconds."))
        swept = report_sweep(older_than=datetime.timedelta(seconds=older_than))
        if not swept:
            self.stdout.write(_("No stale reports."))
            return
        self.stdout.write(
            ngettext(
                "Marked %(count)d stale report as failed: %(ids)s.",
                "Marked %(count)d stale reports as failed: %(ids)s.",
                len(swept),
            )
            % {"count": len(swept), "ids": ", ".join(f"#{pk}" for pk in swept)}
        )
