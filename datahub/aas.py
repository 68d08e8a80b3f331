"""A plant as an Asset Administration Shell (AAS): the shell, a Digital Nameplate submodel
(IDTA 02006) from the registry and a Time Series submodel (IDTA 02008) whose segments point at
the hub's API. Built with basyx-python-sdk from plain data (no ORM here): the service
`datahub.services.exports` gathers the facts and decides what the reader may have.

Identifiers follow the hub's URNs (the ODRL export uses `urn:sfh:plant:<id>:data`):

- shell `urn:sfh:plant:<id>:aas`, asset `urn:sfh:plant:<id>`;
- submodels `urn:sfh:plant:<id>:submodel:nameplate` and `…:submodel:timeseries`.

Semantic ids (docs/datahub/exports.md lists them with their source) are the published ids of
IDTA 02006-2-0 (Digital Nameplate for Industrial Equipment 2.0: ECLASS IRDIs for the
properties) and IDTA 02008-1-1 (Time Series Data 1.1)."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field

from basyx.aas import model
from basyx.aas.adapter import aasx
from basyx.aas.adapter import json as aas_json

AASX_MEDIA_TYPE = "application/asset-administration-shell-package+xml"

# --- IDTA 02006-2-0 Digital Nameplate ---------------------------------------------------------
NAMEPLATE = "https://admin-shell.io/idta/nameplate/2/0/Nameplate"
NAMEPLATE_IDS = {
    "URIOfTheProduct": "0173-1#02-AAY811#001",
    "ManufacturerName": "0173-1#02-AAO677#002",
    "ManufacturerProductDesignation": "0173-1#02-AAW338#001",
    "AddressInformation": "https://admin-shell.io/zvei/nameplate/1/0/ContactInformations/"
    "AddressInformation",
    "Street": "0173-1#02-AAO128#002",
    "StateCounty": "0173-1#02-AAO133#002",
    "NationalCode": "0173-1#02-AAO134#002",
    "SerialNumber": "0173-1#02-AAM556#002",
    "YearOfConstruction": "0173-1#02-AAP906#001",
    "DateOfManufacture": "0173-1#02-AAR972#002",
    "CountryOfOrigin": "0173-1#02-AAO259#004",
}

# --- IDTA 02008-1-1 Time Series Data ----------------------------------------------------------
_TS = "https://admin-shell.io/idta/TimeSeries"
TIME_SERIES = f"{_TS}/1/1"
TIME_SERIES_IDS = {
    "Metadata": f"{_TS}/Metadata/1/1",
    "Name": f"{_TS}/Metadata/Name/1/1",
    "Description": f"{_TS}/Metadata/Description/1/1",
    "Record": f"{_TS}/Record/1/1",
    "Time": f"{_TS}/UtcTime/1/1",
    "Segments": f"{_TS}/Segments/1/1",
    "LinkedSegment": f"{_TS}/Segments/LinkedSegment/1/1",
    "RecordCount": f"{_TS}/Segment/RecordCount/1/1",
    "StartTime": f"{_TS}/Segment/StartTime/1/1",
    "EndTime": f"{_TS}/Segment/EndTime/1/1",
    "SamplingInterval": f"{_TS}/Segment/SamplingInterval/1/1",
    "State": f"{_TS}/Segment/State/1/1",
    "LastUpdate": f"{_TS}/Segment/LastUpdate/1/1",
    "Endpoint": f"{_TS}/Endpoint/1/1",
    "Query": f"{_TS}/Query/1/1",
}
# A series' sampling interval in seconds, by its granularity (a month as 30 days).
SAMPLING_SECONDS = {"hour": 3600, "day": 86400, "month": 2_592_000}


@dataclass(frozen=True)
class SeriesFacts:
    """One series of the plant, with the absolute URLs of its data and its KPI's definition."""

    id: int
    key: str
    kpi: str
    name_ko: str
    name_en: str
    unit: str
    granularity: str
    label: str
    last_ts: dt.datetime | None
    endpoint: str  # absolute URL of /api/v1/series/<id>/observations/
    definition: str  # absolute URL of the KPI definition (its semantic id here)


@dataclass(frozen=True)
class PlantFacts:
    id: int
    name: str
    company_name: str
    company_name_en: str
    address: str
    region_name: str
    region_code: str
    industry: str
    operating_since: dt.date | None
    factory_registration_number: str
    business_number: str
    uri: str  # absolute URL of the plant's API resource
    series: list[SeriesFacts] = field(default_factory=list)


def aas_id(plant_id: int) -> str:
    return f"urn:sfh:plant:{plant_id}:aas"


def asset_id(plant_id: int) -> str:
    return f"urn:sfh:plant:{plant_id}"


def nameplate_id(plant_id: int) -> str:
    return f"urn:sfh:plant:{plant_id}:submodel:nameplate"


def time_series_id(plant_id: int) -> str:
    return f"urn:sfh:plant:{plant_id}:submodel:timeseries"


def id_short(text: str, prefix: str = "S") -> str:
    """An idShort (a letter first, then letters, digits, '_' and '-', not ending with '-')."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", text).strip("_") or prefix
    if not cleaned[0].isalpha():
        cleaned = f"{prefix}_{cleaned}"
    return cleaned[:128]


def _ref(value: str) -> model.ExternalReference:
    return model.ExternalReference((model.Key(model.KeyTypes.GLOBAL_REFERENCE, value),))


def _text(**languages: str) -> model.MultiLanguageTextType | None:
    values = {lang: text[:1023] for lang, text in languages.items() if text}
    return model.MultiLanguageTextType(values) if values else None


def _name(**languages: str) -> model.MultiLanguageNameType | None:
    values = {lang: text[:128] for lang, text in languages.items() if text}
    return model.MultiLanguageNameType(values) if values else None


def _string(name: str, value: str, semantic: str) -> model.Property:
    return model.Property(
        id_short=name,
        value_type=model.datatypes.String,
        value=value,
        semantic_id=_ref(semantic),
    )


def _mlp(name: str, semantic: str, **languages: str) -> model.MultiLanguageProperty:
    return model.MultiLanguageProperty(
        id_short=name, value=_text(**languages), semantic_id=_ref(semantic)
    )


def nameplate(plant: PlantFacts) -> model.Submodel:
    """IDTA 02006 Digital Nameplate of the plant: the SME company as manufacturer, the plant
    as the product, its address, factory registration number and start of operation."""
    ids = NAMEPLATE_IDS
    address = [
        _string("NationalCode", "KR", ids["NationalCode"]),
        _mlp("StateCounty", ids["StateCounty"], ko=plant.region_name),
    ]
    if plant.address:
        address.insert(0, _mlp("Street", ids["Street"], ko=plant.address))
    elements: list[model.SubmodelElement] = [
        _string("URIOfTheProduct", plant.uri, ids["URIOfTheProduct"]),
        _mlp(
            "ManufacturerName",
            ids["ManufacturerName"],
            ko=plant.company_name,
            en=plant.company_name_en,
        ),
        _mlp(
            "ManufacturerProductDesignation", ids["ManufacturerProductDesignation"], ko=plant.name
        ),
        model.SubmodelElementCollection(
            id_short="AddressInformation",
            value=address,
            semantic_id=_ref(ids["AddressInformation"]),
        ),
        _string("CountryOfOrigin", "KR", ids["CountryOfOrigin"]),
    ]
    if plant.factory_registration_number:
        elements.append(
            _string("SerialNumber", plant.factory_registration_number, ids["SerialNumber"])
        )
    if plant.operating_since:
        elements.append(
            _string(
                "YearOfConstruction", str(plant.operating_since.year), ids["YearOfConstruction"]
            )
        )
        elements.append(
            model.Property(
                id_short="DateOfManufacture",
                value_type=model.datatypes.Date,
                value=plant.operating_since,
                semantic_id=_ref(ids["DateOfManufacture"]),
            )
        )
    return model.Submodel(
        id_=nameplate_id(plant.id),
        id_short="Nameplate",
        semantic_id=_ref(NAMEPLATE),
        submodel_element=elements,
    )


def _utc(moment: dt.datetime) -> model.datatypes.DateTime:
    return moment.astimezone(dt.UTC)


def _linked_segment(series: SeriesFacts, short: str) -> model.SubmodelElementCollection:
    ids = TIME_SERIES_IDS
    elements: list[model.SubmodelElement] = [
        _mlp(
            "Name",
            ids["Name"],
            ko=series.name_ko + (f" · {series.label}" if series.label else ""),
            en=series.name_en + (f" · {series.label}" if series.label else ""),
        ),
        model.Property(
            id_short="SamplingInterval",
            value_type=model.datatypes.Long,
            value=SAMPLING_SECONDS.get(series.granularity, 3600),
            semantic_id=_ref(ids["SamplingInterval"]),
        ),
        _string("State", "in progress", ids["State"]),
        _string("Endpoint", series.endpoint, ids["Endpoint"]),
        # The observations API's query: raw points by default; rollup=hour|day|month for
        # buckets; start/end (ISO 8601) choose the period.
        _string("Query", "start={start}&end={end}&rollup={rollup}", ids["Query"]),
    ]
    if series.last_ts is not None:
        elements.append(
            model.Property(
                id_short="LastUpdate",
                value_type=model.datatypes.DateTime,
                value=_utc(series.last_ts),
                semantic_id=_ref(ids["LastUpdate"]),
            )
        )
    return model.SubmodelElementCollection(
        id_short=short, value=elements, semantic_id=_ref(ids["LinkedSegment"])
    )


def time_series(plant: PlantFacts) -> model.Submodel:
    """IDTA 02008 Time Series Data: Metadata (name, description, a Record naming the time
    and one variable per series with its KPI as semantic id and its UCUM unit) and one
    LinkedSegment per series whose Endpoint is the series' observations API."""
    ids = TIME_SERIES_IDS
    record: list[model.SubmodelElement] = [
        model.Property(
            id_short="Time", value_type=model.datatypes.DateTime, semantic_id=_ref(ids["Time"])
        )
    ]
    segments = []
    seen: set[str] = set()
    for series in plant.series:
        short = id_short(series.key)
        while short in seen or short == "Time":
            short = f"{short}_{series.id}"
        seen.add(short)
        record.append(
            model.Property(
                id_short=short,
                value_type=model.datatypes.Double,
                semantic_id=_ref(series.definition),
                display_name=_name(ko=series.name_ko, en=series.name_en),
                description=_text(
                    en=f"{series.kpi} [{series.unit}], {series.granularity}"
                    + (f", {series.label}" if series.label else "")
                ),
                qualifier=[
                    model.Qualifier("unit", model.datatypes.String, value=series.unit),
                    model.Qualifier(
                        "granularity", model.datatypes.String, value=series.granularity
                    ),
                ],
            )
        )
        segments.append(_linked_segment(series, short))
    metadata = model.SubmodelElementCollection(
        id_short="Metadata",
        semantic_id=_ref(ids["Metadata"]),
        value=[
            _mlp("Name", ids["Name"], ko=f"{plant.name} 데이터", en=f"{plant.name} data"),
            _mlp(
                "Description",
                ids["Description"],
                en="Production KPIs of the plant (ISO 22400-2) held by the Smart Factory Hub; "
                "each segment links to the series' observations API.",
            ),
            model.SubmodelElementCollection(
                id_short="Record", semantic_id=_ref(ids["Record"]), value=record
            ),
        ],
    )
    return model.Submodel(
        id_=time_series_id(plant.id),
        id_short="TimeSeries",
        semantic_id=_ref(TIME_SERIES),
        submodel_element=[
            metadata,
            model.SubmodelElementCollection(
                id_short="Segments", semantic_id=_ref(ids["Segments"]), value=segments
            ),
        ],
    )


def environment(plant: PlantFacts, *, with_time_series: bool) -> model.DictIdentifiableStore:
    """The shell and its submodels in one store (what the JSON and the AASX hold)."""
    submodels = [nameplate(plant)]
    if with_time_series:
        submodels.append(time_series(plant))
    specific = [model.SpecificAssetId(name="hubPlantId", value=str(plant.id))]
    if plant.factory_registration_number:
        specific.append(
            model.SpecificAssetId(
                name="factoryRegistrationNumber", value=plant.factory_registration_number
            )
        )
    if plant.business_number:
        specific.append(
            model.SpecificAssetId(name="businessRegistrationNumber", value=plant.business_number)
        )
    shell = model.AssetAdministrationShell(
        id_=aas_id(plant.id),
        id_short=id_short(f"Plant_{plant.id}"),
        display_name=_name(ko=plant.name),
        asset_information=model.AssetInformation(
            asset_kind=model.AssetKind.INSTANCE,
            global_asset_id=asset_id(plant.id),
            specific_asset_id=specific,
            asset_type=f"KSIC {plant.industry}",
        ),
        submodel={model.ModelReference.from_referable(sm) for sm in submodels},
    )
    return model.DictIdentifiableStore([shell, *submodels])


def to_json(store: model.DictIdentifiableStore) -> str:
    """The AAS JSON environment (assetAdministrationShells, submodels)."""
    return aas_json.object_store_to_json(store, ensure_ascii=False)


def to_aasx(store: model.DictIdentifiableStore, plant_id: int) -> bytes:
    """An AASX package (OPC zip) holding the environment as `/aasx/data.json`."""
    buffer = io.BytesIO()
    with aasx.AASXWriter(buffer) as writer:
        writer.write_aas(
            aas_ids=[aas_id(plant_id)],
            object_store=store,
            file_store=aasx.DictSupplementaryFileContainer(),
            write_json=True,
        )
    return buffer.getvalue()
