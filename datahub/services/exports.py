"""Exports of a plant's data hub: the Asset Administration Shell (datahub.aas builds it).

Who gets what: anyone who sees the plant (`Plant.objects.visible_to`, else 404) gets the shell
with its Digital Nameplate, which holds only registry facts they already see on the plant's
page. The Time Series submodel lists the plant's series and links to their data, so it is
added only for the plant's own members and for readers with a consent for their purpose
(`access.open_for_reading`, which logs the read where the plant sees it); anyone else gets
the shell with the Nameplate alone."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404
from django.urls import reverse

from datahub import aas
from datahub.models import ReadKind, Series
from datahub.services import access
from hub.choices import REGION_KOREAN_NAMES


def plant_facts(plant, build_uri: Callable[[str], str], *, with_series: bool) -> aas.PlantFacts:
    """The registry facts and (optionally) the series of `plant`, with absolute URLs."""
    series = []
    if with_series:
        rows = Series.objects.filter(plant=plant).select_related("kpi").order_by("key", "pk")
        series = [
            aas.SeriesFacts(
                id=s.pk,
                key=s.key,
                kpi=s.kpi.code,
                name_ko=s.kpi.name_ko,
                name_en=s.kpi.name_en,
                unit=s.unit,
                granularity=s.granularity,
                label=s.label,
                last_ts=s.last_ts,
                endpoint=build_uri(reverse("series-observations", kwargs={"pk": s.pk})),
                definition=build_uri(reverse("kpi-definition-detail", kwargs={"pk": s.kpi.code})),
            )
            for s in rows
        ]
    company = plant.company
    return aas.PlantFacts(
        id=plant.pk,
        name=plant.name,
        company_name=company.name,
        company_name_en=company.name_en,
        address=plant.address,
        region_name=REGION_KOREAN_NAMES.get(plant.region, ("",))[0],
        region_code=plant.region,
        industry=plant.industry,
        operating_since=plant.operating_since,
        factory_registration_number=plant.factory_registration_number,
        business_number=company.business_number or "",
        uri=build_uri(reverse("plant-detail", kwargs={"pk": plant.pk})),
        series=series,
    )


def plant_aas(*, user, plant, build_uri: Callable[[str], str], fmt: str = "json"):
    """The plant's AAS environment for `user` and whether it holds the Time Series submodel.
    The caller has checked that `user` sees `plant`. Reading the series' links as anyone but
    the plant is logged (purpose of the consent)."""
    try:
        access.open_for_reading(user, plant, ReadKind.AAS, format=fmt)
        with_series = True
    except Http404:
        with_series = False
    facts = plant_facts(plant, build_uri, with_series=with_series)
    return aas.environment(facts, with_time_series=with_series), with_series
