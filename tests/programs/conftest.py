"""Program fixtures on top of the registry personas (`world`).

`winwin`: a 2025 win-win program of the world's agency (rule: government ≤ 30 % with caps
₩42 m / ₩120 m / ₩240 m, partner ≥ 30 %, SME ≤ 40 %) in which firm_a commits ₩100 m and
firm_b ₩50 m. `supplier`: a solution vendor. `project_data(...)` gives a compliant basic
project of ₩100 m (government 30 m, partner 30 m, SME 40 m).
"""

import datetime
from decimal import Decimal

import pytest

from hub.choices import OrganizationKind
from programs import services
from programs.choices import ProgramKind, TargetLevel
from programs.models import CostShareRule
from tests.factories import OrganizationFactory

M = Decimal(1_000_000)


@pytest.fixture
def supplier(db):
    return OrganizationFactory(kind=OrganizationKind.SUPPLIER, name="스마트솔루션(주)")


@pytest.fixture
def winwin(world):
    return services.program_create(
        user=world.agency,
        data={
            "name_ko": "2025 상생형 스마트공장 구축지원",
            "name_en": "2025 win-win smart factory support",
            "year": 2025,
            "kind": ProgramKind.WINWIN,
            "agency": world.agency_org,
            "budget": 5_000 * M,
            "applications_open": datetime.date(2025, 2, 1),
            "applications_close": datetime.date(2025, 3, 31),
            "cost_share_rule": CostShareRule.objects.get(code="winwin"),
        },
        commitments=[(world.firm_a, 100 * M), (world.firm_b, 50 * M)],
    )


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
