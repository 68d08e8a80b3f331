"""The data panel of the plant page: the plant sees its sources, last data, token state,
series with their latest value and a 30-day chart, and the retention; agency staff see
whether the plant is connected and its sources, values only under the follow-up consent
(and that showing is logged for the plant); others see no panel."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from datahub.choices import Purpose
from datahub.models import AccessLogEntry, DataSource, ReadKind
from datahub.services import consents, rollups, sources
from tests.datahub.observations import write

pytestmark = pytest.mark.django_db


def page(browse, user, plant):
    response = browse(user).get(reverse("hub:plant_detail", kwargs={"pk": plant.pk}))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sending(feed):
    """Plant A sent OEE and produced quantity over the last ten days (none on day 5)."""
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    hours = [now - dt.timedelta(hours=h) for h in range(240) if not 96 <= h < 120]
    write(feed.oee, [(t, 60.0 + (t.hour % 5)) for t in hours])
    write(feed.produced, [(t, 100.0) for t in hours])
    rollups.refresh_dirty()
    DataSource.objects.filter(pk=feed.source.pk).update(last_data_at=now)
    return feed


def test_the_plant_sees_its_sources_series_values_charts_and_retention(browse, world, sending):
    html = page(browse, world.sme, world.plant_a)
    assert "Production data" in html and "Connected" in html
    assert "MES" in html and "Active" in html
    assert f'id="series-{sending.oee.pk}-title"' in html
    assert f'id="series-{sending.produced.pk}-title"' in html
    assert "Latest: 100 (" in html  # the produced quantity's last hour (a count: no unit)
    assert "Produced quantity" in html and "Latest: 6" in html
    assert "Raw data is kept 36 months" in html
    oldest = (timezone.now() - dt.timedelta(hours=239)).astimezone(timezone.get_current_timezone())
    assert f"Oldest raw data stored: {oldest:%Y-%m-%d}" in html
    assert "Hourly, daily and monthly summaries are kept." in html
    assert not AccessLogEntry.objects.exists()


def test_a_quiet_plant_is_not_connected(browse, world, feed):
    html = page(browse, world.sme, world.plant_a)
    assert "Not connected" in html and "No data received yet." in html
    DataSource.objects.filter(pk=feed.source.pk).update(
        last_data_at=timezone.now() - dt.timedelta(days=31)
    )
    assert "Not connected" in page(browse, world.sme, world.plant_a)


def test_a_revoked_token_shows(browse, world, feed):
    sources.token_revoke(user=world.sme, source=feed.source)
    assert "Revoked" in page(browse, world.sme, world.plant_a)


def test_agency_sees_connection_and_sources_but_no_values_without_consent(browse, world, sending):
    html = page(browse, world.agency, world.plant_a)
    assert "Connected" in html and "MES" in html
    assert f"series-{sending.oee.pk}" not in html
    assert "Latest:" not in html
    assert "only to the plant and to those it gave its consent" in html
    assert not AccessLogEntry.objects.exists()


def test_agency_sees_values_under_the_follow_up_consent_and_it_is_logged(browse, world, sending):
    consents.consent_grant(user=world.sme, plant=world.plant_a, purpose=Purpose.FOLLOW_UP)
    html = page(browse, world.agency, world.plant_a)
    assert f"series-{sending.oee.pk}" in html and "Latest:" in html
    entry = AccessLogEntry.objects.get()
    assert (entry.user, entry.plant, entry.purpose) == (
        world.agency,
        world.plant_a,
        Purpose.FOLLOW_UP,
    )
    assert entry.kind == ReadKind.PLANT_PAGE and entry.details["count"] >= 1


def test_the_partner_sees_the_panel_only_under_its_consent(browse, world, sending):
    assert "Production data" not in page(browse, world.partner_a, world.plant_a)
    consents.consent_grant(
        user=world.sme, plant=world.plant_a, purpose=Purpose.PARTNER, partner=world.firm_a
    )
    html = page(browse, world.partner_a, world.plant_a)
    assert "Production data" in html and "Latest:" in html
    assert AccessLogEntry.objects.get().purpose == Purpose.PARTNER


def test_official_sees_connection_but_no_values(browse, world, sending):
    html = page(browse, world.official, world.plant_a)
    assert "Connected" in html and "Latest:" not in html


def test_the_plant_member_sees_no_other_plants_panel(browse, world, sending):
    # plant B belongs to another company: its page itself is not visible to the member
    response = browse(world.sme).get(reverse("hub:plant_detail", kwargs={"pk": world.plant_b.pk}))
    assert response.status_code == 404


def test_query_count_does_not_grow_with_series(
    browse, world, sending, django_assert_max_num_queries
):
    client = browse(world.sme)
    url = reverse("hub:plant_detail", kwargs={"pk": world.plant_a.pk})
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    source, _token = sources.source_create(user=world.sme, plant=world.plant_a, name="SCADA")
    for kpi in ("availability", "performance", "quality_rate", "good_quantity"):
        series = sources.series_create(user=world.sme, source=source, kpi=kpi)
        write(series, [(timezone.now() - dt.timedelta(hours=2), 50.0)])
    rollups.refresh_dirty()
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(url).content.decode()
    assert html.count('class="chart-svg"') >= 6
