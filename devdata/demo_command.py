"""The base of the demo-data commands (seed_demo, seed_assessments, seed_programs)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from devdata.registry import PASSWORD


class DemoCommand(BaseCommand):
    """Takes --plants and --force, and refuses to run with DEBUG=false unless forced: the demo
    logins have a published password."""

    plants_help = "demo plants of seed_demo (default 240)"

    def add_arguments(self, parser):
        parser.add_argument("--plants", type=int, default=240, help=self.plants_help)
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even with DEBUG=false (the demo logins have a published password)",
        )

    def refuse_in_production(self, force: bool) -> None:
        if not settings.DEBUG and not force:
            name = self.__module__.rsplit(".", 1)[-1]
            raise CommandError(
                f"{name} writes demo data whose logins have the password {PASSWORD!r}; it "
                "refuses to run with DEBUG=false unless --force is given."
            )
