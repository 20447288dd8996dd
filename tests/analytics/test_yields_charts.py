"""The yield charts (two yields compared; /performance with yields) held to the chart tests' own checks of drawn
extents, contrast and ticks, and to what they must show: levels in %, the spread and bar lengths in bp."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.compare import aligned_pair, compare_yields
from analytics.performance import performance, yield_performance
from analytics.windows import resolve_window
from analytics.yields import is_yield

from . import test_charts as checks
from ._helpers import NOW


def compare_yields_args(closes: pd.DataFrame, a: str, b: str, start: str, end: str = "") -> tuple:
    pair = aligned_pair(closes, a, b)
    return pair, compare_yields(pair, resolve_window(start, end, pair.index, NOW))


def performance_args(closes: pd.DataFrame, symbols: list[str], start: str) -> tuple:
    """The priced rows (the bars) and the yields' (symbol, bp) of one window, as /performance splits them."""
    frame = closes[symbols]
    window = resolve_window(start, "", frame.dropna().index, NOW)
    levels = yield_performance(frame[[s for s in symbols if is_yield(s)]], window)
    rows = performance(frame[[s for s in symbols if not is_yield(s)]], window)
    return rows, window.label(), [(y.symbol, y.change_bp) for y in levels]


PAIRS = {  # name: a, b, start, end
    "compare yields 1y": ("^TNX", "^IRX", "1y", ""),
    "compare yields max": ("^TNX", "^IRX", "max", ""),
    "compare yields week": ("^IRX", "^TNX", "2025-10-14", "2025-10-21"),
}
CASES = {name: ("compare yields", lambda c, args=args: compare_yields_args(c, *args)) for name, args in PAIRS.items()}
BARS = {  # /performance: the priced rows as bars, the yields (symbol, bp) as its keyword
    "performance yields only": lambda c: ([], "1y", [("^TNX", -41.4), ("^IRX", -61.0), ("^FVX", 3.0)]),
    "performance yields beside prices": lambda c: performance_args(c, ["SPY", "KRE", "^GSPC", "^TNX"], "1y"),
}


@pytest.fixture(scope="module")
def figures(closes):
    drawn = {name: checks.drawn(kind, *build(closes)) for name, (kind, build) in CASES.items()}
    for name, build in BARS.items():
        rows, label, yields = build(closes)
        layout, draw = checks.charts.DRAWINGS["performance"]
        fig, axes = checks.charts._new_figure(layout)
        draw(fig, axes, rows, label, checks.CAPTION, yields=tuple(yields))
        fig.canvas.draw()
        drawn[name] = fig
    return drawn


NAMES = [*CASES, *BARS]


@pytest.mark.parametrize("name", NAMES)
def test_texts_and_ticks_are_inside_the_canvas_apart_and_readable(figures, name):
    checks.test_every_text_is_inside_the_canvas(figures, name)
    checks.test_tick_labels_are_inside_the_canvas_and_never_overlap(figures, name)
    checks.test_every_text_passes_wcag_aa_on_the_canvas_and_the_panel(figures, name)
    checks.test_lines_and_bars_pass_the_3_to_1_graphics_contrast_and_avoid_red_against_green(figures, name)
    checks.test_value_axes_have_enough_ticks_across_the_data_and_not_crowded(figures, name)
    checks.test_no_tick_mark_beside_a_value_or_name(figures, name)


@pytest.mark.parametrize("name", list(PAIRS))
def test_two_yields_are_drawn_as_levels_over_their_spread_in_bp(figures, raw_closes, name):
    fig = figures[name]
    top, bottom = fig.axes
    a, b = PAIRS[name][:2]
    levels = [t.get_text() for t in top.get_yticklabels() if t.get_text() not in ("", "0")]
    assert levels and all(t.endswith("%") for t in levels)
    assert bottom.get_ylabel() == f"{a} − {b}, bp" and top.get_yscale() == bottom.get_yscale() == "linear"
    x = pd.DatetimeIndex(pd.to_datetime(bottom.lines[0].get_xdata()))
    both = raw_closes[[a, b]].dropna().loc[x[0] : x[-1]]
    assert list(bottom.lines[0].get_ydata()) == pytest.approx(list((both[a] - both[b]) * 100))
    ends = [
        t.get_window_extent(fig.canvas.get_renderer()) for t in top.texts if t.get_text().startswith(("^TNX", "^IRX"))
    ]
    assert len(ends) == 2
    assert not checks.boxes_overlap(*ends) and all(box.x0 >= top.bbox.x1 for box in ends)


def test_bars_of_yields_alone_are_bp_and_beside_prices_not_drawn(figures):
    (alone,) = figures["performance yields only"].axes
    assert sorted(round(p.get_width(), 6) for p in alone.patches) == [-61.0, -41.4, 3.0]
    ticks = [t.get_text() for t in checks.drawn_ticklabels(alone.xaxis) if t.get_text() != "0"]
    assert ticks and all(t.endswith(" bp") for t in ticks)
    beside = figures["performance yields beside prices"]
    assert len(beside.axes[0].patches) == 3  # SPY, KRE, ^GSPC: ^TNX is named, not drawn
    assert any("not drawn: ^TNX (in bp)" in t for t in checks.strings(beside))
