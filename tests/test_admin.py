"""The Django admin of every app: an administrator reads every model; records whose changes
must pass through a service (programs, projects, KPIs, targets, reports, the audit log) are
read-only there, so no rule or audit entry can be bypassed."""

import pytest
from django.contrib import admin
from django.urls import reverse

from datahub.models import Consent, DataSource, KpiDefinition, SourceToken
from programs.models import KPI, CostShareRule, PartnerCommitment, Program, Project
from progress.models import ProgressReport, Target, TargetChange
from tests.programs.conftest import M, winwin_program

READ_ONLY = [CostShareRule, Program, Project, KPI, Target, TargetChange, ProgressReport]
READ_ONLY += [KpiDefinition, DataSource, SourceToken, Consent]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_app_with_models_has_its_admin():
    registered = {model._meta.app_label for model in admin.site._registry}
    assert {"hub", "assessments", "programs", "datahub", "progress"} <= registered


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_admin_reads_but_cannot_change_service_owned_records(client, world, model):
    client.force_login(world.admin_user)
    changelist = client.get(_url(model, "changelist"))
    assert changelist.status_code == 200
    assert client.get(_url(model, "add")).status_code == 403
    row = model.objects.first()
    if row is not None:
        page = client.get(_url(model, "change", row.pk))
        assert page.status_code == 200
        assert 'name="_save"' not in page.content.decode()
        assert client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=row.pk).exists()


def test_program_admin_shows_a_program_read_only(client, world):
    winwin = winwin_program(world, [(world.firm_a, 100 * M), (world.firm_b, 50 * M)])
    client.force_login(world.admin_user)
    page = client.get(_url(Program, "change", winwin.pk))
    assert page.status_code == 200
    assert winwin.name_ko in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert PartnerCommitment.objects.filter(program=winwin).count() == 2
    before = Program.objects.get(pk=winwin.pk).name_ko
    client.post(_url(Program, "change", winwin.pk), {"name_ko": "바뀐 이름"})
    assert Program.objects.get(pk=winwin.pk).name_ko == before


def test_non_admin_cannot_open_the_admin(client, world):
    client.force_login(world.agency)
    response = client.get(_url(Program, "changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_token_admin_never_shows_the_digest(client, world):
    from datahub.services import sources

    source, _token = sources.source_create(user=world.sme, plant=world.plant_a, name="MES")
    stored = SourceToken.objects.get(source=source)
    client.force_login(world.admin_user)
    page = client.get(_url(SourceToken, "change", stored.pk)).content.decode()
    assert stored.prefix in page and stored.digest not in page
