"""Charts that read (hub/charts/): axes fitted to the data, targets drawn as labelled lines,
colour-blind-safe series named in a legend, text that grows on a phone. Pure functions,
tested without a database, plus the pages that show them."""

import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub import charts
from hub.charts.svg import nice_step, span_ticks, thin_every

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return root


def texts(root, cls=None) -> list[str]:
    return [
        t.text or ""
        for t in root.iter(f"{SVG}text")
        if cls is None or cls in (t.get("class") or "").split()
    ]


def target_lines(root):
    return [ln for ln in root.iter(f"{SVG}line") if ln.get("class") == "chart-target-line"]


# --- the pure axis and tick rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "step"),
    [(0.07, 0.1), (1, 1), (1.2, 2), (2.2, 2.5), (3, 5), (7, 10), (60, 100), (7500, 10000)],
)
def test_nice_step_is_one_two_two_and_a_half_or_five_times_a_power_of_ten(raw, step):
    assert nice_step(raw) == pytest.approx(step)


def test_nice_ticks_run_from_zero_past_the_top_in_round_steps():
    assert charts.nice_ticks(240) == [0, 100, 200, 300]
    assert charts.nice_ticks(27_000) == [0, 10_000, 20_000, 30_000]
    assert charts.nice_ticks(0.37) == pytest.approx([0, 0.1, 0.2, 0.3, 0.4])
    assert charts.nice_ticks(0) == [0, 1]


@given(st.floats(min_value=0.001, max_value=1e9), st.integers(min_value=2, max_value=8))
def test_nice_ticks_cover_the_value_evenly_with_few_steps(top, count):
    ticks = charts.nice_ticks(top, count)
    assert ticks[0] == 0 and ticks[-1] >= top * (1 - 1e-9)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1
    assert len(ticks) - 1 <= 2 * count + 1


def test_axis_fits_the_data_not_a_far_target():
    """158 plants against a 30,000 target: the scale stops at 200, the target is above it."""
    axis = charts.fit_axis([22, 113, 158], 30_000)
    assert axis.ticks == (0, 50, 100, 150, 200)
    assert axis.top == 200 and not axis.target_on_scale


def test_axis_takes_in_a_target_near_the_data():
    axis = charts.fit_axis([1.8, 13.3], 25)
    assert axis.target_on_scale and axis.top >= 25
    assert charts.fit_axis([20_000, 25_039], 30_000).ticks[-1] == 30_000


def test_axis_of_no_data_still_draws_a_scale():
    assert charts.fit_axis([], None).ticks == (0, 1)
    assert charts.fit_axis([None, 0], 10).target_on_scale


def test_ticks_on_both_sides_of_zero_share_one_step():
    assert span_ticks(-4, 15.9) == [-5, 0, 5, 10, 15, 20]
    assert span_ticks(0, 43.5) == [0, 10, 20, 30, 40, 50]
    assert span_ticks(0, 0) == [0, 1]


def test_thinning_labels_keeps_at_most_the_limit():
    assert thin_every(8, 12) == 1
    assert thin_every(30, 12) == 3
    assert len(range(0, 30, thin_every(30, 12))) <= 12


# --- column and line charts ------------------------------------------------------------------

YEARS = [charts.Column(str(2018 + i), 20 * (i + 1), str(20 * (i + 1))) for i in range(9)]


def test_bars_fill_the_plot_when_the_target_is_far_above():
    root = parse(
        charts.column_chart(
            YEARS,
            title="t",
            target=(30_000, "Target 30,000"),
            target_note="Target 30,000, above this scale",
            series_label="Supported plants",
        )
    )
    tallest = max(float(r.get("height")) for r in root.iter(f"{SVG}rect") if r.get("height"))
    assert tallest > 100  # not a sliver against a 30,000 axis
    (line,) = target_lines(root)
    assert line.get("data-target") == "above"
    assert "Target 30,000, above this scale" in texts(root, "chart-target")
    assert "30,000" not in " ".join(texts(root, "chart-tick"))


def test_a_near_target_is_a_dashed_line_on_the_scale():
    root = parse(charts.column_chart(YEARS, title="t", target=(250, "Target 250")))
    (line,) = target_lines(root)
    assert line.get("data-target") == "on-scale" and line.get("stroke-dasharray")
    assert texts(root, "chart-target") == ["Target 250"]


def test_legend_names_the_series_and_the_target():
    root = parse(
        charts.line_chart(
            YEARS, title="t", y_max=0, target=(250, "Target 250"), series_label="Share"
        )
    )
    (group,) = [g for g in root.iter(f"{SVG}g") if g.get("class") == "chart-legend-group"]
    assert [t.text for t in group.iter(f"{SVG}text")] == ["Share", "Target 250"]
    keys = [k.get("stroke-dasharray") for k in group.iter(f"{SVG}line")]
    assert keys == [None, "6 4"]  # a solid series line, a dashed target


def test_every_other_label_is_minor_on_a_long_axis():
    months = [charts.Column(f"{m:02d}", m, str(m)) for m in range(1, 13)]
    root = parse(charts.column_chart(months, title="t"))
    minor = texts(root, "chart-tick--minor")
    assert minor and len(minor) < len(texts(root, "chart-tick"))


# --- grouped bars (the partner portfolio's KPIs) ---------------------------------------------


def test_grouped_bars_have_one_colour_per_series_and_a_legend():
    groups = [
        ("생산성", [charts.Bar("a", 31.3, "+31.3 %"), charts.Bar("b", 30.0, "+30.0 %")]),
        ("불량률", [charts.Bar("a", None, note="자료 없음"), charts.Bar("b", 43.5, "+43.5 %")]),
    ]
    root = parse(charts.grouped_hbar_chart(groups, series=["대한전자", "전국 평균"], title="t"))
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("data-series") is not None]
    assert {r.get("fill") for r in bars} == set(charts.PALETTE[:2])
    legend = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-legend"]
    assert legend == ["대한전자", "전국 평균"]
    assert "자료 없음" in texts(root) and {"생산성", "불량률"} <= set(texts(root, "chart-label"))
    assert "50" in texts(root, "chart-tick")  # 43.5 % on a 0–50 scale


def test_grouped_bars_handle_a_negative_value():
    groups = [("원가", [charts.Bar("a", -4, "-4.0 %"), charts.Bar("b", 15.9, "+15.9 %")])]
    root = parse(charts.grouped_hbar_chart(groups, series=["a", "b"], title="t"))
    assert "-5" in texts(root, "chart-tick")


def test_portfolio_kpi_chart_pairs_the_firm_with_the_national_average():
    from programs.views.finance import kpi_chart

    def kpi(label, firm, national):
        return SimpleNamespace(
            indicator=SimpleNamespace(label=label),
            partner_avg=firm,
            partner_n=3 if firm is not None else 0,
            national=national,
        )

    portfolio = SimpleNamespace(
        partner=SimpleNamespace(name="대한전자"),
        kpis=[kpi("생산성", 31.3, 30.0), kpi("불량률", None, 43.5), kpi("안전", 5.0, None)],
    )
    root = parse(kpi_chart(portfolio))
    assert [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "chart-legend"][
        0
    ] == "대한전자"
    assert set(texts(root, "chart-label")) == {"생산성", "불량률"}  # no national: left out
