"""The benchmark's tiny mode runs on any database, prints its table and changes nothing."""

import io
import json

from django.core.management import call_command
from django.db import connection

from assessments.models import Assessment
from hub.models import Plant
from programs.models import Project

NAMES = [
    "plant import",
    "progress national",
    "progress region",
    "api plants page 1",
    "api plants deep page",
    "plant page",
    "dashboard",
    "assessment confirm",
    "national pdf",
]


def counts():
    return (Plant.objects.count(), Assessment.objects.count(), Project.objects.count())


def test_benchmark_tiny_prints_every_figure_and_rolls_back(db, tmp_path):
    before = counts()
    out = io.StringIO()
    path = tmp_path / "b.json"

    call_command("benchmark", tiny=True, json=str(path), stdout=out)

    text = out.getvalue()
    assert "machine:" in text and connection.vendor in text
    rows = {
        line.split(" | ")[0].lstrip("| ") for line in text.splitlines() if line.startswith("| ")
    }
    for name in [*NAMES, "progress floor"]:
        assert name in rows
    data = json.loads(path.read_text(encoding="utf-8"))
    results = {r["name"]: r for r in data["results"]}
    for name in NAMES:
        assert results[name]["median_ms"] > 0, name
    floor = results["progress floor"]
    if connection.vendor == "postgresql":
        assert floor["median_ms"] > 0
        assert results["progress national"]["ratio"] > 0
    else:
        assert floor["median_ms"] is None and "n/a" in text
    assert results["plant import"]["rows_per_s"] > 0
    assert "wrk" in text
    assert counts() == before
