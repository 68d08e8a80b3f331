"""The world of the permission matrix, built once per module (inside a transaction that is
rolled back at the end; every test runs in its own savepoint on top of it).

Eight personas, each with exactly one thing they may and one thing they may not see or change
for every kind of object (DESIGN.md §4, refined by docs/decisions.md):

- ``anon``: not signed in;              ``out``: signed in, no membership;
- ``agy``: agency staff of the agency operating program ``winwin``;
- ``con``: a consultant assigned ``draft_c`` (plant A, fully rated), ``conf_a`` (confirmed) and
  ``submitted`` (plant "free"); another consultant holds ``draft_c2`` and ``conf_b`` (plant B);
- ``pA`` / ``pB``: members of partner firms A / B, mentoring plant A / plant B, each funding
  one project in one program (``winwin`` by our agency / ``other`` by another agency);
- ``off``: a ministry official;
- ``sme``: a member of plant A's company (the SME itself).

`PAIRS[kind][persona]` is the (allowed, forbidden) pair of object names the matrix uses.
"""

import datetime
import hashlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.test.utils import override_settings
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Item, SelfAssessment
from assessments.services import self_assessments as self_services
from datahub.choices import DatasetFile, DatasetStatus, Purpose
from datahub.models import (
    EarlyWarning,
    FollowUpPeriod,
    KpiDefinition,
    ReadKind,
    ResearchDataset,
    WarningKind,
)
from datahub.services import access, consents, followups, sources
from hub.choices import OrganizationKind
from hub.invitations import Invitation
from programs import services as program_services
from programs.choices import ProgramKind
from programs.models import CostShareRule
from progress import services as reports
from progress.choices import ReportScope, ReportStatus, TargetCode
from progress.models import ProgressReport, Target
from tests.assessments.conftest import confirmed, rate_all, seed_definition
from tests.assessments.self_helpers import finished_self
from tests.factories import (
    AgencyFactory,
    CompanyFactory,
    ConsultancyFactory,
    MentorshipFactory,
    MinistryFactory,
    OrganizationFactory,
    PartnerFactory,
    PlantFactory,
    Role,
    UserFactory,
    member,
)
from tests.programs.conftest import M, project_data

PASSWORD = "matrix-pw-2025"
# The one-time link of the world's invitation (/invitations/<token>/).
INVITATION_TOKEN = "matrix-invitation-token"
MATRIX_SIZE = pytest.StashKey[str]()
PERSONAS = ("anon", "out", "agy", "con", "pA", "pB", "off", "sme")
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# kind -> persona -> (allowed object, forbidden object); names are attributes of the world.
# None: the persona has nothing of that kind they may not see (the object is public to them).
PAIRS = {
    # registry
    "plant": {
        "anon": ("plant_a", "plant_b"),
        "out": ("plant_a", "plant_b"),
        "agy": ("plant_new", "plant_a"),  # plant_new has no assessment in progress, plant_a has
        "con": ("plant_a", "plant_b"),
        "pA": ("plant_a", "plant_b"),
        "pB": ("plant_b", "plant_a"),
        "off": ("plant_a", "plant_b"),
        "sme": ("plant_a", "plant_b"),
    },
    "org": {
        "anon": ("company_a", "company_b"),
        "out": ("company_a", "company_b"),
        "agy": ("company_a", "firm_b"),
        "con": ("company_a", "company_b"),
        "pA": ("firm_a", "firm_b"),
        "pB": ("company_b", "company_a"),
        "off": ("firm_a", "company_b"),
        "sme": ("company_a", "company_b"),
    },
    "ment": {
        "anon": ("mentorship_a", "mentorship_b"),
        "out": ("mentorship_a", "mentorship_b"),
        "agy": ("mentorship_a", "mentorship_b"),
        "con": ("mentorship_a", "mentorship_b"),
        "pA": ("mentorship_a", "mentorship_b"),
        "pB": ("mentorship_b", "mentorship_a"),
        "off": ("mentorship_a", "mentorship_b"),
        "sme": ("mentorship_a", "mentorship_b"),
    },
    # assessments: reading, filling, submitting
    "asm": {
        "anon": ("draft_c", "conf_a"),
        "out": ("draft_c", "conf_a"),
        "agy": ("draft_c", "draft_c2"),
        "con": ("draft_c", "draft_c2"),
        "pA": ("conf_a", "conf_b"),
        "pB": ("conf_b", "draft_c2"),  # a draft of the plant firm B mentors: not yet theirs
        "off": ("submitted", "draft_c"),  # officials never see drafts
        "sme": ("conf_a", "draft_c"),
    },
    # assessments: confirming and returning
    "dec": {
        "anon": ("submitted", "conf_a"),
        "out": ("submitted", "conf_a"),
        "agy": ("submitted", "conf_a"),  # a confirmed assessment is frozen
        "con": ("submitted", "draft_c2"),
        "pA": ("conf_a", "submitted"),
        "pB": ("conf_b", "submitted"),
        "off": ("submitted", "draft_c"),
        "sme": ("conf_a", "submitted"),
    },
    "ev": {
        "anon": ("ev_draft_c", "ev_conf_a"),
        "out": ("ev_draft_c", "ev_conf_a"),
        "agy": ("ev_draft_c", "ev_draft_c2"),
        "con": ("ev_draft_c", "ev_draft_c2"),
        "pA": ("ev_conf_a", "ev_conf_b"),
        "pB": ("ev_conf_b", "ev_draft_c2"),
        "off": ("ev_submitted", "ev_draft_c"),
        "sme": ("ev_conf_a", "ev_draft_c"),
    },
    "fw": dict.fromkeys(PERSONAS, ("framework", None)),
    # programs
    "prog": {
        "anon": ("winwin", "other"),
        "out": ("winwin", "other"),
        "agy": ("winwin", "other"),  # other: run by another agency
        "con": ("winwin", "other"),
        "pA": ("winwin", "other"),
        "pB": ("other", "winwin"),
        "off": ("winwin", "other"),
        "sme": ("winwin", "other"),
    },
    "proj": {
        "anon": ("project_a", "project_b"),
        "out": ("project_a", "project_b"),
        "agy": ("project_a", "project_b"),
        "con": ("project_a", "project_b"),
        "pA": ("project_a", "project_b"),
        "pB": ("project_b", "project_a"),
        "off": ("project_a", "project_b"),
        "sme": ("project_a", "project_b"),
    },
    "kpi": {
        "anon": ("kpi_a", "kpi_b"),
        "out": ("kpi_a", "kpi_b"),
        "agy": ("kpi_a", "kpi_b"),
        "con": ("kpi_a", "kpi_b"),
        "pA": ("kpi_a", "kpi_b"),
        "pB": ("kpi_b", "kpi_a"),
        "off": ("kpi_a", "kpi_b"),
        "sme": ("kpi_a", "kpi_b"),
    },
    "firm": {
        "anon": ("firm_a", "firm_b"),
        "out": ("firm_a", "firm_b"),
        "agy": ("firm_a", "firm_b"),
        "con": ("firm_a", "firm_b"),
        "pA": ("firm_a", "firm_b"),
        "pB": ("firm_b", "firm_a"),
        "off": ("firm_a", "firm_b"),
        "sme": ("firm_a", "firm_b"),
    },
    "target": dict.fromkeys(PERSONAS, ("target", None)),
    # progress reports: done ones (read, download) and failed ones (retry)
    "rep": {
        "anon": ("rep_national", "rep_a"),
        "out": ("rep_national", "rep_a"),
        "agy": ("rep_national", "rep_a"),
        "con": ("rep_national", "rep_a"),
        "pA": ("rep_a", "rep_b"),
        "pB": ("rep_b", "rep_national"),
        "off": ("rep_national", "rep_b"),
        "sme": ("rep_national", "rep_a"),
    },
    "failed": {
        "anon": ("failed_a", "failed_b"),
        "out": ("failed_a", "failed_b"),
        "agy": ("failed_a", "failed_b"),
        "con": ("failed_a", "failed_b"),
        "pA": ("failed_a", "failed_b"),
        "pB": ("failed_b", "failed_a"),
        "off": ("failed_a", "failed_b"),
        "sme": ("failed_a", "failed_b"),
    },
    # data hub: plant A's and plant B's sources, series, consents (each plant gave its
    # mentoring firm the partner consent) and access-log entries
    "kdef": dict.fromkeys(PERSONAS, ("kdef", None)),
    **{
        kind: {
            "anon": (f"{kind}_a", f"{kind}_b"),
            "out": (f"{kind}_a", f"{kind}_b"),
            "agy": (f"{kind}_a", None),  # agency staff see every plant's
            "con": (f"{kind}_a", f"{kind}_b"),
            "pA": (f"{kind}_a", f"{kind}_b"),
            "pB": (f"{kind}_b", f"{kind}_a"),
            "off": (f"{kind}_a", None if kind != "log" else f"{kind}_b"),
            "sme": (f"{kind}_a", f"{kind}_b"),
        }
        for kind in ("src", "ser", "cons", "log", "warn")
    },
    # self-diagnoses: finished ones (agency staff see every finished one; a consultant those
    # shared with its assessments; partners and officials none) and drafts (their plant's only)
    "self": {
        **dict.fromkeys(PERSONAS, ("self_a", "self_b")),
        "agy": ("self_a", None),
        "pB": ("self_b", "self_a"),
    },
    "selfd": {**dict.fromkeys(PERSONAS, ("selfd_a", "selfd_b")), "pB": ("selfd_b", "selfd_a")},
    # research datasets: a ready one (downloads) and a refused one (nothing to download);
    # officials and agency staff see both, nobody else either
    "ds": dict.fromkeys(PERSONAS, ("ds_ready", "ds_refused")),
    # calibration: spot_c (of consultant_x's assessment, assigned to con, a draft fully rated),
    # spot_x (of con's own assessment, assigned to consultant_x), spot_sub (submitted, to
    # decide); agency staff see all, the second consultant its own, nobody else any
    "spot": {
        **dict.fromkeys(PERSONAS, ("spot_c", "spot_x")),
        "agy": ("spot_c", None),
    },
    "spotdec": {
        **dict.fromkeys(PERSONAS, ("spot_c", "spot_x")),
        "agy": ("spot_sub", "spot_c"),  # a draft cannot be decided
    },
    # data hub: follow-up periods of completed projects (plant A's with firm A in `winwin`,
    # plant B's with firm B in `other`)
    "fu": {
        "anon": ("fu_a", "fu_b"),
        "out": ("fu_a", "fu_b"),
        "agy": ("fu_a", None),  # agency staff see every plant's
        "con": ("fu_a", "fu_b"),  # consultants none
        "pA": ("fu_a", "fu_b"),
        "pB": ("fu_b", "fu_a"),
        "off": ("fu_a", None),
        "sme": ("fu_a", "fu_b"),
    },
}


def pdf_upload(name="evidence.pdf"):
    return SimpleUploadedFile(name, b"%PDF-1.4\n% matrix evidence\n", "application/pdf")


def _evidence(assessment, user, item):
    return assessment_services.evidence_add(
        assessment=assessment, item=item, upload=pdf_upload(), user=user
    )


def _report(user, scope, scope_value, status):
    report = reports.report_request(
        user=user,
        scope=scope,
        scope_value=scope_value,
        language="ko",
        as_of=datetime.date(2025, 12, 31),
    )
    if status == ReportStatus.DONE:
        # The PDF itself is not what the matrix is about (tests/programs/test_reports.py
        # builds real ones): a stored file and the done state are enough to download it.
        report.file.save(reports.report_filename(report), ContentFile(b"%PDF-1.4\n"), save=False)
    ProgressReport.objects.filter(pk=report.pk).update(
        status=status, progress=100, file=report.file.name or ""
    )
    report.refresh_from_db()
    return report


def build_spot_checks(w, open_) -> None:
    from assessments.services import spot_checks
    from tests.assessments.calibration_fixtures import rate_sheet

    w.consultant_x = member(Role.CONSULTANT, ConsultancyFactory(name="교차컨설팅"), "consultant_x")
    w.plant_x = PlantFactory(name="교차 점검 공장")
    crossed = SimpleNamespace(consultant=w.consultant_x, agency=w.agency)
    w.conf_x = confirmed(
        crossed, open_(w.plant_x, w.consultant_x), assessed_on=datetime.date(2025, 5, 3)
    )
    draw = spot_checks.spot_check_draw(user=w.agency, share=1.0, seed=1)
    checks = {c.assessment_id: c for c in draw.spot_checks.all()}

    def assign(assessment, consultant):
        return spot_checks.spot_check_assign(
            spot_check=checks[assessment.pk], consultant=consultant, user=w.agency
        )

    w.spot_c = rate_sheet(assign(w.conf_x, w.consultant), 3)
    w.spot_x = assign(w.conf_a, w.consultant_x)
    w.spot_sub = rate_sheet(assign(w.conf_b, w.consultant_x), 4)
    w.spot_sub = spot_checks.spot_check_submit(spot_check=w.spot_sub, user=w.consultant_x)
    # Confirmed after the draw: no spot-check yet, so agency staff may choose it.
    w.plant_y = PlantFactory(name="지정 점검 공장")
    w.conf_y = confirmed(
        crossed, open_(w.plant_y, w.consultant_x), assessed_on=datetime.date(2025, 5, 4)
    )


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    # --- registry ---------------------------------------------------------------------------
    w.agency_org = AgencyFactory(name="스마트제조혁신추진단", name_en="Smart Manufacturing Office")
    w.other_agency = AgencyFactory(name="지역혁신센터", name_en="Regional Innovation Centre")
    w.firm_a = PartnerFactory(name="대한전자", name_en="Daehan Electronics")
    w.firm_b = PartnerFactory(name="민국자동차", name_en="Minguk Motors")
    w.supplier = OrganizationFactory(kind=OrganizationKind.SUPPLIER, name="스마트솔루션(주)")
    consultancy = ConsultancyFactory()
    w.plant_a = PlantFactory(name="A사 멘토링 공장")
    w.plant_b = PlantFactory(name="B사 멘토링 공장")
    w.plant_free = PlantFactory(name="멘토 없는 공장")
    w.plant_new = PlantFactory(name="신규 공장")
    w.company_a, w.company_b = w.plant_a.company, w.plant_b.company
    w.company_new = CompanyFactory()
    w.mentorship_a = MentorshipFactory(partner=w.firm_a, plant=w.plant_a)
    w.mentorship_b = MentorshipFactory(partner=w.firm_b, plant=w.plant_b)

    w.users = {
        "anon": None,
        "out": UserFactory(username="outsider"),
        "agy": member(Role.AGENCY_STAFF, w.agency_org, "agency"),
        "con": member(Role.CONSULTANT, consultancy, "consultant"),
        "pA": member(Role.PARTNER_MEMBER, w.firm_a, "partner_a"),
        "pB": member(Role.PARTNER_MEMBER, w.firm_b, "partner_b"),
        "off": member(Role.OFFICIAL, MinistryFactory(), "official"),
    }
    # Created after the plants: the SME member of plant A's company.
    w.users["sme"] = member(Role.SME_MEMBER, w.company_a, "sme")
    w.agency, w.consultant = w.users["agy"], w.users["con"]
    w.consultant_2 = member(Role.CONSULTANT, consultancy, "consultant_2")
    w.other_staff = member(Role.AGENCY_STAFF, w.other_agency, "other_agency_staff")
    w.login_user = UserFactory(username="matrix-login")
    w.login_user.set_password(PASSWORD)
    w.login_user.save()

    # --- assessments ------------------------------------------------------------------------
    w.framework, _ = assessment_services.framework_load(data=seed_definition())
    items = list(Item.objects.filter(category__area__framework=w.framework).order_by("order"))
    w.item = items[0]

    def open_(plant, consultant):
        return assessment_services.assessment_open(
            plant=plant, consultant=consultant, user=w.agency
        )

    mine = SimpleNamespace(consultant=w.consultant, agency=w.agency)
    theirs = SimpleNamespace(consultant=w.consultant_2, agency=w.agency)
    w.conf_a = open_(w.plant_a, w.consultant)
    w.ev_conf_a = _evidence(w.conf_a, w.consultant, w.item)
    w.conf_a = confirmed(mine, w.conf_a, assessed_on=datetime.date(2025, 5, 1))
    w.conf_b = open_(w.plant_b, w.consultant_2)
    w.ev_conf_b = _evidence(w.conf_b, w.consultant_2, w.item)
    w.conf_b = confirmed(theirs, w.conf_b, assessed_on=datetime.date(2025, 5, 2))
    w.draft_c = rate_all(open_(w.plant_a, w.consultant), 3)  # complete: it can be submitted
    w.ev_draft_c = _evidence(w.draft_c, w.consultant, w.item)
    w.draft_c2 = open_(w.plant_b, w.consultant_2)
    w.ev_draft_c2 = _evidence(w.draft_c2, w.consultant_2, w.item)
    w.submitted = rate_all(open_(w.plant_free, w.consultant), 4)
    w.ev_submitted = _evidence(w.submitted, w.consultant, w.item)
    w.submitted = assessment_services.assessment_submit(
        assessment=w.submitted, user=w.consultant, assessed_on=datetime.date(2025, 6, 1)
    )

    # --- programs ---------------------------------------------------------------------------
    def program(user, name, partner, agency):
        return program_services.program_create(
            user=user,
            data={
                "name_ko": f"2025 {name}",
                "name_en": f"2025 {name}",
                "year": 2025,
                "kind": ProgramKind.WINWIN,
                "agency": agency,
                "budget": 5_000 * M,
                "applications_open": datetime.date(2025, 2, 1),
                "applications_close": datetime.date(2025, 3, 31),
                "cost_share_rule": CostShareRule.objects.get(code="winwin"),
            },
            commitments=[(partner, 100 * M)],
        )

    w.winwin = program(w.agency, "상생형 A", w.firm_a, w.agency_org)
    w.other = program(w.other_staff, "상생형 B", w.firm_b, w.other_agency)
    w.project_a = program_services.project_apply(
        user=w.agency,
        data=project_data(w.winwin, w.plant_a, w.firm_a, supplier=w.supplier),
    )
    w.project_b = program_services.project_apply(
        user=w.other_staff,
        data=project_data(w.other, w.plant_b, w.firm_b, supplier=w.supplier),
    )
    w.kpi_a, w.kpi_b = (
        program_services.kpi_record(
            project=project,
            indicator="productivity",
            user=user,
            data={"baseline": Decimal(100)},
        )
        for project, user in ((w.project_a, w.agency), (w.project_b, w.other_staff))
    )
    w.target = Target.objects.get(code=TargetCode.SUPPORTED_PLANTS)

    # --- progress reports -------------------------------------------------------------------
    off, p_a, p_b = w.users["off"], w.users["pA"], w.users["pB"]
    partner = ReportScope.PARTNER
    w.rep_national = _report(off, ReportScope.NATIONAL, "", ReportStatus.DONE)
    w.rep_a = _report(p_a, partner, str(w.firm_a.pk), ReportStatus.DONE)
    w.rep_b = _report(p_b, partner, str(w.firm_b.pk), ReportStatus.DONE)
    w.failed_a = _report(p_a, partner, str(w.firm_a.pk), ReportStatus.FAILED)
    w.failed_b = _report(p_b, partner, str(w.firm_b.pk), ReportStatus.FAILED)

    # --- data hub -----------------------------------------------------------------------------
    # Written by an administrator, so that the SME persona starts with nothing of its own doing.
    admin = UserFactory(username="matrix-admin", is_superuser=True)
    w.kdef = KpiDefinition.objects.get(catalogue__is_current=True, code="oee")
    w.src_a, _ = sources.source_create(user=admin, plant=w.plant_a, name="MES A")
    w.src_b, _ = sources.source_create(user=admin, plant=w.plant_b, name="MES B")
    w.ser_a = sources.series_create(user=admin, source=w.src_a, kpi="oee")
    w.ser_b = sources.series_create(user=admin, source=w.src_b, kpi="oee")
    w.cons_a, w.cons_b = (
        consents.consent_grant(user=admin, plant=plant, purpose=Purpose.PARTNER, partner=firm)
        for plant, firm in ((w.plant_a, w.firm_a), (w.plant_b, w.firm_b))
    )
    w.log_a, w.log_b = (
        access.log_read(
            user=w.agency,
            plant=plant,
            purpose=Purpose.FOLLOW_UP,
            kind=ReadKind.AAS,
            format="matrix",
        )
        for plant in (w.plant_a, w.plant_b)
    )
    # data hub: early warnings (a silent source of each plant)
    w.warn_a, w.warn_b = (
        EarlyWarning.objects.create(
            plant=src.plant,
            kind=WarningKind.SOURCE_SILENT,
            key=str(src.pk),
            first_detected=datetime.date(2026, 11, 30),
            last_detected=datetime.date(2026, 12, 1),
        )
        for src in (w.src_a, w.src_b)
    )
    w.ds_ready = ResearchDataset.objects.create(
        title="매트릭스 데이터셋",
        as_of=datetime.date(2025, 12, 31),
        requested_by=w.users["off"],
        status=DatasetStatus.READY,
        content_hash="0" * 64,
    )
    for kind in DatasetFile.values:  # the files' content is not what the matrix is about
        w.ds_ready.file_of(kind).save(f"matrix.{kind}", ContentFile(b"matrix\n"), save=False)
    w.ds_ready.save()
    w.ds_refused = ResearchDataset.objects.create(
        title="거절된 데이터셋",
        as_of=datetime.date(2025, 12, 31),
        requested_by=w.users["off"],
        status=DatasetStatus.REFUSED,
        refusal_reason="matrix",
    )

    # --- data hub: follow-up ------------------------------------------------------------------
    # Completed projects in programs of their own (a plant has one project per program),
    # whose one-year follow-up has ended (its implied consent would open the plant's data).
    def ended(user, name, firm, agency):
        made = program(user, name, firm, agency)
        return program_services.program_update(program=made, user=user, data={"follow_up_years": 1})

    w.done_a, w.done_b = (
        program_services.project_apply(
            user=user,
            data=project_data(ended(user, name, firm, agency), plant, firm, supplier=w.supplier),
        )
        for name, plant, firm, user, agency in (
            ("사후관리 A", w.plant_a, w.firm_a, w.agency, w.agency_org),
            ("사후관리 B", w.plant_b, w.firm_b, w.other_staff, w.other_agency),
        )
    )
    for project, user in ((w.done_a, w.agency), (w.done_b, w.other_staff)):
        for step, status in enumerate(("selected", "agreed", "building", "completed"), start=1):
            program_services.project_advance(
                project=project,
                to=status,
                user=user,
                on=datetime.date(2025, 3, 2) + datetime.timedelta(days=7 * step),
            )
    followups.refresh_followups(plant_ids=[w.plant_a.pk, w.plant_b.pk])
    w.fu_a, w.fu_b = (
        FollowUpPeriod.objects.get(project=project, sequence=1) for project in (w.done_a, w.done_b)
    )
    Invitation.objects.create(
        organization=w.company_a,
        email="invited@example.org",
        name="초대 받은 사람",
        digest=hashlib.sha256(INVITATION_TOKEN.encode()).hexdigest(),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )

    # --- self-diagnoses: plant A's (by the SME persona) and plant B's (by its own member), a
    # finished one each, shared with the plant's assessment since confirmed, and a draft each
    w.sme_b = member(Role.SME_MEMBER, w.company_b, "sme_b")
    w.self_a, w.self_b = (
        finished_self(user, plant, 4, rated_on=datetime.date(2025, 4, 1))
        for user, plant in ((w.users["sme"], w.plant_a), (w.sme_b, w.plant_b))
    )
    SelfAssessment.objects.filter(pk=w.self_a.pk).update(shared_with=w.conf_a)
    SelfAssessment.objects.filter(pk=w.self_b.pk).update(shared_with=w.conf_b)
    w.selfd_a, w.selfd_b = (
        self_services.self_assessment_start(plant=plant, user=user)
        for user, plant in ((w.users["sme"], w.plant_a), (w.sme_b, w.plant_b))
    )
    # --- calibration: spot-checks by a consultant of another consultancy --------------------
    build_spot_checks(w, open_)

    # One session per persona, reused by every test (a test that logs out or in again gets
    # its session back when its savepoint is rolled back).
    w.sessions = {}
    for persona, user in w.users.items():
        if user is not None:
            client = Client()
            client.force_login(user)
            w.sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return w


@pytest.fixture(scope="module")
def matrix_base(django_db_setup, django_db_blocker, tmp_path_factory):
    """The matrix world, built once for the module inside a transaction rolled back after it.

    Not pytest-django's `db` fixture per test: its TestCase closes the connection after every
    test, which on PostgreSQL would end this transaction (and the world) with it."""
    media = tmp_path_factory.mktemp("matrix-media")
    with (
        override_settings(MEDIA_ROOT=str(media), PASSWORD_HASHERS=FAST_HASHER),
        django_db_blocker.unblock(),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def db(matrix_base, django_db_blocker):
    """Database access for one test of this folder: a savepoint on top of the matrix world,
    rolled back after the test. It stands in for pytest-django's `db` here (whose TestCase
    would close the connection after each test); by its name pytest-django still creates the
    test database for the tests that use it. (Tests here use `matrix`, not the `world` of
    tests/conftest.py, whose usernames the matrix world already takes.)"""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def matrix(matrix_base, db):
    """The world, for one test."""
    return matrix_base


def pytest_terminal_summary(terminalreporter, config):
    if line := config.stash.get(MATRIX_SIZE, None):
        terminalreporter.write_line(line)
