"""Anonymised research datasets: request, build, download.

An official (or an administrator) requests a dataset with a title and an as-of date; a Celery
task (`datahub.tasks.build_research_dataset`, enqueued on commit; in-process when no broker is
configured) builds it:

1. the plants with an active research consent (`Purpose.RESEARCH`) at build time;
2. their monthly KPI values (catalogue KPIs, not raw quantities) from the month rollups, for
   months that ended at least one month before the as-of date (a plant's series of one KPI
   combined: the month's mean over all their values, or the sum or the mean of the last
   values, following the KPI's aggregation);
3. anonymised by `datahub.anonymity` (pseudonyms, generalised quasi-identifiers,
   k-anonymity counted in plants, suppression) — refused with a reason when k cannot be met;
4. written as Parquet (pyarrow), CSV and a data dictionary (JSON), the SHA-256 of the Parquet
   file as the content hash; every released plant's access log says that its data went into
   the dataset (purpose research).

Officials and agency staff see and download ready datasets (`ResearchDataset.objects.
visible_to`); every download is a `DatasetDownload` row and an audit entry. SME members,
partners and consultants see none."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
from celery import current_app
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from datahub import anonymity
from datahub.buckets import ZONE, months_back
from datahub.choices import (
    Aggregation,
    DatasetFile,
    DatasetStatus,
    Purpose,
    QuantityKind,
    Refusal,
    Rollup,
)
from datahub.models import (
    AccessLogEntry,
    Consent,
    DatasetDownload,
    KpiDefinition,
    ReadKind,
    ResearchDataset,
    RollupBucket,
    Series,
)
from hub import roles
from hub.audit import audit_record
from hub.choices import AuditAction, Role
from hub.models import Plant

BUILD_TASK = "datahub.tasks.build_research_dataset"
CONTENT_TYPES = {
    DatasetFile.PARQUET: "application/vnd.apache.parquet",
    DatasetFile.CSV: "text/csv; charset=utf-8",
    DatasetFile.DICTIONARY: "application/json",
}
EXTENSIONS = {
    DatasetFile.PARQUET: "parquet",
    DatasetFile.CSV: "csv",
    DatasetFile.DICTIONARY: "dictionary.json",
}
COLUMNS = (
    "plant",
    "region",
    "size_band",
    "industry",
    "operating_since",
    "month",
    "kpi",
    "unit",
    "value",
)


def k_value() -> int:
    return max(2, int(getattr(settings, "DATAHUB_DATASET_K", anonymity.DEFAULT_K)))


# --- who may do what --------------------------------------------------------------------------


def can_see(user) -> bool:
    """Officials and agency staff (and administrators) see and download datasets; SME
    members, partners and consultants none (`ResearchDataset.objects.visible_to`)."""
    return roles.is_admin(user) or roles.role_of(user) in (Role.OFFICIAL, Role.AGENCY_STAFF)


def can_request(user) -> bool:
    """Officials (and administrators) ask for research datasets: the ministry decides what
    is released. Agency staff read and download them."""
    return roles.is_admin(user) or roles.role_of(user) == Role.OFFICIAL


def refusal_text() -> str:
    return _("Only officials may request research datasets.")


# --- request ----------------------------------------------------------------------------------


def _enqueue(dataset: ResearchDataset) -> None:
    # By its registered name (the task module imports this one).
    transaction.on_commit(lambda: current_app.signature(BUILD_TASK, args=(dataset.pk,)).delay())


@transaction.atomic
def dataset_request(*, user, title: str, as_of: dt.date) -> ResearchDataset:
    """Record a request (status requested) and enqueue its build once the request commits.
    PermissionDenied for anyone but officials and administrators; ValidationError for bad
    inputs (an empty title, a future as-of date)."""
    if not can_request(user):
        raise PermissionDenied(refusal_text())
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the dataset a title.")]
    if not isinstance(as_of, dt.date):
        errors["as_of"] = [_("Enter a date.")]
    elif as_of > timezone.localdate():
        errors["as_of"] = [_("The as-of date cannot be in the future.")]
    if errors:
        raise ValidationError(errors)
    dataset = ResearchDataset(title=title, as_of=as_of, requested_by=user, k=k_value())
    dataset.full_clean()
    dataset.save()
    audit_record(
        user=user,
        action=AuditAction.CREATE,
        obj=dataset,
        after={"title": title, "as_of": as_of.isoformat(), "k": dataset.k},
        message="research dataset requested",
    )
    _enqueue(dataset)
    return dataset


# --- build ------------------------------------------------------------------------------------


def cutoff(as_of: dt.date) -> dt.datetime:
    """Months starting before this moment have ended at least one month before `as_of`."""
    first = months_back(as_of, 1)
    return dt.datetime(first.year, first.month, 1, tzinfo=ZONE)


def _consenting_plants(now) -> list[Plant]:
    consented = Consent.objects.active(now).filter(purpose=Purpose.RESEARCH).values("plant_id")
    return list(Plant.objects.filter(pk__in=consented).order_by("pk"))


def monthly_values(plant_ids, end: dt.datetime) -> tuple[dict, dict]:
    """(plant, month, kpi code) -> value from the month rollups before `end`, and the KPI
    definitions used (code -> definition). The database sums a plant's series of one KPI per
    month; Python only forms the values (no model instance per bucket)."""
    kpis = {
        k.pk: k
        for k in KpiDefinition.objects.filter(
            kind=QuantityKind.KPI,
            pk__in=Series.objects.filter(plant_id__in=plant_ids).values("kpi"),
        )
    }
    groups = (
        RollupBucket.objects.filter(
            plant_id__in=plant_ids,
            rollup=Rollup.MONTH,
            bucket__lt=end,
            series__kpi_id__in=list(kpis),
        )
        .values_list("plant_id", "bucket", "series__kpi_id")
        .annotate(total=Sum("sum"), count=Sum("count"), lasts=Sum("last"), series=Count("*"))
        .order_by()
    )
    values, used = {}, {}
    for plant_id, bucket, kpi_id, total, count, lasts, series in groups.iterator(chunk_size=5000):
        kpi = kpis[kpi_id]
        if kpi.aggregation == Aggregation.SUM:
            value = total
        elif kpi.aggregation == Aggregation.LAST:
            value = lasts / series
        else:
            value = total / count if count else None
        if value is None:
            continue
        month = bucket.astimezone(ZONE).strftime("%Y-%m")
        values[(plant_id, month, kpi.code)] = value
        used[kpi.code] = kpi
    return values, used


def _level_words(level) -> str:
    return "region{}-size{}-industry{}-since{}".format(*level) if level else ""


def _refuse(dataset: ResearchDataset, refusal: Refusal, details=None, **counts) -> ResearchDataset:
    _set(
        dataset,
        status=DatasetStatus.REFUSED,
        refusal=refusal,
        refusal_details=details or {},
        built_at=timezone.now(),
        **counts,
    )
    audit_record(
        user=None,
        action=AuditAction.TRANSITION,
        obj=dataset,
        before={"status": DatasetStatus.BUILDING},
        after={"status": DatasetStatus.REFUSED, "refusal": refusal, **(details or {})},
        message="research dataset refused",
    )
    return dataset


def _set(dataset: ResearchDataset, **fields) -> None:
    for name, value in fields.items():
        setattr(dataset, name, value)
    ResearchDataset.objects.filter(pk=dataset.pk).update(**fields)


def _claim(dataset_id: int) -> ResearchDataset | None:
    with transaction.atomic():
        dataset = ResearchDataset.objects.select_for_update().filter(pk=dataset_id).first()
        if dataset is None or dataset.status not in (
            DatasetStatus.REQUESTED,
            DatasetStatus.FAILED,
        ):
            return None
        dataset.status = DatasetStatus.BUILDING
        dataset.error = ""
        dataset.save(update_fields=["status", "error"])
    return dataset


def dataset_build(dataset_id: int) -> ResearchDataset | None:
    """Build the dataset; the row ends ready, refused (with the reason) or failed (with the
    error). A dataset that is not requested or failed is left as it is."""
    dataset = _claim(dataset_id)
    if dataset is None:
        return ResearchDataset.objects.filter(pk=dataset_id).first()
    try:
        return _build(dataset)
    except Exception as exc:  # noqa: BLE001 - any failure ends on the row
        _set(
            dataset,
            status=DatasetStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:4000],
            built_at=timezone.now(),
        )
        return dataset


def _build(dataset: ResearchDataset) -> ResearchDataset:
    now = timezone.now()
    k = dataset.k
    plants = _consenting_plants(now)
    if not plants:
        return _refuse(dataset, Refusal.NO_CONSENT)
    end = cutoff(dataset.as_of)
    values, kpis = monthly_values([p.pk for p in plants], end)
    with_data = {plant_id for plant_id, _month, _code in values}
    records = [
        anonymity.PlantRecord(
            key=p.pk,
            region=p.region,
            employees=p.employees,
            industry=p.industry,
            operating_year=p.operating_since.year if p.operating_since else None,
        )
        for p in plants
        if p.pk in with_data
    ]
    release = anonymity.anonymise(records, k=k, earlier=earlier_releases(exclude=dataset.pk))
    if not release.ok:
        return _refuse(
            dataset,
            Refusal.K_ANONYMITY,
            {"n": len(records), "end": end.date().isoformat(), "k": k},
            suppressed_count=len(release.suppressed),
            generalisation=_level_words(release.level),
        )
    rows = []
    for (plant_id, month, code), value in values.items():
        plant = release.plants.get(plant_id)
        if plant is None:
            continue  # suppressed
        rows.append({**plant, "month": month, "kpi": code, "unit": kpis[code].unit, "value": value})
    rows.sort(key=lambda r: (r["plant"], r["month"], r["kpi"]))
    parquet = _parquet(rows)
    text = _csv(rows)
    content_hash = hashlib.sha256(parquet).hexdigest()
    dictionary = data_dictionary(
        dataset,
        release=release,
        rows=rows,
        kpis=kpis,
        end=end,
        built_at=now,
        hashes={"parquet": content_hash, "csv": hashlib.sha256(text).hexdigest()},
    )
    stem = f"research-dataset-{dataset.pk}-{dataset.as_of.isoformat()}"
    dataset.parquet_file.save(f"{stem}.parquet", ContentFile(parquet), save=False)
    dataset.csv_file.save(f"{stem}.csv", ContentFile(text), save=False)
    dataset.dictionary_file.save(
        f"{stem}.dictionary.json",
        ContentFile(json.dumps(dictionary, ensure_ascii=False, indent=2).encode()),
        save=False,
    )
    with transaction.atomic():
        _set(
            dataset,
            status=DatasetStatus.READY,
            built_at=now,
            plant_count=len(release.plants),
            suppressed_count=len(release.suppressed),
            row_count=len(rows),
            content_hash=content_hash,
            generalisation=_level_words(release.level),
            parquet_file=dataset.parquet_file.name,
            csv_file=dataset.csv_file.name,
            dictionary_file=dataset.dictionary_file.name,
        )
        _log_contributions(dataset, sorted(release.plants))
        audit_record(
            user=None,
            action=AuditAction.TRANSITION,
            obj=dataset,
            before={"status": DatasetStatus.BUILDING},
            after={
                "status": DatasetStatus.READY,
                "rows": len(rows),
                "plants": len(release.plants),
                "suppressed": len(release.suppressed),
                "held_back": len(release.held_back),
                "content_hash": content_hash,
            },
            message="research dataset built",
        )
    return dataset


def earlier_releases(*, exclude: int | None = None) -> list[frozenset[int]]:
    """The plants each ready dataset released, from the contributions logged when it was
    built (the access log is append-only): what a holder of those files can difference."""
    released: dict[int, set[int]] = {}
    entries = AccessLogEntry.objects.filter(kind=ReadKind.DATASET, purpose=Purpose.RESEARCH)
    for dataset_id, plant_id in entries.values_list("details__dataset", "plant_id"):
        if dataset_id != exclude:
            released.setdefault(dataset_id, set()).add(plant_id)
    return [frozenset(plants) for _id, plants in sorted(released.items())]


def _log_contributions(dataset: ResearchDataset, plant_ids: list[int]) -> None:
    """Each released plant sees in its access log that its data went into the dataset."""
    user = dataset.requested_by
    membership = roles.membership_of(user) if user is not None else None
    details = {"dataset": dataset.pk, "as_of": dataset.as_of.isoformat()}
    AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(
                plant_id=plant_id,
                user=user,
                organization=membership.organization if membership else None,
                purpose=Purpose.RESEARCH,
                kind=ReadKind.DATASET,
                details=details,
            )
            for plant_id in plant_ids
        ]
    )


def _parquet(rows: list[dict]) -> bytes:
    fields = [(name, pa.string()) for name in COLUMNS[:-1]] + [("value", pa.float64())]
    schema = pa.schema(fields)
    table = pa.Table.from_pydict({c: [row[c] for row in rows] for c in COLUMNS}, schema=schema)
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def _csv(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows([*(row[c] for c in COLUMNS[:-1]), repr(row["value"])] for row in rows)
    return buffer.getvalue().encode("utf-8")


COLUMN_DOCS = {
    "plant": "Pseudonym of the plant, random and new for each dataset (P- and 8 hex digits).",
    "region": "Macro-region of the plant (capital, chungcheong, honam, daegyeong, dongnam, "
    "gangwon_jeju), or * when generalised away.",
    "size_band": "Employees of the plant in a band (1-9, 10-49, 50-99, 100-299, 300+; or "
    "1-49 / 50+), unknown, or *.",
    "industry": "KSIC manufacturing division (10-34), or its sector group, or *.",
    "operating_since": "Decade the plant began operating (2010s), or before 2000 / 2000 or "
    "later, unknown, or *.",
    "month": "Calendar month (Asia/Seoul), YYYY-MM.",
    "kpi": "Code of the KPI in the hub's catalogue (see kpis).",
    "unit": "UCUM unit of the value.",
    "value": "The KPI's value over the month (see each KPI's monthly_value).",
}
MONTHLY = {
    Aggregation.MEAN: "mean of every value of the month (all the plant's series of the KPI)",
    Aggregation.SUM: "sum over the month (all the plant's series of the KPI)",
    Aggregation.LAST: "mean of the last value of the month of each of the plant's series",
}


def data_dictionary(dataset, *, release, rows, kpis, end, built_at, hashes) -> dict:
    months = sorted({r["month"] for r in rows})
    return {
        "title": dataset.title,
        "dataset": dataset.pk,
        "as_of": dataset.as_of.isoformat(),
        "built_at": built_at.isoformat(),
        "source": "Smart Factory Hub: monthly rollups of plants with an active research "
        "consent at build time; months that ended at least one month before the as-of date",
        "period": {
            "first_month": months[0] if months else None,
            "last_month": months[-1] if months else None,
            "months_before": end.date().isoformat(),
        },
        "anonymisation": {
            "k": release.k,
            "counted_in": "plants (every class of equal region, size_band, industry and "
            "operating_since holds at least k plants)",
            "quasi_identifiers": list(anonymity.QUASI_IDENTIFIERS),
            "generalisation_level": dict(
                zip(anonymity.QUASI_IDENTIFIERS, release.level or (), strict=False)
            ),
            "plants_released": len(release.plants),
            "plants_suppressed": len(release.suppressed),
            "plants_held_back": len(release.held_back),
            "held_back": "plants new since an earlier dataset that would be fewer than k in "
            "their class, so that comparing the two datasets singles nobody out; counted "
            "with the suppressed, released once enough join them",
            "direct_identifiers": "none: no names, business or factory registration numbers, "
            "addresses or database ids; plants are pseudonyms new to this dataset",
        },
        "rows": len(rows),
        "content_hash": {"algorithm": "sha256", **hashes},
        "columns": [
            {
                "name": name,
                "type": "double" if name == "value" else "string",
                "description": COLUMN_DOCS[name],
            }
            for name in COLUMNS
        ],
        "kpis": [
            {
                "code": code,
                "name_ko": kpi.name_ko,
                "name_en": kpi.name_en,
                "unit": kpi.unit,
                "better": kpi.better,
                "formula": kpi.formula,
                "iso_reference": kpi.iso_reference,
                "description_ko": kpi.description_ko,
                "description_en": kpi.description_en,
                "monthly_value": MONTHLY.get(kpi.aggregation, ""),
            }
            for code, kpi in sorted(kpis.items())
        ],
    }


# --- download ---------------------------------------------------------------------------------


def dataset_download(*, user, dataset: ResearchDataset, kind: str):
    """The file of a ready dataset the user sees (the caller applied `visible_to`): an open
    file, its name and content type. Every download is logged and audited. ValidationError
    for an unknown file kind; Http404-worthy states raise LookupError."""
    if kind not in DatasetFile.values:
        raise ValidationError({"file": [_("Choose parquet, csv or dictionary.")]})
    stored = dataset.file_of(kind)
    if dataset.status != DatasetStatus.READY or not stored:
        raise LookupError("not ready")
    with transaction.atomic():
        download = DatasetDownload.objects.create(
            dataset=dataset, user=user if user.is_authenticated else None, kind=kind
        )
        audit_record(
            user=user,
            action=AuditAction.CREATE,
            obj=download,
            after={"dataset": dataset.pk, "file": kind},
            message=f"research dataset #{dataset.pk} downloaded ({kind})",
        )
    filename = f"research-dataset-{dataset.pk}-{dataset.as_of.isoformat()}.{EXTENSIONS[kind]}"
    return stored.open("rb"), filename, CONTENT_TYPES[kind]
