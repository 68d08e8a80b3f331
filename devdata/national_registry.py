"""The registry of a national plan: agencies, partner firms, suppliers, consultancies, SME
companies with valid unique business numbers, and their plants."""

from __future__ import annotations

import math
import random
from decimal import Decimal

from devdata import registry as registry_demo
from devdata.national_rows import Company, Org, PlantRow
from hub.choices import OrganizationKind, PlantStatus
from hub.validators import business_number_check_digit

MAX_COMPANIES = 80_000  # business numbers: 8 blocks of 10,000 serials
PARTNERS = 40
SUPPLIERS = 60
CONSULTANCIES = 24
PARTNER_WORDS = [
    ("전자", "Electronics"), ("자동차", "Motors"), ("중공업", "Heavy Industries"),
    ("철강", "Steel"), ("화학", "Chemical"), ("조선", "Shipbuilding"), ("에너지", "Energy"),
    ("정밀", "Precision"), ("디스플레이", "Display"), ("식품", "Foods"),
]  # fmt: skip
SUPPLIER_WORDS = [
    ("시스템", "Systems"), ("솔루션", "Solutions"), ("정보통신", "ICT"),
    ("오토메이션", "Automation"), ("아이티", "IT"), ("데이터", "Data"),
]  # fmt: skip
CONSULTANCY_WORDS = [
    ("경영컨설팅", "Management Consulting"), ("생산성연구소", "Productivity Institute"),
    ("제조컨설팅", "Manufacturing Consulting"), ("기술경영", "Technology Management"),
]  # fmt: skip


def business_number(index: int, corporate: bool, rng: random.Random) -> str:
    """A valid 사업자등록번호, unique per index below MAX_COMPANIES: each block of 10,000
    indices has its own range of tax-office codes, and within a block the serial is a
    permutation of the index (7919 is prime to 10,000)."""
    block, rest = divmod(index, 10_000)
    office = 101 + block * 97 + rng.randint(0, 96)
    kind = rng.choice((81, 86, 87, 88)) if corporate else rng.randint(10, 79)
    serial = (rest * 7919 + 4321) % 10_000
    stem = f"{office:03d}{kind:02d}{serial:04d}"
    return stem + str(business_number_check_digit(stem))


def _named(words, count: int, taken: set[str], suffix_ko="", suffix_en="") -> list[Org]:
    """`count` distinct names stem + word, in a fixed order."""
    out = []
    for i in range(len(registry_demo.STEMS) * len(words)):
        stem, stem_en = registry_demo.STEMS[(i // len(words)) % len(registry_demo.STEMS)]
        word, word_en = words[i % len(words)]
        name = f"{stem}{word}{suffix_ko}"
        if name in taken:
            continue
        taken.add(name)
        out.append(Org("", name, f"{stem_en} {word_en}{suffix_en}"))
        if len(out) == count:
            break
    return out


# --- organisations ---------------------------------------------------------------------------


def organisations(rng: random.Random):
    demo_orgs = registry_demo.ORGANIZATIONS
    agencies = [
        Org(kind, name, name_en, region)
        for kind, name, name_en, region in demo_orgs
        if kind in (OrganizationKind.AGENCY, OrganizationKind.MINISTRY)
    ]
    taken = {name for _k, name, _e, _r in demo_orgs}
    partners = [
        Org(OrganizationKind.PARTNER, name, name_en, region, registry_demo.PARTNER_WEIGHTS[name])
        for kind, name, name_en, region in demo_orgs
        if kind == OrganizationKind.PARTNER
    ]
    for org in _named(PARTNER_WORDS, PARTNERS - len(partners), taken):
        org.kind, org.region = OrganizationKind.PARTNER, rng.choice(list(registry_demo.ADDRESSES))
        org.weight = round(rng.uniform(0.3, 1.5), 2)
        partners.append(org)
    suppliers = [
        Org(OrganizationKind.SUPPLIER, name, name_en, region)
        for kind, name, name_en, region in demo_orgs
        if kind == OrganizationKind.SUPPLIER
    ]
    for org in _named(SUPPLIER_WORDS, SUPPLIERS - len(suppliers), taken, "(주)", " Co., Ltd."):
        org.kind = OrganizationKind.SUPPLIER
        org.region = registry_demo._weighted(rng, registry_demo.REGION_WEIGHTS)
        suppliers.append(org)
    consultancies = [
        Org(OrganizationKind.CONSULTANCY, name, name_en, region)
        for kind, name, name_en, region in demo_orgs
        if kind == OrganizationKind.CONSULTANCY
    ]
    for org in _named(CONSULTANCY_WORDS, CONSULTANCIES - len(consultancies), taken):
        org.kind = OrganizationKind.CONSULTANCY
        org.region = registry_demo._weighted(rng, registry_demo.REGION_WEIGHTS)
        consultancies.append(org)
    for org in consultancies:
        org.weight = round(rng.uniform(0.5, 2.0), 2)
    return agencies, partners, suppliers, consultancies


# --- companies and plants --------------------------------------------------------------------


def _company_name(rng: random.Random, industry: str) -> tuple[str, str, bool]:
    """Names need not be unique (the business number is): many real firms share one."""
    words = registry_demo.INDUSTRY_WORDS.get(industry, []) + registry_demo.GENERIC_WORDS
    (stem, stem_en), (word, word_en) = rng.choice(registry_demo.STEMS), rng.choice(words)
    base, form = stem + word, rng.random()
    if form < 0.45:
        return f"(주){base}", f"{stem_en} {word_en} Co., Ltd.", True
    if form < 0.75:
        return f"{base}(주)", f"{stem_en} {word_en} Co., Ltd.", True
    if form < 0.85:
        return f"주식회사 {base}", f"{stem_en} {word_en} Co., Ltd.", True
    return base, f"{stem_en} {word_en}", False


def companies_and_plants(
    rng: random.Random, plants: int, taken_numbers: frozenset[str] = frozenset()
) -> tuple[list[Company], list[PlantRow]]:
    """At least `plants` plants in ≈ 0.875 × plants companies: most own one plant, some two
    or three. The first 17 companies cover every region once."""
    company_count = math.ceil(plants * 0.875)
    extra = plants - company_count  # plants beyond one per company
    sizes = [1] * company_count
    multi = rng.sample(range(17, company_count), k=min(extra, max(company_count - 17, 0)))
    spare = extra
    for index in multi:
        if spare <= 0:
            break
        add = 2 if spare >= 2 and rng.random() < 0.2 else 1
        sizes[index] += add
        spare -= add
    regions = list(registry_demo.REGION_WEIGHTS)
    rng.shuffle(regions)
    companies, rows = [], []
    number_index = 0
    for index, size in enumerate(sizes):
        region = (
            regions[index]
            if index < len(regions)
            else registry_demo._weighted(rng, registry_demo.REGION_WEIGHTS)
        )
        industry = registry_demo._weighted(rng, registry_demo.INDUSTRY_WEIGHTS)
        name, name_en, corporate = _company_name(rng, industry)
        low = math.log(30 if size > 1 else 5)
        employees = round(math.exp(rng.uniform(low, math.log(300))))
        address, city = registry_demo._address(rng, region)
        while True:
            if number_index >= MAX_COMPANIES:
                raise ValueError(f"at most {MAX_COMPANIES} companies")
            number = business_number(number_index, corporate, rng)
            number_index += 1
            if number not in taken_numbers:
                break
        companies.append(
            Company(
                name=name,
                name_en=name_en,
                business_number=number,
                size_class=registry_demo.size_class_for(employees),
                employees=employees,
                revenue_million_krw=Decimal(employees * rng.randint(120, 450)),
                region=region,
                address=address,
            )
        )
        names = ["본사공장" if size > 1 else f"{city}공장", "제2공장", "제3공장"]
        left = employees
        for k in range(size):
            if k == 0:
                p_region, p_address = region, address
            else:
                p_region = (
                    region
                    if rng.random() < 0.6
                    else registry_demo._weighted(rng, registry_demo.REGION_WEIGHTS)
                )
                p_address, _city = registry_demo._address(rng, p_region)
            staff = left if k == size - 1 else max(1, round(left * rng.uniform(0.5, 0.75)))
            left = max(left - staff, 1)
            status = rng.choices(
                [PlantStatus.ACTIVE, PlantStatus.SUSPENDED, PlantStatus.CLOSED], weights=[95, 3, 2]
            )[0]
            rows.append(
                PlantRow(
                    company=index,
                    name=names[k],
                    region=p_region,
                    address=p_address,
                    industry=industry,
                    employees=max(staff, 1),
                    status=status,
                )
            )
    return companies, rows


# --- programs and projects -------------------------------------------------------------------
