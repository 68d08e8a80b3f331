"""Demo data: the parties of the program and a deterministic plan of SME companies and plants.

Pure data and a seeded generator, no ORM; `manage.py seed_demo` writes the plan through the
services. Agencies and the ministry are the real bodies of the program; partner firms,
consultancies, suppliers and every SME company are fictional.
"""

import datetime
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from hub.choices import OrganizationKind, PlantStatus, Role, SizeClass
from hub.validators import business_number_check_digit

SEED = 20181213  # fixed: the same plan on every machine
PASSWORD = "demo12345"  # nosec B105  # the published password of the demo logins

# Tables read better one row per line.
# fmt: off
# (kind, Korean name, English name, region code or "")
ORGANIZATIONS = [
    (OrganizationKind.AGENCY, "스마트제조혁신추진단", "Korea Smart Manufacturing Office", ""),
    (OrganizationKind.AGENCY, "대한상공회의소", "Korea Chamber of Commerce and Industry", "11"),
    (OrganizationKind.AGENCY, "중소기업기술정보진흥원",
     "Korea Technology and Information Promotion Agency for SMEs", "30"),
    (OrganizationKind.AGENCY, "대·중소기업·농어업협력재단",
     "Korea Large & Small Business Cooperation Foundation", "11"),
    (OrganizationKind.AGENCY, "한국표준협회", "Korean Standards Association", "11"),
    (OrganizationKind.AGENCY, "경기테크노파크", "Gyeonggi Technopark", "41"),
    (OrganizationKind.AGENCY, "경남테크노파크", "Gyeongnam Technopark", "48"),
    (OrganizationKind.PARTNER, "대한전자", "Daehan Electronics", "41"),
    (OrganizationKind.PARTNER, "민국자동차", "Minguk Motors", "31"),
    (OrganizationKind.PARTNER, "한누리중공업", "Hannuri Heavy Industries", "48"),
    (OrganizationKind.PARTNER, "세진철강", "Sejin Steel", "47"),
    (OrganizationKind.PARTNER, "가람화학", "Garam Chemical", "46"),
    (OrganizationKind.PARTNER, "동해조선해양", "Donghae Shipbuilding & Marine", "31"),
    (OrganizationKind.PARTNER, "한국스마트에너지공사", "Korea Smart Energy Corporation", "29"),
    (OrganizationKind.CONSULTANCY, "미래제조컨설팅(주)", "Mirae Manufacturing Consulting", "11"),
    (OrganizationKind.CONSULTANCY, "한결생산성연구소", "Hangyeol Productivity Institute", "30"),
    (OrganizationKind.SUPPLIER, "(주)씨피에스솔루션", "CPS Solutions", "41"),
    (OrganizationKind.SUPPLIER, "스마트공정시스템(주)", "Smart Process Systems", "27"),
    (OrganizationKind.MINISTRY, "중소벤처기업부", "Ministry of SMEs and Startups", "36"),
]

# username -> (role, organisation name); `admin` is a superuser without membership.
USERS = {
    "agency": (Role.AGENCY_STAFF, "스마트제조혁신추진단"),
    "consultant": (Role.CONSULTANT, "미래제조컨설팅(주)"),
    "partner": (Role.PARTNER_MEMBER, "대한전자"),
    "official": (Role.OFFICIAL, "중소벤처기업부"),
}
USER_NAMES = {  # username -> (first name, last name)
    "agency": ("지현", "김"), "consultant": ("민수", "이"), "partner": ("서연", "박"),
    "official": ("준호", "최"), "sme": ("하은", "정"), "admin": ("관리자", ""),
}

# The `sme` login acts for the first company of the plan that owns two plants: (주)동하전기
# (본사공장 and 성동공장, the 7th company; 본사공장 has completed projects). Its first plant
# gets the demo data source "MES" with these series (docs/datahub/web.md).
SME_LOGIN = "sme"
SME_SOURCE = "MES"
SME_SERIES = (
    "oee", "availability", "performance", "quality_rate", "produced_quantity", "good_quantity",
)

# Partner firms, weighted; the first one is the flagship of the demo (the `partner` login).
PARTNER_WEIGHTS = {
    "대한전자": 5, "민국자동차": 4, "한누리중공업": 3, "세진철강": 2, "가람화학": 2,
    "동해조선해양": 1.5, "한국스마트에너지공사": 1.5,
}

# Roughly the spread of manufacturing SMEs over the 17 시·도 (Gyeonggi far ahead).
REGION_WEIGHTS = {
    "41": 33, "48": 10, "47": 8, "44": 6.5, "28": 6, "26": 5.5, "27": 5.5, "43": 5,
    "11": 4, "52": 3, "46": 3, "31": 3, "29": 2, "30": 2, "51": 2, "36": 1, "50": 0.7,
}

# KSIC divisions 10-34, weighted toward fabricated metal, machinery, electronics, plastics,
# automotive parts, food, chemicals and electrical equipment.
INDUSTRY_WEIGHTS = {
    "25": 17, "29": 13, "26": 10, "22": 10, "30": 10, "10": 8, "20": 6, "28": 6,
    "24": 4, "27": 3, "23": 3, "21": 2, "13": 2, "17": 1.5, "31": 1.5, "32": 1, "33": 1,
    "16": 1, "14": 1, "15": 0.5, "18": 0.5, "11": 0.5, "34": 0.5, "19": 0.2, "12": 0.1,
}

# Per region: (province as written in addresses, [(city/district, [roads])]).
ADDRESSES = {
    "11": ("서울특별시", [("금천구", ["가산디지털1로", "가산디지털2로"]),
                        ("구로구", ["디지털로", "경인로"]), ("성동구", ["성수이로", "아차산로"])]),
    "26": ("부산광역시", [("강서구", ["녹산산업중로", "녹산산단321로"]),
                        ("사상구", ["학장로", "새벽로"]), ("기장군 장안읍", ["반룡산단1로"])]),
    "27": ("대구광역시", [("달서구", ["성서공단로", "성서로"]), ("북구", ["3공단로", "침산로"]),
                        ("달성군 논공읍", ["논공중앙로"])]),
    "28": ("인천광역시", [("남동구", ["남동대로", "능허대로", "은봉로"]),
                        ("서구", ["가좌로", "봉수대로"]), ("부평구", ["부평북로"])]),
    "29": ("광주광역시", [("광산구", ["하남산단로", "평동산단로"]), ("북구", ["첨단과기로"])]),
    "30": ("대전광역시", [("대덕구", ["대화로", "문평동로"]),
                        ("유성구", ["테크노2로", "테크노4로"])]),
    "31": ("울산광역시", [("남구", ["장생포고래로", "사평로"]), ("울주군 온산읍", ["온산로"]),
                        ("북구", ["효자로", "산업로"])]),
    "36": ("세종특별자치시", [("전동면", ["미곡리길"]), ("조치원읍", ["새내로"]),
                          ("부강면", ["부강외천로"])]),
    "41": ("경기도", [("안산시 단원구", ["산단로", "해봉로", "별망로"]),
                    ("시흥시", ["공단1대로", "옥구천동로"]), ("화성시 향남읍", ["발안공단로"]),
                    ("평택시 포승읍", ["평택항로"]), ("김포시 양촌읍", ["황금로"]),
                    ("파주시", ["탄현면 평화로"]), ("용인시 처인구", ["백암면 원삼로"]),
                    ("이천시", ["부발읍 경충대로"]), ("안성시", ["공단로"]),
                    ("부천시 오정구", ["오정로"])]),
    "43": ("충청북도", [("청주시 흥덕구", ["오송생명로", "직지대로"]),
                      ("음성군 대소면", ["대풍산단로"]), ("진천군", ["덕산읍 산수산단로"]),
                      ("충주시", ["기업도시로"])]),
    "44": ("충청남도", [("천안시 서북구", ["직산읍 4산단로", "백석공단로"]),
                      ("아산시 둔포면", ["아산밸리로"]), ("당진시", ["송악읍 부곡로"]),
                      ("서산시", ["성연면 테크노밸리로"]), ("논산시", ["연무읍 동안로"])]),
    "46": ("전라남도", [("여수시", ["여수산단로"]), ("광양시", ["광양산단1로"]),
                      ("목포시", ["삽진산단로"]), ("나주시", ["혁신산단로"])]),
    "47": ("경상북도", [("구미시", ["1공단로", "3공단로", "수출대로"]),
                      ("포항시 남구", ["괴동로", "철강로"]), ("경산시 진량읍", ["공단8로"]),
                      ("칠곡군 왜관읍", ["공단로"]), ("영천시", ["금호읍 도동로"])]),
    "48": ("경상남도", [("창원시 성산구", ["완암로", "웅남로", "공단로"]),
                      ("김해시", ["진영읍 본산로", "골든루트로"]), ("양산시", ["산막공단북로"]),
                      ("진주시", ["사봉면 사봉로"]), ("함안군 칠원읍", ["용산로"]),
                      ("거제시", ["연초면 소오비길"])]),
    "50": ("제주특별자치도", [("제주시", ["첨단로", "한림읍 한림로"]),
                          ("서귀포시", ["중산간동로"])]),
    "51": ("강원특별자치도", [("원주시 문막읍", ["동화공단로"]), ("춘천시", ["후석로"]),
                          ("강릉시", ["과학단지로"])]),
    "52": ("전북특별자치도", [("전주시 덕진구", ["팔복로", "벚꽃로"]), ("군산시", ["새만금북로"]),
                          ("익산시", ["석암로"]), ("완주군 봉동읍", ["완주산단로"])]),
}

# Company names: a stem and a word that fits the industry, each with an English reading.
# Stems of well-known groups are left out so every company stays fictional.
STEMS = [
    ("대성", "Daesung"), ("한일", "Hanil"), ("우진", "Woojin"), ("삼화", "Samhwa"),
    ("동민", "Dongmin"), ("신영", "Shinyoung"), ("세운", "Sewoon"), ("태성", "Taesung"),
    ("대원", "Daewon"), ("성진", "Sungjin"), ("영신", "Youngshin"), ("금산", "Geumsan"),
    ("동하", "Dongha"), ("일신", "Ilshin"), ("대진", "Daejin"), ("진성", "Jinsung"),
    ("현진", "Hyunjin"), ("삼정", "Samjung"), ("영진", "Youngjin"), ("서광", "Seokwang"),
    ("동진", "Dongjin"), ("한성", "Hansung"), ("보성", "Bosung"), ("경원", "Kyungwon"),
    ("유진", "Yujin"), ("미래", "Mirae"), ("제일", "Jeil"), ("신흥", "Shinheung"),
    ("동일", "Dongil"), ("광명", "Kwangmyung"), ("청우", "Chungwoo"), ("상신", "Sangshin"),
    ("덕산", "Duksan"), ("남양", "Namyang"), ("정우", "Jungwoo"), ("화진", "Hwajin"),
    ("대양", "Daeyang"), ("성우", "Sungwoo"), ("한빛", "Hanbit"), ("새한", "Saehan"),
    ("경진", "Kyungjin"), ("삼영", "Samyoung"), ("원진", "Wonjin"), ("효진", "Hyojin"),
    ("은성", "Eunsung"), ("명성", "Myungsung"), ("거성", "Geosung"), ("다인", "Dain"),
]
INDUSTRY_WORDS = {
    "10": [("식품", "Foods"), ("푸드", "Food"), ("제과", "Confectionery")],
    "11": [("음료", "Beverage"), ("양조", "Brewery")],
    "13": [("섬유", "Textile"), ("방직", "Spinning")],
    "14": [("어패럴", "Apparel"), ("패션", "Fashion")],
    "15": [("피혁", "Leather"), ("제화", "Shoes")],
    "16": [("목재", "Wood")],
    "17": [("제지", "Paper"), ("포장", "Packaging")],
    "18": [("인쇄", "Printing")],
    "20": [("화학", "Chemical"), ("케미칼", "Chemical"), ("도료", "Paint")],
    "21": [("제약", "Pharmaceutical"), ("바이오", "Bio")],
    "22": [("플라스틱", "Plastics"), ("고무", "Rubber"), ("화성", "Polymer"),
           ("폴리텍", "Polytech")],
    "23": [("세라믹", "Ceramics"), ("유리", "Glass")],
    "24": [("금속", "Metal"), ("주물", "Foundry"), ("단조", "Forging")],
    "25": [("정밀", "Precision"), ("금속", "Metal"), ("메탈", "Metal"), ("프레스", "Press")],
    "26": [("전자", "Electronics"), ("일렉트로닉스", "Electronics"), ("반도체", "Semiconductor")],
    "27": [("광학", "Optics"), ("메디칼", "Medical"), ("계측", "Instruments")],
    "28": [("전기", "Electric"), ("전선", "Cable"), ("파워", "Power")],
    "29": [("기계", "Machinery"), ("엔지니어링", "Engineering"), ("기공", "Machine Works")],
    "30": [("오토텍", "Autotech"), ("오토모티브", "Automotive"), ("모터스", "Motors")],
    "31": [("조선", "Shipbuilding"), ("에어로", "Aero")],
    "32": [("가구", "Furniture")],
    "33": [("산업", "Industries")],
    "34": [("정비", "Maintenance")],
}
GENERIC_WORDS = [("산업", "Industries"), ("테크", "Tech"), ("공업", "Industrial")]


@dataclass
class PlantPlan:
    name: str
    region: str
    address: str
    industry: str
    employees: int
    status: str
    partner: str | None = None  # mentoring partner firm
    mentorship_start: datetime.date | None = None
    mentorship_end: datetime.date | None = None


@dataclass
class CompanyPlan:
    name: str
    name_en: str
    business_number: str
    size_class: str
    employees: int
    revenue_million_krw: Decimal
    region: str
    address: str
    plants: list[PlantPlan] = field(default_factory=list)


def sme_login_company(companies: list["CompanyPlan"]) -> "CompanyPlan | None":
    """The company the `sme` login acts for: the first of the plan with two plants (the first
    company when none has two, in very small plans)."""
    return next((c for c in companies if len(c.plants) >= 2), companies[0] if companies else None)


def business_number(index: int, corporate: bool, rng: random.Random) -> str:
    """A valid 사업자등록번호, unique per index: tax-office code, kind code, serial, check."""
    office = rng.randint(101, 899)
    kind = rng.choice((81, 86, 87, 88)) if corporate else rng.randint(10, 79)
    serial = (index * 7919 + 1234) % 10_000  # 7919 is prime to 10,000: unique to 9,999
    stem = f"{office:03d}{kind:02d}{serial:04d}"
    return stem + str(business_number_check_digit(stem))


def size_class_for(employees: int) -> str:
    if employees < 10:
        return SizeClass.MICRO
    if employees < 50:
        return SizeClass.SMALL
    return SizeClass.MEDIUM


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _address(rng: random.Random, region: str) -> tuple[str, str]:
    """(address, place) in the region; the place names a plant: 안산시 -> 안산."""
    province, cities = ADDRESSES[region]
    city, roads = rng.choice(cities)
    place = city.split()[0]
    if len(place) > 2 and place[-1] in "시군구읍면":
        place = place[:-1]
    return f"{province} {city} {rng.choice(roads)} {rng.randint(1, 320)}", place


def _company_name(rng: random.Random, industry: str, taken: set[str]) -> tuple[str, str, bool]:
    """(name, English name, is a corporation), unique within `taken`."""
    words = INDUSTRY_WORDS.get(industry, []) + GENERIC_WORDS[:1]
    while True:
        (stem, stem_en), (word, word_en) = rng.choice(STEMS), rng.choice(words)
        base = stem + word
        form = rng.random()
        if form < 0.45:
            name, corporate = f"(주){base}", True
        elif form < 0.75:
            name, corporate = f"{base}(주)", True
        elif form < 0.85:
            name, corporate = f"주식회사 {base}", True
        else:
            name, corporate = base, False
        if name not in taken:
            taken.add(name)
            suffix = " Co., Ltd." if corporate else ""
            return name, f"{stem_en} {word_en}{suffix}", corporate


def _month(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    months = (last.year - first.year) * 12 + last.month - first.month
    n = first.month - 1 + rng.randint(0, months)
    return datetime.date(first.year + n // 12, n % 12 + 1, 1)


def plan(plants: int, seed: int = SEED) -> list[CompanyPlan]:
    """Companies owning `plants` plants in total. Each company draws from one seeded stream in
    order, so a smaller plan is a prefix of a larger one."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets  # nosec B311
    regions = list(REGION_WEIGHTS)
    rng.shuffle(regions)  # the first 17 companies cover every region once
    taken: set[str] = set()
    companies: list[CompanyPlan] = []
    count = 0
    while count < plants:
        index = len(companies)
        region = regions[index] if index < len(regions) else _weighted(rng, REGION_WEIGHTS)
        industry = _weighted(rng, INDUSTRY_WEIGHTS)
        name, name_en, corporate = _company_name(rng, industry, taken)
        employees = round(math.exp(rng.uniform(math.log(5), math.log(300))))
        address, city = _address(rng, region)
        company = CompanyPlan(
            name=name,
            name_en=name_en,
            business_number=business_number(index, corporate, rng),
            size_class=size_class_for(employees),
            employees=employees,
            revenue_million_krw=Decimal(employees * rng.randint(120, 450)),
            region=region,
            address=address,
        )
        second = employees >= 30 and rng.random() < 0.15
        head = round(employees * 0.7) if second else employees
        name = "본사공장" if second else f"{city}공장"
        company.plants.append(_plant(rng, name, region, address, industry, head, count == 0))
        if second and count + 1 < plants:
            other = region if rng.random() < 0.6 else _weighted(rng, REGION_WEIGHTS)
            address, other_city = _address(rng, other)
            name = f"{other_city}공장" if other_city != city else "제2공장"
            company.plants.append(
                _plant(rng, name, other, address, industry, employees - head, False)
            )
        companies.append(company)
        count += len(company.plants)
    return companies


def _plant(rng, name, region, address, industry, employees, first_plant) -> PlantPlan:
    status = rng.choices(
        [PlantStatus.ACTIVE, PlantStatus.SUSPENDED, PlantStatus.CLOSED], weights=[95, 3, 2]
    )[0]
    p = PlantPlan(name, region, address, industry, max(employees, 1), status)
    if first_plant or rng.random() < 0.42:
        p.partner = next(iter(PARTNER_WEIGHTS)) if first_plant else _weighted(rng, PARTNER_WEIGHTS)
        p.mentorship_start = _month(rng, datetime.date(2019, 3, 1), datetime.date(2025, 9, 1))
        if rng.random() < 0.3:
            p.mentorship_end = p.mentorship_start.replace(year=p.mentorship_start.year + 1)
    return p
