"""analytics.charts on the real snapshot, by properties of the PNG and of the drawn figure.

Each chart is drawn the way its command draws it; the figure is inspected after a full draw:
size and dpi, scale, where every tick label lands, the last-value labels against numbers
computed here from the raw closes, the caption, the anchors, and the contrast of every colour
against Discord's dark theme (WCAG 2 relative luminance).
"""

from __future__ import annotations

import colorsys
import functools
import io
import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex, to_rgb
from matplotlib.dates import date2num, num2date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.path import Path
from matplotlib.text import Text
from PIL import Image

from analytics import charts, credit
from analytics.compare import aligned_pair, compare
from analytics.history import long_run
from analytics.performance import performance
from analytics.windows import resolve_window

from ._helpers import NOW, T, on_or_before

CAPTION = "Data: snapshot data, last session 2026-02-20 · Basis: price (^RUT, ^GSPC) · As of close 2026-02-20"
LONG_CAPTION = ("Data: Yahoo Finance, last session 2026-02-20, STALE: last updated 3 h 5 min ago (served from cache) · "
                "Basis: total return (NVDA, META, GOOGL, MSFT, AAPL, AMZN, AVGO, TSLA); price (^GSPC, ^RUT) · "
                "As of close 2026-02-20")  # fmt: skip
TEN = ["NVDA", "META", "GOOGL", "MSFT", "AAPL", "AMZN", "AVGO", "TSLA", "^GSPC", "^RUT"]


# -- building the charts as the commands do ---------------------------------------------------


def compare_args(closes: pd.DataFrame, a: str, b: str, start: str, end: str = "") -> tuple:
    pair = aligned_pair(closes, a, b)
    return pair, compare(pair, resolve_window(start, end, pair.index, NOW))


def performance_args(closes: pd.DataFrame, symbols: list[str], start: str, end: str = "") -> tuple:
    frame = closes[symbols]
    window = resolve_window(start, end, frame.dropna().index, NOW)
    return performance(frame, window), window.label()


def banks_args(closes: pd.DataFrame, session: str) -> tuple:
    day = T(session)
    return closes, day - pd.DateOffset(years=1), day


def history_args(closes: pd.DataFrame) -> tuple:
    pair = aligned_pair(closes, "^RUT", "^GSPC")
    return pair, long_run(pair)


def alert_args(closes: pd.DataFrame, session: str) -> tuple:
    return closes["KRE"], T(session), "KRE"


@functools.cache
def packaged(name: str, key: str, value: str) -> pd.DataFrame:
    """A packaged CSV (the credit ETFs, FRED) pivoted wide here with plain pandas."""
    with (resources.files("analytics") / "data" / name).open("rb") as fh:
        wide = pd.read_csv(fh, compression="gzip").pivot(index="date", columns=key, values=value)
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index, format="%Y-%m-%d")).as_unit("ns")
    return wide.sort_index()


def credit_args(closes: pd.DataFrame, session: str) -> tuple:
    """As /credit draws it: from 2022-09-01 (or a year before an earlier session) to the session."""
    day = T(session)
    with_credit = closes.join(packaged("credit_daily.csv.gz", "symbol", "close"), how="left")
    fred = packaged("fred_daily.csv.gz", "series", "value")
    return with_credit, fred, min(T("2022-09-01"), day - pd.DateOffset(years=1)), day, credit.EPISODES


def drawn(kind: str, *args: object, caption: str = CAPTION) -> Figure:
    """A fresh figure with the chart's own layout and drawing, fully drawn."""
    layout, draw = charts.DRAWINGS[kind]
    fig, axes = charts._new_figure(layout)
    draw(fig, axes, *args, caption)
    fig.canvas.draw()
    return fig


CASES = {
    "compare 1y": ("compare", lambda c: compare_args(c, "^RUT", "^GSPC", "1y")),
    "compare 1m": ("compare", lambda c: compare_args(c, "^RUT", "^GSPC", "1m")),
    "compare NVDA max": ("compare", lambda c: compare_args(c, "NVDA", "^GSPC", "max")),
    "compare oct-2022-low": ("compare", lambda c: compare_args(c, "^RUT", "^GSPC", "oct-2022-low", "2025-10-21")),
    "compare 2 sessions": ("compare", lambda c: compare_args(c, "^RUT", "^GSPC", "2025-10-20", "2025-10-21")),
    "compare week": ("compare", lambda c: compare_args(c, "^RUT", "^GSPC", "2025-10-14", "2025-10-21")),
    "compare max": ("compare", lambda c: compare_args(c, "^RUT", "^GSPC", "max")),
    "performance one": ("performance", lambda c: performance_args(c, ["KRE"], "1y")),
    "performance 10": ("performance", lambda c: performance_args(c, TEN, "oct-2022-low")),
    "performance losses": ("performance",
                           lambda c: performance_args(c, ["KRE", "SPY", "XLF"], "2023-01-03", "2023-05-04")),
    "banks": ("banks", lambda c: banks_args(c, "2026-02-20")),
    "banks 2023-03-13": ("banks", lambda c: banks_args(c, "2023-03-13")),
    "history": ("history", history_args),
    "alert": ("alert", lambda c: alert_args(c, "2023-03-13")),
    "alert 3 sessions": ("alert", lambda c: (c["KRE"].loc["2023-03-09":], T("2023-03-13"), "KRE")),
    "credit": ("credit", lambda c: credit_args(c, "2026-02-20")),
    "credit 2023-03-13": ("credit", lambda c: credit_args(c, "2023-03-13")),
    "credit 2025-10-21": ("credit", lambda c: credit_args(c, "2025-10-21")),
    "credit 2019-06-28": ("credit", lambda c: credit_args(c, "2019-06-28")),  # neither episode nor anchor
}


@pytest.fixture(scope="module")
def figures(closes) -> dict[str, Figure]:
    return {name: drawn(kind, *build(closes)) for name, (kind, build) in CASES.items()}


def texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text artist of the figure."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def strings(fig: Figure) -> list[str]:
    return [t.get_text() for t in texts(fig)]


# -- size, dpi, encoding ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_every_chart_is_a_1600x1000_png_at_200_dpi(closes, name):
    kind, build = CASES[name]
    png = getattr(charts, f"{kind}_chart")(*build(closes), caption=CAPTION)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(png)) as image:
        image.load()  # decodes every row: the hand-written encoder's output is a valid PNG
        assert image.size == (1600, 1000) and image.mode == "RGBA"
        assert image.info["dpi"] == pytest.approx((200, 200), abs=0.01)
        pixels = np.asarray(image)
    assert (pixels[:, :, 3] == 255).all()  # opaque
    assert to_hex(pixels[0, 0, :3] / 255) == to_hex(pixels[-1, -1, :3] / 255) == charts.BACKGROUND  # corner to corner
    assert len(png) < 1_000_000  # far under Discord's 10 MB


def test_a_render_draws_the_same_pixels_as_the_figure_it_drew(closes):
    args = compare_args(closes, "^RUT", "^GSPC", "1y")
    fig = drawn("compare", *args)
    expected = np.asarray(fig.canvas.buffer_rgba())
    with Image.open(io.BytesIO(charts.compare_chart(*args, caption=CAPTION))) as image:
        assert np.array_equal(np.asarray(image), expected)


def test_to_jpeg_reencodes_a_chart(closes):
    png = charts.alert_chart(*alert_args(closes, "2023-03-13"), caption=CAPTION)
    jpeg = charts.to_jpeg(png)
    assert jpeg[:3] == b"\xff\xd8\xff"
    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG" and image.size == (1600, 1000)
        assert image.info["dpi"] == pytest.approx((200, 200), abs=0.01)
        # Same picture: the mean absolute difference from the PNG is a few levels at most.
        with Image.open(io.BytesIO(png)) as original:
            diff = np.abs(np.asarray(image, dtype=int) - np.asarray(original.convert("RGB"), dtype=int)).mean()
    assert diff < 3


# -- pooled templates: reuse draws exactly what a fresh figure draws, in any thread ----------------


def test_a_reused_template_draws_the_same_bytes_as_a_fresh_one(closes):
    nvda = compare_args(closes, "NVDA", "^GSPC", "max")  # log scale, anchors
    month = compare_args(closes, "^RUT", "^GSPC", "1m")  # linear, none
    charts._pool.clear()
    fresh = charts.compare_chart(*month, caption=CAPTION)
    charts.compare_chart(*nvda, caption=LONG_CAPTION)
    charts.history_chart(*history_args(closes), caption=CAPTION)
    assert charts.compare_chart(*month, caption=CAPTION) == fresh
    assert len(charts._pool[charts._draw_compare]) == 1  # one template served all three compare charts


def test_a_reused_credit_template_keeps_no_band_or_label_from_the_last_render(closes):
    quiet = credit_args(closes, "2019-06-28")
    charts._pool.clear()
    fresh = charts.credit_chart(*quiet, caption=CAPTION)
    charts.credit_chart(*credit_args(closes, "2023-03-13"), caption=LONG_CAPTION)  # bands, anchors, two lines
    assert charts.credit_chart(*quiet, caption=CAPTION) == fresh
    assert len(charts._pool[charts._draw_credit]) == 1


def test_templates_are_safe_across_threads(closes):
    jobs = [
        (charts.compare_chart, compare_args(closes, "^RUT", "^GSPC", start))
        for start in ("1m", "3m", "1y", "svb", "oct-2022-low", "max")
    ] + [(charts.banks_chart, banks_args(closes, day)) for day in ("2023-03-13", "2024-06-28", "2026-02-20")]
    serial = [chart(*args, caption=CAPTION) for chart, args in jobs]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(2):
            assert list(pool.map(lambda job: job[0](*job[1], caption=CAPTION), jobs)) == serial


# -- type, colours, contrast ------------------------------------------------------------------


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours."""

    def luminance(colour: str) -> float:
        channels = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
        return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_computed_as_wcag_defines_it():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("name", list(CASES))
def test_every_text_passes_wcag_aa_on_the_canvas_and_the_panel(figures, name):
    for text in texts(figures[name]):
        colour = to_hex(text.get_color())
        for ground in (charts.BACKGROUND, charts.PANEL):
            assert contrast(colour, ground) >= 4.5, (text.get_text(), colour, ground)
        assert text.get_fontsize() >= 9.5  # the caption is the smallest; ticks are 12 pt at 200 dpi


@pytest.mark.parametrize("name", list(CASES))
def test_lines_and_bars_pass_the_3_to_1_graphics_contrast_and_avoid_red_against_green(figures, name):
    fig = figures[name]
    colours = {to_hex(line.get_color()) for line in fig.findobj(Line2D) if line.get_visible() and len(line.get_xdata())}
    colours |= {to_hex(p.get_facecolor()) for ax in fig.axes for p in ax.patches}
    colours |= {to_hex(c) for ax in fig.axes for coll in ax.collections for c in coll.get_facecolors()}
    colours -= {charts.GRID, charts.PANEL, charts.BACKGROUND}  # grid lines are meant to recede
    for colour in colours:
        assert contrast(colour, charts.PANEL) >= 3, colour
    assert not {"#23a55a", "#f23f43"} & colours  # Discord's green and red, the old gains/losses pair
    hues = [hue for hue, saturation, _ in (colorsys.rgb_to_hsv(*to_rgb(c)) for c in colours) if saturation > 0.3]
    red = any(h * 360 <= 20 or h * 360 >= 340 for h in hues)
    green = any(80 <= h * 360 <= 150 for h in hues)
    assert not (red and green), sorted(colours)  # no pure red against pure green (Okabe-Ito's are apart)


def test_the_red_green_check_catches_a_red_against_green_pair():
    hues = {c: colorsys.rgb_to_hsv(*to_rgb(c))[0] * 360 for c in ("#e15759", "#59a14f", charts.RED, charts.GREEN)}
    assert hues["#e15759"] >= 340 and 80 <= hues["#59a14f"] <= 150  # the old credit chart's pair is caught
    assert 20 < hues[charts.RED] < 340 and not 80 <= hues[charts.GREEN] <= 150  # vermillion and bluish green


def test_gains_are_blue_and_losses_orange(figures):
    fig = figures["performance losses"]
    (ax,) = fig.axes
    by_value = {round(p.get_width(), 6): to_hex(p.get_facecolor()) for p in ax.patches}
    assert set(by_value.values()) == {charts.GAIN, charts.LOSS}  # the window has both
    assert all(colour == (charts.GAIN if width >= 0 else charts.LOSS) for width, colour in by_value.items())
    assert (charts.GAIN, charts.LOSS) == (charts.BLUE, charts.ORANGE)


# -- ticks inside the canvas and apart -----------------------------------------------------------


def drawn_ticklabels(axis) -> list[Text]:
    """The tick labels a draw shows: ticks outside the view keep a label object but are not drawn."""
    low, high = sorted(axis.get_view_interval())
    span = high - low
    return [label for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False)
            if low - 1e-9 * span <= loc <= high + 1e-9 * span and label.get_visible() and label.get_text()]  # fmt: skip


def boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


@pytest.mark.parametrize("name", list(CASES))
def test_tick_labels_are_inside_the_canvas_and_never_overlap(figures, name):
    fig = figures[name]
    renderer = fig.canvas.get_renderer()
    canvas = fig.bbox
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            labels = drawn_ticklabels(axis)
            boxes = [t.get_window_extent(renderer) for t in labels]
            for box in boxes:
                assert canvas.x0 <= box.x0 and box.x1 <= canvas.x1 and canvas.y0 <= box.y0 and box.y1 <= canvas.y1
            for (la, a), (lb, b) in itertools.combinations(zip(labels, boxes, strict=True), 2):
                assert not boxes_overlap(a, b), (la.get_text(), lb.get_text())
    sessions = len(fig.axes[-1].lines[0].get_xdata()) if not name.startswith("performance") else 3
    assert len(drawn_ticklabels(fig.axes[-1].xaxis)) >= min(3, sessions)


@pytest.mark.parametrize("name", list(CASES))
def test_every_text_is_inside_the_canvas(figures, name):
    fig = figures[name]
    renderer = fig.canvas.get_renderer()
    ticks = {id(t) for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in axis.get_majorticklabels()}
    shown = [t for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in drawn_ticklabels(axis)]
    for text in [t for t in texts(fig) if id(t) not in ticks] + shown:
        box = text.get_window_extent(renderer)
        assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 and fig.bbox.y0 <= box.y0 and box.y1 <= fig.bbox.y1, \
            text.get_text()  # fmt: skip


def test_a_month_of_dates_reads_as_days_and_months_not_overlapping_full_dates(figures):
    labels = [t.get_text() for t in figures["compare 1m"].axes[-1].get_xticklabels()]
    assert "Feb" in labels and all(len(label) <= 4 for label in labels), labels


def test_linear_ticks_are_written_exactly(figures):
    formatter = charts._Ticks()
    formatter.set_locs([40, 42.5, 45, 47.5])
    assert [formatter(v) for v in (40, 42.5, 47.5)] == ["40.0", "42.5", "47.5"]
    formatter.set_locs([-0.0, 1000, 2000])
    assert [formatter(v) for v in (-0.0, 2000)] == ["0", "2,000"]
    for name in CASES:
        for ax in figures[name].axes:
            axis = ax.xaxis if name.startswith("performance") else ax.yaxis
            if axis.get_scale() == "linear":
                labels = [t.get_text() for t in axis.get_majorticklabels()]
                numbers = [float(s.replace(",", "").replace("%", "").replace(" pp", "")) for s in labels if s]
                locs = [v for v, s in zip(axis.get_majorticklocs(), labels, strict=True) if s]
                assert np.allclose(numbers, locs, atol=1e-9), labels


# -- time axes: dates, never hours -------------------------------------------------------------

DATE_LABEL = re.compile(r"^(\d{4}|[A-Z][a-z]{2}|\d{2}|[A-Z][a-z]{2} \d{1,2})$")  # 2024, Feb, 08, Oct 20


def time_axis_cases() -> list[str]:
    return [name for name, (kind, _) in CASES.items() if kind != "performance"]


@pytest.mark.parametrize("name", time_axis_cases())
def test_time_axes_tick_dates_not_hours(figures, name):
    """Daily closes have sessions, not hours: every tick is at midnight and its label is a date."""
    axis = figures[name].axes[-1].xaxis
    labels = drawn_ticklabels(axis)
    locs = [loc for loc in axis.get_majorticklocs() if any(label.get_position()[0] == loc for label in labels)]
    assert locs and all(loc == round(loc) for loc in locs), [str(num2date(loc)) for loc in locs]
    for label in labels:
        assert ":" not in label.get_text() and DATE_LABEL.match(label.get_text()), label.get_text()


@pytest.mark.parametrize("name", ["compare 2 sessions", "compare week", "alert 3 sessions"])
def test_a_short_window_ticks_its_sessions_with_month_and_day(figures, name):
    axis = figures[name].axes[-1].xaxis
    line = figures[name].axes[-1].lines[0]
    sessions = {pd.Timestamp(x).normalize() for x in line.get_xdata()}
    labels = drawn_ticklabels(axis)
    ticked = [pd.Timestamp(num2date(loc)).tz_localize(None) for loc, label in
              zip(axis.get_majorticklocs(), axis.get_majorticklabels(), strict=False) if label in labels]  # fmt: skip
    assert set(ticked) <= sessions and max(ticked) == max(sessions)  # sessions only, the last one among them
    assert [label.get_text() for label in labels] == [f"{day:%b} {day.day}" for day in ticked]
    if name == "compare 2 sessions":
        assert [label.get_text() for label in labels] == ["Oct 20", "Oct 21"]


@pytest.mark.parametrize("first", ["2023-03-13", "2023-03-10", "2023-03-08", "2023-03-01", "2023-02-21", "2023-02-13",
                                   "2023-01-03", "2022-09-13"])  # fmt: skip
def test_an_alert_over_any_span_ticks_dates(closes, first):
    """One session, a few, weeks, months: ticks on dates, labelled as dates, inside the canvas and apart."""
    fig = drawn("alert", closes["KRE"].loc[first:], T("2023-03-13"), "KRE")
    axis = fig.axes[0].xaxis
    labels = drawn_ticklabels(axis)
    locs = [loc for loc in axis.get_majorticklocs() if any(label.get_position()[0] == loc for label in labels)]
    assert locs and all(loc == round(loc) for loc in locs)
    assert all(DATE_LABEL.match(label.get_text()) for label in labels), [label.get_text() for label in labels]
    boxes = [label.get_window_extent(fig.canvas.get_renderer()) for label in labels]
    assert all(fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1 for box in boxes)
    assert not any(boxes_overlap(a, b) for a, b in itertools.combinations(boxes, 2))


# -- value ticks: enough to read, no tick mark read as a sign ----------------------------------------


@pytest.mark.parametrize("name", list(CASES))
def test_value_axes_have_enough_ticks_across_the_data_and_not_crowded(figures, name):
    """Three ticks or more inside the data's range on a panel with room for four (two on a short one), each
    label clear of the next by a quarter of its height at least."""
    fig = figures[name]
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        axis = ax.xaxis if name.startswith("performance") else ax.yaxis
        if axis.get_scale() != "linear":
            continue
        labels = drawn_ticklabels(axis)
        length = (ax.bbox.width if axis is ax.xaxis else ax.bbox.height) * 72 / fig.dpi
        assert len(labels) >= (3 if length >= 4 * 18 else 2), (ax.get_ylabel(), [t.get_text() for t in labels])
        if axis is ax.yaxis:
            boxes = sorted((t.get_window_extent(renderer) for t in labels), key=lambda box: box.y0)
            for below, above in itertools.pairwise(boxes):
                assert above.y0 - below.y1 >= below.height / 4, [t.get_text() for t in labels]


BANKS_CAPTION = ("Data: snapshot, last session 2026-02-20, 9 months old · Basis: total return (KRE, SPY, XLF) · "
                 "As of close 2023-03-13")  # fmt: skip


@pytest.mark.parametrize("caption", [CAPTION, BANKS_CAPTION])
def test_the_banks_drawdown_axis_reads_down_to_the_low(closes, caption):
    """The drawdown reaches -37.5%: ticks at -30% and up to 0, whatever room the caption leaves (the command's
    caption takes two lines: it left 0 and -20% only)."""
    top = drawn("banks", *banks_args(closes, "2023-03-13"), caption=caption).axes[0]
    labels = [t.get_text() for t in drawn_ticklabels(top.yaxis)]
    assert len(labels) >= 4 and "-30%" in labels and "0" in labels, labels
    assert all(not label[0].isdigit() or label == "0" for label in labels)  # none above 0 on a drawdown


@pytest.mark.parametrize("name", list(CASES))
def test_no_tick_mark_beside_a_value_or_name(figures, name):
    """A tick mark right of 'KRE' or '100' reads as a minus sign: the value axes have none (the grid shows where)."""
    for ax in figures[name].axes:
        for tick in ax.yaxis.get_major_ticks():
            assert not (tick.tick1line.get_visible() and tick.tick1line.get_markersize() > 0)
            assert not (tick.tick2line.get_visible() and tick.tick2line.get_markersize() > 0)


# -- bars -----------------------------------------------------------------------------------------


def test_one_performance_bar_is_a_bar_with_margins(figures):
    fig = figures["performance one"]
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    (bar,) = ax.patches
    box, frame = bar.get_window_extent(renderer), ax.bbox
    assert box.height <= 0.3 * frame.height  # a bar, not the frame filled
    assert box.y0 - frame.y0 > 0.3 * frame.height and frame.y1 - box.y1 > 0.3 * frame.height  # in the middle
    assert box.x0 - frame.x0 > 5 and box.x1 < frame.x1  # clear of the frame's left edge
    (label,) = ax.texts
    value = label.get_window_extent(renderer)
    assert frame.x0 <= value.x0 and value.x1 <= frame.x1  # its value inside the frame
    assert [t.get_text() for t in ax.get_yticklabels() if t.get_text()] == ["KRE"]


@pytest.mark.parametrize("name", ["performance 10", "performance losses"])
def test_many_bars_keep_their_room_and_clear_the_frame(figures, name):
    (ax,) = figures[name].axes
    renderer = figures[name].canvas.get_renderer()
    frame = ax.bbox
    for bar in ax.patches:
        box = bar.get_window_extent(renderer)
        assert frame.x0 + 5 < box.x0 and box.x1 < frame.x1 - 5 and frame.y0 < box.y0 and box.y1 < frame.y1
    for label in ax.texts:
        box = label.get_window_extent(renderer)
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1


# -- scale -------------------------------------------------------------------------------------


def test_log_scale_when_a_panel_spans_more_than_10x(closes, figures):
    nvda = closes[["NVDA", "^GSPC"]].dropna()
    rebased = nvda / nvda.iloc[0] * 100
    assert rebased.max().max() / rebased.min().min() > 10  # the condition, computed here
    top, bottom = figures["compare NVDA max"].axes
    assert top.get_yscale() == "log" and bottom.get_yscale() == "log"
    assert "log" in top.get_ylabel()
    # ^GSPC is no longer flat: its line spans a good part of the panel's height.
    gspc = top.lines[1].get_ydata()
    low, high = top.get_ylim()
    assert np.log(gspc.max() / gspc.min()) / np.log(high / low) > 0.2


def test_linear_scale_within_10x(figures):
    for name in ("compare 1y", "compare 1m", "banks", "history", "alert", "credit", "credit 2019-06-28"):
        assert {ax.get_yscale() for ax in figures[name].axes} == {"linear"}, name


# -- last-value labels -------------------------------------------------------------------------


def annotations(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_compare_labels_each_line_end_with_its_return_and_the_ratio(raw_closes, figures):
    both = raw_closes[["^RUT", "^GSPC"]].dropna().loc["2022-10-12":"2025-10-21"]
    rut, spx = (both.iloc[-1] / both.iloc[0] - 1) * 100
    top, bottom = figures["compare oct-2022-low"].axes
    assert f"^RUT {rut:+,.1f}%" in annotations(top) and f"^GSPC {spx:+,.1f}%" in annotations(top)
    assert f"{both['^RUT'].iloc[-1] / both['^GSPC'].iloc[-1]:.4f}" in annotations(bottom)
    assert (f"^RUT {rut:+,.1f}%", f"^GSPC {spx:+,.1f}%") == ("^RUT +47.4%", "^GSPC +88.3%")


def test_line_end_labels_sit_right_of_the_plot_and_apart(figures):
    fig = figures["compare 1m"]  # the two returns end 1 pp apart: close together
    renderer = fig.canvas.get_renderer()
    top = fig.axes[0]
    ends = [t for t in top.texts if t.get_text().startswith("^")]
    assert len(ends) == 2
    boxes = [t.get_window_extent(renderer) for t in ends]
    assert not boxes_overlap(*boxes)
    assert all(box.x0 >= top.bbox.x1 for box in boxes)


def test_banks_labels_the_drawdown_and_ratio(raw_closes, figures):
    kre = raw_closes["KRE"].dropna().loc[:"2023-03-13"]
    peak = kre.loc[T("2023-03-13") - pd.Timedelta(days=364):].max()
    drawdown = (kre.iloc[-1] / peak - 1) * 100
    ratio = raw_closes.loc["2023-03-13", "KRE"] / raw_closes.loc["2023-03-13", "SPY"]
    top, bottom = figures["banks 2023-03-13"].axes
    assert f"{drawdown:+.1f}%" in annotations(top) and f"{ratio:.4f}" in annotations(bottom)


def test_alert_labels_the_session_close(raw_closes, figures):
    (ax,) = figures["alert"].axes
    assert f"{raw_closes.loc['2023-03-13', 'KRE']:,.2f}" in annotations(ax)


CREDIT_DAYS = {"credit": "2026-02-20", "credit 2023-03-13": "2023-03-13", "credit 2025-10-21": "2025-10-21",
               "credit 2019-06-28": "2019-06-28"}  # fmt: skip


def credit_expected(raw_closes: pd.DataFrame, name: str) -> tuple[pd.DataFrame, float, float, float]:
    """The sessions the chart spans, from the raw files: those from its start to the session with KRE, HYG and
    IEF closes; KRE's change and the high-yield excess return (HYG over 0.45 of IEF, in logs) over them, and DGS2
    on or before the last."""
    day = T(CREDIT_DAYS[name])
    etfs = packaged("credit_daily.csv.gz", "symbol", "close")[["HYG", "IEF"]]
    rows = raw_closes[["KRE"]].join(etfs).loc[min(T("2022-09-01"), day - pd.DateOffset(years=1)) : day].dropna()
    kre = rows["KRE"].iloc[-1] / rows["KRE"].iloc[0] - 1
    hyg, ief = rows["HYG"].iloc[-1] / rows["HYG"].iloc[0], rows["IEF"].iloc[-1] / rows["IEF"].iloc[0]
    proxy = hyg / ief**0.45 - 1  # exp(Δlog HYG − 0.45 Δlog IEF) − 1
    _, dgs2 = on_or_before(packaged("fred_daily.csv.gz", "series", "value")["DGS2"], rows.index[-1])
    return rows, kre, proxy, dgs2


@pytest.mark.parametrize("name", list(CREDIT_DAYS))
def test_credit_labels_each_panel_end_with_its_last_value(raw_closes, figures, name):
    rows, kre, proxy, dgs2 = credit_expected(raw_closes, name)
    fig = figures[name]
    kre_ax, credit_ax, rates_ax = fig.axes
    labels = end_labels(fig)
    assert [label.get_text() for label in labels] == [signed(kre), signed(proxy), f"{dgs2:.2f}%"]
    for label in labels:  # at the last session
        assert pd.Timestamp(label.xy[0]) == rows.index[-1]
    assert [ax.get_ylabel() for ax in fig.axes] == ["KRE", "HY excess", "2-year, %"]
    # the lines: both ETFs rebased to 100 at the first session, the yield in percent on each session
    assert kre_ax.lines[0].get_ydata()[0] == credit_ax.lines[0].get_ydata()[0] == 100
    assert rates_ax.lines[0].get_ydata()[-1] == dgs2 and len(rates_ax.lines[0].get_xdata()) == len(rows)


def signed(change: float) -> str:
    """One decimal, or as many as keep a small change from reading as zero (+0.04%)."""
    percent = change * 100
    return f"{percent:+,.{next(d for d in range(1, 8) if round(percent, d) != 0)}f}%"


def end_labels(fig: Figure) -> list[Text]:
    """Each panel's one text right of its plot: the last value."""
    renderer = fig.canvas.get_renderer()
    found = [[t for t in ax.texts if t.get_window_extent(renderer).x0 >= ax.bbox.x1] for ax in fig.axes]
    assert [len(texts) for texts in found] == [1] * len(fig.axes)
    return [texts[0] for texts in found]


def test_credit_last_values_written_out(raw_closes, figures):
    # High yield's excess over duration-matched Treasuries was flat over the year: credit calm, rates not.
    assert [t.get_text() for t in end_labels(figures["credit 2023-03-13"])] == ["-35.3%", "+0.04%", "4.03%"]
    _, kre, proxy, dgs2 = credit_expected(raw_closes, "credit 2023-03-13")
    assert (round(kre * 100, 1), round(proxy * 100, 2), dgs2) == (-35.3, 0.04, 4.03)


def bands(ax) -> list[tuple[float, float]]:
    """The shaded spans of a panel (axvspan rectangles) as (left, right) date numbers."""
    return sorted((p.get_x(), p.get_x() + p.get_width()) for p in ax.patches)


@pytest.mark.parametrize(
    ("name", "shaded"),
    [
        ("credit", ["March 2023", "October 2025"]),
        ("credit 2023-03-13", ["March 2023"]),  # the episode ends on the last session drawn
        ("credit 2025-10-21", ["March 2023", "October 2025"]),  # four sessions after October 2025
        ("credit 2019-06-28", []),
    ],
)
def test_credit_shades_the_episodes_only_over_the_sessions_drawn(raw_closes, figures, name, shaded):
    rows, *_ = credit_expected(raw_closes, name)
    first, last = date2num(rows.index[0]), date2num(rows.index[-1])
    fig = figures[name]
    subtitle = [s for s in strings(fig) if "rebased to 100" in s]
    assert subtitle == [f"{rows.index[0].date()} → {rows.index[-1].date()}, rebased to 100"
                        + (f" · shaded: {', '.join(shaded)}" if shaded else "")]  # fmt: skip
    episodes = {label: (start, end) for label, start, end in credit.EPISODES}
    expected = []
    for label in shaded:
        days = rows.loc[episodes[label][0] : episodes[label][1]].index
        expected.append((date2num(days[0]), date2num(days[-1])))
    for ax in fig.axes:
        drawn_bands = bands(ax)
        assert len(drawn_bands) == len(expected)
        for (left, right), (day_first, day_last) in zip(drawn_bands, expected, strict=True):
            assert first <= left and right <= last  # never past the data, at either end
            assert left <= day_first and day_last <= right  # every session of the episode in the band
            assert right - left >= (last - first) / 60 - 1e-9  # widened to be seen
            assert to_hex(ax.patches[0].get_facecolor()) == charts.MUTED  # grey, not red
    if name == "credit 2023-03-13":
        assert bands(fig.axes[0])[0][1] == last  # widened back from the last session, not past it


def test_performance_labels_each_bar_with_its_return(raw_closes, figures):
    (ax,) = figures["performance 10"].axes
    frame = raw_closes[TEN].dropna()
    frame = frame.loc["2022-10-12":]
    returns = (frame.iloc[-1] / frame.iloc[0] - 1) * 100
    assert sorted(annotations(ax)) == sorted(f"{r:+,.1f}%" for r in returns)
    # best at the top: the tick labels, bottom to top, in order of return
    order = [t.get_text() for t in ax.get_yticklabels()]
    assert order == list(returns.sort_values().index)


# -- history -----------------------------------------------------------------------------------


def test_history_says_what_the_colours_mean_and_marks_the_year_to_date(raw_closes, figures):
    fig = figures["history"]
    top, _ = fig.axes
    legend = [t.get_text() for t in top.get_legend().get_texts()]
    assert legend == ["^RUT ahead", "^GSPC ahead", "2026 year to date"]
    assert "YTD" in annotations(top)
    # 2026 to date, from the raw closes: ^RUT ahead, so the hatched bar is blue.
    pair = raw_closes[["^RUT", "^GSPC"]].dropna()
    ytd = pair.iloc[-1] / pair.loc[:"2025-12-31"].iloc[-1] - 1
    last = top.patches[-1]
    assert last.get_height() == pytest.approx((ytd["^RUT"] - ytd["^GSPC"]) * 100, rel=1e-9)
    assert last.get_hatch() == "///"
    assert to_hex(last.get_facecolor()) == (charts.GAIN if ytd["^RUT"] > ytd["^GSPC"] else charts.LOSS)
    ticks = [t.get_text() for t in top.get_yticklabels()]
    assert "0" in ticks and not {"+0 pp", "-0 pp", "−0 pp"} & set(ticks)


# -- caption -----------------------------------------------------------------------------------


def caption_of(fig: Figure) -> Text:
    (caption,) = [t for t in texts(fig) if t.get_text().startswith("Data:")]
    return caption


@pytest.mark.parametrize("name", list(CASES))
def test_the_caption_is_printed_in_the_image(figures, name):
    assert caption_of(figures[name]).get_text().replace("\n", " ") == CAPTION


@pytest.mark.parametrize("name", list(CASES))
def test_the_caption_is_as_large_as_the_tick_labels_and_fits_the_canvas(figures, name):
    fig = figures[name]
    caption = caption_of(fig)
    ticks = [t for ax in fig.axes for axis in (ax.xaxis, ax.yaxis) for t in drawn_ticklabels(axis)]
    assert caption.get_fontsize() >= max(t.get_fontsize() for t in ticks)
    box = caption.get_window_extent(fig.canvas.get_renderer())
    assert fig.bbox.x0 < box.x0 and box.x1 < fig.bbox.x1 and fig.bbox.y0 < box.y0
    assert box.y1 < min(ax.get_position().y0 for ax in fig.axes) * fig.bbox.height  # under the plots


def test_a_long_caption_wraps_and_lifts_the_plots(closes):
    args = compare_args(closes, "^RUT", "^GSPC", "1y")
    short, long = drawn("compare", *args), drawn("compare", *args, caption=LONG_CAPTION)
    caption = caption_of(long)
    assert caption.get_text().replace("\n", " ") == LONG_CAPTION
    assert caption.get_text().count("\n") > caption_of(short).get_text().count("\n")
    box = caption.get_window_extent(long.canvas.get_renderer())
    assert long.bbox.x0 < box.x0 and box.x1 < long.bbox.x1  # wrapped, not running off the canvas
    assert long.axes[-1].get_position().y0 > short.axes[-1].get_position().y0
    renderer = long.canvas.get_renderer()
    tick_boxes = [t.get_window_extent(renderer) for t in long.axes[-1].get_xticklabels() if t.get_text()]
    assert not any(boxes_overlap(caption.get_window_extent(renderer), box) for box in tick_boxes)


def test_no_caption_draws_none(closes):
    fig = drawn("alert", *alert_args(closes, "2023-03-13"), caption="")
    assert not [s for s in strings(fig) if s.startswith("Data:")]


# -- anchors -----------------------------------------------------------------------------------


def anchor_lines(ax) -> set[pd.Timestamp]:
    """The days of the vertical lines spanning the panel (axvline: one x, y from 0 to 1 in axes terms)."""
    vertical = [line for line in ax.lines if len(set(line.get_xdata())) == 1 and list(line.get_ydata()) == [0, 1]]
    return {pd.Timestamp(line.get_xdata()[0]) if not isinstance(line.get_xdata()[0], float)
            else pd.Timestamp(num2date(line.get_xdata()[0])).tz_localize(None) for line in vertical}  # fmt: skip


OCT_LOW, SVB = T("2022-10-12"), T("2023-03-08")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("compare oct-2022-low", {OCT_LOW, SVB}),  # the window starts at the October low
        ("compare NVDA max", {OCT_LOW, SVB}),
        ("banks 2023-03-13", {OCT_LOW, SVB}),
        ("alert", {OCT_LOW, SVB}),
        ("history", {OCT_LOW, SVB}),
        ("credit", {OCT_LOW, SVB}),
        ("credit 2023-03-13", {OCT_LOW, SVB}),
        ("credit 2025-10-21", {OCT_LOW, SVB}),
        ("credit 2019-06-28", set()),
        ("compare 1y", set()),
        ("compare 1m", set()),
        ("banks", set()),
    ],
)
def test_anchors_are_marked_when_in_range_and_only_then(figures, name, expected):
    fig = figures[name]
    for ax in fig.axes:
        assert anchor_lines(ax) == expected
    labels = {"Oct 2022 low": OCT_LOW, "SVB": SVB}
    assert {day for label, day in labels.items() if label in annotations(fig.axes[0])} == expected


def test_close_anchor_labels_do_not_overlap(figures):
    fig = figures["history"]  # five months apart on a 39-year axis
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts if t.get_text() in ("Oct 2022 low", "SVB")]
    assert len(boxes) == 2 and not boxes_overlap(*boxes)


def is_anchor_line(line: Line2D) -> bool:
    return len(set(line.get_xdata())) == 1 and list(line.get_ydata()) == [0, 1]


def is_shaded_span(patch) -> bool:
    """An axvspan: the full height of the panel in axes terms, grey (the credit chart's episodes)."""
    return patch.get_y() == 0 and patch.get_height() == 1 and to_hex(patch.get_facecolor()) == charts.MUTED


def data_paths(ax) -> list[tuple[Path, bool]]:
    """Each thing the panel draws as data, in display coordinates, and whether it is filled: the lines (the
    reference lines at 100 or 0 too), fills and bars; not the anchors' own lines or the shaded spans."""
    paths = [(line.get_transform().transform_path(line.get_path()), False)
             for line in ax.lines if not is_anchor_line(line)]  # fmt: skip
    paths += [(coll.get_transform().transform_path(path), True) for coll in ax.collections for path in coll.get_paths()]
    paths += [(p.get_transform().transform_path(p.get_path()), True) for p in ax.patches if not is_shaded_span(p)]
    return paths


ANCHORED = ["compare oct-2022-low", "compare NVDA max", "compare max", "banks 2023-03-13", "alert", "history", "credit",
            "credit 2023-03-13", "credit 2025-10-21"]  # fmt: skip


@pytest.mark.parametrize("name", ANCHORED)
def test_anchor_labels_cover_no_data(figures, name):
    """A label box drawn over a line reads as a gap in the data: each anchor label lies inside the top panel and
    its drawn box crosses no line (the dashed 100 or 0 line included), fill or bar, and no other text."""
    fig = figures[name]
    renderer = fig.canvas.get_renderer()
    top = fig.axes[0]
    labels = [t for t in top.texts if t.get_text() in ("Oct 2022 low", "SVB")]
    assert len(labels) == 2
    paths = data_paths(top)
    assert paths
    for label in labels:
        box = label.get_bbox_patch().get_window_extent(renderer)  # the box, not only the letters
        assert top.bbox.x0 <= box.x0 and box.x1 <= top.bbox.x1 and top.bbox.y0 <= box.y0 and box.y1 <= top.bbox.y1
        for path, filled in paths:
            assert not path.intersects_bbox(box, filled=filled), (label.get_text(), path.vertices[:3])
        others = [t for t in texts(fig) if t is not label and t.get_text()]
        for other in others:
            assert not boxes_overlap(box, other.get_window_extent(renderer)), (label.get_text(), other.get_text())


@pytest.mark.parametrize("name", ["credit", "credit 2023-03-13", "credit 2025-10-21"])
def test_the_credit_labels_are_off_the_dashed_100_line(figures, name):
    fig = figures[name]
    renderer = fig.canvas.get_renderer()
    top = fig.axes[0]
    (hundred,) = [line for line in top.lines if list(line.get_ydata()) == [100, 100]]
    y = top.transData.transform((0, 100))[1]
    for label in (t for t in top.texts if t.get_text() in ("Oct 2022 low", "SVB")):
        box = label.get_bbox_patch().get_window_extent(renderer)
        assert not box.y0 <= y <= box.y1
        assert not hundred.get_transform().transform_path(hundred.get_path()).intersects_bbox(box)


def test_a_raised_top_keeps_its_ticks_on_the_data(figures):
    """Where the top panel is raised to make room for the labels, no value tick is put in that room."""
    top = figures["banks 2023-03-13"].axes[0]
    data_top = max(max(line.get_ydata()) for line in top.lines if not is_anchor_line(line))
    low, high = top.get_ylim()
    ticks = [loc for loc in top.yaxis.get_majorticklocs() if low <= loc <= high]
    assert max(ticks) <= max(data_top, 0) + 1e-9


def test_a_reused_banks_template_draws_the_same_bytes_as_a_fresh_one(closes):
    """The raised top and its capped ticks do not outlive the render that needed them."""
    quiet, anchored = banks_args(closes, "2026-02-20"), banks_args(closes, "2023-03-13")
    charts._pool.clear()
    fresh = charts.banks_chart(*quiet, caption=CAPTION)
    charts.banks_chart(*anchored, caption=CAPTION)
    assert charts.banks_chart(*quiet, caption=CAPTION) == fresh
    assert len(charts._pool[charts._draw_banks]) == 1


def test_history_bars_are_the_calendar_year_spreads(raw_closes, figures):
    pair = raw_closes[["^RUT", "^GSPC"]].dropna()
    year_end = pair.groupby(pair.index.year).tail(1)
    returns = (year_end / year_end.shift(1) - 1).iloc[1:-1]  # full years: 1988 to 2025
    expected = ((returns["^RUT"] - returns["^GSPC"]) * 100).to_numpy()
    top = figures["history"].axes[0]
    (bars,) = [c for c in top.collections if len(c.get_paths()) > 1]
    heights = [path.vertices[1, 1] for path in bars.get_paths()]
    assert heights == pytest.approx(list(expected), rel=1e-9)
    colours = [to_hex(c) for c in bars.get_facecolors()]
    assert colours == [charts.GAIN if v >= 0 else charts.LOSS for v in expected]


def test_a_render_that_fails_gives_no_template_back():
    def broken(fig, axes):
        axes[0].plot([1, 2], [3, 4])
        raise ValueError("no data")

    with pytest.raises(ValueError):
        charts._render(charts._ALERT, broken)
    assert charts._pool.get(broken, []) == []  # a half-drawn figure is never reused
