"""factory_boy factories for the registry, producing valid data by default."""

import datetime

import factory
from django.contrib.auth import get_user_model

from hub.choices import Industry, OrganizationKind, Region, Role, SizeClass
from hub.models import Membership, Mentorship, Organization, Plant
from hub.validators import business_number_check_digit


def valid_business_number(n: int) -> str:
    """The n-th valid business number: a deterministic 9-digit stem plus its check digit."""
    stem = f"{(101_810_000 + n * 7919) % 1_000_000_000:09d}"
    return stem + str(business_number_check_digit(stem))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    kind = OrganizationKind.AGENCY
    name = factory.Sequence(lambda n: f"기관 {n}")
    name_en = factory.Sequence(lambda n: f"Agency {n}")
    region = Region.SEOUL


class AgencyFactory(OrganizationFactory):
    kind = OrganizationKind.AGENCY


class PartnerFactory(OrganizationFactory):
    kind = OrganizationKind.PARTNER
    name = factory.Sequence(lambda n: f"대기업 {n}")
    name_en = factory.Sequence(lambda n: f"Partner {n}")


class ConsultancyFactory(OrganizationFactory):
    kind = OrganizationKind.CONSULTANCY
    name = factory.Sequence(lambda n: f"컨설팅 {n}")


class MinistryFactory(OrganizationFactory):
    kind = OrganizationKind.MINISTRY
    name = "중소벤처기업부"


class CompanyFactory(OrganizationFactory):
    kind = OrganizationKind.SME
    name = factory.Sequence(lambda n: f"(주)한빛정밀 {n}")
    name_en = factory.Sequence(lambda n: f"Hanbit Precision {n}")
    business_number = factory.Sequence(valid_business_number)
    size_class = SizeClass.SMALL
    employees = 42
    region = Region.GYEONGGI


class PlantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plant

    company = factory.SubFactory(CompanyFactory)
    name = factory.Sequence(lambda n: f"제{n}공장")
    region = Region.GYEONGGI
    address = "경기도 안산시 단원구 산단로 1"
    industry = Industry.FABRICATED_METALS
    employees = 35


class MentorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mentorship

    partner = factory.SubFactory(PartnerFactory)
    plant = factory.SubFactory(PlantFactory)
    start_date = datetime.date(2024, 3, 1)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-1")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def member(role: str, organization: Organization, username: str):
    user = UserFactory(username=username)
    Membership.objects.create(user=user, organization=organization, role=role)
    return user


__all__ = [
    "AgencyFactory",
    "CompanyFactory",
    "ConsultancyFactory",
    "MentorshipFactory",
    "MinistryFactory",
    "OrganizationFactory",
    "PartnerFactory",
    "PlantFactory",
    "Role",
    "UserFactory",
    "member",
    "valid_business_number",
]
