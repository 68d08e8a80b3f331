"""The demo's `sme` login: a member of a company with two plants, one with a completed
project and the demo data source, and it lands on its data hub home."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from datahub.models import DataSource, Series
from devdata import registry as demo
from hub import roles
from hub.models import Plant
from programs.choices import ProjectStatus
from programs.models import Project

pytestmark = pytest.mark.django_db


def test_demo_sme_login(client):
    call_command("seed_demo", plants=30, force=True, stdout=io.StringIO())
    call_command("seed_demo", plants=30, force=True, stdout=io.StringIO())  # idempotent
    assert client.login(username="sme", password=demo.PASSWORD)
    user = get_user_model().objects.get(username="sme")
    company = roles.sme_company_of(user)
    assert company.name == "(주)동하전기"
    plants = Plant.objects.filter(company=company)
    assert plants.count() == 2
    assert Project.objects.filter(plant__in=plants, status=ProjectStatus.COMPLETED).exists()
    source = DataSource.objects.get(plant__company=company, kind="mes")
    assert source.name == demo.SME_SOURCE
    assert set(Series.objects.filter(source=source).values_list("key", flat=True)) == set(
        demo.SME_SERIES
    )
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("datahub:home")
    assert {p.pk for p in response.context["plants"]} == set(plants.values_list("pk", flat=True))
    # Its follow-up (사후관리): what is owed shows on the home (with the default 240 plants
    # the demo also has received reports: docs/datahub/follow-up.md).
    from datahub.models import FollowUpPeriod

    statuses = {p.current_status() for p in FollowUpPeriod.objects.filter(plant__in=plants)}
    assert statuses & {"due", "late"}
    assert response.context["user"] == user
    # A connected plant's row leads to what its data gives back.
    page = response.content.decode()
    assert reverse("datahub:dashboard", args=[source.plant_id]) in page
    assert reverse("datahub:benchmarks", args=[source.plant_id]) in page
