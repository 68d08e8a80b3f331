"""The plant list tells those who follow the program which plants are connected."""

import datetime as dt

from django.utils import timezone

from datahub.models import DataSource


def _row(html: str, name: str) -> str:
    start = html.index(name)
    return html[start : html.index("</tr>", start)]


def test_agency_and_officials_see_which_plants_are_connected(world, feed, browse):
    DataSource.objects.filter(pk=feed.source.pk).update(last_data_at=timezone.now())
    DataSource.objects.filter(pk=feed.source_b.pk).update(
        last_data_at=timezone.now() - dt.timedelta(days=45)
    )
    for user in (world.agency, world.official):
        html = browse(user).get("/plants/").content.decode()
        assert "Data connection" in html
        assert "Connected" in _row(html, world.plant_a.name)
        assert "Silent" in _row(html, world.plant_b.name)
        assert "Not connected" in _row(html, world.plant_free.name)


def test_others_do_not_get_the_column(world, feed, browse):
    for user in (world.partner_a, world.consultant, world.sme):
        html = browse(user).get("/plants/").content.decode()
        assert "Data connection" not in html


def test_the_column_costs_the_same_queries_for_any_number_of_plants(
    world, feed, browse, django_assert_max_num_queries
):
    from tests.factories import PlantFactory

    client = browse(world.agency)
    client.get("/plants/")
    PlantFactory.create_batch(10)
    with django_assert_max_num_queries(12):
        assert client.get("/plants/").status_code == 200
