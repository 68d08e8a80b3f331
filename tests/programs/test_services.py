"""Program and project services: rules, funds, overlap, pipeline and KPIs."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from hub.choices import Role
from hub.models import AuditEntry, Mentorship
from programs import services
from programs.choices import Indicator, ProgramKind, ProjectStatus, TargetLevel
from programs.models import CostShareRule, Program, Project
from tests.factories import AgencyFactory, PlantFactory, member
from tests.programs.conftest import M, complete, project_data

pytestmark = pytest.mark.django_db


def messages_of(exc) -> str:
    return " ".join(m for msgs in exc.value.message_dict.values() for m in msgs)


# --- programs and commitments ----------------------------------------------------------------


def test_program_belongs_to_the_creators_agency_and_is_audited(world, winwin):
    assert winwin.agency == world.agency_org
    assert AuditEntry.objects.for_object(winwin).filter(action="create").exists()
    assert {c.partner for c in winwin.commitments.all()} == {world.firm_a, world.firm_b}


@pytest.mark.parametrize("persona", ["official", "partner_a", "consultant", "outsider"])
def test_only_agency_staff_create_programs(world, persona):
    with pytest.raises(PermissionDenied):
        services.program_create(
            user=getattr(world, persona),
            data={
                "name_ko": "x",
                "name_en": "x",
                "year": 2025,
                "kind": ProgramKind.GENERAL,
                "agency": world.agency_org,
                "budget": M,
                "applications_open": datetime.date(2025, 1, 1),
                "applications_close": datetime.date(2025, 2, 1),
                "cost_share_rule": CostShareRule.objects.get(code="general"),
            },
        )
    assert not Program.objects.exists()


def test_staff_of_another_agency_cannot_change_the_program(world, winwin):
    other = member(Role.AGENCY_STAFF, AgencyFactory(), "agency2")
    with pytest.raises(PermissionDenied):
        services.program_update(program=winwin, user=other, data={"budget": M})
    with pytest.raises(PermissionDenied):
        services.commitment_set(program=winwin, partner=world.firm_a, committed=M, user=other)


def test_program_window_must_be_ordered(world, winwin):
    with pytest.raises(ValidationError) as exc:
        services.program_update(
            program=winwin,
            user=world.agency,
            data={"applications_close": datetime.date(2025, 1, 1)},
        )
    assert "applications_close" in exc.value.message_dict


def test_commitment_cannot_fall_below_what_projects_use(world, winwin, project_a):
    with pytest.raises(ValidationError) as exc:
        services.commitment_set(
            program=winwin, partner=world.firm_a, committed=20 * M, user=world.agency
        )
    assert "₩30,000,000" in messages_of(exc)
    services.commitment_set(
        program=winwin, partner=world.firm_a, committed=30 * M, user=world.agency
    )


# --- applying --------------------------------------------------------------------------------


def test_winwin_project_creates_the_mentorship(world, winwin, supplier):
    assert not Mentorship.objects.filter(plant=world.plant_free).exists()
    services.project_apply(
        user=world.agency, data=project_data(winwin, world.plant_free, world.firm_b)
    )
    mentorship = Mentorship.objects.get(plant=world.plant_free)
    assert mentorship.partner == world.firm_b
    assert mentorship.start_date == datetime.date(2025, 3, 2)


def test_existing_mentorship_is_not_duplicated(world, winwin):
    services.project_apply(
        user=world.agency, data=project_data(winwin, world.plant_a, world.firm_a)
    )
    assert Mentorship.objects.filter(plant=world.plant_a, partner=world.firm_a).count() == 1


def test_winwin_project_needs_a_partner(world, winwin):
    with pytest.raises(ValidationError) as exc:
        services.project_apply(
            user=world.agency,
            data=project_data(winwin, world.plant_a, None, partner_share=0, sme_share=70 * M),
        )
    assert "partner" in exc.value.message_dict
    assert not Project.objects.exists()


def test_cost_share_breach_names_the_rule_and_the_amount(world, winwin):
    with pytest.raises(ValidationError) as exc:
        services.project_apply(
            user=world.agency,
            data=project_data(
                winwin, world.plant_a, world.firm_a, government_share=35 * M, sme_share=35 * M
            ),
        )
    (message,) = exc.value.message_dict["government_share"]
    assert "30 %" in message and "₩35,000,000" in message and "₩5,000,000" in message
    assert "상생형" in message or "Win-win" in message


def test_government_cap_for_the_target_level(world, winwin):
    # ₩200 m basic project: 30 % would be ₩60 m, but basic projects are capped at ₩42 m.
    with pytest.raises(ValidationError) as exc:
        services.project_apply(
            user=world.agency,
            data=project_data(
                winwin,
                world.plant_a,
                world.firm_a,
                total_cost=200 * M,
                government_share=60 * M,
                partner_share=60 * M,
                sme_share=80 * M,
            ),
        )
    assert "₩42,000,000" in messages_of(exc) and "₩18,000,000" in messages_of(exc)
    # The same project as advanced 1 (cap ₩120 m) passes the cap but needs ₩60 m of firm_a's
    # ₩100 m: fine.
    services.project_apply(
        user=world.agency,
        data=project_data(
            winwin,
            world.plant_a,
            world.firm_a,
            total_cost=200 * M,
            government_share=60 * M,
            partner_share=60 * M,
            sme_share=80 * M,
            target_level=TargetLevel.ADVANCED1,
        ),
    )


def test_partner_cannot_spend_more_than_it_committed(world, winwin):
    services.project_apply(
        user=world.agency,
        data=project_data(
            winwin,
            world.plant_a,
            world.firm_b,
            total_cost=120 * M,
            government_share=36 * M,
            partner_share=36 * M,
            sme_share=48 * M,
            target_level=TargetLevel.ADVANCED1,
        ),
    )
    with pytest.raises(ValidationError) as exc:
        services.project_apply(
            user=world.agency, data=project_data(winwin, world.plant_b, world.firm_b)
        )
    (message,) = exc.value.message_dict["partner_share"]
    # firm_b committed ₩50 m, ₩36 m are used: ₩14 m left, this project needs ₩30 m.
    assert "₩14,000,000" in message and "₩50,000,000" in message and "₩16,000,000" in message


def test_dropping_a_project_frees_the_partners_funds(world, winwin, project_a):
    services.project_advance(
        project=project_a,
        to="dropped",
        user=world.agency,
        on=datetime.date(2025, 3, 5),
        reason="자금 사정",
    )
    assert services.partner_allocated(winwin.pk, world.firm_a.pk) == 0


def test_partner_must_take_part_in_the_program(world, winwin):
    from tests.factories import PartnerFactory

    stranger = PartnerFactory()
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.project_apply(
            user=world.agency, data=project_data(winwin, world.plant_a, stranger)
        )
    assert "does not take part" in messages_of(exc)


def test_a_plant_cannot_hold_two_overlapping_projects_in_a_program(world, winwin, project_a):
    with pytest.raises(ValidationError) as exc:
        services.project_apply(
            user=world.agency,
            data=project_data(
                winwin, world.plant_a, world.firm_a, applied_on=datetime.date(2025, 3, 20)
            ),
        )
    assert "plant" in exc.value.message_dict


def test_a_new_project_after_the_previous_one_completed_is_allowed(world, winwin, project_a):
    complete(world, project_a)  # completed on 2025-03-30
    services.project_apply(
        user=world.agency,
        data=project_data(
            winwin,
            world.plant_a,
            world.firm_a,
            applied_on=datetime.date(2025, 4, 2),
            partner_share=30 * M,
        ),
    )
    with pytest.raises(ValidationError):
        services.project_apply(
            user=world.agency,
            data=project_data(
                winwin, world.plant_a, world.firm_a, applied_on=datetime.date(2025, 3, 25)
            ),
        )


def test_future_application_date_is_refused(world, winwin):
    with pytest.raises(ValidationError):
        services.project_apply(
            user=world.agency,
            data=project_data(
                winwin,
                world.plant_a,
                world.firm_a,
                applied_on=datetime.date.today() + datetime.timedelta(days=1),
            ),
        )


# --- pipeline --------------------------------------------------------------------------------


def test_the_pipeline_stamps_each_step(world, project_a):
    done = complete(world, project_a)
    assert done.status == ProjectStatus.COMPLETED
    assert [done.selected_on, done.agreed_on, done.building_on, done.completed_on] == [
        datetime.date(2025, 3, 9),
        datetime.date(2025, 3, 16),
        datetime.date(2025, 3, 23),
        datetime.date(2025, 3, 30),
    ]
    transitions = AuditEntry.objects.for_object(done).filter(action="transition")
    assert [e.after["status"] for e in transitions.order_by("pk")] == [
        "selected",
        "agreed",
        "building",
        "completed",
    ]


@pytest.mark.parametrize("to", ["agreed", "building", "completed", "applied"])
def test_steps_cannot_be_skipped(world, project_a, to):
    with pytest.raises(ValidationError) as exc:
        services.project_advance(project=project_a, to=to, user=world.agency)
    assert "status" in exc.value.message_dict
    project_a.refresh_from_db()
    assert project_a.status == ProjectStatus.APPLIED


def test_completed_and_dropped_are_final(world, project_a):
    complete(world, project_a)
    with pytest.raises(ValidationError):
        services.project_advance(project=project_a, to="dropped", user=world.agency, reason="x")


def test_step_dates_cannot_go_backwards(world, project_a):
    with pytest.raises(ValidationError) as exc:
        services.project_advance(
            project=project_a, to="selected", user=world.agency, on=datetime.date(2025, 3, 1)
        )
    assert "on" in exc.value.message_dict


def test_dropping_needs_a_reason(world, project_a):
    with pytest.raises(ValidationError) as exc:
        services.project_advance(project=project_a, to="dropped", user=world.agency)
    assert "reason" in exc.value.message_dict


def test_agreement_needs_a_supplier(world, winwin):
    project = services.project_apply(
        user=world.agency, data=project_data(winwin, world.plant_a, world.firm_a)
    )
    services.project_advance(
        project=project, to="selected", user=world.agency, on=datetime.date(2025, 3, 5)
    )
    with pytest.raises(ValidationError) as exc:
        services.project_advance(
            project=project, to="agreed", user=world.agency, on=datetime.date(2025, 3, 6)
        )
    assert "supplier" in exc.value.message_dict


def test_shares_are_fixed_once_agreed(world, project_a):
    services.project_update(
        project=project_a,
        user=world.agency,
        data={"government_share": 25 * M, "partner_share": 35 * M},
    )
    services.project_advance(
        project=project_a, to="selected", user=world.agency, on=datetime.date(2025, 3, 5)
    )
    services.project_advance(
        project=project_a, to="agreed", user=world.agency, on=datetime.date(2025, 3, 6)
    )
    with pytest.raises(ValidationError) as exc:
        services.project_update(
            project=project_a,
            user=world.agency,
            data={"government_share": 30 * M, "partner_share": 30 * M},
        )
    assert "government_share" in exc.value.message_dict
    project_a.refresh_from_db()
    assert project_a.government_share == 25 * M


@pytest.mark.parametrize("persona", ["official", "partner_a", "consultant"])
def test_only_the_operating_agency_moves_projects(world, project_a, persona):
    with pytest.raises(PermissionDenied):
        services.project_advance(project=project_a, to="selected", user=getattr(world, persona))


# --- KPIs ------------------------------------------------------------------------------------


def test_kpi_improvement_uses_the_indicator_sign(world, project_a):
    complete(world, project_a)
    defect = services.kpi_record(
        project=project_a,
        indicator=Indicator.DEFECT_RATE,
        user=world.agency,
        data={"baseline": Decimal(2000), "result": Decimal(1130)},
    )
    assert defect.unit == "ppm"
    assert defect.improvement_pct == Decimal("43.50")
    productivity = services.kpi_record(
        project=project_a,
        indicator=Indicator.PRODUCTIVITY,
        user=world.agency,
        data={"baseline": Decimal(100), "result": Decimal(130), "unit": "ea/h"},
    )
    assert productivity.improvement_pct == Decimal("30.00")
    again = services.kpi_record(
        project=project_a,
        indicator=Indicator.PRODUCTIVITY,
        user=world.agency,
        data={"result": Decimal(120)},
    )
    assert again.pk == productivity.pk and again.improvement_pct == Decimal("20.00")


def test_kpi_result_waits_for_the_build(world, project_a):
    with pytest.raises(ValidationError) as exc:
        services.kpi_record(
            project=project_a,
            indicator=Indicator.COST,
            user=world.agency,
            data={"baseline": Decimal(100), "result": Decimal(90)},
        )
    assert "result" in exc.value.message_dict
    services.kpi_record(
        project=project_a,
        indicator=Indicator.COST,
        user=world.agency,
        data={"baseline": Decimal(100)},
    )


def test_kpi_periods_must_be_ordered(world, project_a):
    complete(world, project_a)
    with pytest.raises(ValidationError) as exc:
        services.kpi_record(
            project=project_a,
            indicator=Indicator.OEE,
            user=world.agency,
            data={
                "baseline": Decimal(60),
                "result": Decimal(70),
                "baseline_from": datetime.date(2024, 1, 1),
                "baseline_to": datetime.date(2024, 12, 31),
                "result_from": datetime.date(2024, 6, 1),
            },
        )
    assert "result_from" in exc.value.message_dict


def test_partner_sees_only_its_own_projects(world, winwin, project_a):
    services.project_apply(
        user=world.agency, data=project_data(winwin, world.plant_b, world.firm_b)
    )
    assert list(Project.objects.visible_to(world.partner_a)) == [project_a]
    assert Project.objects.visible_to(world.partner_b).get().partner == world.firm_b
    assert list(Program.objects.visible_to(world.partner_a)) == [winwin]
    other = services.program_create(
        user=world.agency,
        data={
            "name_ko": "일반형",
            "name_en": "General",
            "year": 2025,
            "kind": ProgramKind.GENERAL,
            "agency": world.agency_org,
            "budget": M,
            "applications_open": datetime.date(2025, 1, 1),
            "applications_close": datetime.date(2025, 2, 1),
            "cost_share_rule": CostShareRule.objects.get(code="general"),
        },
    )
    assert other not in Program.objects.visible_to(world.partner_a)
    assert not Project.objects.visible_to(world.outsider).exists()
    PlantFactory()  # unrelated rows change nothing
    assert Project.objects.visible_to(world.partner_a).count() == 1
