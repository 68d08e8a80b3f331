"""A populated registry for the fuzz tests: every kind of object the API serves exists, in
every workflow state, so fuzzed requests reach real rows (and other firms' rows) as well as
ids that do not exist.

Names of what a partner member of firm A may NOT see carry the marker ``VERBORGEN``; a fuzz
check asserts it never appears in any response to that member (nor anything of the world in
a response to the outsider)."""

import datetime
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token

from assessments import services as assessment_services
from assessments.models import Item
from datahub.choices import Purpose
from datahub.models import EarlyWarning, ReadKind, WarningKind
from datahub.services import access, consents, sources
from hub.choices import OrganizationKind
from programs import services as program_services
from programs.choices import Indicator
from progress.choices import ReportScope, ReportStatus
from progress.models import ProgressReport
from tests.assessments.conftest import rate_all, seed_definition
from tests.factories import CompanyFactory, MentorshipFactory, OrganizationFactory, PlantFactory
from tests.programs.conftest import M, complete, project_data, winwin_program

SECRET = "VERBORGEN"


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def populated(world, media):
    """The `world` personas plus: the seed framework; plant_a with a confirmed assessment and
    a draft in progress; a submitted assessment of a plant firm B mentors; a win-win program
    where both firms commit; a completed project of each firm with KPIs; one finished report
    per firm; data sources, series, consents and reads of plant A, plant B and the secret
    plant. API tokens for agency, partner_a and outsider."""
    framework, _ = assessment_services.framework_load(data=seed_definition())
    agency, consultant = world.agency, world.consultant

    def opened(plant):
        return assessment_services.assessment_open(plant=plant, consultant=consultant, user=agency)

    def submitted(plant, on=datetime.date(2025, 5, 1)):
        assessment = rate_all(opened(plant), 3)
        return assessment_services.assessment_submit(
            assessment=assessment, user=consultant, assessed_on=on
        )

    confirmed_a = submitted(world.plant_a)
    assessment_services.assessment_confirm(assessment=confirmed_a, user=agency)
    draft_a = opened(world.plant_a)
    first_item = Item.objects.filter(category__area__framework=framework).order_by("order")[0]
    evidence = assessment_services.evidence_add(
        assessment=draft_a,
        item=first_item,
        upload=SimpleUploadedFile("line.pdf", b"%PDF-1.7\n%%EOF\n", "application/pdf"),
        user=consultant,
    )

    secret_company = CompanyFactory(name=f"{SECRET} 정밀", name_en=f"{SECRET} Precision")
    plant_secret = PlantFactory(company=secret_company, name=f"{SECRET} 공장")
    MentorshipFactory(partner=world.firm_b, plant=plant_secret)
    submitted_secret = submitted(plant_secret)
    confirmed_b = submitted(world.plant_b)
    assessment_services.assessment_confirm(assessment=confirmed_b, user=agency)

    program = winwin_program(world, [(world.firm_a, 100 * M), (world.firm_b, 50 * M)])
    supplier = OrganizationFactory(kind=OrganizationKind.SUPPLIER, name="스마트솔루션(주)")
    project_a = program_services.project_apply(
        user=agency,
        data=project_data(program, world.plant_a, world.firm_a, supplier=supplier),
    )
    project_secret = program_services.project_apply(
        user=agency,
        data=project_data(
            program, plant_secret, world.firm_b, supplier=supplier, title=f"{SECRET} 과제"
        ),
    )
    for project in (project_a, project_secret):
        complete(world, project)
        program_services.kpi_record(
            project=project,
            indicator=Indicator.DEFECT_RATE,
            user=agency,
            data={"baseline": 200, "result": 120},
        )

    reports = {}
    for firm in (world.firm_a, world.firm_b):
        report = ProgressReport.objects.create(
            scope=ReportScope.PARTNER,
            scope_value=str(firm.pk),
            language="ko",
            as_of=datetime.date(2025, 12, 31),
            status=ReportStatus.DONE,
            progress=100,
            requested_by=agency,
        )
        report.file.save(f"report-{firm.pk}.pdf", ContentFile(b"%PDF-1.7\n%%EOF\n"))
        reports[firm.pk] = report

    # Data hub: plant A gave firm A the partner consent; plant B and the secret plant have
    # sources, series, consents and reads that partner A must never see.
    admin = world.admin_user
    data = {}
    for name, plant, firm in (
        ("a", world.plant_a, world.firm_a),
        ("b", world.plant_b, world.firm_b),
        ("secret", plant_secret, world.firm_b),
    ):
        label = f"{SECRET} MES" if name != "a" else "MES A"
        source, _token = sources.source_create(user=admin, plant=plant, name=label)
        series = sources.series_create(user=admin, source=source, kpi="oee", label=label)
        consent = consents.consent_grant(
            user=admin, plant=plant, purpose=Purpose.PARTNER, partner=firm
        )
        read = access.log_read(
            user=agency, plant=plant, purpose=Purpose.FOLLOW_UP, kind=ReadKind.AAS, format=label
        )
        warning = EarlyWarning.objects.create(
            plant=plant,
            kind=WarningKind.SOURCE_SILENT,
            key=str(source.pk),
            detail={"source_name": label, "days_silent": 20},
            first_detected=datetime.date(2026, 11, 30),
            last_detected=datetime.date(2026, 12, 1),
        )
        data[name] = SimpleNamespace(
            source=source, series=series, consent=consent, read=read, warning=warning
        )

    tokens = {
        name: Token.objects.create(user=getattr(world, name)).key
        for name in ("agency", "partner_a", "outsider")
    }
    return SimpleNamespace(
        world=world,
        framework=framework,
        assessments=[confirmed_a, draft_a, submitted_secret, confirmed_b],
        evidence=evidence,
        plant_secret=plant_secret,
        program=program,
        projects=[project_a, project_secret],
        reports=reports,
        data=data,
        tokens=tokens,
    )
