"""The demo's `sme` login sees its own KPIs with before/after its completed project: the demo
telemetry of a full-year demo reaches back a year before the building start of the plant's
latest project completed at least four months ago (devdata/telemetry.py `history`)."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from datahub.models import Observation, RollupBucket, Series
from devdata import telemetry
from hub import roles
from programs.choices import ProjectStatus
from programs.models import Project

pytestmark = pytest.mark.django_db


def test_demo_sme_sees_before_and_after_its_project(client):
    call_command("seed_demo", plants=30, force=True, stdout=io.StringIO())
    sme = get_user_model().objects.get(username="sme")
    own = Series.objects.filter(plant__company=roles.sme_company_of(sme))
    plant = own.first().plant
    # A full-year demo, one row a day to keep the test short: the 30 days the small demo gave
    # are replaced by the history the dashboard needs.
    Observation.objects.filter(series__in=own).delete()
    RollupBucket.objects.filter(series__in=own).delete()
    summary = telemetry.seed(hourly=0, daily=1, days=365)
    assert summary["plants"] == 1
    today = dt.date.today()
    shown = (
        Project.objects.filter(
            plant=plant,
            status=ProjectStatus.COMPLETED,
            completed_on__lte=today - dt.timedelta(days=120),
        )
        .order_by("-completed_on")
        .first()
    )
    api = APIClient()
    api.force_authenticate(sme)
    data = api.get(reverse("plant-dashboard", kwargs={"pk": plant.pk}), {"rollup": "month"}).json()
    oee = next(k for k in data["kpis"] if k["kpi"] == "oee")
    figure = next(p for p in oee["projects"] if p["project"] == shown.pk)
    assert figure["status"] == "ok", figure
    assert figure["months_before"] >= 3 and figure["months_after"] >= 3
    assert figure["change_pct"] > 5 and figure["verdict"] == "improved"
    assert figure["reported"] is not None
    client.force_login(sme)
    html = client.get(reverse("datahub:dashboard", kwargs={"plant_pk": plant.pk})).content
    assert f'href="{shown.get_absolute_url()}"'.encode() in html
