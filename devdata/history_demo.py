"""The demo's back-filed history: confirmed assessments of the program's past (2018–2022),
from before the hub, for demo plants whose first project was completed in those years —
so the dashboard shows the past years' Level 3+ shares, as the published series does.

`generate` builds the rows from the demo database (deterministic: one random stream per
plant, keyed by its business number and name), once; the committed file
`devdata/data/history-demo.csv` is its output for the default demo (`seed_history
--write-file` regenerates it). `seed` imports the file through the history import, leaving out
the rows of plants a smaller demo does not have; a second run imports nothing.
"""

import csv
import datetime
import io
import random
from pathlib import Path

from django.conf import settings
from django.db.models import Min
from django.utils import translation

from assessments.choices import AssessmentOrigin
from assessments.importers import history_import
from assessments.models import Assessment, Item
from assessments.services import framework_current
from hub.models import Plant
from programs.choices import ProjectStatus
from programs.models import Project

FILE = Path(__file__).resolve().parent / "data" / "history-demo.csv"
REFERENCE_PREFIX = "DEMO-H-"
FIRST_YEAR, LAST_YEAR = 2018, 2022
HEADER = ["사업자등록번호", "공장명", "원본번호", "평가모델", "모델버전", "평가일", "원본확인일",
          "컨설턴트", "점수", "수준", "비고"]  # fmt: skip
# The level a back-filed record gives, drawn with these weights: about one in four at Level 3
# or higher, as the published shares (17.9 % of 2019 builds, 25.5 % of 2020 builds).
LEVEL_WEIGHTS = {0: 6, 1: 28, 2: 43, 3: 18, 4: 5}
RECORDED_NAMES = ["김정호", "박서연", "이태민", "최유진", "정민재", "한지수"]
HUB_CONSULTANTS = ["consultant", "consultant2", "consultant3"]


def _rng(plant: Plant) -> random.Random:
    key = f"history-{plant.company.business_number}-{plant.name}"
    return random.Random(key)  # noqa: S311 - demo data, not secrets  # nosec B311


def generate(today: datetime.date | None = None) -> list[list[str]]:
    """One back-filed assessment per demo plant first completed in 2018–2022, in the year
    after its completion and before its first assessment filed in the hub."""
    today = today or datetime.date.today()
    framework = framework_current()
    codes = list(
        Item.objects.filter(category__area__framework=framework)
        .order_by("order")
        .values_list("code", flat=True)
    )
    first_completed = dict(
        Project.objects.filter(status=ProjectStatus.COMPLETED)
        .values("plant_id")
        .annotate(first=Min("completed_on"))
        .values_list("plant_id", "first")
    )
    first_hub = dict(
        Assessment.objects.filter(origin=AssessmentOrigin.HUB)
        .values("plant_id")
        .annotate(first=Min("assessed_on"))
        .values_list("plant_id", "first")
    )
    rows = []
    plants = Plant.objects.filter(pk__in=list(first_completed)).select_related("company")
    for plant in plants.order_by("company__business_number", "name"):
        completed = first_completed[plant.pk]
        if not FIRST_YEAR <= completed.year <= LAST_YEAR:
            continue
        rng = _rng(plant)
        assessed = completed + datetime.timedelta(days=rng.randint(20, 240))
        confirmed = assessed + datetime.timedelta(days=rng.randint(5, 40))
        limit = min(first_hub.get(plant.pk) or today, today)
        if confirmed >= limit:
            continue
        level = rng.choices(list(LEVEL_WEIGHTS), weights=list(LEVEL_WEIGHTS.values()))[0]
        hub_user = rng.random() < 0.4
        consultant = rng.choice(HUB_CONSULTANTS if hub_user else RECORDED_NAMES)
        reference = f"{REFERENCE_PREFIX}{assessed.year}-{len(rows) + 1:04d}"
        cells = [plant.company.business_number, plant.name, reference, framework.code,
                 str(framework.version), assessed.isoformat(), confirmed.isoformat(),
                 consultant]  # fmt: skip
        if rng.random() < 0.35:  # only the outcome survives
            score = 500 + 100 * level + rng.randint(0, 95)
            rows.append(
                [*cells, f"{score}", str(level), "점수·수준만 남은 기록", *[""] * len(codes)]
            )
        else:
            ratings = [str(min(5, max(0, level + rng.choice((-1, 0, 0, 0, 1))))) for _ in codes]
            rows.append([*cells, "", "", "", *ratings])
    return [[*HEADER, *codes], *rows]


def write_file(path: Path = FILE) -> int:
    table = generate()
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return len(table) - 1


def seed(*, actor, path: Path = FILE) -> dict:
    """Import the demo history once (nothing when already imported)."""
    done = Assessment.objects.filter(source_reference__startswith=REFERENCE_PREFIX)
    if done.exists():
        return {"skipped": True, "created": 0, "outcome_only": 0, "left_out": 0}
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    present = set(
        Plant.objects.values_list("company__business_number", "name").filter(
            company__business_number__in={r[0] for r in rows}
        )
    )
    kept = [r for r in rows if (r[0], r[1]) in present]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([header, *kept])
    # The report's summary is stored in the audit log: in the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        report = history_import(
            user=actor, content=buffer.getvalue().encode("utf-8"), filename=path.name
        )
    if report.errors:
        raise ValueError("; ".join(str(e) for e in report.errors[:5]))
    return {
        "skipped": False,
        "created": report.counts.created,
        "outcome_only": report.outcome_only,
        "left_out": len(rows) - len(kept),
    }
