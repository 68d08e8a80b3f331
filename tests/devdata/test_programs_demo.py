"""Demo programs: `manage.py seed_programs` (run by seed_demo) and its pure plan."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from devdata import programs as demo
from hub.models import AuditEntry, Mentorship, Organization
from programs import rules, selectors
from programs.choices import (
    FUNDED_STATUSES,
    NATIONAL_AVERAGE_IMPROVEMENT,
    STATUS_DATE_FIELDS,
    ProgramKind,
    ProjectStatus,
)
from programs.models import KPI, PartnerCommitment, Program, Project

TODAY = datetime.date(2026, 11, 24)
ORDER = ["applied_on", "selected_on", "agreed_on", "building_on", "completed_on"]


def seed(plants=30):
    call_command("seed_demo", plants=plants, force=True, stdout=io.StringIO())


def counts():
    models = (Program, PartnerCommitment, Project, KPI, Mentorship, AuditEntry)
    return {model.__name__: model.objects.count() for model in models}


def test_seeding_twice_creates_nothing_new(seeded):
    first = counts()
    seed()
    assert counts() == first
    assert first["Project"] >= 20 and first["KPI"] > 0


def test_more_plants_later_adds_to_the_same_data(seeded):
    before = set(Project.objects.values_list("reference", flat=True))
    seed(plants=45)
    after = set(Project.objects.values_list("reference", flat=True))
    assert before < after
    for commitment in PartnerCommitment.objects.all():  # still covers the projects
        used = sum(
            Project.objects.filter(
                program=commitment.program,
                partner=commitment.partner,
                status__in=FUNDED_STATUSES,
            ).values_list("partner_share", flat=True),
            Decimal(0),
        )
        assert used <= commitment.committed


def test_programs_cover_the_years_and_kinds(seeded):
    years = set(Program.objects.values_list("year", flat=True))
    assert set(range(2018, 2025)) <= years
    kinds = set(Program.objects.values_list("kind", flat=True))
    assert {ProgramKind.GENERAL, ProgramKind.WINWIN, ProgramKind.UPGRADE} <= kinds
    for program in Program.objects.filter(kind=ProgramKind.WINWIN):
        assert program.commitments.exists()


def test_shares_within_the_rules(seeded):
    for p in Project.objects.select_related("program__cost_share_rule"):
        breaches = rules.check_shares(
            p.program.cost_share_rule.as_rule(),
            target_level=p.target_level,
            total=p.total_cost,
            government=p.government_share,
            partner=p.partner_share,
            sme=p.sme_share,
        )
        assert breaches == [], (p.reference, breaches)
        if p.program.kind == ProgramKind.WINWIN:
            assert p.partner_id is not None
            assert Mentorship.objects.filter(partner=p.partner, plant=p.plant).exists()


def test_step_dates_are_ordered(seeded):
    for p in Project.objects.all():
        days = [getattr(p, f) for f in ORDER if getattr(p, f)]
        assert days == sorted(days), p.reference
        # every step up to the status is dated; none beyond it
        if p.status != ProjectStatus.DROPPED:
            reached = ORDER[: ORDER.index(STATUS_DATE_FIELDS[ProjectStatus(p.status)]) + 1]
            assert all(getattr(p, f) for f in reached)
            assert not any(getattr(p, f) for f in ORDER if f not in reached)
        else:
            assert p.dropped_on >= days[-1] and p.drop_reason
        if p.status == ProjectStatus.COMPLETED:
            assert len(days) == 5
            assert p.kpis.count() >= 4


def test_flagship_partner_has_a_portfolio(seeded):
    firm = Organization.objects.get(name=demo.FLAGSHIP_PARTNER)
    portfolio = selectors.partner_portfolio(firm)
    assert portfolio.status_counts[ProjectStatus.COMPLETED] >= 1
    assert portfolio.committed_total > 0 and portfolio.plants


def test_refuses_without_debug_unless_forced(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_programs", plants=5, stdout=io.StringIO())


# --- the plan --------------------------------------------------------------------------------


def test_plan_is_deterministic_and_a_prefix():
    small, large = demo.plan(30, TODAY), demo.plan(60, TODAY)
    assert demo.plan(30, TODAY) == small
    refs = {p.reference for p in small.projects}
    assert refs <= {p.reference for p in large.projects}


def test_plan_statuses_by_year():
    plan = demo.plan(240, TODAY)
    old = [p for p in plan.projects if p.program[1] <= 2023]
    completed = sum(p.status == ProjectStatus.COMPLETED for p in old)
    assert completed / len(old) > 0.85
    current = {p.status for p in plan.projects if p.program[1] == TODAY.year}
    assert len(current) >= 4  # spread over the pipeline
    assert 200 <= len(plan.projects) <= 450
    for p in plan.projects:
        assert max(p.steps.values()) <= TODAY


def test_kpi_averages_near_national():
    averages = demo.simulate_kpis(400)
    for indicator, national in NATIONAL_AVERAGE_IMPROVEMENT.items():
        assert abs(averages[indicator] - national) < 2.5, (indicator, averages[indicator])
