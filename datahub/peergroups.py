"""Peer groups and percentiles (pure: no ORM).

A plant's peers are plants of the same KSIC manufacturing division, the same size band and
the same region (시·도). When that group is too small to release (datahub/disclosure.py), it
is coarsened step by step: the region becomes its macro-region (권역), then the whole
country; then the size band is dropped. The first group that passes the disclosure rules is
used, and the answer says which.

Size bands count employees (Plant.employees), following the bands of Korean SME statistics:
1–9, 10–49, 50–99, 100–299, 300 or more. A plant without a head count has no band: only the
groups without a band apply to it.

The percentile is direction-aware: the share of peers the plant does better than (ties count
half), so a higher percentile is always better — for "lower is better" KPIs such as scrap
ratio or MTTR, too. KPIs without a better direction are not ranked.

What a plant is told of its group is the group (which region, band, division), that it passed
the disclosure rules, and its percentile — never how many companies or plants the group holds.
A group's size is not a figure of the plant's own: released next to the national peer table
(which hides small cells and the cells that would give them away through the totals), the
size of a macro-region group is a sum of table cells that the table does not release, and the
size of a region group is a table cell that complementary suppression may have hidden, so
either would let the hidden cells be worked out again. For the same reason the percentile of
a small group is shown to the nearest 10 (`shown_percentile`): 100·k/(2n) to the nearest 1
narrows the group size n to a few values when n is small. From `PRECISE_FROM` peers on, every
whole percentile is reachable by every larger n, so it is shown to the nearest 1.
tests/datahub/test_reidentification.py attacks the released figures this way.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from datahub import disclosure

# (code, lowest head count, highest or None)
SIZE_BANDS = (
    ("1-9", 1, 9),
    ("10-49", 10, 49),
    ("50-99", 50, 99),
    ("100-299", 100, 299),
    ("300+", 300, None),
)
SIZE_BAND_CODES = tuple(code for code, _low, _high in SIZE_BANDS)

# The seven macro-regions (권역) of regional statistics, by 시·도 code (hub.choices.Region).
MACRO_REGIONS = {
    "capital": ("11", "28", "41"),  # 수도권: Seoul, Incheon, Gyeonggi
    "chungcheong": ("30", "36", "43", "44"),  # 충청권: Daejeon, Sejong, Chungbuk, Chungnam
    "honam": ("29", "46", "52"),  # 호남권: Gwangju, Jeonnam, Jeonbuk
    "daegyeong": ("27", "47"),  # 대경권: Daegu, Gyeongbuk
    "dongnam": ("26", "31", "48"),  # 동남권: Busan, Ulsan, Gyeongnam
    "gangwon": ("51",),  # 강원권
    "jeju": ("50",),  # 제주권
}
MACRO_OF = {region: macro for macro, regions in MACRO_REGIONS.items() for region in regions}

# The coarsening steps, finest first.
REGION, MACRO_REGION, NATIONAL, NATIONAL_ALL_SIZES = (
    "region",
    "macro_region",
    "national",
    "national_all_sizes",
)
LEVELS = (REGION, MACRO_REGION, NATIONAL, NATIONAL_ALL_SIZES)


def size_band(employees: int | None) -> str | None:
    if employees is None or employees < 1:
        return None
    for code, low, high in SIZE_BANDS:
        if employees >= low and (high is None or employees <= high):
            return code
    return None  # pragma: no cover - the last band is open


@dataclass(frozen=True)
class Member:
    """A plant as the peer rules see it."""

    plant: Hashable
    company: Hashable
    region: str
    band: str | None
    value: float


@dataclass(frozen=True)
class Group:
    """One step of the coarsening ladder: the division always, the band unless dropped, the
    region or macro-region unless national."""

    level: str
    division: str
    band: str | None
    region: str | None
    macro_region: str | None

    @property
    def coarsened(self) -> bool:
        return self.level != REGION

    @property
    def employees(self) -> tuple[int, int | None] | None:
        """The head-count range of the band (lowest, highest or None), None without a band."""
        for code, low, high in SIZE_BANDS:
            if code == self.band:
                return low, high
        return None

    @property
    def regions(self) -> tuple[str, ...] | None:
        """The 시·도 codes the group covers; None nationwide."""
        if self.region is not None:
            return (self.region,)
        if self.macro_region is not None:
            return MACRO_REGIONS[self.macro_region]
        return None

    def admits(self, member: Member) -> bool:
        if self.band is not None and member.band != self.band:
            return False
        if self.region is not None and member.region != self.region:
            return False
        return self.macro_region is None or MACRO_OF.get(member.region) == self.macro_region


def ladder(division: str, band: str | None, region: str) -> list[Group]:
    """The groups to try for a plant, finest first (without a band, only the last)."""
    steps = []
    if band is not None:
        steps += [
            Group(REGION, division, band, region, None),
            Group(MACRO_REGION, division, band, None, MACRO_OF.get(region)),
            Group(NATIONAL, division, band, None, None),
        ]
    steps.append(Group(NATIONAL_ALL_SIZES, division, None, None, None))
    return steps


@dataclass(frozen=True)
class Choice:
    """The group used (the last one tried when none passes), its members, and why it is
    suppressed (None when released)."""

    group: Group
    members: tuple[Member, ...]
    reason: disclosure.Reason | None


def choose(steps: Sequence[Group], peers: Iterable[Member]) -> Choice:
    """The first group of `steps` whose members pass the disclosure rules."""
    peers = list(peers)
    choice = None
    for group in steps:
        members = tuple(m for m in peers if group.admits(m))
        reason = disclosure.primary_reason((m.company, m.value) for m in members)
        choice = Choice(group, members, reason)
        if reason is None:
            break
    if choice is None:
        raise ValueError("no group to try")
    return choice


PRECISE_FROM = 50  # peers from which the percentile is shown to the nearest 1, not 10


def percentile_step(peers: int) -> int:
    """The rounding of a percentile shown for a group of `peers` plants: 10 below
    PRECISE_FROM, else 1."""
    return 1 if peers >= PRECISE_FROM else 10


def shown_percentile(exact: float, peers: int) -> int:
    """The percentile as released: `exact` to the nearest step (halves up), in 0–100."""
    step = percentile_step(peers)
    return min(100, max(0, int(exact / step + 0.5) * step))


def percentile(value: float, peers: Sequence[float], better: str) -> float:
    """The share (0–100) of `peers` that `value` does better than, ties counting half:
    higher is better whatever the KPI's direction (`better`: "higher" or "lower")."""
    if not peers:
        raise ValueError("no peers")
    if better not in ("higher", "lower"):
        raise ValueError(f"a KPI without a better direction is not ranked: {better!r}")
    sign = 1 if better == "higher" else -1
    worse = sum(1 for peer in peers if sign * peer < sign * value)
    ties = sum(1 for peer in peers if peer == value)
    return 100.0 * (worse + 0.5 * ties) / len(peers)
