"""The SVG chart helpers (hub/charts/): pure functions, tested without a database."""

import datetime
import xml.etree.ElementTree as ET

from hub import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)  # raises on anything that is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return root


def texts(root) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def timeline(points=(), **kwargs):
    defaults = {
        "title": "수준 이력",
        "y_ticks": [(lvl, str(lvl)) for lvl in range(6)],
        "y_title": "레벨",
    }
    return charts.timeline_chart(points, **{**defaults, **kwargs})


POINTS = [
    charts.TimelinePoint(datetime.date(2019, 4, 2), 1, "레벨 1"),
    charts.TimelinePoint(datetime.date(2022, 5, 20), 2, "레벨 2"),
    charts.TimelinePoint(datetime.date(2025, 3, 11), 3, "레벨 3"),
]


def test_timeline_is_valid_svg_with_one_dot_per_point():
    root = parse(timeline(POINTS, until=datetime.date(2025, 9, 1)))
    assert len(list(root.iter(f"{SVG}circle"))) == 3
    assert {"레벨 1", "레벨 2", "레벨 3"} <= set(texts(root))
    assert root.find(f"{SVG}title").text == "수준 이력"


def test_timeline_steps_hold_the_level_until_the_next_point():
    root = parse(timeline(POINTS, until=datetime.date(2025, 9, 1)))
    path = next(root.iter(f"{SVG}path")).get("d")
    # M start, then H/V per later point, then H to `until`
    assert path.startswith("M") and path.count("V") == 2 and path.count("H") == 3
    line = parse(timeline(POINTS, step=False)).find(f".//{SVG}path").get("d")
    assert line.count("L") == 2 and "H" not in line


def test_timeline_points_are_placed_in_date_order_and_by_value():
    shuffled = [POINTS[2], POINTS[0], POINTS[1]]
    circles = list(parse(timeline(shuffled)).iter(f"{SVG}circle"))
    xs = [float(c.get("cx")) for c in circles]
    ys = [float(c.get("cy")) for c in circles]
    assert xs == sorted(xs)
    assert ys == sorted(ys, reverse=True)  # higher level = higher on the page


def test_timeline_has_a_tick_per_year():
    labels = texts(parse(timeline(POINTS)))
    for year in range(2020, 2026):
        assert str(year) in labels


def test_timeline_with_one_point_or_none():
    one = parse(timeline(POINTS[:1]))
    assert len(list(one.iter(f"{SVG}circle"))) == 1
    empty = parse(timeline([], until=datetime.date(2025, 1, 1)))
    assert list(empty.iter(f"{SVG}circle")) == []
    assert list(empty.iter(f"{SVG}path")) == []


def test_text_is_escaped():
    nasty = '<script>alert("x")</script> & 공장'
    svg = timeline([charts.TimelinePoint(datetime.date(2024, 1, 1), 2, nasty)], title=nasty)
    assert "<script>" not in svg
    root = parse(svg)
    assert nasty in texts(root)
    assert root.find(f"{SVG}title").text == nasty
    bars = charts.hbar_chart([charts.Bar(nasty, 700, nasty)], title=nasty)
    assert "<script>" not in bars
    assert nasty in texts(parse(bars))


def test_every_text_sets_a_korean_capable_font_family():
    for svg in (
        timeline(POINTS),
        charts.hbar_chart([charts.Bar("공정", 700, "700.0")], title="영역", markers=[(550, "L1")]),
    ):
        root = parse(svg)
        assert "Noto Sans KR" in root.get("font-family")
        for node in root.iter(f"{SVG}text"):
            assert "Nanum Gothic" in node.get("font-family")


def test_ids_are_prefixed_so_two_charts_share_a_page():
    root = parse(timeline(POINTS, chart_id="history"))
    assert root.get("aria-labelledby") == "history-title history-desc"
    assert root.find(f"{SVG}title").get("id") == "history-title"


AREAS = [
    charts.Bar("리더십·전략", 612.5, "612.5 · L1"),
    charts.Bar("공정", 700.0, "700.0 · L2"),
    charts.Bar("시스템·자동화", 1000.0, "1000.0 · L5"),
    charts.Bar("성과", None, note="해당 없음"),
]
MARKERS = [(550, "L1"), (650, "L2"), (750, "L3"), (850, "L4"), (950, "L5")]


def bar_rects(root):
    return [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]


def test_hbar_chart_draws_one_bar_per_value_and_a_note_otherwise():
    root = parse(charts.hbar_chart(AREAS, title="영역 프로필", min_value=500, markers=MARKERS))
    assert len(bar_rects(root)) == 3
    labels = texts(root)
    assert "해당 없음" in labels
    assert all(area.label in labels for area in AREAS)


def test_hbar_widths_are_proportional_on_the_scale():
    root = parse(charts.hbar_chart(AREAS[:3], title="t", min_value=500, max_value=1000, width=700))
    widths = [float(r.get("width")) for r in bar_rects(root)]
    # 612.5, 700 and 1000 on a 500–1000 axis: 22.5 %, 40 % and 100 % of the plot
    assert abs(widths[0] / widths[2] - 0.225) < 0.01
    assert abs(widths[1] / widths[2] - 0.4) < 0.01


def test_hbar_markers_are_dashed_lines_with_labels():
    root = parse(charts.hbar_chart(AREAS, title="t", min_value=500, markers=MARKERS))
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray")]
    assert len(dashed) == 5
    xs = [float(line.get("x1")) for line in dashed]
    assert xs == sorted(xs)
    assert {"L1", "L2", "L3", "L4", "L5"} <= set(texts(root))


def test_hbar_values_outside_the_scale_are_clamped():
    root = parse(
        charts.hbar_chart(
            [charts.Bar("a", 200, "200"), charts.Bar("b", 5000, "5000")],
            title="t",
            min_value=500,
            max_value=1000,
        )
    )
    low, high = (float(r.get("width")) for r in bar_rects(root))
    assert low == 1  # a sliver, never negative
    assert high > low


def test_text_width_counts_hangul_wider_than_latin():
    assert charts.text_width("공장", 10) > charts.text_width("ab", 10)
