"""The plant API's fast representation writes exactly what DRF's generic one writes."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from rest_framework import serializers

from hub.api.fields import FastRepresentationMixin
from hub.api.serializers import PlantSerializer
from hub.models import Plant
from tests.factories import PlantFactory

pytestmark = pytest.mark.django_db


def generic(serializer, instance):
    return super(FastRepresentationMixin, serializer).to_representation(instance)


@pytest.mark.parametrize("language", ["ko", "en"])
def test_fast_and_generic_representations_are_identical(world, language):
    scored = PlantFactory(employees=None, address="")
    Plant.objects.filter(pk=scored.pk).update(
        current_level=3,
        current_score=Decimal("612.5"),
        level_confirmed_on=datetime.date(2024, 3, 1),
        level_valid_until=datetime.date(2027, 3, 1),
    )
    plants = list(Plant.objects.select_related("company").order_by("pk"))
    assert len(plants) >= 4
    with translation.override(language):
        serializer = PlantSerializer(plants, many=True)
        fast = serializer.data
        child = serializer.child
        assert [dict(row) for row in fast] == [generic(child, p) for p in plants]
        row = next(r for r in fast if r["id"] == scored.pk)
    assert row["current_score"] == "612.5" and row["level_confirmed_on"] == "2024-03-01"
    assert row["employees"] is None and row["company"] == scored.company_id
    assert list(row) == PlantSerializer.Meta.fields


def test_the_class_wide_plan_follows_the_language_and_time_zone_of_each_request(world):
    """The plan is kept on the serializer class after the first list: later lists in another
    language or time zone still write what DRF writes for them."""
    plants = list(Plant.objects.select_related("company").order_by("pk"))
    assert PlantSerializer(plants, many=True).data  # plans once, for the class
    assert "_fast_plan" in PlantSerializer.__dict__
    for language, zone in [("en", "UTC"), ("ko", "Asia/Seoul"), ("en", "America/New_York")]:
        with translation.override(language), timezone.override(zone):
            serializer = PlantSerializer(plants, many=True)
            assert [dict(row) for row in serializer.data] == [
                generic(serializer.child, p) for p in plants
            ]


def test_a_plan_with_instance_bound_fields_is_not_shared(world):
    """A field that reads its serializer (a method field) keeps the plan per instance."""

    class WithMethod(PlantSerializer):
        marker = serializers.SerializerMethodField()

        class Meta(PlantSerializer.Meta):
            fields = [*PlantSerializer.Meta.fields, "marker"]

        def get_marker(self, plant):
            return self.context.get("marker")

    plant = Plant.objects.select_related("company").first()
    assert WithMethod(plant, context={"marker": 1}).data["marker"] == 1
    assert WithMethod(plant, context={"marker": 2}).data["marker"] == 2
    assert "_fast_plan" not in WithMethod.__dict__
