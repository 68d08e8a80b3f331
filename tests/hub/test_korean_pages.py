"""No Korean page shows untranslated English words.

Each demo login (seed_demo, small) walks the pages it can reach: every named URL that takes
no argument, then the links of the pages it has seen (same site, GET, HTML), one page of
each shape (the path with its numbers taken out, and the names of its query parameters).
The text people read is what is left when tags, scripts, styles and attributes are removed;
a Latin word in it fails the test unless it is a code in `ALLOWED` below.

What is not read as words:
- tokens holding a digit, '@', '_', '://' or a dot between letters (IDs, versions, e-mail
  addresses, URLs, file names and extensions such as ".xlsx", logins such as "partner_a",
  item codes such as "L1-03", business numbers);
- text inside <code>, <kbd>, <samp> and <pre> (API paths, token prefixes, file headers
  people copy), and any element marked lang="en" (the language switch names English in
  English, as every language switch does).
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hub.particles import resolve

# Codes and units written in Latin letters in Korean too (each is how Korean documents of
# the program and its standards write it).
ALLOWED = {
    # units and measures (UCUM and SI symbols the plants use)
    "kWh", "kg", "MWh", "ppm", "h", "min", "s", "ea", "pcs",
    # KPI and standards codes (ISO 22400, KS X 9001, IDTA, W3C)
    "OEE", "KPI", "KPIs", "MTBF", "MTTR", "FPY", "ISO", "KS", "KSIC", "IDTA", "AAS", "ODRL",
    "SensorThings", "OPC", "UA", "MES", "ERP", "SCM", "PLM", "FEMS", "PLC", "SCADA", "AI",
    "CPS", "ICT", "IoT",
    # file formats and protocols people pick or are told to use
    "CSV", "XLSX", "PDF", "JSON", "Parquet", "MQTT", "API", "HTTP", "HTTPS", "REST", "UTF",
    "Excel", "OpenAPI",
    # systems and methods of a smart factory, as Korean manuals and the framework's items
    # write them (POP 시스템, BOM 관리, LOT 추적)
    "POP", "WMS", "BOM", "CAD", "CAM", "LOT", "AGV", "AMR", "APS", "EDI", "EMS", "SPC",
    "RFID", "ROI", "PC",
    # file formats and sizes people are told about on upload pages
    "DOCX", "PPTX", "HWP", "AASX", "MB", "UCUM",
    # date patterns people type ("YYYY-MM") and the time column of the upload template
    "YYYY", "MM", "DD", "timestamp",
    # the maturity scale: the program's own documents write "Level 3"
    "Level", "ID",
    # the product's name in its logo mark and the language switch's own names
    "Hub",
    # two-step sign-in as Korean phones and banks name it (QR 코드, OTP 앱)
    "QR", "OTP",
}  # fmt: skip

SKIPPED_ELEMENTS = {"script", "style", "code", "kbd", "samp", "pre", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
NOT_A_WORD = re.compile(r"[0-9@_]|://|(?:^|\W)\.[A-Za-z]|[A-Za-z]\.[A-Za-z]")
LATIN_WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")

# Where the walk does not go: the admin (Django's own, English-capable pages for staff),
# the API and its documents, static files, and links that change something or leave.
NOT_WALKED = ("/admin/", "/api/", "/static/", "/media/", "/i18n/", "/accounts/logout/")


class _Text(HTMLParser):
    """The text people read on a page, and the links it offers."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.skipping: list[str] = []
        self.stack: list[str] = []
        self.chunks: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in VOID:
            return
        self.stack.append(tag)
        if tag in SKIPPED_ELEMENTS or (attrs.get("lang") or "").startswith("en"):
            self.skipping.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID or tag not in self.stack:
            return
        while self.stack:
            open_tag = self.stack.pop()
            if self.skipping and self.skipping[-1] == open_tag:
                self.skipping.pop()
            if open_tag == tag:
                break

    def handle_data(self, data):
        if not self.skipping:
            self.chunks.append(data)


def page_text(html: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return " ".join(parser.chunks), parser.links


def english_words(text: str) -> set[str]:
    """The Latin words of a text that are not codes (see the module's docstring)."""
    found = set()
    for token in text.split():
        if NOT_A_WORD.search(token):
            continue
        for word in LATIN_WORD.findall(token):
            if len(word) > 1 and word not in ALLOWED:
                found.add(word)
    return found


# Query parameters that page or sort a list: the same words, so not another shape.
PAGING = {"ordering", "page", "page_size", "older", "newer", "as_of"}


def _shape(url: str) -> str:
    parts = urlsplit(url)
    keys = sorted({pair.split("=", 1)[0] for pair in parts.query.split("&") if pair} - PAGING)
    return re.sub(r"\d+", "N", parts.path) + "?" + "&".join(keys)


def plain_urls() -> list[str]:
    """Every page URL of the resolver that takes no argument (not the admin, not the API)."""
    urls = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace or namespace
                if ns in ("admin",):
                    continue
                walk(entry.url_patterns, f"{ns}:" if entry.namespace else namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                if entry.pattern.regex.groups:
                    continue
                try:
                    urls.append(reverse(f"{namespace}{entry.name}"))
                except Exception:  # noqa: BLE001, S112 - a name that needs arguments
                    continue

    walk(get_resolver().url_patterns, "")
    return sorted({u for u in urls if not u.startswith(NOT_WALKED)})


def walk(client: Client, limit: int = 160) -> dict[str, set[str]]:
    """{url: English words} for the HTML pages the client reaches, one of each shape."""
    queue = ["/", *plain_urls()]
    seen_shapes: set[str] = set()
    found: dict[str, set[str]] = {}
    visited = 0
    while queue and visited < limit:
        url = queue.pop(0)
        parts = urlsplit(url)
        if parts.netloc or parts.scheme or not parts.path.startswith("/"):
            continue
        if parts.path.startswith(NOT_WALKED) or "format=" in parts.query:
            continue
        shape = _shape(url)
        if shape in seen_shapes:
            continue
        seen_shapes.add(shape)
        response = client.get(url)
        visited += 1
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        text, links = page_text(response.content.decode())
        words = english_words(text)
        if words:
            found[url] = words
        for link in links:
            absolute = link if link.startswith("/") else ("?" in link and parts.path + link)
            if absolute and absolute.startswith("/"):
                queue.append(absolute.split("#", 1)[0])
    return found


# --- the rules of the walk itself ------------------------------------------------------


def test_english_words_leave_out_codes_and_what_is_not_a_word():
    text = "OEE 92 % · 공장 L1-03 partner_a a@b.kr https://x.kr v1 Level 3 kWh Plant saved"
    assert english_words(text) == {"Plant", "saved"}


def test_page_text_skips_scripts_styles_code_and_english_marked_text():
    html = (
        "<html><head><style>body{color:red}</style><script>var x='Hello';</script></head>"
        "<body><p title='Title'>공장 <code>GET /api/</code></p>"
        "<select><option lang='en'>English</option><option>한국어</option></select>"
        "<img alt='x'><p>Left over</p></body></html>"
    )
    text, _links = page_text(html)
    assert english_words(text) == {"Left", "over"}


def test_particles_are_chosen_on_korean_pages(world, client_for):
    """The pass of hub.middleware over Korean answers (its rule: tests/hub/test_particles.py)."""
    assert resolve("공장 A동 을(를) 등록했습니다.") == "공장 A동을 등록했습니다."
    body = client_for(world.agency).get("/").content.decode()
    for combined in ("을(를)", "이(가)", "은(는)", "과(와)"):
        assert combined not in body


# --- the walk --------------------------------------------------------------------------


@pytest.fixture
def demo(db):
    """The demo's data, small: every kind of object each login meets (in the test's
    transaction, so the rest of the suite does not see it)."""
    call_command("seed_demo", plants=30, force=True, stdout=io.StringIO())


@pytest.mark.parametrize("login", ["agency", "consultant", "partner", "official", "sme", "admin"])
def test_no_korean_page_shows_english_words(demo, login):
    client = Client()
    client.force_login(get_user_model().objects.get(username=login))
    found = walk(client)
    report = "\n".join(f"{url}: {' '.join(sorted(words))}" for url, words in found.items())
    assert not found, f"English words on Korean pages of {login}:\n{report}"
