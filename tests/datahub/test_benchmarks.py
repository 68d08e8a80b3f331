"""Peer benchmarks through the public surface: the plant's percentiles (API and page) on
constructed peers, coarsening, whose data counts, the month cut-off, who may see them, and
the national peer table with its CSV."""

import csv
import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from datahub import benchmarks, disclosure
from datahub.buckets import ZONE
from datahub.choices import Purpose
from datahub.models import AccessLogEntry, ReadKind, RollupBucket
from datahub.services import consents, sources
from hub.choices import Industry, Region
from tests.datahub.peers import DIVISION, give, month_starts, peer


@pytest.fixture
def api():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def url(plant):
    return reverse("plant-benchmarks", args=[plant.pk])


@pytest.fixture
def peers(world):
    """Plant A (OEE 60, scrap ratio 2) and seven peers of other companies in its division,
    band and region (OEE 40…100, scrap 1…7)."""
    admin = world.admin_user
    give(admin, world.plant_a, {"oee": 60.0, "scrap_ratio": 2.0})
    return [
        peer(admin, {"oee": 40.0 + 10 * n, "scrap_ratio": 1.0 + n}, name=f"peer {n}")
        for n in range(7)
    ]


def test_sme_sees_its_percentile_and_never_a_peers_value(world, peers, api):
    body = api(world.sme).get(url(world.plant_a)).json()
    by_kpi = {k["kpi"]: k for k in body["kpis"]}
    oee, scrap = by_kpi["oee"], by_kpi["scrap_ratio"]
    # OEE 60 among 40, 50, 60, 70, 80, 90, 100: beats 2, ties 1 -> 2.5 / 7 = 35.7 %, shown to
    # the nearest 10 in a group this small
    assert oee["percentile"] == 40 and oee["percentile_step"] == 10
    # scrap ratio 2 (lower is better) among 1…7: beats 5, ties 1 -> 5.5 / 7 = 78.6 %
    assert scrap["percentile"] == 80
    # the group's size is never released
    assert "companies" not in oee and "plants" not in oee
    assert oee["group"] == {
        "level": "region",
        "coarsened": False,
        "division": DIVISION,
        "size_band": "10-49",
        "region": Region.GYEONGGI,
        "macro_region": None,
    }
    assert oee["value"] == 60.0 and not oee["suppressed"]
    text = json.dumps(body)
    for n in (0, 1, 3, 4, 5, 6):  # the peers' own values (2 is plant A's own 60)
        assert f"{40.0 + 10 * n}" not in text
    assert body["period"]["months"] == 12
    assert AccessLogEntry.objects.count() == 0  # the plant's own read is not logged


def test_coarsens_to_the_macro_region_then_drops_the_band(world, api):
    admin = world.admin_user
    give(admin, world.plant_a, {"oee": 60.0})
    for n in range(3):
        peer(admin, {"oee": 50.0}, name=f"gyeonggi {n}")
        peer(admin, {"oee": 70.0}, name=f"seoul {n}", region=Region.SEOUL)
    oee = api(world.sme).get(url(world.plant_a)).json()["kpis"][0]
    assert oee["group"]["level"] == "macro_region" and oee["group"]["macro_region"] == "capital"
    assert not oee["suppressed"] and oee["percentile"] == 50  # 6 peers: 3 below, 3 above

    # Far away and larger plants count only in the widest group.
    for n in range(5):
        peer(admin, {"oee": 30.0}, name=f"busan {n}", region=Region.BUSAN, employees=500)
    oee = api(world.sme).get(url(world.plant_a)).json()["kpis"][0]
    assert oee["group"]["level"] == "macro_region"


def test_peers_without_a_statistics_consent_do_not_count(world, api):
    admin = world.admin_user
    give(admin, world.plant_a, {"oee": 60.0})
    for n in range(4):
        peer(admin, {"oee": 50.0}, name=f"consented {n}")
    silent = [peer(admin, {"oee": 50.0}, name=f"silent {n}", consent=False) for n in range(3)]
    other_division = peer(admin, {"oee": 50.0}, name="food", industry=Industry.FOOD)
    oee = api(world.sme).get(url(world.plant_a)).json()["kpis"][0]
    assert oee["suppressed"] is True and oee["reason"] == "few_companies"
    assert oee["percentile"] is None and oee["percentile_step"] is None
    assert oee["group"]["level"] == "national_all_sizes"
    # a revoked consent stops counting too; a follow-up consent never counted
    consents.consent_grant(user=admin, plant=silent[0], purpose=Purpose.STATISTICS)
    consents.consent_grant(user=admin, plant=silent[1], purpose=Purpose.FOLLOW_UP)
    assert other_division.pk
    oee = api(world.sme).get(url(world.plant_a)).json()["kpis"][0]
    assert oee["suppressed"] is False and oee["group"]["level"] == "region"  # 5 companies


def test_the_plants_own_company_is_not_its_peer(world, api):
    admin = world.admin_user
    give(admin, world.plant_a, {"oee": 60.0})
    for n in range(4):
        peer(admin, {"oee": 50.0}, name=f"other {n}")
    for n in range(3):
        peer(admin, {"oee": 50.0}, name=f"sister {n}", company=world.plant_a.company)
    oee = api(world.sme).get(url(world.plant_a)).json()["kpis"][0]
    assert oee["reason"] == "few_companies"


def test_a_dominant_company_suppresses_the_group(world, api):
    admin = world.admin_user
    give(admin, world.plant_a, {"throughput": 100.0})
    for n in range(5):
        peer(admin, {"throughput": 10.0}, name=f"small {n}")
    peer(admin, {"throughput": 1000.0}, name="giant")
    kpi = api(world.sme).get(url(world.plant_a)).json()["kpis"][0]
    assert kpi["suppressed"] is True and kpi["reason"] == "dominant_company"


def test_only_months_at_least_one_month_old_count(world, api):
    admin = world.admin_user
    recent = disclosure.add_months(benchmarks.period().end, 0)  # the month after the period
    young = [dt.datetime.combine(recent, dt.time(), ZONE)]
    give(admin, world.plant_a, {"oee": 60.0}, months=young)
    body = api(world.sme).get(url(world.plant_a)).json()
    assert body["kpis"] == []
    two = month_starts()[:2]  # fewer than three months of data
    give(admin, world.plant_b, {"oee": 60.0}, months=two)
    world.sme.refresh_from_db()
    assert benchmarks.plant_benchmarks(world.plant_b).kpis == []


def test_who_sees_a_plants_benchmarks(world, peers, api):
    assert api(world.sme).get(url(world.plant_b)).status_code == 404
    for user in (world.agency, world.official, world.consultant, world.partner_b, world.outsider):
        assert api(user).get(url(world.plant_a)).status_code == 404, user
    # the mentoring partner under the plant's partner consent: allowed, and logged
    consents.consent_grant(
        user=world.admin_user, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    assert api(world.partner_a).get(url(world.plant_a)).status_code == 200
    entry = AccessLogEntry.objects.get()
    assert (entry.plant, entry.purpose, entry.kind) == (
        world.plant_a,
        Purpose.PARTNER,
        ReadKind.BENCHMARKS,
    )
    assert APIClient().get(url(world.plant_a)).status_code == 401


def test_plant_benchmarks_query_count(world, peers, api, django_assert_max_num_queries):
    for n in range(10):
        peer(world.admin_user, {"oee": 55.0, "scrap_ratio": 3.0}, name=f"more {n}")
    client = api(world.sme)
    with django_assert_max_num_queries(8):
        response = client.get(url(world.plant_a))
    assert response.status_code == 200


def test_the_page_shows_bars_and_suppressed_kpis(world, peers, browse):
    admin = world.admin_user
    # a KPI nobody else reports: suppressed
    series = sources.series_create(user=admin, source=world.plant_a.data_sources.get(), kpi="mttr")
    RollupBucket.objects.bulk_create(
        RollupBucket(
            series=series,
            rollup="month",
            bucket=m,
            plant_id=world.plant_a.pk,
            count=1,
            sum=2.0,
            min=2.0,
            max=2.0,
            last=2.0,
            last_ts=m,
        )
        for m in month_starts()
    )
    response = browse(world.sme).get(reverse("datahub:benchmarks", args=[world.plant_a.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and "40th percentile" in page and "nearest 10" in page
    assert "suppressed" in page and "fewer than 5 companies" in page
    plant_page = browse(world.sme).get(reverse("datahub:plant", args=[world.plant_a.pk]))
    assert reverse("datahub:benchmarks", args=[world.plant_a.pk]) in plant_page.content.decode()
    assert (
        browse(world.agency).get(reverse("datahub:benchmarks", args=[world.plant_a.pk])).status_code
        == 404
    )


# --- the national peer table ----------------------------------------------------------------


@pytest.fixture
def national(world):
    """Gyeonggi 10–49: 6 companies; Gyeonggi 50–99: 5; Seoul 10–49: 5; Seoul 50–99: 2 (too
    few: in a 2 × 2 table with its totals, the other three interior cells go with it)."""
    admin = world.admin_user
    layout = [
        (Region.GYEONGGI, 35, 6),
        (Region.GYEONGGI, 70, 5),
        (Region.SEOUL, 35, 5),
        (Region.SEOUL, 70, 2),
    ]
    for region, employees, count in layout:
        for n in range(count):
            peer(
                admin,
                {"oee": 50.0 + n},
                name=f"{region}-{employees}-{n}",
                region=region,
                employees=employees,
            )


def table_url(**query):
    query = {"division": DIVISION, "kpi": "oee", **query}
    return reverse("datahub:benchmark_table") + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_national_table_suppresses_and_exports_only_released_cells(
    world, national, client_for, django_assert_max_num_queries
):
    client = client_for(world.official)
    with django_assert_max_num_queries(8):
        page = client.get(table_url())
    assert page.status_code == 200
    table = page.context["table"]
    cell = table.cell
    assert cell(Region.SEOUL, "50-99").reason == disclosure.Reason.FEW_COMPANIES
    hidden = {k for k, c in table.cells.items() if c.suppressed}
    assert hidden == {(r, b) for r in (Region.SEOUL, Region.GYEONGGI) for b in ("10-49", "50-99")}
    assert disclosure.exposed(hidden) == []
    assert cell(disclosure.TOTAL, disclosure.TOTAL).companies == 18
    assert cell(Region.GYEONGGI, disclosure.TOTAL).median == 52.0
    assert cell(Region.SEOUL, disclosure.TOTAL).companies == 7
    assert "x<sup>*</sup>" in page.content.decode()

    export = client.get(table_url(format="csv"))
    assert export["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert lines[0][:3] == ["region", "region_name", "size_band"]
    rows = {(r[0], r[2]): r for r in lines[1:] if len(r) == 7}
    assert rows[(Region.SEOUL, "50-99")][1:6] == ["서울특별시", "50-99", "x", "x", "x"]
    assert sum(1 for r in rows.values() if r[3] == "x") == 4
    assert rows[("total", "total")][1:4] == ["전국", "total", "18"]
    assert len(rows) == 9  # 4 cells, 2 row totals, 2 column totals, the grand total
    assert any(r and r[0].startswith("x: ") for r in lines)


def test_national_table_is_for_agency_staff_and_officials(world, national, client_for):
    assert client_for(world.agency).get(table_url()).status_code == 200
    for user in (world.sme, world.partner_a, world.consultant, world.outsider):
        assert client_for(user).get(table_url()).status_code == 403
    assert client_for(world.official).get(table_url(division="99")).status_code == 200
    default = client_for(world.official).get(reverse("datahub:benchmark_table"))
    assert default.context["table"].division == DIVISION
