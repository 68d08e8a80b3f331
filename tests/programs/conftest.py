"""Program fixtures on top of the registry personas (`world`).

`winwin`: a 2025 win-win program of the world's agency (rule: government ≤ 30 % with caps
₩42 m / ₩120 m / ₩240 m, partner ≥ 30 %, SME ≤ 40 %) in which firm_a commits ₩100 m and
firm_b ₩50 m. `supplier`: a solution vendor. `project_data(...)` gives a compliant basic
project of ₩100 m (government 30 m, partner 30 m, SME 40 m).
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import Assessment
from hub.choices import OrganizationKind, Region
from programs import services
from programs.choices import ProgramKind, TargetLevel
from programs.models import CostShareRule
from tests.assessments.conftest import confirmed, rate_all, seed_definition
from tests.factories import OrganizationFactory, PlantFactory

M = Decimal(1_000_000)


@pytest.fixture
def supplier(db):
    return OrganizationFactory(kind=OrganizationKind.SUPPLIER, name="스마트솔루션(주)")


def winwin_program(
    world,
    commitments,
    name_ko="2025 상생형 스마트공장 구축지원",
    name_en="2025 win-win smart factory support",
):
    """A 2025 win-win program of the world's agency with these (firm, won) commitments."""
    return services.program_create(
        user=world.agency,
        data={
            "name_ko": name_ko,
            "name_en": name_en,
            "year": 2025,
            "kind": ProgramKind.WINWIN,
            "agency": world.agency_org,
            "budget": 5_000 * M,
            "applications_open": datetime.date(2025, 2, 1),
            "applications_close": datetime.date(2025, 3, 31),
            "cost_share_rule": CostShareRule.objects.get(code="winwin"),
        },
        commitments=commitments,
    )


@pytest.fixture
def winwin(world):
    return winwin_program(world, [(world.firm_a, 100 * M), (world.firm_b, 50 * M)])


def project_data(program, plant, partner, **overrides):
    data = {
        "program": program,
        "plant": plant,
        "partner": partner,
        "target_level": TargetLevel.BASIC,
        "total_cost": 100 * M,
        "government_share": 30 * M,
        "partner_share": 30 * M,
        "sme_share": 40 * M,
        "applied_on": datetime.date(2025, 3, 2),
    }
    data.update(overrides)
    return data


@pytest.fixture
def project_a(world, winwin, supplier):
    """plant_a in the win-win program with firm_a, applied, supplier named."""
    return services.project_apply(
        user=world.agency,
        data=project_data(winwin, world.plant_a, world.firm_a, supplier=supplier),
    )


def complete(world, project, start=datetime.date(2025, 3, 2)):
    """Walk a project to completed through the services, a week per step."""
    for i, status in enumerate(("selected", "agreed", "building", "completed"), start=1):
        services.project_advance(
            project=project,
            to=status,
            user=world.agency,
            on=start + datetime.timedelta(days=7 * i),
        )
    project.refresh_from_db()
    return project


# --- a hand-worked progress dataset (test_progress.py, test_progress_cache.py) ---------------

AS_OF = datetime.date(2025, 6, 30)
D = datetime.date


def at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


def completed_project(world, program, plant, partner, completed_on, *, small=False, drop=False):
    amounts = (
        {
            "total_cost": 50 * M,
            "government_share": 15 * M,
            "partner_share": 15 * M,
            "sme_share": 20 * M,
        }
        if small
        else {}
    )
    applied = completed_on - datetime.timedelta(days=60)
    project = services.project_apply(
        user=world.agency,
        data=project_data(program, plant, partner, applied_on=applied, **amounts),
    )
    if drop:
        return services.project_advance(
            project=project,
            to="dropped",
            user=world.agency,
            on=applied + datetime.timedelta(days=5),
            reason="포기",
        )
    project.supplier_id = None
    for i, step in enumerate(("selected", "agreed", "building"), start=1):
        if step == "agreed":
            from tests.factories import OrganizationFactory

            project.refresh_from_db()
            services.project_update(
                project=project,
                user=world.agency,
                data={"supplier": OrganizationFactory(kind="supplier")},
            )
        services.project_advance(
            project=project,
            to=step,
            user=world.agency,
            on=applied + datetime.timedelta(days=10 * i),
        )
    return services.project_advance(
        project=project, to="completed", user=world.agency, on=completed_on
    )


def assessment(world, plant, level, assessed_on, confirmed_on=None, submit_only=False):
    a = assessment_services.assessment_open(
        plant=plant, consultant=world.consultant, user=world.agency
    )
    if submit_only:
        rate_all(a, level)
        assessment_services.assessment_submit(
            assessment=a, user=world.consultant, assessed_on=assessed_on
        )
        return a
    a = confirmed(world, a, level, assessed_on=assessed_on)
    Assessment.objects.filter(pk=a.pk).update(
        confirmed_at=at(confirmed_on or assessed_on + datetime.timedelta(days=10))
    )
    # Back-dated the way a seed writes history: the level timeline follows.
    assessment_services.level_timeline_rebuild(plant_ids=[plant.pk])
    return a


@pytest.fixture
def dataset(world, winwin):
    assessment_services.framework_load(data=seed_definition())
    p = {
        1: world.plant_a,
        2: world.plant_b,
        3: PlantFactory(name="P3", region=Region.BUSAN),
        4: PlantFactory(name="P4", region=Region.BUSAN),
        5: PlantFactory(name="P5", region=Region.GYEONGGI),
        6: PlantFactory(name="P6", region=Region.SEOUL),
    }
    p[1].region = Region.GYEONGGI
    p[2].region = Region.SEOUL
    for plant in (p[1], p[2]):
        plant.save()
    completed_project(world, winwin, p[1], world.firm_a, D(2021, 6, 30))
    completed_project(world, winwin, p[2], world.firm_b, D(2022, 3, 15), small=True)
    completed_project(world, winwin, p[3], world.firm_a, D(2023, 11, 30))
    completed_project(world, winwin, p[4], world.firm_a, D(2023, 1, 10), drop=True)
    completed_project(world, winwin, p[5], world.firm_a, D(2025, 9, 1))
    completed_project(world, winwin, p[6], world.firm_b, D(2024, 5, 20), small=True)
    assessment(world, p[1], 3, D(2021, 9, 1))
    assessment(world, p[1], 4, D(2024, 3, 1))
    assessment(world, p[2], 2, D(2020, 5, 1))
    assessment(world, p[3], 5, D(2024, 1, 10), submit_only=True)
    assessment(world, p[4], 4, D(2023, 2, 1))
    assessment(world, p[6], 3, D(2025, 5, 1), confirmed_on=D(2025, 7, 15))
    return p
