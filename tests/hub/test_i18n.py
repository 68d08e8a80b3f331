"""The Korean catalog ships complete and compiled, and pages speak Korean by default."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "ko" / "LC_MESSAGES"


def po_msgids(path: Path) -> list[str]:
    """Singular msgids of the active (non-obsolete, non-header) entries of a .po file."""
    ids, current, in_id = [], None, False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#~"):
            continue
        if line.startswith("msgid "):
            current, in_id = [line[6:]], True
        elif in_id and line.startswith('"'):
            current.append(line)
        else:
            if in_id and current is not None:
                text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', "\n".join(current)))
                if text:
                    ids.append(text.encode().decode("unicode_escape").encode("latin-1").decode())
            in_id = False
    return ids


def test_every_catalog_entry_is_translated_in_the_compiled_catalog():
    with (LOCALE / "django.mo").open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    msgids = po_msgids(LOCALE / "django.po")
    assert len(msgids) > 200
    untranslated = [
        m
        for m in msgids
        if catalog._catalog.get(m) in (None, "")
        and not any(isinstance(k, tuple) and k[0] == m for k in catalog._catalog)
    ]
    assert untranslated == []


@pytest.mark.django_db
def test_plant_list_speaks_korean_by_default(world, client_for):
    html = client_for(world.agency).get("/plants/").content.decode()
    assert 'lang="ko"' in html
    for word in ("공장", "지역", "업종", "로그아웃"):
        assert word in html


@pytest.mark.django_db
def test_region_and_industry_names_are_translated(world, client_for):
    html = client_for(world.agency).get(f"/plants/{world.plant_a.pk}/").content.decode()
    assert "경기도" in html
    assert "금속 가공제품 제조업" in html
    english_reader = client_for(world.agency)
    english_reader.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = english_reader.get(f"/plants/{world.plant_a.pk}/").content.decode()
    assert "Gyeonggi" in english and "Fabricated metal products" in english


@pytest.mark.django_db
def test_an_english_browser_still_gets_korean_until_the_user_switches(world, client_for):
    client = client_for(world.agency)
    html = client.get("/plants/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="ko"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/plants/"})
    assert response.status_code == 302
    html = client.get("/plants/", HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert 'lang="en"' in html and "Plants" in html
