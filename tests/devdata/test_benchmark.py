"""The benchmark's tiny mode runs on any database, prints its table and changes nothing."""

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection

from assessments.models import Assessment
from devdata.management.commands import _load
from hub.models import Plant
from programs.models import Project

NAMES = [
    "plant import",
    "progress national",
    "progress region",
    "api plants page 1",
    "api plants deep page",
    "api kpis deep page",
    "api kpis deep cursor",
    "plant page",
    "dashboard",
    "assessment confirm",
    "national pdf",
    "ledger page",
    "portfolio page",
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
    assert results["ledger page"]["note"].endswith("KiB")
    assert data["load"] == [] and "under load: not run" in text  # tiny: in-process only
    assert counts() == before


def test_wrk_result_line_becomes_a_row():
    output = (
        "Running 5s test @ http://127.0.0.1:8000/api/v1/plants/\n"
        '{"requests":500,"duration_us":5000000,"p50_us":12000,"p95_us":48000,'
        '"p99_us":90500,"max_us":120000,"socket_errors":1,"status_errors":2}\n'
    )
    row = _load.result_from_wrk("api", "/api/v1/plants/", 16, 5, _load.parse_wrk(output))
    assert (row.requests, row.rps, row.p50_ms, row.p95_ms, row.p99_ms, row.errors) == (
        500,
        100.0,
        12.0,
        48.0,
        90.5,
        3,
    )
    with pytest.raises(ValueError):
        _load.parse_wrk("unable to connect to 127.0.0.1:8000 Connection refused\n")
