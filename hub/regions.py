"""Region names as people write them → the region's code (hub.choices.Region). No ORM.

Files and forms name a 시·도 in many ways: the official name (서울특별시, 강원특별자치도), the
short form (서울, 강원), the everyday form (서울시, 부산시, 세종시, 제주도, 경기도), the names
before a renaming (강원도, 전라북도), English (Seoul, Gyeonggi-do, North Chungcheong) and the
administrative codes, old ones included (42 → 51, 45 → 52). `region_code` accepts all of
them, ignoring case, spaces and punctuation; anything else is None, never a guess.
"""

import functools
import re
import unicodedata

from django.utils import translation

from hub.choices import REGION_KOREAN_NAMES, REGION_LEGACY_CODES, Region

# Aliases beyond the official and short Korean names of hub.choices.REGION_KOREAN_NAMES.
REGION_ALIASES: dict[str, tuple[str, ...]] = {
    "11": ("서울시", "Seoul", "Seoul-si", "Seoul Special City", "Seoul City"),
    "26": ("부산시", "Busan", "Busan-si", "Busan Metropolitan City", "Pusan"),
    "27": ("대구시", "Daegu", "Daegu-si", "Daegu Metropolitan City", "Taegu"),
    "28": ("인천시", "Incheon", "Incheon-si", "Incheon Metropolitan City", "Inchon"),
    # Not 광주시 / Gwangju-si: that is also a city of Gyeonggi-do.
    "29": ("Gwangju", "Gwangju Metropolitan City", "Kwangju"),
    "30": ("대전시", "Daejeon", "Daejeon-si", "Daejeon Metropolitan City", "Taejon"),
    "31": ("울산시", "Ulsan", "Ulsan-si", "Ulsan Metropolitan City"),
    "36": (
        "세종시",
        "세종자치시",
        "Sejong",
        "Sejong-si",
        "Sejong City",
        "Sejong Special Self-Governing City",
    ),
    "41": ("경기", "Gyeonggi", "Gyeonggi-do", "Gyeonggi Province", "Kyonggi", "Kyeonggi-do"),
    "43": (
        "충북도",
        "Chungbuk",
        "Chungcheongbuk-do",
        "North Chungcheong",
        "North Chungcheong Province",
    ),
    "44": (
        "충남도",
        "Chungnam",
        "Chungcheongnam-do",
        "South Chungcheong",
        "South Chungcheong Province",
    ),
    "46": ("전남도", "Jeonnam", "Jeollanam-do", "South Jeolla", "South Jeolla Province"),
    "47": (
        "경북도",
        "Gyeongbuk",
        "Gyeongsangbuk-do",
        "North Gyeongsang",
        "North Gyeongsang Province",
    ),
    "48": (
        "경남도",
        "Gyeongnam",
        "Gyeongsangnam-do",
        "South Gyeongsang",
        "South Gyeongsang Province",
    ),
    "50": (
        "제주도",
        "Jeju",
        "Jeju-do",
        "Jeju Province",
        "Jeju Special Self-Governing Province",
        "Cheju",
    ),
    "51": (
        "강원도",
        "Gangwon",
        "Gangwon-do",
        "Gangwon Province",
        "Gangwon State",
        "Gangwon Special Self-Governing Province",
        "Kangwon",
    ),
    "52": (
        "전라북도",
        "전북도",
        "Jeonbuk",
        "Jeollabuk-do",
        "North Jeolla",
        "North Jeolla Province",
        "Jeonbuk State",
        "Jeonbuk Special Self-Governing Province",
    ),
}

_PUNCT = re.compile(r"[\s\-_.,·()/'’]+")


def region_key(text: str) -> str:
    """How names are compared: NFKC, lower case, without spaces and punctuation."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", str(text)).lower())


def region_names(code: str) -> tuple[str, ...]:
    """Every accepted spelling of one region (without its codes)."""
    labels = []
    for language in ("en", "ko"):
        with translation.override(language):
            labels.append(str(Region(code).label))
    return (*REGION_KOREAN_NAMES.get(code, ()), *labels, *REGION_ALIASES.get(code, ()))


@functools.cache
def _table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in Region.values:
        table[code] = code
        for name in region_names(code):
            table.setdefault(region_key(name), code)
    for old, new in REGION_LEGACY_CODES.items():
        table[old] = new
    return table


def region_code(text) -> str | None:
    """The region code for a name, alias or code as people write it; None when unknown."""
    if text is None:
        return None
    key = region_key(text)
    return _table().get(key) if key else None


def examples() -> str:
    """A few accepted spellings, for error messages."""
    return "서울, 서울시, 서울특별시, 경기도, 강원도, Seoul, Gyeonggi-do, 41"
