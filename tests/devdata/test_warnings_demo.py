"""The demo's early warnings (seed_warnings, a step of seed_demo): a plant whose OEE slumps
and a silent source are flagged, and the `agency` login has a queue."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from datahub.models import EarlyWarning, WarningKind
from devdata import warnings_demo

pytestmark = pytest.mark.django_db


def test_seed_demo_leaves_an_early_warning_queue(seeded, client):
    regressed = EarlyWarning.objects.filter(kind=WarningKind.KPI_REGRESSED)
    oee = regressed.get(detail__kpi="oee")
    assert oee.plant.data_sources.filter(name=warnings_demo.SLUMP_SOURCE).exists()
    turn = dt.date.today() - dt.timedelta(days=warnings_demo.SLUMP_SINCE)
    assert abs((oee.since - turn).days) <= 3
    assert oee.detail["relative"] < -0.1
    silent = EarlyWarning.objects.get(kind=WarningKind.SOURCE_SILENT)
    assert silent.detail["source_name"] == warnings_demo.SILENT_SOURCE
    assert silent.detail["days_silent"] >= warnings_demo.SILENT_FOR - 1

    client.force_login(get_user_model().objects.get(username="agency"))
    for warning in (oee, silent):
        page = client.get(reverse("datahub:warnings"), {"status": "open", "kind": warning.kind})
        assert warning.pk in {w.pk for w in page.context["warnings"]}
    # The demo's completed projects owe follow-up reports nobody sent: the queue has them too.
    assert EarlyWarning.objects.filter(kind=WarningKind.FOLLOW_UP_OVERDUE).exists()


def test_seeding_again_adds_no_warning(seeded):
    before = sorted(EarlyWarning.objects.values_list("pk", "status"))
    call_command("seed_warnings", plants=30, force=True, stdout=io.StringIO())
    assert sorted(EarlyWarning.objects.values_list("pk", "status")) == before
