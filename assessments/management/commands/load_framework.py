"""manage.py load_framework FILE: load (or re-load, idempotently) a maturity framework."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from assessments.services import framework_load

DEFAULT = Path(__file__).resolve().parents[2] / "frameworks" / "sf-l5-v1.json"


class Command(BaseCommand):
    help = "Load a maturity framework from its JSON definition (default: the seed SF-L5 v1)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT))

    def handle(self, *args, file, **options):
        path = Path(file)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{path}: {exc}") from exc
        try:
            framework, outcome = framework_load(data=data)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(f"{framework} ({framework.status}): {outcome}")
