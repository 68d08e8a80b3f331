"""Loading the KPI catalogue (datahub/catalogue/*.json): idempotent, and a loaded version
never changes; the highest version loaded is the current one."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from datahub import formulas

SEED = Path(__file__).resolve().parents[1] / "catalogue" / "sfh-kpi-v1.json"


def read(path: Path | str = SEED) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _definition_fields(row: dict) -> dict:
    return {
        "kind": row["kind"],
        "name_ko": row["name"]["ko"],
        "name_en": row["name"]["en"],
        "unit": row["unit"],
        "better": row.get("better", "neither"),
        "min_value": row.get("min"),
        "max_value": row.get("max"),
        "formula": row.get("formula", ""),
        "inputs": row.get("inputs", []),
        "aggregation": row.get("aggregation", "sum"),
        "description_ko": row.get("description", {}).get("ko", ""),
        "description_en": row.get("description", {}).get("en", ""),
        "iso_reference": row.get("iso_reference", ""),
        "order": row.get("order", 0),
    }


def check(data: dict) -> None:
    """Every derived KPI's inputs are codes of the same catalogue; codes are unique."""
    codes = [row["code"] for row in data["definitions"]]
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise ValidationError(
            _("Duplicate KPI codes: %(codes)s") % {"codes": ", ".join(duplicates)}
        )
    known = set(codes)
    for row in data["definitions"]:
        missing = [code for code in row.get("inputs", []) if code not in known]
        if missing:
            raise ValidationError(
                _("%(code)s uses unknown inputs: %(missing)s")
                % {"code": row["code"], "missing": ", ".join(missing)}
            )
        if row.get("formula"):
            try:
                names = formulas.parse(row["formula"]).names
            except formulas.FormulaError as error:
                raise ValidationError(f"{row['code']}: {error}") from error
            if names != set(row.get("inputs", [])):
                raise ValidationError(
                    _("%(code)s: the formula's names and its inputs differ") % {"code": row["code"]}
                )
    try:
        formulas.order(
            formulas.Definition(code=row["code"], formula=row.get("formula", ""))
            for row in data["definitions"]
        )
    except formulas.FormulaError as error:
        raise ValidationError(str(error)) from error


@transaction.atomic
def load(data: dict, *, catalogue_model=None, definition_model=None):
    """Load one catalogue version; returns (catalogue, created). Loading a version again
    changes nothing; a different content under a loaded version is refused."""
    if catalogue_model is None:
        from datahub.models import KpiCatalogue as catalogue_model
        from datahub.models import KpiDefinition as definition_model
    check(data)
    catalogue, created = catalogue_model.objects.get_or_create(
        code=data["code"],
        version=data["version"],
        defaults={
            "name_ko": data["name"]["ko"],
            "name_en": data["name"]["en"],
            "source": data.get("source", ""),
        },
    )
    if created:
        definition_model.objects.bulk_create(
            definition_model(catalogue=catalogue, code=row["code"], **_definition_fields(row))
            for row in data["definitions"]
        )
    else:
        stored = {d.code: d for d in definition_model.objects.filter(catalogue=catalogue)}
        changed = [
            row["code"]
            for row in data["definitions"]
            if row["code"] not in stored
            or any(
                getattr(stored[row["code"]], field) != value
                for field, value in _definition_fields(row).items()
            )
        ]
        if changed or len(stored) != len(data["definitions"]):
            raise ValidationError(
                _(
                    "Catalogue %(code)s v%(version)s is loaded with other content; publish a new "
                    "version instead."
                )
                % {"code": data["code"], "version": data["version"]}
            )
    newest = catalogue_model.objects.filter(code=data["code"]).order_by("-version").first()
    if not newest.is_current:
        catalogue_model.objects.filter(is_current=True).update(is_current=False)
        catalogue_model.objects.filter(pk=newest.pk).update(is_current=True)
    catalogue.refresh_from_db()
    return catalogue, created


def current_definitions():
    """The definitions of the current catalogue, in catalogue order."""
    from datahub.models import KpiDefinition

    return KpiDefinition.objects.filter(catalogue__is_current=True).order_by("order", "code")
