"""The national-scale generator: `manage.py seed_national` on a small scale, and its
invariants checked on the written rows (the command writes in bulk, bypassing the services)."""

import datetime
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Min

from assessments import scoring
from assessments.choices import AssessmentStatus
from assessments.models import Assessment, Framework, ItemRating
from assessments.services import LEVEL_FIELDS, add_years, plant_refresh_level
from devdata import floor, national
from hub.choices import OrganizationKind
from hub.models import AuditEntry, Mentorship, Organization, Plant
from hub.validators import is_valid_business_number
from programs import rules
from programs.choices import HIGHER_IS_BETTER, ProjectStatus
from programs.models import KPI, PartnerCommitment, Project

PLANTS = 300
STEPS = ["applied_on", "selected_on", "agreed_on", "building_on", "completed_on"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seeded once for the module inside a transaction rolled back at the end, so the other
    tests never see the rows (each test runs in a savepoint of it)."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_national", plants=PLANTS, force=True, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_counts_scale(seeded):
    plants = Plant.objects.count()
    companies = Organization.objects.filter(kind=OrganizationKind.SME).count()
    assert plants >= PLANTS
    assert companies >= 0.86 * plants
    assert Plant.objects.values("company").annotate(n=Count("pk")).filter(n__gte=2).exists()
    assert Project.objects.count() >= 1.2 * plants
    confirmed = Assessment.objects.filter(status=AssessmentStatus.CONFIRMED)
    assert confirmed.count() >= 1.8 * plants
    assert Plant.objects.values("region").distinct().count() == 17
    assert Organization.objects.filter(kind=OrganizationKind.PARTNER).count() >= 40
    assert Organization.objects.filter(kind=OrganizationKind.CONSULTANCY).count() >= 20
    items = Framework.objects.get().areas.values("categories__items").count()
    assert items == 40
    per_assessment = (
        ItemRating.objects.values("assessment").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    assert set(per_assessment) == {items}
    assert ItemRating.objects.values("assessment").distinct().count() == confirmed.count()
    assert "cumulative supported plants" in seeded


def test_business_numbers_valid_and_unique(seeded):
    numbers = list(
        Organization.objects.filter(kind=OrganizationKind.SME).values_list(
            "business_number", flat=True
        )
    )
    assert len(numbers) == len(set(numbers))
    assert all(is_valid_business_number(n) for n in numbers)


def test_project_dates_ordered(seeded):
    for p in Project.objects.all():
        steps = [getattr(p, f) for f in STEPS]
        reached = [d for d in steps if d is not None]
        # Steps are filled in pipeline order, with no gaps, and ordered in time.
        assert steps[: len(reached)] == reached
        assert reached == sorted(reached)
        assert reached[0].year == p.program.year
        if p.status == ProjectStatus.DROPPED:
            assert p.dropped_on >= reached[-1] and p.drop_reason
            assert p.completed_on is None
        else:
            assert p.dropped_on is None
            assert len(reached) == STEPS.index(f"{p.status}_on") + 1


def test_shares_within_rule(seeded):
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
        assert (p.partner_id is not None) == (p.program.kind == "winwin")


def test_partner_commitments_cover_shares(seeded):
    used = defaultdict(Decimal)
    for p in Project.objects.exclude(status=ProjectStatus.DROPPED).exclude(partner=None):
        used[(p.program_id, p.partner_id)] += p.partner_share
    committed = {(c.program_id, c.partner_id): c.committed for c in PartnerCommitment.objects.all()}
    assert used
    for key, amount in used.items():
        assert committed[key] >= amount


def test_mentorships_for_partner_funded_projects(seeded):
    pairs = set(Mentorship.objects.values_list("partner_id", "plant_id"))
    funded = set(Project.objects.exclude(partner=None).values_list("partner_id", "plant_id"))
    assert funded and funded <= pairs


def test_no_overlapping_active_projects(seeded):
    periods = defaultdict(list)
    for p in Project.objects.active():
        end = p.completed_on or p.dropped_on or datetime.date.max
        periods[(p.plant_id, p.program_id)].append((p.applied_on, end))
    for spans in periods.values():
        spans.sort()
        for (_a, end), (start, _b) in zip(spans, spans[1:], strict=False):
            assert start > end


def test_kpis(seeded):
    completed = Project.objects.filter(status=ProjectStatus.COMPLETED)
    counts = set(KPI.objects.values("project").annotate(n=Count("pk")).values_list("n", flat=True))
    assert counts <= {4, 5, 6}
    assert KPI.objects.values("project").distinct().count() == completed.count()
    assert not KPI.objects.exclude(project__status=ProjectStatus.COMPLETED).exists()
    for k in KPI.objects.all()[:200]:
        assert k.improvement_pct == k.compute_improvement()
        assert HIGHER_IS_BETTER[k.indicator] is not None


def test_current_level_is_latest_confirmed(seeded):
    latest = {}
    for a in Assessment.objects.confirmed().order_by(
        "plant_id", "-assessed_on", "-confirmed_at", "-pk"
    ):
        latest.setdefault(a.plant_id, a)
    assert latest
    for plant in Plant.objects.all():
        a = latest.get(plant.pk)
        if a is None:
            assert plant.current_level is None
            continue
        assert plant.current_level == a.final_level
        assert plant.current_score == a.total_score.quantize(Decimal("0.1"))
        assert plant.level_confirmed_on == a.assessed_on
        assert plant.level_valid_until == a.valid_until


def test_current_levels_are_what_the_assessments_app_would_set(seeded):
    """The bulk UPDATE of seed_national and the service agree: refreshing a plant's level
    through `plant_refresh_level` finds nothing to change (so writes no audit entry)."""
    before = AuditEntry.objects.count()
    stored = {p.pk: p for p in Plant.objects.all()}
    with transaction.atomic():
        for plant in stored.values():
            refreshed = plant_refresh_level(plant=plant)
            assert [getattr(refreshed, f) for f in LEVEL_FIELDS] == [
                getattr(plant, f) for f in LEVEL_FIELDS
            ]
        transaction.set_rollback(True)
    assert AuditEntry.objects.count() == before


def test_stored_results_match_scoring(seeded):
    framework = Framework.objects.get()
    spec = framework.spec()
    sample = Assessment.objects.order_by("pk")
    step = max(sample.count() // 20, 1)
    for a in list(sample)[::step][:20]:
        values = {r.item.code: r.value for r in a.ratings.select_related("item")}
        result = scoring.score(spec, values)
        assert a.total_score == scoring.to_decimal(result.total)
        assert a.band_level == result.band_level
        assert a.final_level == result.final_level
        assert a.capping_rule == (result.capping_rule or "")
        assert a.result == result.as_dict()
        assert a.valid_until == add_years(a.assessed_on, 3)
        assert a.opened_at < a.submitted_at < a.confirmed_at
        assert a.opened_at.date() <= a.assessed_on <= a.submitted_at.date()
        for r in a.ratings.all():
            assert r.is_complete


def test_assessments_mostly_after_first_completion(seeded):
    firsts = dict(
        Project.objects.filter(status=ProjectStatus.COMPLETED)
        .values("plant_id")
        .annotate(first=Min("completed_on"))
        .values_list("plant_id", "first")
    )
    supported = Assessment.objects.filter(plant_id__in=firsts)
    after = sum(1 for a in supported if a.assessed_on >= firsts[a.plant_id])
    assert after >= 0.8 * supported.count()


def test_supported_curve_follows_national_shape(seeded):
    firsts = (
        Project.objects.filter(status=ProjectStatus.COMPLETED)
        .values("plant_id")
        .annotate(first=Min("completed_on"))
        .values_list("first", flat=True)
    )
    by_year = defaultdict(int)
    for day in firsts:
        by_year[day.year] += 1
    cumulative, total = {}, 0
    for year in range(2014, 2026):
        total += by_year[year]
        cumulative[year] = total
    values = list(cumulative.values())
    assert values == sorted(values)
    assert cumulative[2022] > cumulative[2018] > 0
    assert 0.2 <= cumulative[2018] / cumulative[2022] <= 0.32
    expected = national.scaled_cumulative(Plant.objects.count())
    for year in (2018, 2019, 2020, 2021, 2022):
        assert abs(cumulative[year] - expected[year]) <= 2


def test_refuses_a_second_run(seeded, settings):
    settings.DEBUG = True  # only the plant count stands in the way
    with pytest.raises(CommandError, match="already holds"):
        call_command("seed_national", plants=PLANTS, stdout=io.StringIO())
    with pytest.raises(CommandError, match="national dataset"):
        call_command("seed_national", plants=PLANTS, force=True, stdout=io.StringIO())


def test_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=false"):
        call_command("seed_national", plants=10, stdout=io.StringIO())


def test_plan_is_deterministic(seeded):
    a = national.plan(120, seed=7)
    b = national.plan(120, seed=7)
    c = national.plan(120, seed=8)
    assert [x.business_number for x in a.companies] == [x.business_number for x in b.companies]
    assert [(p.reference, p.total_cost) for p in a.projects] == [
        (p.reference, p.total_cost) for p in b.projects
    ]
    assert [x.business_number for x in a.companies] != [x.business_number for x in c.companies]


def test_national_shape_at_full_scale_in_the_plan(seeded):
    """The plan alone (no database) at 35,000 plants meets the issue's figures."""
    plan = national.plan(national.NATIONAL_PLANTS)
    curve = national.supported_by_year(plan)
    assert len(plan.companies) >= 30_000
    assert len(plan.projects) >= 45_000
    assert 7_800 <= curve[2018] <= 8_000
    assert 12_560 <= curve[2019] <= 12_760
    assert 19_700 <= curve[2020] <= 19_900
    assert 24_900 <= curve[2021] <= 25_100
    assert curve[2022] >= 30_000


def _floor_figures(rows, n_years):
    """The floor's rows in the shapes of `progress_summary`."""
    plants = {31: {}, 30: {}, 15: {}, 23: {}, 27: {}, 29: {}}
    series, groups, kpis = {}, {3: {}, 5: {}, 6: {}}, {3: {}, 1: {}, 2: {}}
    for part, g, key, n, l3, avg in rows:
        if part == "plants":
            plants[g][key] = (n, l3)
        elif part == "series":
            series[g] = (n, l3)
        elif part == "groups" and key is not None:
            groups[g][int(key)] = (n, l3)
        elif part == "kpis":
            ind, _, sub = key.partition(":")
            kpis[g].setdefault(sub, {})[ind] = round(float(avg), 2)
    return {
        "head": plants[31][None],
        "distribution": {k: n for k, (n, _) in plants[30].items()},
        "region": plants[15],
        "industry": plants[23],
        "size": plants[27],
        "cohort": {int(k): v for k, v in plants[29].items()},
        "yearly": [series[i + 1] for i in range(n_years)],
        "program": groups[3],
        "partner": groups[5],
        "agency": groups[6],
        "kpi_overall": kpis[3][""],
        "kpi_cohort": kpis[1],
        "kpi_level": kpis[2],
    }


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL floor is written for PostgreSQL"
)
@pytest.mark.parametrize("as_of", [datetime.date(2022, 12, 31), datetime.date(2025, 6, 30)])
def test_sql_floor_gives_the_selector_figures(seeded, as_of):
    """The benchmark compares the selector with a hand-written statement: both must compute
    the same figures, or the comparison means nothing."""
    from progress import selectors as progress
    from progress import statement

    summary = progress.progress_summary(as_of=as_of)
    year_days, proj_days = statement.summary_days(as_of)
    hand = _floor_figures(floor.floor_summary(as_of, year_days + proj_days), len(year_days))

    def table(name):
        return {r["key"]: (r["supported"], r["level3"]) for r in summary.breakdowns[name]}

    assert hand["head"] == (summary.supported, summary.level3)
    assert summary.supported > 100 and summary.level3 > 10
    assert hand["distribution"] == {k: v for k, v in summary.distribution.items() if v}
    for name in ("region", "industry", "size", "program", "partner", "agency"):
        assert hand[name] == table(name), name
    assert hand["cohort"] == {r["cohort"]: (r["supported"], r["level3"]) for r in summary.cohorts}
    assert hand["yearly"] == [(r["supported"], r["level3"]) for r in summary.yearly]
    kpis = summary.kpis
    assert hand["kpi_overall"] == kpis["overall"]
    assert hand["kpi_cohort"] == kpis["by_cohort"]
    level = {("none" if k == "" else k): v for k, v in hand["kpi_level"].items()}
    assert level == kpis["by_level"]
