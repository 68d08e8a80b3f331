"""The funds ledger and the partner portfolio: figures computed by hand on a small dataset,
partner isolation (each firm sees only its own), level change since support, KPI averages
against the national ones, the CSV export, and constant query counts."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub.choices import Role
from programs import finance_nav, selectors, services
from programs.choices import NATIONAL_AVERAGE_IMPROVEMENT, Indicator, ProgramKind
from programs.exports import safe_cell
from programs.models import CostShareRule
from tests.assessments.conftest import confirmed, seed_definition
from tests.factories import PlantFactory, member
from tests.programs.conftest import M, complete, project_data

D = datetime.date
START = D(2025, 3, 2)


def _advance(world, project, *statuses, start=START):
    for i, status in enumerate(statuses, start=1):
        services.project_advance(
            project=project, to=status, user=world.agency, on=start + datetime.timedelta(days=i)
        )
    project.refresh_from_db()
    return project


def _apply(world, program, plant, partner, supplier, **shares):
    return services.project_apply(
        user=world.agency,
        data=project_data(program, plant, partner, supplier=supplier, **shares),
    )


@pytest.fixture
def general(world):
    return services.program_create(
        user=world.agency,
        data={
            "name_ko": "=SUM(1+1) 일반형 구축지원",
            "name_en": "General support",
            "year": 2025,
            "kind": ProgramKind.GENERAL,
            "agency": world.agency_org,
            "budget": 1_000 * M,
            "applications_open": D(2025, 1, 1),
            "applications_close": D(2025, 12, 31),
            "cost_share_rule": CostShareRule.objects.get(code="general"),
        },
    )


@pytest.fixture
def books(world, winwin, general, supplier):
    """firm_a (commits ₩100 m): completed 100 (30/30/40), agreed 50 (15/20/15), applied 60
    (18/18/24), dropped 40 (12/12/16); firm_b (₩50 m): building 100 (30/30/40); the general
    program: one completed project without a partner, 100 (50/0/50)."""
    p1 = complete(world, _apply(world, winwin, world.plant_a, world.firm_a, supplier))
    p2 = _apply(
        world,
        winwin,
        PlantFactory(name="A사 두번째"),
        world.firm_a,
        supplier,
        total_cost=50 * M,
        government_share=15 * M,
        partner_share=20 * M,
        sme_share=15 * M,
    )
    _advance(world, p2, "selected", "agreed")
    p3 = _apply(
        world,
        winwin,
        PlantFactory(name="A사 세번째"),
        world.firm_a,
        supplier,
        total_cost=60 * M,
        government_share=18 * M,
        partner_share=18 * M,
        sme_share=24 * M,
    )
    p4 = _apply(
        world,
        winwin,
        PlantFactory(name="A사 중단"),
        world.firm_a,
        supplier,
        total_cost=40 * M,
        government_share=12 * M,
        partner_share=12 * M,
        sme_share=16 * M,
    )
    services.project_advance(
        project=p4, to="dropped", user=world.agency, on=D(2025, 3, 5), reason="자금 사정"
    )
    p5 = _apply(world, winwin, world.plant_b, world.firm_b, supplier)
    _advance(world, p5, "selected", "agreed", "building")
    p6 = complete(
        world,
        _apply(
            world,
            general,
            world.plant_free,
            None,
            supplier,
            government_share=50 * M,
            partner_share=0,
            sme_share=50 * M,
        ),
    )
    return {"p1": p1, "p2": p2, "p3": p3, "p4": p4, "p5": p5, "p6": p6}


def _line(report, partner):
    (line,) = [x for x in report.lines if x.partner == partner]
    return line


# --- ledger figures --------------------------------------------------------------------------


def test_ledger_figures_by_source(world, books, winwin, general):
    report = selectors.ledger(user=world.agency)
    assert len(report.lines) == 3

    a = _line(report, world.firm_a)
    assert (a.committed, a.remaining) == (100 * M, 32 * M)  # 100 − (30 + 20 + 18)
    assert a.allocated.count == 3 and a.allocated.partner == 68 * M
    assert (a.agreed.count, a.agreed.government, a.agreed.partner, a.agreed.sme) == (
        2,
        45 * M,
        50 * M,
        55 * M,
    )
    assert a.agreed.total == 150 * M
    assert (a.completed.count, a.completed.government, a.completed.partner) == (1, 30 * M, 30 * M)
    assert a.completed.sme == 40 * M
    assert a.dropped == 1

    b = _line(report, world.firm_b)
    assert (b.committed, b.remaining) == (50 * M, 20 * M)
    assert (b.agreed.count, b.agreed.total, b.completed.count) == (1, 100 * M, 0)

    none = _line(report, None)
    assert not none.has_commitment and none.remaining is None
    assert none.program == general
    assert (none.agreed.government, none.agreed.partner, none.agreed.sme) == (50 * M, 0, 50 * M)
    assert none.completed.total == 100 * M

    t = report.total
    assert t.committed == 150 * M
    assert (t.agreed.count, t.agreed.government, t.agreed.partner, t.agreed.sme) == (
        4,
        125 * M,
        80 * M,
        145 * M,
    )
    assert (t.completed.count, t.completed.government, t.completed.partner, t.completed.sme) == (
        2,
        80 * M,
        30 * M,
        90 * M,
    )
    assert t.dropped == 1
    by_program = {line.program: line for line in report.by_program}
    assert by_program[winwin].agreed.total == 250 * M
    assert by_program[general].agreed.total == 100 * M
    assert [line.partner for line in report.by_partner] == [world.firm_a, world.firm_b, None]


def test_ledger_filters(world, books, winwin, general):
    assert len(selectors.ledger(user=world.agency, program=general).lines) == 1
    assert len(selectors.ledger(user=world.agency, year=2024).lines) == 0
    only_b = selectors.ledger(user=world.agency, partner=world.firm_b)
    assert [line.partner for line in only_b.lines] == [world.firm_b]


def test_ledger_page_for_agency_and_official(world, books, client_for):
    for user in (world.agency, world.official, world.admin_user):
        response = client_for(user).get(reverse("programs:ledger"))
        assert response.status_code == 200
        body = response.content.decode()
        assert "대한전자" in body and "민국자동차" in body


@pytest.mark.parametrize("who", ["consultant", "outsider"])
def test_ledger_refused_to_others(world, books, client_for, who):
    assert client_for(getattr(world, who)).get(reverse("programs:ledger")).status_code == 404


def test_ledger_requires_login(client_for):
    response = client_for(None).get(reverse("programs:ledger"))
    assert response.status_code == 302


# --- partner isolation -----------------------------------------------------------------------


def test_partner_ledger_shows_only_own_firm(world, books):
    report = selectors.ledger(user=world.partner_a)
    assert [line.partner for line in report.lines] == [world.firm_a]
    assert report.total.committed == 100 * M
    assert report.total.agreed.count == 2
    # asking for another firm's rows gives nothing
    assert selectors.ledger(user=world.partner_a, partner=world.firm_b).lines == []


def test_partner_ledger_page_and_csv_show_only_own_firm(world, books, client_for):
    client = client_for(world.partner_b)
    page = client.get(reverse("programs:ledger"), {"partner": world.firm_a.pk}).content.decode()
    assert "민국자동차" in page
    assert "대한전자" not in page and "SUM" not in page
    response = client.get(reverse("programs:ledger"), {"export": "csv"})
    text = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 2  # header and firm_b's one line
    assert rows[1][3] == "민국자동차"
    assert "대한전자" not in text and "SUM" not in text


def test_each_partner_portfolio_is_its_own(world, books):
    a = selectors.partner_portfolio(world.firm_a)
    b = selectors.partner_portfolio(world.firm_b)
    plants_a = {row.plant.name for row in a.plants}
    assert plants_a == {"A사 멘토링 공장", "A사 두번째", "A사 세번째", "A사 중단"}
    assert {row.plant.name for row in b.plants} == {"B사 멘토링 공장"}
    assert a.project_count == 4 and b.project_count == 1
    assert a.status_counts["completed"] == 1 and a.status_counts["dropped"] == 1
    assert b.status_counts["building"] == 1 and b.status_counts["completed"] == 0
    assert (a.committed_total, a.allocated_total, a.completed_total) == (100 * M, 68 * M, 30 * M)
    assert (b.committed_total, b.allocated_total) == (50 * M, 30 * M)
    assert {p.pk for p in a.recent_projects} == {books[k].pk for k in ("p1", "p2", "p3", "p4")}


def test_portfolio_pages_do_not_leak(world, books, client_for):
    page_a = client_for(world.partner_a).get(reverse("programs:portfolio")).content.decode()
    page_b = client_for(world.partner_b).get(reverse("programs:portfolio")).content.decode()
    assert "A사 멘토링 공장" in page_a and "B사 멘토링 공장" not in page_a
    assert "민국자동차" not in page_a and "멘토 없는 공장" not in page_a
    assert "B사 멘토링 공장" in page_b and "A사" not in page_b
    assert "대한전자" not in page_b
    # a partner member cannot open another firm's portfolio by id
    other = client_for(world.partner_b).get(
        reverse("programs:portfolio"), {"partner": world.firm_a.pk}
    )
    assert "A사 멘토링 공장" not in other.content.decode()


def test_portfolio_for_agency_picks_a_firm(world, books, client_for):
    client = client_for(world.official)
    chooser = client.get(reverse("programs:portfolio"))
    assert chooser.status_code == 200 and "대한전자" in chooser.content.decode()
    page = client.get(reverse("programs:portfolio"), {"partner": world.firm_b.pk})
    assert "B사 멘토링 공장" in page.content.decode()
    assert (
        client.get(reverse("programs:portfolio"), {"partner": world.plant_a.company_id}).status_code
        == 404
    )
    assert client.get(reverse("programs:portfolio"), {"partner": "x"}).status_code == 404


def portfolio_csv(client, **params):
    response = client.get(reverse("programs:portfolio"), {**params, "export": "csv"})
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_portfolio_plants_download_as_csv_and_only_the_firms_own(world, books, client_for):
    def names_of(firm):
        return sorted(row.plant.name for row in selectors.partner_portfolio(firm).plants)

    def names(rows):
        return sorted(row[0] for row in rows[1:])

    rows = portfolio_csv(client_for(world.partner_a))
    assert rows[0][:3] == ["공장", "기업", "사업자등록번호"]
    assert names(rows) == names_of(world.firm_a) and "A사 멘토링 공장" in names(rows)
    assert not set(names(rows)) & set(names_of(world.firm_b))
    mine = next(row for row in rows if row[0] == "A사 멘토링 공장")
    assert mine[2] == world.plant_a.company.business_number_display
    # another firm's id changes nothing for a partner member: still its own plants
    other = portfolio_csv(client_for(world.partner_b), partner=world.firm_a.pk)
    assert names(other) == names_of(world.firm_b)
    # officials download the firm they picked; the page links the download
    official = client_for(world.official)
    assert names(portfolio_csv(official, partner=world.firm_b.pk)) == names_of(world.firm_b)
    page = official.get(reverse("programs:portfolio"), {"partner": world.firm_b.pk})
    assert f"?partner={world.firm_b.pk}&amp;export=csv" in page.content.decode()
    refused = client_for(world.consultant).get(reverse("programs:portfolio"), {"export": "csv"})
    assert refused.status_code == 404


@pytest.mark.parametrize("who", ["consultant", "outsider"])
def test_portfolio_refused_to_others(world, books, client_for, who):
    assert client_for(getattr(world, who)).get(reverse("programs:portfolio")).status_code == 404


def test_nav_and_home(world):
    assert [u for _l, u in finance_nav.nav(world.partner_a)] == [reverse("programs:portfolio")]
    for user in (world.agency, world.official, world.admin_user):
        assert [u for _l, u in finance_nav.nav(user)] == [reverse("programs:ledger")]
    assert finance_nav.nav(world.consultant) == []
    assert finance_nav.nav(world.outsider) == []


# --- level change since support --------------------------------------------------------------


def test_level_change_since_support(world, books):
    from assessments import services as assessment_services

    assessment_services.framework_load(data=seed_definition())

    def assess(plant, rating, day):
        a = assessment_services.assessment_open(
            plant=plant, consultant=world.consultant, user=world.agency
        )
        return confirmed(world, a, rating=rating, assessed_on=day)

    # plant_a: Level 1 before its project (applied 2025-03-02), Level 3 after: +2
    assess(world.plant_a, 1, D(2024, 6, 1))
    assess(world.plant_a, 3, D(2025, 10, 1))
    # plant_b: assessed only after support began: no baseline
    assess(world.plant_b, 2, D(2025, 9, 1))
    a = {row.plant.name: row for row in selectors.partner_portfolio(world.firm_a).plants}
    row = a["A사 멘토링 공장"]
    assert row.support_since == D(2025, 3, 2)
    assert (row.baseline_level, row.current_level, row.level_change) == (1, 3, 2)
    assert a["A사 두번째"].level_change is None  # never assessed
    b = selectors.partner_portfolio(world.firm_b)
    (row_b,) = b.plants
    assert row_b.baseline_level is None and row_b.current_level == 2
    assert row_b.level_change is None
    assert b.level_summary == {"up": 0, "same": 0, "down": 0, "no_baseline": 1}
    summary = selectors.partner_portfolio(world.firm_a).level_summary
    assert summary["up"] == 1 and summary["no_baseline"] == 3


def test_support_starts_at_first_live_project_else_mentorship(world, books):
    rows = {r.plant.name: r for r in selectors.partner_portfolio(world.firm_a).plants}
    # the dropped project's plant: mentored since its (dropped) application
    assert rows["A사 중단"].projects == 0
    assert rows["A사 중단"].support_since == D(2025, 3, 2)
    assert rows["A사 세번째"].projects == 1


# --- KPIs ------------------------------------------------------------------------------------


def test_kpi_averages_against_hub_and_national(world, books):
    def record(project, indicator, baseline, result):
        services.kpi_record(
            project=project,
            indicator=indicator,
            user=world.agency,
            data={"baseline": Decimal(baseline), "result": Decimal(result)},
        )

    record(books["p1"], Indicator.PRODUCTIVITY, 100, 140)  # +40, firm_a, completed
    record(books["p1"], Indicator.DEFECT_RATE, 1000, 500)  # +50 (falling)
    record(books["p6"], Indicator.PRODUCTIVITY, 100, 120)  # +20, no partner, completed
    record(books["p5"], Indicator.PRODUCTIVITY, 100, 300)  # building: not counted
    kpis = {k.indicator: k for k in selectors.partner_portfolio(world.firm_a).kpis}
    prod = kpis[Indicator.PRODUCTIVITY]
    assert (prod.partner_avg, prod.partner_n) == (40.0, 1)
    assert (prod.hub_avg, prod.hub_n) == (30.0, 2)
    assert prod.national == NATIONAL_AVERAGE_IMPROVEMENT[Indicator.PRODUCTIVITY]
    assert kpis[Indicator.DEFECT_RATE].partner_avg == 50.0
    assert kpis[Indicator.DEFECT_RATE].national == 43.5
    assert kpis[Indicator.COST].partner_avg is None
    b = {k.indicator: k for k in selectors.partner_portfolio(world.firm_b).kpis}
    assert b[Indicator.PRODUCTIVITY].partner_avg is None  # only a building project


def test_portfolio_chart_is_svg_with_hangul(world, books, client_for):
    services.kpi_record(
        project=books["p1"],
        indicator=Indicator.PRODUCTIVITY,
        user=world.agency,
        data={"baseline": Decimal(100), "result": Decimal(130)},
    )
    body = client_for(world.partner_a).get(reverse("programs:portfolio")).content.decode()
    assert "<svg" in body and "Nanum Gothic" in body
    assert "대한전자" in body


# --- CSV -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+82", "'+82"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("대한전자", "대한전자"),
        (-3, -3),
        (None, ""),
        (D(2025, 1, 2), "2025-01-02"),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_ledger_csv_has_bom_and_neutralised_formulas(world, books, client_for):
    response = client_for(world.agency).get(reverse("programs:ledger"), {"export": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4
    names = [row[1] for row in rows[1:]]
    assert "'=SUM(1+1) 일반형 구축지원" in names
    assert not any(cell.startswith("=") for row in rows for cell in row)
    firm_a = next(row for row in rows if row[3] == "대한전자")
    assert firm_a[4] == str(100 * M) and firm_a[12] == str(150 * M)


def test_ledger_csv_follows_filters(world, books, general, client_for):
    response = client_for(world.agency).get(
        reverse("programs:ledger"), {"export": "csv", "program": general.pk}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][3] == ""


# --- query counts ----------------------------------------------------------------------------


def _more(world, winwin, supplier, count, offset=0):
    """`count` more firm_a projects of ₩10 m (3/3/4), completed."""
    for i in range(count):
        project = _apply(
            world,
            winwin,
            PlantFactory(name=f"추가 공장 {offset + i}"),
            world.firm_a,
            supplier,
            total_cost=10 * M,
            government_share=3 * M,
            partner_share=3 * M,
            sme_share=4 * M,
        )
        _advance(world, project, "selected", "agreed", "building", "completed")
        services.kpi_record(
            project=project,
            indicator=Indicator.COST,
            user=world.agency,
            data={"baseline": Decimal(100), "result": Decimal(85)},
        )


def _queries(client, url, params=None):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("who", "url_name", "params"),
    [
        ("agency", "programs:ledger", {}),
        ("agency", "programs:ledger", {"export": "csv"}),
        ("partner_a", "programs:ledger", {}),
        ("partner_a", "programs:portfolio", {}),
    ],
)
def test_query_count_constant(world, books, winwin, supplier, client_for, who, url_name, params):
    client = client_for(getattr(world, who))
    url = reverse(url_name)
    _more(world, winwin, supplier, 2)
    before = _queries(client, url, params)
    _more(world, winwin, supplier, 6, offset=10)
    services.commitment_set(
        program=winwin, partner=world.firm_b, committed=60 * M, user=world.agency
    )
    after = _queries(client, url, params)
    assert after == before


def test_portfolio_selector_query_count(
    world, books, winwin, supplier, django_assert_max_num_queries
):
    _more(world, winwin, supplier, 5)
    with django_assert_max_num_queries(7):
        portfolio = selectors.partner_portfolio(world.firm_a)
        _ = [row.level_change for row in portfolio.plants]
        _ = [(p.program.name, p.plant.name) for p in portfolio.recent_projects]
    with django_assert_max_num_queries(4):
        selectors.ledger(user=world.agency)


def test_second_member_of_same_firm_sees_the_same(world, books):
    colleague = member(Role.PARTNER_MEMBER, world.firm_a, "partner_a2")
    assert selectors.ledger(user=colleague).total.agreed.count == 2


def test_partner_home_leads_to_the_portfolio(world, client_for):
    response = client_for(world.partner_a).get(reverse("home"))
    assert response.status_code == 200
    assert response.context["actions"][0].url == reverse("programs:portfolio")
    assert client_for(world.agency).get(reverse("home")).status_code == 200
