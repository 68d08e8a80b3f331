"""Building back-filed history files for the tests."""

import csv
import io

from assessments.models import Item

HEADER = ["사업자등록번호", "공장명", "원본번호", "평가모델", "모델버전", "평가일", "원본확인일",
          "컨설턴트", "점수", "수준", "비고"]  # fmt: skip


def item_codes(framework) -> list[str]:
    return list(
        Item.objects.filter(category__area__framework=framework)
        .order_by("order")
        .values_list("code", flat=True)
    )


def row(plant, reference, assessed, confirmed, *, consultant="", score="", level="", note="",
        ratings=None, codes=()):  # fmt: skip
    """One data row; `ratings` a single value for every item, a dict per code, or None
    (outcome only: the item cells stay blank)."""
    cells = [plant.company.business_number, plant.name, reference, "SF-L5", "1", assessed,
             confirmed, consultant, score, level, note]  # fmt: skip
    if ratings is None:
        return cells + [""] * len(codes)
    if not isinstance(ratings, dict):
        ratings = dict.fromkeys(codes, ratings)
    return cells + [str(ratings.get(code, "")) for code in codes]


def csv_bytes(header, rows, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def history_file(framework, rows, *, extra_header=()) -> bytes:
    return csv_bytes([*HEADER, *item_codes(framework), *extra_header], rows)
