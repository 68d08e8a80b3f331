"""manage.py load_kpi_catalogue [FILE]: load (or re-load, idempotently) a KPI catalogue."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from datahub.services import catalogue


class Command(BaseCommand):
    help = "Load a KPI catalogue version from a JSON file (default: the shipped v1)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(catalogue.SEED))

    def handle(self, *args, file, **options):
        try:
            loaded, created = catalogue.load(catalogue.read(file))
        except (OSError, ValueError, KeyError) as error:
            raise CommandError(f"{file}: {error}") from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        verb = "loaded" if created else "already loaded"
        self.stdout.write(f"{loaded} {verb}: {loaded.definitions.count()} definitions")
