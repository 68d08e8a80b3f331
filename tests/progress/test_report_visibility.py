"""Which progress reports each role sees (`ProgressReport.objects.visible_to`), on the report
pages and in the API: a partner firm only the reports on its own firm."""

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from rest_framework.test import APIClient

from progress.choices import ReportScope
from progress.models import ProgressReport

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(world):
    """A national report and one on each partner firm (rows only: nothing is built)."""

    def report(scope, value=""):
        return ProgressReport.objects.create(
            scope=scope,
            scope_value=value,
            language="ko",
            as_of=datetime.date(2025, 12, 31),
            requested_by=world.agency,
        )

    return {
        "national": report(ReportScope.NATIONAL),
        "a": report(ReportScope.PARTNER, str(world.firm_a.pk)),
        "b": report(ReportScope.PARTNER, str(world.firm_b.pk)),
    }


def english_api(user):
    client = APIClient()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_authenticate(user)
    return client


def test_report_rule_by_role(world, reports):
    visible = ProgressReport.objects.visible_to
    everything = set(reports.values())
    for reader in (world.agency, world.official, world.admin_user):
        assert set(visible(reader)) == everything
    assert set(visible(world.partner_a)) == {reports["a"]}
    assert set(visible(world.partner_b)) == {reports["b"]}
    assert not visible(world.consultant).exists()
    assert not visible(world.outsider).exists()


def test_partner_cannot_see_another_firms_or_the_national_report(world, reports, browse):
    client = browse(world.partner_a)
    for hidden in ("b", "national"):
        url = reverse("progress:report_detail", args=[reports[hidden].pk])
        assert client.get(url).status_code == 404
    assert client.get(reports["a"].get_absolute_url()).status_code == 200
    api = english_api(world.partner_a)
    assert [r["id"] for r in api.get("/api/v1/reports/").json()["results"]] == [reports["a"].pk]
    assert api.get(f"/api/v1/reports/{reports['b'].pk}/").status_code == 404


def test_consultant_sees_no_report(world, reports, browse):
    url = reverse("progress:report_status", args=[reports["national"].pk])
    assert browse(world.consultant).get(url).status_code == 404
    api = english_api(world.consultant)
    assert api.get("/api/v1/reports/").json()["count"] == 0
