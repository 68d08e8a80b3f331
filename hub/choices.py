"""Fixed vocabularies of the registry.

Regions are the 17 first-level divisions (시·도) with their administrative standard
codes (행정표준코드, Ministry of the Interior and Safety; 강원 51 since 2023-06-11,
전북 52 since 2024-01-18). Industries are the manufacturing divisions 10-34 of the
Korean Standard Industrial Classification (KSIC, 10th revision, Statistics Korea).
English labels live in the code; Korean labels come from the shipped catalog.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    AGENCY = "agency", _("Agency")
    PARTNER = "partner", _("Partner firm")
    SME = "sme", _("SME company")
    SUPPLIER = "supplier", _("Supplier")
    CONSULTANCY = "consultancy", _("Consultancy")
    MINISTRY = "ministry", _("Ministry")


class Role(models.TextChoices):
    AGENCY_STAFF = "agency_staff", _("Agency staff")
    CONSULTANT = "consultant", _("Consultant")
    PARTNER_MEMBER = "partner_member", _("Partner member")
    OFFICIAL = "official", _("Official")
    SME_MEMBER = "sme_member", _("SME member")


# Which organisation kind each role belongs to.
ROLE_ORGANIZATION_KINDS = {
    Role.AGENCY_STAFF: {OrganizationKind.AGENCY},
    Role.CONSULTANT: {OrganizationKind.CONSULTANCY, OrganizationKind.AGENCY},
    Role.PARTNER_MEMBER: {OrganizationKind.PARTNER},
    Role.OFFICIAL: {OrganizationKind.MINISTRY},
    Role.SME_MEMBER: {OrganizationKind.SME},
}


class SizeClass(models.TextChoices):
    """Company size under the Framework Act on SMEs (중소기업기본법)."""

    MICRO = "micro", _("Micro")
    SMALL = "small", _("Small")
    MEDIUM = "medium", _("Medium")
    MIDSIZE = "midsize", _("Mid-sized")
    LARGE = "large", _("Large")


class Region(models.TextChoices):
    SEOUL = "11", _("Seoul")
    BUSAN = "26", _("Busan")
    DAEGU = "27", _("Daegu")
    INCHEON = "28", _("Incheon")
    GWANGJU = "29", _("Gwangju")
    DAEJEON = "30", _("Daejeon")
    ULSAN = "31", _("Ulsan")
    SEJONG = "36", _("Sejong")
    GYEONGGI = "41", _("Gyeonggi")
    CHUNGBUK = "43", _("Chungbuk")
    CHUNGNAM = "44", _("Chungnam")
    JEONNAM = "46", _("Jeonnam")
    GYEONGBUK = "47", _("Gyeongbuk")
    GYEONGNAM = "48", _("Gyeongnam")
    JEJU = "50", _("Jeju")
    GANGWON = "51", _("Gangwon")
    JEONBUK = "52", _("Jeonbuk")


# Korean names as written in files people import (full and short forms).
REGION_KOREAN_NAMES = {
    "11": ("서울특별시", "서울"),
    "26": ("부산광역시", "부산"),
    "27": ("대구광역시", "대구"),
    "28": ("인천광역시", "인천"),
    "29": ("광주광역시", "광주"),
    "30": ("대전광역시", "대전"),
    "31": ("울산광역시", "울산"),
    "36": ("세종특별자치시", "세종"),
    "41": ("경기도", "경기"),
    "43": ("충청북도", "충북"),
    "44": ("충청남도", "충남"),
    "46": ("전라남도", "전남"),
    "47": ("경상북도", "경북"),
    "48": ("경상남도", "경남"),
    "50": ("제주특별자치도", "제주"),
    "51": ("강원특별자치도", "강원", "강원도"),
    "52": ("전북특별자치도", "전북", "전라북도"),
}
# Codes retired by the renaming of Gangwon and Jeonbuk, still found in old files.
REGION_LEGACY_CODES = {"42": "51", "45": "52"}


class Industry(models.TextChoices):
    FOOD = "10", _("Food products")
    BEVERAGES = "11", _("Beverages")
    TOBACCO = "12", _("Tobacco products")
    TEXTILES = "13", _("Textiles, except apparel")
    APPAREL = "14", _("Wearing apparel and fur articles")
    LEATHER = "15", _("Leather, luggage and footwear")
    WOOD = "16", _("Wood and wood products, except furniture")
    PAPER = "17", _("Pulp, paper and paper products")
    PRINTING = "18", _("Printing and reproduction of recorded media")
    PETROLEUM = "19", _("Coke and refined petroleum products")
    CHEMICALS = "20", _("Chemicals, except pharmaceuticals")
    PHARMACEUTICALS = "21", _("Pharmaceuticals and medicinal products")
    RUBBER_PLASTICS = "22", _("Rubber and plastics products")
    NON_METALLIC = "23", _("Other non-metallic mineral products")
    BASIC_METALS = "24", _("Basic metals")
    FABRICATED_METALS = "25", _("Fabricated metal products")
    ELECTRONICS = "26", _("Electronic components, computers and communication equipment")
    INSTRUMENTS = "27", _("Medical, precision and optical instruments")
    ELECTRICAL = "28", _("Electrical equipment")
    MACHINERY = "29", _("Other machinery and equipment")
    MOTOR_VEHICLES = "30", _("Motor vehicles and trailers")
    OTHER_TRANSPORT = "31", _("Other transport equipment")
    FURNITURE = "32", _("Furniture")
    OTHER_MANUFACTURING = "33", _("Other manufacturing")
    REPAIR = "34", _("Repair of industrial machinery and equipment")


INDUSTRY_KOREAN_NAMES = {
    "10": "식료품 제조업",
    "11": "음료 제조업",
    "12": "담배 제조업",
    "13": "섬유제품 제조업; 의복 제외",
    "14": "의복, 의복 액세서리 및 모피제품 제조업",
    "15": "가죽, 가방 및 신발 제조업",
    "16": "목재 및 나무제품 제조업; 가구 제외",
    "17": "펄프, 종이 및 종이제품 제조업",
    "18": "인쇄 및 기록매체 복제업",
    "19": "코크스, 연탄 및 석유정제품 제조업",
    "20": "화학 물질 및 화학제품 제조업; 의약품 제외",
    "21": "의료용 물질 및 의약품 제조업",
    "22": "고무 및 플라스틱제품 제조업",
    "23": "비금속 광물제품 제조업",
    "24": "1차 금속 제조업",
    "25": "금속 가공제품 제조업; 기계 및 가구 제외",
    "26": "전자 부품, 컴퓨터, 영상, 음향 및 통신장비 제조업",
    "27": "의료, 정밀, 광학 기기 및 시계 제조업",
    "28": "전기장비 제조업",
    "29": "기타 기계 및 장비 제조업",
    "30": "자동차 및 트레일러 제조업",
    "31": "기타 운송장비 제조업",
    "32": "가구 제조업",
    "33": "기타 제품 제조업",
    "34": "산업용 기계 및 장비 수리업",
}

SIZE_CLASS_KOREAN_NAMES = {
    "micro": ("소상공인", "소기업(소상공인)"),
    "small": ("소기업",),
    "medium": ("중기업",),
    "midsize": ("중견기업",),
    "large": ("대기업",),
}


class PlantStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


PLANT_STATUS_KOREAN_NAMES = {
    "active": ("가동", "운영"),
    "suspended": ("휴업",),
    "closed": ("폐업",),
}


class AuditAction(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    IMPORT = "import", _("Imported")
    TRANSITION = "transition", _("Status change")
