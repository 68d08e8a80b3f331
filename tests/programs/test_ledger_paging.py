"""The ledger page shows its program × partner lines a page at a time (and a partner's
portfolio its mentored plants), so the page stays small however many lines there are
(national scale: 34 programs, 679 commitments); the totals and the CSV still cover every
line."""

import csv
import datetime
import io
import re

import pytest
from django.urls import reverse

from hub.models import Mentorship, Organization
from programs.models import PartnerCommitment
from programs.views.finance import LEDGER_LINES_PER_PAGE, PORTFOLIO_PLANTS_PER_PAGE
from tests.factories import PartnerFactory, PlantFactory
from tests.programs.conftest import M, winwin_program

START = datetime.date(2024, 1, 1)
PROGRAMS, FIRMS = 6, 40
LINES = PROGRAMS * FIRMS  # more than four pages


@pytest.fixture
def many_lines(world):
    """PROGRAMS programs, each with a ₩1 m commitment of the same FIRMS partner firms."""
    programs = [
        winwin_program(world, [], name_ko=f"상생형 구축지원 {i}", name_en=f"Win-win {i}")
        for i in range(PROGRAMS)
    ]
    firms = Organization.objects.bulk_create(
        [PartnerFactory.build(name=f"협력사 {i:04d}", business_number=None) for i in range(FIRMS)]
    )
    PartnerCommitment.objects.bulk_create(
        [
            PartnerCommitment(program=program, partner=firm, committed=M)
            for program in programs
            for firm in firms
        ]
    )
    return programs[0]


def _line_rows(html: str) -> int:
    """Rows in the "per program and partner firm" table's body."""
    table = html.split('id="ledger-lines"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return len(re.findall(r"<tr[ >]", body))


def test_ledger_lines_are_paged_and_the_page_stays_small(world, many_lines, client_for):
    client = client_for(world.agency)
    first = client.get(reverse("programs:ledger"))
    assert first.status_code == 200
    html = first.content.decode()
    assert _line_rows(html) == LEDGER_LINES_PER_PAGE
    assert len(first.content) < 200 * 1024
    assert 'rel="next"' in html

    pages = -(-LINES // LEDGER_LINES_PER_PAGE)
    rest = LINES - (pages - 1) * LEDGER_LINES_PER_PAGE
    last = client.get(reverse("programs:ledger"), {"page": pages})
    assert _line_rows(last.content.decode()) == rest
    # The total covers every line, on every page.
    assert last.context["report"].total.committed == LINES * M
    # Out of range: the last page, not an error.
    beyond = client.get(reverse("programs:ledger"), {"page": 99}).content.decode()
    assert _line_rows(beyond) == rest


def test_ledger_paging_keeps_the_filters_and_the_csv_has_every_line(world, many_lines, client_for):
    client = client_for(world.agency)
    html = client.get(reverse("programs:ledger"), {"year": 2025}).content.decode()
    assert "year=2025&amp;page=2" in html
    response = client.get(reverse("programs:ledger"), {"export": "csv", "page": 2})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + LINES


def test_portfolio_plants_are_paged(world, client_for):
    plants = PlantFactory.create_batch(PORTFOLIO_PLANTS_PER_PAGE + 7)
    Mentorship.objects.bulk_create(
        [Mentorship(partner=world.firm_a, plant=plant, start_date=START) for plant in plants]
    )
    client = client_for(world.partner_a)
    first = client.get(reverse("programs:portfolio"))
    html = first.content.decode()
    table = html.split('id="portfolio-plants"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    assert len(re.findall(r"<tr[ >]", body)) == PORTFOLIO_PLANTS_PER_PAGE
    assert 'rel="next"' in html
    second = client.get(reverse("programs:portfolio"), {"page": 2}).content.decode()
    body = second.split('id="portfolio-plants"', 1)[1].split("</table>", 1)[0]
    # world.plant_a is mentored by firm_a too.
    assert len(re.findall(r"<tr[ >]", body.split("<tbody>", 1)[1])) == 8
