"""Anonymisation of research datasets (pure: no ORM, no Django).

A released dataset names no plant, company, business or factory number or database id: each
plant gets a random pseudonym drawn afresh for every dataset, so two datasets cannot be
joined on it. What describes a plant is reduced to four quasi-identifiers, generalised:

| quasi-identifier | level 0 | level 1 | level 2 |
|---|---|---|---|
| region (17 시·도) | macro-region (수도권, 충청권, 호남권, 대경권, 동남권, 강원·제주) | `*` | |
| employees | size band (1–9, 10–49, 50–99, 100–299, 300+) | 1–49 / 50+ | `*` |
| industry (KSIC division) | the division (`25`) | a sector group of divisions | `*` |
| operating since | decade (`2010s`) | before 2000 / 2000 or later | `*` |

k-anonymity is counted in **plants**, not rows: every released equivalence class (plants
sharing the four generalised values) holds at least k plants — so at least k plants' rows,
whatever the number of months and KPIs. The generalisation ladder (`LADDER`) is walked from
the finest level; the first level at which the plants in classes smaller than k make up at
most `max_suppressed` of all plants is used, and those plants are suppressed (counted and
reported). If even the coarsest level leaves fewer than k plants, the release is refused.

**Differencing with earlier releases.** Values identify a plant across datasets even under
fresh pseudonyms (the same months give the same values), so whoever holds an earlier dataset
and this one can set aside the rows they share: what remains are the plants released now and
not then. If such a remainder held fewer than k plants of a class, those plants would be
singled out whatever the class's size in this dataset. So, for every earlier release, the
plants new since it are released only k or more to a class: the others are held back (counted
with the suppressed) until enough join them, and a class that holding back leaves under k is
suppressed whole. The first release is never affected: every plant in it is new, and every
class holds at least k.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field

DEFAULT_K = 5
QUASI_IDENTIFIERS = ("region", "size_band", "industry", "operating_since")
ANY = "*"
UNKNOWN = "unknown"

MACRO_REGIONS = {
    "11": "capital",  # Seoul
    "28": "capital",  # Incheon
    "41": "capital",  # Gyeonggi
    "30": "chungcheong",  # Daejeon
    "36": "chungcheong",  # Sejong
    "43": "chungcheong",
    "44": "chungcheong",
    "29": "honam",  # Gwangju
    "46": "honam",
    "52": "honam",
    "27": "daegyeong",  # Daegu
    "47": "daegyeong",
    "26": "dongnam",  # Busan
    "31": "dongnam",  # Ulsan
    "48": "dongnam",
    "51": "gangwon_jeju",
    "50": "gangwon_jeju",
}
MACRO_REGION_NAMES = {
    "capital": ("수도권", "Capital region (Seoul, Incheon, Gyeonggi)"),
    "chungcheong": ("충청권", "Chungcheong (Daejeon, Sejong, Chungbuk, Chungnam)"),
    "honam": ("호남권", "Honam (Gwangju, Jeonbuk, Jeonnam)"),
    "daegyeong": ("대경권", "Daegu and Gyeongbuk"),
    "dongnam": ("동남권", "Southeast (Busan, Ulsan, Gyeongnam)"),
    "gangwon_jeju": ("강원·제주권", "Gangwon and Jeju"),
}
SIZE_BANDS = ((1, 9, "1-9"), (10, 49, "10-49"), (50, 99, "50-99"), (100, 299, "100-299"))
# KSIC manufacturing divisions in broad sector groups.
SECTORS = {
    **dict.fromkeys(("10", "11", "12"), "food"),
    **dict.fromkeys(("13", "14", "15", "16", "17", "18"), "light"),
    **dict.fromkeys(("19", "20", "21", "22", "23"), "chemical_materials"),
    **dict.fromkeys(("24", "25"), "metal"),
    **dict.fromkeys(("26", "27", "28"), "electrical_electronic"),
    **dict.fromkeys(("29", "34"), "machinery"),
    **dict.fromkeys(("30", "31"), "transport"),
    **dict.fromkeys(("32", "33"), "other"),
}

# (region, size, industry, operating since) generalisation levels, finest first.
LADDER: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (1, 1, 2, 2),
    (1, 2, 2, 2),
)


def region(code: str, level: int) -> str:
    if level >= 1:
        return ANY
    return MACRO_REGIONS.get(code, UNKNOWN)


def size_band(employees: int | None, level: int) -> str:
    if level >= 2:
        return ANY
    if employees is None or employees < 1:
        return UNKNOWN
    if level == 1:
        return "1-49" if employees < 50 else "50+"
    for low, high, label in SIZE_BANDS:
        if low <= employees <= high:
            return label
    return "300+"


def industry(division: str, level: int) -> str:
    if level >= 2:
        return ANY
    if level == 1:
        return SECTORS.get(division, UNKNOWN)
    return division if division in SECTORS else UNKNOWN


def operating_since(year: int | None, level: int) -> str:
    if level >= 2:
        return ANY
    if year is None:
        return UNKNOWN
    if level == 1:
        return "before 2000" if year < 2000 else "2000 or later"
    return f"{year // 10 * 10}s"


@dataclass(frozen=True)
class PlantRecord:
    """What the anonymiser may know of a plant: a key only the caller understands (never
    released) and the raw quasi-identifiers."""

    key: int
    region: str
    employees: int | None
    industry: str
    operating_year: int | None


@dataclass
class Release:
    """The outcome: per released plant its pseudonym and generalised quasi-identifiers, the
    level used, and what was suppressed; or a refusal reason."""

    k: int
    level: tuple[int, int, int, int] | None
    plants: dict[int, dict[str, str]] = field(default_factory=dict)  # key -> row values
    suppressed: list[int] = field(default_factory=list)  # held back plants included
    held_back: list[int] = field(default_factory=list)  # new since an earlier release, too few
    refused: str = ""

    @property
    def ok(self) -> bool:
        return not self.refused

    def classes(self) -> Counter:
        return Counter(_class(values) for values in self.plants.values())


def _class(values: dict[str, str]) -> tuple[str, ...]:
    return tuple(values[q] for q in QUASI_IDENTIFIERS)


def generalise(plant: PlantRecord, level: tuple[int, int, int, int]) -> dict[str, str]:
    r, s, i, o = level
    return {
        "region": region(plant.region, r),
        "size_band": size_band(plant.employees, s),
        "industry": industry(plant.industry, i),
        "operating_since": operating_since(plant.operating_year, o),
    }


def pseudonyms(count: int, token: Callable[[], str] | None = None) -> list[str]:
    """`count` distinct random pseudonyms (`P-` and 8 hex digits), fresh for each dataset."""
    token = token or (lambda: secrets.token_hex(4))
    seen: set[str] = set()
    out = []
    while len(out) < count:
        name = f"P-{token()}"
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def anonymise(
    plants: Iterable[PlantRecord],
    *,
    k: int = DEFAULT_K,
    max_suppressed: float = 0.1,
    token: Callable[[], str] | None = None,
    earlier: Iterable[Collection[int]] = (),
) -> Release:
    """Generalise the plants' quasi-identifiers until classes smaller than k hold at most
    `max_suppressed` of the plants, suppress those, hold back the plants new since an
    `earlier` release (each a collection of the keys it released) that would be fewer than k
    in their class, and give the rest pseudonyms. Refused when no plant is given or fewer
    than k plants can be released."""
    if k < 2:
        raise ValueError("k must be at least 2")
    plants = list(plants)
    if not plants:
        return Release(k=k, level=None, refused="no_plants")
    for level in LADDER:  # the coarsest level is one class: it always ends the walk
        values = {p.key: generalise(p, level) for p in plants}
        sizes = Counter(_class(v) for v in values.values())
        small = [key for key, v in values.items() if sizes[_class(v)] < k]
        if len(small) <= max_suppressed * len(plants):
            break
    suppressed = set(small)
    held = _hold_back(values, set(values) - suppressed, k, [set(e) for e in earlier])
    suppressed |= held
    kept = sorted(key for key in values if key not in suppressed)
    left_out = {"suppressed": sorted(suppressed), "held_back": sorted(held)}
    if len(kept) < k:
        return Release(k=k, level=level, refused="too_few", **left_out)
    # Pseudonyms in random order, so their order says nothing of the keys'.
    names = pseudonyms(len(kept), token)
    released = {key: {"plant": name, **values[key]} for key, name in zip(kept, names, strict=True)}
    return Release(k=k, level=level, plants=released, **left_out)


def _hold_back(values: dict, kept: set[int], k: int, earlier: list[set[int]]) -> set[int]:
    """The kept plants to leave out so that, against every earlier release, the plants new
    since it are 0 or at least k per class, and every class still holds k. Leaving plants out
    only shrinks what is new, so repeating until nothing changes ends."""
    out: set[int] = set()
    changed = True
    while changed:
        changed = False
        for before in earlier:
            new = Counter(_class(values[key]) for key in kept if key not in before)
            few = {key for key in kept if key not in before and new[_class(values[key])] < k}
            if few:
                kept -= few
                out |= few
                changed = True
        sizes = Counter(_class(values[key]) for key in kept)
        small = {key for key in kept if sizes[_class(values[key])] < k}
        if small:
            kept -= small
            out |= small
            changed = True
    return out
