"""Re-identification by differencing: an attacker who holds every figure the hub releases about
one KPI of one division — the national peer table (as an official downloads it) and every
plant's own benchmark (as each plant's staff read it, all of them colluding) — tries to work
out the hidden cells of the table.

The released figures are equations and constraints on the hidden cells' plant counts: the
row, column and grand totals; each benchmark's peer group is a sum of table cells (a region
group is one cell, a macro-region group the cells of its 시·도, a national group a column or
the whole table) minus the viewer's own company, and its percentile limits that sum to the
group sizes that could have produced it at the rounding shown. The attacker enumerates every
assignment of the hidden cells (each at least one plant: a hidden cell is not an empty one)
that satisfies them all. A hidden cell is recovered when only one value remains.

A second attack differences two research datasets: the rows they share are set aside (a plant
gives the same rows under a new pseudonym), and what is left must not single any plant out.

The same attack, handed the group sizes the benchmark API used to release, recovers every
hidden cell: that is the leak the withheld sizes close. Percentiles to the nearest 1 in these
small groups recover them too (each percentile 100·k/(2n) narrows n): hence the nearest 10.
"""

import csv
import datetime as dt
import io
import itertools
import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from datahub import anonymity, disclosure, peergroups
from datahub.choices import DatasetStatus
from datahub.services import rollups
from hub.choices import Region, Role
from tests.datahub.peers import DIVISION, peer
from tests.datahub.test_datasets import feed_plant, request_dataset
from tests.factories import PlantFactory, member

TOTAL = disclosure.TOTAL
GG, SE, BS = Region.GYEONGGI, Region.SEOUL, Region.BUSAN
SMALL, MID = "10-49", "50-99"
EMPLOYEES = {SMALL: 35, MID: 70}
# (region, band): plants, one company each. Seoul and Busan 50–99 are too small to release;
# complementary suppression hides more cells so that the totals do not give them away.
LAYOUT = {(GG, SMALL): 6, (GG, MID): 5, (SE, SMALL): 5, (SE, MID): 2, (BS, SMALL): 7, (BS, MID): 3}


@pytest.fixture
def released(world, client_for):
    """Every released figure about OEE in the division: the table's CSV and each plant's
    benchmark as its own staff read it, with the viewer's own cell."""
    admin = world.admin_user
    viewers = []
    for (region, band), count in LAYOUT.items():
        for n in range(count):
            plant = peer(
                admin,
                {"oee": 40.0 + 3 * n + (7 if band == MID else 0)},
                region=region,
                employees=EMPLOYEES[band],
                name=f"{region}-{band}-{n}",
            )
            viewers.append(((region, band), plant))
    url = reverse("datahub:benchmark_table") + f"?division={DIVISION}&kpi=oee&format=csv"
    table = client_for(world.official).get(url)
    assert table.status_code == 200
    lines = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    cells = {(r[0], r[2]): r[4] for r in lines[1:] if len(r) == 7}
    benchmarks = []
    for index, (cell, plant) in enumerate(viewers):
        staff = member(Role.SME_MEMBER, plant.company, f"staff-{index}")
        client = APIClient()
        client.force_authenticate(staff)
        body = client.get(reverse("plant-benchmarks", args=[plant.pk])).json()
        (oee,) = body["kpis"]
        benchmarks.append((cell, oee))
    return cells, benchmarks


def group_cells(group: dict, present) -> list:
    """The table cells a benchmark's peer group covers."""
    level, band = group["level"], group["size_band"]
    if level == peergroups.REGION:
        regions = {group["region"]}
    elif level == peergroups.MACRO_REGION:
        regions = set(peergroups.MACRO_REGIONS[group["macro_region"]])
    else:
        regions = None
    return [
        (r, b)
        for r, b in present
        if (regions is None or r in regions) and (band is None or b == band)
    ]


def possible_sizes(shown: int, step: int, most: int) -> set[int]:
    """The group sizes n (up to `most`) at which some rank gives this percentile as shown."""
    return {
        n
        for n in range(1, most + 1)
        if peergroups.percentile_step(n) == step
        and any(
            peergroups.shown_percentile(100 * k / (2 * n), n) == shown for k in range(2 * n + 1)
        )
    }


def attack(cells: dict, benchmarks: list, sizes: dict | None = None) -> dict:
    """The values each hidden cell can take given every released figure (and, when given,
    each viewer's group size)."""
    interior = {k: v for k, v in cells.items() if disclosure.TOTAL not in k}
    hidden = sorted(k for k, v in interior.items() if v == "x")
    known = {k: int(v) for k, v in interior.items() if v != "x"}
    grand = int(cells[(disclosure.TOTAL, disclosure.TOTAL)])
    equations = []  # (cells, constant): sum of the cells' counts == constant
    for (row, col), value in cells.items():
        if value == "x" or (row, col) in interior:
            continue
        covered = [k for k in interior if row in (TOTAL, k[0]) and col in (TOTAL, k[1])]
        equations.append((covered, int(value)))
    allowed = []  # (cells, own plants among them, the sizes the group may have)
    for index, (own, b) in enumerate(benchmarks):
        if b["suppressed"]:
            continue
        covered = group_cells(b["group"], interior)
        minus = 1 if own in covered else 0
        if sizes is not None:
            options = {sizes[index]}
        elif "plants" in b:  # a group size released with the benchmark
            options = {b["plants"]}
        else:
            options = possible_sizes(b["percentile"], b["percentile_step"], grand)
        allowed.append((covered, minus, options))
    found = defaultdict(set)
    for values in itertools.product(range(1, grand + 1), repeat=len(hidden)):
        count = {**known, **dict(zip(hidden, values, strict=True))}
        if all(sum(count[k] for k in ks) == c for ks, c in equations) and all(
            sum(count[k] for k in ks) - minus in options for ks, minus, options in allowed
        ):
            for key, value in zip(hidden, values, strict=True):
                found[key].add(value)
    return dict(found)


def test_differencing_the_table_and_every_benchmark_recovers_no_hidden_cell(released):
    cells, benchmarks = released
    hidden = [k for k, v in cells.items() if v == "x" and disclosure.TOTAL not in k]
    assert (SE, MID) in hidden and (BS, MID) in hidden  # the two small cells, at least
    assert all("plants" not in b and "companies" not in b for _own, b in benchmarks)
    assert any(not b["suppressed"] and b["group"]["level"] == "region" for _o, b in benchmarks)
    found = attack(cells, benchmarks)
    for key in hidden:
        truth = LAYOUT[key]
        assert truth in found[key], key  # the attack is sound: the truth always fits
        assert len(found[key]) >= 2, f"{key} recovered: {found[key]}"

    # The same attack handed each group's size, as the benchmark API released it before,
    # pins the hidden cells down: so this test would catch the sizes' return.
    interior = {k for k in cells if disclosure.TOTAL not in k}
    sizes = {
        index: sum(LAYOUT[k] for k in group_cells(b["group"], interior))
        - (1 if own in group_cells(b["group"], interior) else 0)
        for index, (own, b) in enumerate(benchmarks)
        if not b["suppressed"]
    }
    found = attack(cells, benchmarks, sizes)
    assert found == {key: {LAYOUT[key]} for key in hidden}


# --- two research datasets ------------------------------------------------------------------


def fingerprints(client, dataset) -> Counter:
    """The dataset's plants as the attacker sees them through its CSV: each pseudonym's
    generalised class and the set of its (month, KPI, value) rows — the same plant gives the
    same rows in another dataset of the same months, whatever its pseudonym."""
    response = client.get(f"/api/v1/datasets/{dataset.pk}/download/?file=csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content) if response.streaming else response.content
    rows = defaultdict(set)
    classes = {}
    for row in csv.DictReader(io.StringIO(text.decode("utf-8-sig"))):
        rows[row["plant"]].add((row["month"], row["kpi"], row["value"]))
        classes[row["plant"]] = tuple(row[q] for q in anonymity.QUASI_IDENTIFIERS)
    return Counter((classes[p], frozenset(r)) for p, r in rows.items())


def singled_out(newer: Counter, older: Counter) -> Counter:
    """The plants of `newer` that `older` does not hold, counted by class: a class with fewer
    than k of them singles those plants out."""
    return Counter(cls for cls, _rows in (newer - older).elements())


def test_differencing_two_research_datasets_singles_no_plant_out(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = str(tmp_path)
    admin = world.admin_user
    alike = {"operating_since": dt.date(2011, 1, 1)}
    for i in range(7):
        feed_plant(admin, PlantFactory(**alike), value=50.0 + i)
    rollups.refresh_dirty()
    official = APIClient()
    official.force_authenticate(world.official)
    first = request_dataset(world, django_capture_on_commit_callbacks)
    assert first.plant_count == 7

    # One more plant of the same kind consents: it would be the only row the two datasets
    # do not share, so the second dataset holds it back.
    feed_plant(admin, PlantFactory(**alike), value=80.0)
    rollups.refresh_dirty()
    second = request_dataset(world, django_capture_on_commit_callbacks)
    assert second.status == DatasetStatus.READY
    assert (second.plant_count, second.suppressed_count) == (7, 1)
    one, two = fingerprints(official, first), fingerprints(official, second)
    assert singled_out(two, one) == Counter()
    dictionary = json.loads(Path(second.dictionary_file.path).read_text(encoding="utf-8"))
    assert dictionary["anonymisation"]["plants_held_back"] == 1

    # Four more join it: the five new plants are released together, k to their class
    # against either earlier dataset.
    for i in range(4):
        feed_plant(admin, PlantFactory(**alike), value=90.0 + i)
    rollups.refresh_dirty()
    third = request_dataset(world, django_capture_on_commit_callbacks)
    assert (third.plant_count, third.suppressed_count) == (12, 0)
    three = fingerprints(official, third)
    for older in (one, two):
        assert all(n >= first.k for n in singled_out(three, older).values())
    assert sum(singled_out(three, two).values()) == 5
