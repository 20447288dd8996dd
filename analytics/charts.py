"""Chart PNGs for Discord's dark theme, drawn with matplotlib's object API.

Made to be read on a phone inside an embed: 1600x1000 px (8x5 in at 200 dpi), large
type, text colours that pass WCAG AA contrast on the dark theme, a colour-blind-safe
palette (Okabe-Ito; gains blue, losses orange), the last value written at each line's
end, a log scale when a panel spans more than 10x, the named anchors marked on time
axes (their names where they cover no data), dates (never hours) on time axes, and the
source, basis and as-of printed at tick size at the bottom (``caption``, wrapped to the
canvas) so a forwarded chart keeps its provenance.

The module reads top to bottom as: the shared style (colours, type sizes, layout
constants), the figure and its PNG, the pooled templates, the shared pieces every chart
uses (value axes, date axes, caption, end labels, anchors, bars), then one section per
chart: a public ``*_chart`` function and its ``_draw_*``.

No pyplot: each chart owns its Figure, so charts can render in worker threads and
processes without shared global state. Figures are expensive to build, so each chart
kind keeps a pool of drawn-once templates: a render takes one (under a lock), draws
its data, encodes and gives it back; the next render of that kind removes what the
last one added. Every function is blocking; call it off the loop.

Importing this module imports matplotlib (about a second): callers import it where a chart is
drawn, not at the top of a module, so that an answer without a chart (a terminal `quote`) never
pays for it; the bot's worker processes import it once when they start.
"""

from __future__ import annotations

import functools
import io
import math
import struct
import threading
import zlib  # the CRC of each PNG chunk
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis, YAxis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.textpath import TextToPath
from matplotlib.ticker import (
    FixedFormatter,
    FixedLocator,
    Formatter,
    FuncFormatter,
    Locator,
    LogLocator,
    MaxNLocator,
    NullFormatter,
    NullLocator,
)
from matplotlib.transforms import blended_transform_factory
from PIL import Image
from zlib_ng import zlib_ng

from analytics.compare import Comparison, YieldComparison
from analytics.credit import HY_DURATION_RATIO, to_session_values
from analytics.history import LongRun
from analytics.performance import PerformanceRow
from analytics.symbols import display_name
from analytics.windows import ANCHOR_DATES
from analytics.yields import spread_bp

# -- the shared style -------------------------------------------------------------------------

BACKGROUND = "#2b2d31"  # Discord's dark embed background: the canvas
PANEL = "#313338"  # the plotting area, a shade lighter
TEXT = "#dbdee1"  # titles, ticks, values: 10.2:1 on BACKGROUND, 9.4:1 on PANEL
MUTED = "#b5bac1"  # axis labels, anchors, caption: 7.1:1 and 6.5:1
GRID = "#3f4147"
# Okabe-Ito, the colours on a dark ground that read apart with every common colour-vision deficiency;
# each passes 4.5:1 on BACKGROUND and PANEL, so they can colour text as well as lines.
BLUE, ORANGE, YELLOW = "#56b4e9", "#e69f00", "#f0e442"
GREEN, RED = "#009e73", "#d55e00"  # bluish green and vermillion: lines and fills only (3.3:1 and more)
GAIN, LOSS = BLUE, ORANGE  # never red against green
SIZE = (8, 5)
DPI = 200  # 1600x1000 px
LOG_ABOVE = 10.0  # a panel whose highest value is more than 10x its lowest is drawn on a log scale

TITLE_PT, SUBTITLE_PT, TICK_PT, LABEL_PT, VALUE_PT, SMALL_PT = 16, 12.5, 12, 11, 12, 10.5
CAPTION_PT = TICK_PT  # read on a phone: never smaller than the ticks
CAPTION_X, CAPTION_Y = 0.012, 0.014  # the caption's bottom-left corner (figure fractions)
CAPTION_WIDTH = (1 - 2 * CAPTION_X) * SIZE[0] * 72  # points a caption line may take
CAPTION_LINE = CAPTION_PT * 1.2 / 72 / SIZE[1]  # figure fraction per caption line (matplotlib's 1.2 line spacing)
MIN_TICKS = 4  # value ticks within the data's range, where the panel has room for them
TICK_ROOM = 1.5 * TICK_PT  # the height a value tick needs: its label and a third of it clear
SHORT_SPAN = pd.Timedelta(days=21)  # a time axis shorter than this ticks its sessions themselves
DATE_LABEL_PT = 3.4 * TICK_PT  # the width of a session tick's label ('Oct 20'), for spacing them
BAR_HEIGHT = 0.7  # of a bar's slot
BAR_SLOTS = 4  # a bar chart of fewer bars keeps the room of this many: one bar is a bar, not the frame
BAR_LABEL_PAD, BAR_MARGIN = 4, 8  # points: from a bar's end to its label, and from a label or bar to the frame
# The anchors (of analytics.windows.ANCHOR_DATES) marked on time axes, and their names there. Only these: the
# bank episodes' days (march-2023, oct-2025) are the /credit chart's shaded spans, not more lines.
ANCHOR_LABELS = {"oct-2022-low": "Oct 2022 low", "svb": "SVB"}
# Anchor labels: SMALL_PT text in a box (padded by ANCHOR_PAD) beside the anchor's line, in rows from the top of
# the first panel; all in points.
ANCHOR_PAD = 0.15 * SMALL_PT
ANCHOR_BESIDE = 5.0  # from the anchor's line to the text
ANCHOR_TOP = 5.0  # from the panel's top to the first row's text
ANCHOR_ROW = SMALL_PT * 1.6
ANCHOR_CLEAR = 3.0  # between a label's box and the data, another anchor's line or a shaded span
# Artists that mark the chart rather than show data: an anchor label may cover them, never the data.
ANCHOR_GID, SHADE_GID = "anchor", "shade"


@dataclass(frozen=True)
class _Layout:
    """Fixed margins (figure fractions): constrained or tight layout would cost a third of the render."""

    rows: int = 1
    heights: tuple[int, ...] = (1,)
    left: float = 0.135
    right: float = 0.87  # at most: less when the last-value labels are long
    top: float = 0.85
    bottom: float = 0.085  # the tick labels; the caption's lines are added below them


def _new_figure(layout: _Layout) -> tuple[Figure, list[Axes]]:
    fig = Figure(figsize=SIZE, dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=layout.left, right=layout.right, top=layout.top, bottom=layout.bottom, hspace=0.1)
    grid = fig.subplots(
        layout.rows, 1, sharex=layout.rows > 1, gridspec_kw={"height_ratios": layout.heights}, squeeze=False
    )
    axes = list(grid[:, 0])
    for ax in axes:
        ax.set_axisbelow(True)
        ax.set_facecolor(PANEL)
        ax.tick_params(colors=TEXT, labelsize=TICK_PT, length=4, width=1)
        # No tick marks beside the value labels: the grid shows where they are, and "KRE -" or "100 -"
        # would read as a minus sign after the label.
        ax.tick_params(axis="y", length=0, pad=6)
        ax.grid(color=GRID, linewidth=1)
        ax.yaxis.set_minor_locator(NullLocator())
        for spine in ax.spines.values():
            spine.set_visible(False)
    return fig, axes


# -- the figure as a PNG -----------------------------------------------------------------------


def _png(fig: Figure) -> bytes:
    """The figure drawn, as a PNG (8-bit RGBA, opaque) that records its DPI.

    Encoded here rather than by ``savefig`` (Pillow tries every PNG row filter on every row: four
    times the cost). Agg's RGBA buffer is used as it is (dropping alpha would copy every pixel); each
    row is filtered with "up", the difference from the row above, which is zero across backgrounds and
    grid lines; zlib-ng deflates at level 2, 3x faster than zlib's level 1 and smaller. About 150-250 kB
    at 1600x1000, far under Discord's 10 MB."""
    canvas = fig.canvas
    canvas.draw()
    width, height = canvas.get_width_height()
    pixels = np.asarray(cast(FigureCanvasAgg, canvas).buffer_rgba()).reshape(height, width * 4)
    rows = np.empty((height, 1 + width * 4), np.uint8)
    rows[:, 0] = 2  # filter type "up"
    rows[0, 1:] = pixels[0]
    np.subtract(pixels[1:], pixels[:-1], out=rows[1:, 1:])
    per_metre = round(fig.dpi / 0.0254)
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
            _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
            _chunk(b"IDAT", zlib_ng.compress(rows, 2)),
            _chunk(b"IEND", b""),
        )
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def to_jpeg(png: bytes, quality: int = 90) -> bytes:
    """Re-encode chart PNG bytes as JPEG (for a ``--chart x.jpg``)."""
    with Image.open(io.BytesIO(png)) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=quality, dpi=image.info.get("dpi", (DPI, DPI)))
    return buffer.getvalue()


def _title(fig: Figure, text: str, subtitle: str) -> None:
    fig.suptitle(text, color=TEXT, fontsize=TITLE_PT, y=0.985, va="top")
    fig.text(0.5, 0.915, subtitle, color=TEXT, fontsize=SUBTITLE_PT, ha="center", va="top")


# -- templates -----------------------------------------------------------------------------


@dataclass
class _Template:
    fig: Figure
    axes: list[Axes]
    base: dict[Artist, frozenset[Artist]] = field(default_factory=dict)  # the children of a clean figure

    @classmethod
    def build(cls, layout: _Layout) -> _Template:
        fig, axes = _new_figure(layout)
        _title(fig, "", "")  # the suptitle is updated in place, so it belongs to the clean figure
        template = cls(fig, axes)
        template.base = {owner: frozenset(owner.get_children()) for owner in (fig, *axes)}
        return template

    def reset(self) -> None:
        """Back to the clean figure: what a render added removed, scales linear, limits automatic."""
        for owner, children in self.base.items():
            for artist in owner.get_children():
                if artist not in children:
                    artist.remove()
        for ax in self.axes:
            if ax.get_yscale() != "linear":
                ax.set_yscale("linear")
                ax.yaxis.set_minor_locator(NullLocator())
            ax.relim()
            ax.set_autoscale_on(True)


_pool: dict[Callable[..., None], list[_Template]] = {}  # per drawing: axes keep their units (dates)
_pool_lock = threading.Lock()


def _render(layout: _Layout, draw: Callable[..., None], *args: Any, **kwargs: Any) -> bytes:
    """``draw`` into a pooled template of ``layout`` and return the PNG. Thread-safe: a template is used by
    one render at a time; a burst builds as many as run at once. A render that fails drops its template."""
    with _pool_lock:
        free = _pool.setdefault(draw, [])
        template = free.pop() if free else None
    if template is None:
        template = _Template.build(layout)
    else:
        template.reset()
    draw(template.fig, template.axes, *args, **kwargs)
    png = _png(template.fig)
    with _pool_lock:
        _pool[draw].append(template)
    return png


# -- shared pieces --------------------------------------------------------------------------


def _signed(value: float, decimals: int, suffix: str) -> str:
    """As the answers write a change (commands.kit.format): a nonzero value keeps its sign with the decimals its
    first digit needs; zero has none."""
    if value == 0 or not math.isfinite(value):
        return f"{0:.{decimals}f}{suffix}" if value == 0 else "n/a"
    while round(value, decimals) == 0:
        decimals += 1
    return f"{value:+,.{decimals}f}{suffix}"


def _pct(value: float) -> str:
    """A fraction as the answers write it: 0.474 -> '+47.4%', -0.000491 -> '-0.05%'."""
    return _signed(value * 100, 1, "%")


def _bp(value: float) -> str:
    """A yield's move or a spread, in basis points: '+38 bp'."""
    return _signed(value, 0, " bp")


def _level(value: float) -> str:
    """A price or ratio: 40.66, 5,432.10, 0.3856."""
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4f}"


def _plain(value: float, _pos: object = None) -> str:
    """A log tick (1, 2 or 5 times a power of ten), exactly."""
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:g}"


_TEXT_PATHS = TextToPath()


@functools.lru_cache(maxsize=256)
def _text_width(text: str, size: float) -> float:
    """The width of one line of ``text`` in points, unhinted (a shade wider than Agg draws it)."""
    return _TEXT_PATHS.get_text_width_height_descent(text, FontProperties(size=size), ismath=False)[0]


class _Ticks(Formatter):
    """Linear ticks as plain numbers with thousands separators and the fewest decimals that write every
    tick exactly (57.5 is never '58'); zero is '0', never '-0' or '+0'."""

    def __init__(self, suffix: str = "", signed: bool = False) -> None:
        self.suffix, self.signed, self.decimals = suffix, signed, 0

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(list(locs))
        exact = (d for d in range(7) if all(abs(round(v, d) - v) <= 1e-9 * max(1.0, abs(v)) for v in locs))
        self.decimals = next(exact, 6)

    def __call__(self, value: float, pos: object = None) -> str:
        if round(value, self.decimals) == 0:
            return "0"
        return f"{value:{'+' if self.signed else ''},.{self.decimals}f}{self.suffix}"


class _Steps(MaxNLocator):
    """Linear ticks at 1, 2, 2.5 or 5 times a power of ten: MIN_TICKS of them inside the view where they stand
    TICK_ROOM apart, fewer only where that many would crowd the panel (the next finer step can double the count).
    Matplotlib's default asks for twice a label's height per tick, and so settles for two on a short panel: 0 and
    -20% on one whose line reaches -37.5%."""

    def __init__(self) -> None:
        super().__init__(nbins="auto", steps=[1, 2, 2.5, 5, 10], min_n_ticks=MIN_TICKS)

    def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
        low, high = sorted((vmin, vmax))
        if not isinstance(self.axis, Axis) or high <= low:
            return super().tick_values(vmin, vmax)
        upright = isinstance(self.axis, YAxis)
        along = (self.axis.axes.bbox.height if upright else self.axis.axes.bbox.width) * 72 / DPI
        view_low, view_high = sorted(self.axis.get_view_interval())
        per_unit = along / ((view_high - view_low) or (high - low))  # points (the range asked may be part of the view)
        room = TICK_ROOM if upright else 3 * TICK_PT  # side by side, labels are wider
        for wanted in range(MIN_TICKS, 1, -1):
            self._min_n_ticks = wanted
            ticks = super().tick_values(vmin, vmax)
            if len(ticks) < 2 or (ticks[1] - ticks[0]) * per_unit >= room:
                break
        return ticks


class _Upto(Locator):
    """Another locator's ticks up to ``ceiling``: the room raised above the data for anchor labels has none."""

    def __init__(self, inner: Locator, ceiling: float) -> None:
        self.inner, self.ceiling = inner, ceiling

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.inner.set_axis(axis)

    def __call__(self) -> Sequence[float]:
        if self.axis is None:
            return []
        low, high = self.axis.get_view_interval()
        return self.tick_values(low, min(high, self.ceiling))

    def tick_values(self, vmin: float, vmax: float) -> Sequence[float]:
        ticks = np.asarray(self.inner.tick_values(vmin, vmax))
        return list(ticks[ticks <= vmax + 1e-9 * abs(vmax)])

    def nonsingular(self, v0: float, v1: float) -> tuple[float, float]:
        return self.inner.nonsingular(v0, v1)

    def view_limits(self, vmin: float, vmax: float) -> tuple[float, float]:
        return self.inner.view_limits(vmin, vmax)


def _linear_axis(ax: Axes, formatter: Formatter | None = None, axis: str = "y") -> None:
    """A linear value axis: ``_Steps`` ticks, written by ``formatter`` (plain numbers by default). Set on every
    render: a pooled axis keeps the locator of the last one."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_locator(_Steps())
    target.set_major_formatter(formatter or _Ticks())


def _value_axis(ax: Axes, values: Iterable[np.ndarray]) -> bool:
    """A log scale when the panel spans more than LOG_ABOVE (else the smaller series is a flat line); plain
    numbers either way. True when log."""
    finite = np.concatenate([np.asarray(v, dtype=float).ravel() for v in values])
    finite = finite[np.isfinite(finite)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 0.0)
    log = bool(low > 0 and high / low > LOG_ABOVE)
    if log:
        ax.set_yscale("log")
        decades = math.log10(high / low)
        subs = (1.0,) if decades > 3 else (1.0, 3.0) if decades > 1.5 else (1.0, 2.0, 5.0)  # 3 to 6 ticks
        ax.yaxis.set_major_locator(LogLocator(subs=subs))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_major_formatter(FuncFormatter(_plain))
    else:
        _linear_axis(ax)
    return log


def _dates(ax: Axes, start: pd.Timestamp, end: pd.Timestamp, sessions: pd.DatetimeIndex | None = None) -> None:
    """The x axis from ``start`` to ``end``, ticked on dates and labelled with dates: the data are daily closes,
    so a tick never falls on an hour, whatever the span.

    Under SHORT_SPAN (a few sessions, a week or two) the ticks are the ``sessions`` themselves, from the last
    back, as many as fit apart, each written 'Oct 20'. Longer spans take AutoDateLocator's days, months or years
    (at most 7), written short ('Feb', '09', '2024'). The ticks and their labels are worked out once and fixed:
    a draw asks for them a dozen times. No offset text (the year under the axis): the subtitle states the dates,
    and the caption needs the room."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    if end - start < SHORT_SPAN:
        days = pd.DatetimeIndex(sessions if sessions is not None else pd.date_range(start, end, freq="D")).normalize()
        days = days[(days >= start.normalize()) & (days <= end)].unique()
        pad = pd.Timedelta(hours=12) if start == end else pd.Timedelta(0)  # one session: a day's width around it
        ax.set_xlim(start - pad, end + pad)
        width_pt = ax.get_position().width * SIZE[0] * 72
        gap = max((end - start) / pd.Timedelta(days=1), 1.0) * 1.25 * DATE_LABEL_PT / width_pt  # days between ticks
        ticks: list[pd.Timestamp] = []
        for day in reversed(days):
            if not ticks or (ticks[-1] - day) / pd.Timedelta(days=1) >= gap:
                ticks.append(day)
        ticks.reverse()
        ax.xaxis.set_major_locator(FixedLocator(date2num(ticks)))
        ax.xaxis.set_major_formatter(FixedFormatter([f"{day:%b} {day.day}" for day in ticks]))
        return
    ax.set_xlim(start, end)
    locator = AutoDateLocator(minticks=3, maxticks=7)  # over SHORT_SPAN it never picks hours
    locator.axis = ax.xaxis
    low, high = ax.get_xlim()
    ticks = [t for t in locator.tick_values(start, end) if low <= t <= high]
    labels = ConciseDateFormatter(locator, show_offset=False).format_ticks(ticks)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_major_formatter(FixedFormatter(labels))


def _ylabel(ax: Axes, text: str) -> None:
    """At the canvas's left edge: a fixed place spares each draw measuring every tick label to place it."""
    ax.set_ylabel(text, color=MUTED, fontsize=LABEL_PT, va="top")
    ax.yaxis.set_label_coords(0.008, 0.5, transform=blended_transform_factory(ax.figure.transFigure, ax.transAxes))


@functools.lru_cache(maxsize=128)
def _wrap(caption: str) -> tuple[str, ...]:
    """The caption in lines that fit across the canvas at CAPTION_PT: each line broken after a ' · ' when that
    keeps it at least 60% full, else between words."""
    lines: list[list[str]] = []
    line: list[str] = []
    for word in caption.split(" "):
        if line and _text_width(" ".join([*line, word]), CAPTION_PT) > CAPTION_WIDTH:
            dots = [i for i, w in enumerate(line) if w == "·"]
            if dots and _text_width(" ".join(line[: dots[-1] + 1]), CAPTION_PT) >= 0.6 * CAPTION_WIDTH:
                lines.append(line[: dots[-1] + 1])
                line = line[dots[-1] + 1 :]
            else:
                lines.append(line)
                line = []
        line.append(word)
    lines.append(line)
    return tuple(" ".join(words) for words in lines if words)


def _caption(fig: Figure, caption: str, layout: _Layout, end_labels: Sequence[str] = ()) -> None:
    """Source, basis and as-of at the bottom left, as large as the tick labels; wrapped to the canvas, each line
    lifting the plots. The right margin makes room for the longest last-value label (bold digits are about
    0.7 em wide)."""
    lines = _wrap(caption) if caption else ()
    label_inches = max((len(text) for text in end_labels), default=0) * VALUE_PT * 0.7 / 72 + 0.25
    fig.subplots_adjust(
        bottom=layout.bottom + CAPTION_Y + max(len(lines), 1) * CAPTION_LINE,
        right=min(layout.right, 1 - label_inches / SIZE[0]),
    )
    if lines:
        fig.text(CAPTION_X, CAPTION_Y, "\n".join(lines), color=MUTED, fontsize=CAPTION_PT, ha="left", va="bottom")


def _end_labels(ax: Axes, ends: Sequence[tuple[pd.Timestamp, float, str, str]]) -> None:
    """Each (x, y, text, colour) written just right of its line's last point, nudged apart if they collide."""
    ax.autoscale_view()
    gap = VALUE_PT * 1.3  # points
    to_points = 72 / DPI
    placed = sorted(
        (ax.transData.transform((ax.xaxis.convert_units(x), y))[1] * to_points, x, y, text, color)
        for x, y, text, color in ends
    )
    previous = -math.inf
    for natural, x, y, text, color in placed:
        at = max(natural, previous + gap)
        previous = at
        ax.annotate(
            text,
            xy=(x, y),
            xytext=(7, at - natural),
            textcoords="offset points",
            color=color,
            fontsize=VALUE_PT,
            fontweight="bold",
            va="center",
            ha="left",
            annotation_clip=False,
        )


def _data_segments(ax: Axes, width_pt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every segment the panel draws as data (lines, fills, bars and the texts placed on them; not anchors or
    shaded spans): the left and right x of each (points from the panel's left), the height of its higher end
    and, for a text, its own height above that (both fractions of the panel's height: a raised top moves the
    first, not the second)."""
    paths = [(line.get_transform(), line.get_xydata()) for line in ax.lines if line.get_gid() != ANCHOR_GID]
    paths += [(coll.get_transform(), path.vertices) for coll in ax.collections for path in coll.get_paths()]
    paths += [
        (patch.get_transform(), patch.get_path().vertices) for patch in ax.patches if patch.get_gid() != SHADE_GID
    ]
    box = ax.bbox
    lefts, rights, highs, extras = [], [], [], []
    for transform, data in paths:
        xy = np.asarray(data, dtype=float)
        if len(xy) < 2:
            continue
        points = transform.transform(xy)
        x = (points[:, 0] - box.x0) / box.width * width_pt
        y = (points[:, 1] - box.y0) / box.height
        lefts.append(np.minimum(x[:-1], x[1:]))
        rights.append(np.maximum(x[:-1], x[1:]))
        highs.append(np.maximum(y[:-1], y[1:]))
        extras.append(np.zeros(len(x) - 1))
    renderer = cast(FigureCanvasAgg, cast(Figure, ax.get_figure(root=True)).canvas).get_renderer()
    for text in ax.texts:  # such as the year-to-date bar's name
        extent = text.get_window_extent(renderer)
        lefts.append(np.array([(extent.x0 - box.x0) / box.width * width_pt]))
        rights.append(np.array([(extent.x1 - box.x0) / box.width * width_pt]))
        highs.append(np.array([(extent.y0 - box.y0) / box.height]))
        extras.append(np.array([extent.height / box.height]))
    if not highs:
        return np.empty(0), np.empty(0), np.empty(0), np.empty(0)
    left, right, high, extra = (np.concatenate(parts) for parts in (lefts, rights, highs, extras))
    finite = np.isfinite(left) & np.isfinite(right) & np.isfinite(high)
    return left[finite], right[finite], high[finite], extra[finite]


def _anchors(
    axes: Sequence[Axes],
    start: pd.Timestamp,
    end: pd.Timestamp,
    shaded: Sequence[tuple[pd.Timestamp, pd.Timestamp]] = (),
) -> None:
    """A dotted line at each named anchor between ``start`` and ``end`` across every panel, named at the top of the
    first panel beside its line, over no data (a label box over a line reads as a gap in it).

    Each label takes a row (from the top) and a side of its line where it stays inside the panel and overlaps no
    other label: the one that, first, lies across the fewest other anchors' lines and ``shaded`` spans (it steps
    past the span around its own line), then is highest, then on the right. Then the panel's top is raised just
    enough that the data under every label (and the texts on them) sit below it: the labels mostly fit in the room
    above the data, so a raise is rare and small; no value tick goes into the raised room. Call after the data,
    the value axes and the dates, and before the end labels (they place themselves on the final scale)."""
    marked = sorted(
        (pd.Timestamp(ANCHOR_DATES[key][0]), label)
        for key, label in ANCHOR_LABELS.items()
        if start <= pd.Timestamp(ANCHOR_DATES[key][0]) <= end
    )
    for day, _ in marked:
        for ax in axes:
            ax.axvline(day, color=MUTED, linewidth=1.2, linestyle=(0, (2, 2)), zorder=1.5, gid=ANCHOR_GID)
    if not marked:
        return
    top = axes[0]
    top.autoscale_view()
    width_pt = top.bbox.width * 72 / DPI
    height_pt = top.bbox.height * 72 / DPI
    x0, x1 = top.get_xlim()

    def x_of(day: pd.Timestamp) -> float:
        return (date2num(day) - x0) / (x1 - x0) * width_pt

    lines = [x_of(day) for day, _ in marked]
    spans = sorted((x_of(a), x_of(b)) for a, b in shaded)
    seg_left, seg_right, seg_high, seg_extra = _data_segments(top, width_pt)

    def room(left: float, right: float, row: int) -> float:
        """The share of its height the panel's data may keep for a label in ``row`` from ``left`` to ``right`` to
        clear them: 1 or more when they do already."""
        bottom = 1 - (ANCHOR_TOP + row * ANCHOR_ROW + SMALL_PT * 1.2 + ANCHOR_PAD + ANCHOR_CLEAR) / height_pt
        under = (seg_left <= right + ANCHOR_CLEAR) & (seg_right >= left - ANCHOR_CLEAR) & (seg_high > 0)
        return float(np.min((bottom - seg_extra[under]) / seg_high[under], initial=1.0))

    def box_at(line: float, width: float, side: int) -> tuple[float, float]:
        """The label's box (left, right) beside ``line``, past the shaded span around the line if there is one."""
        left = line + ANCHOR_BESIDE - ANCHOR_PAD if side > 0 else line - ANCHOR_BESIDE - width + ANCHOR_PAD
        for a, b in spans:
            if a - ANCHOR_BESIDE <= line <= b + ANCHOR_BESIDE:
                left = max(left, b + ANCHOR_CLEAR) if side > 0 else min(left, a - ANCHOR_CLEAR - width)
        return left, left + width

    def crossings(line: float, left: float, right: float) -> int:
        """The other anchors' lines between a label and its own line or under it, and the shaded spans it covers."""
        near, far = min(line, left) - ANCHOR_CLEAR, max(line, right) + ANCHOR_CLEAR
        others = sum(near < x < far for x in lines if x != line)
        covered = sum(left - ANCHOR_CLEAR < b and a < right + ANCHOR_CLEAR for a, b in spans if not a <= line <= b)
        return others + covered

    placed: list[tuple[int, float, float]] = []  # row, left, right
    needed = 1.0  # the share of the panel's height the data may keep
    for (day, label), line in zip(marked, lines, strict=True):
        width = _text_width(label, SMALL_PT) + 2 * ANCHOR_PAD
        options = []
        for row in range(len(marked)):
            for side in (1, -1):
                left, right = box_at(line, width, side)
                if any(r == row and left < b and a < right for r, a, b in placed):
                    continue
                outside = left < 0 or right > width_pt
                share = room(left, right, row)
                options.append((outside, crossings(line, left, right), row, side < 0, -min(share, 1.0), left, right))
        _, _, row, _, share, left, right = min(options)
        placed.append((row, left, right))
        needed = min(needed, -share)
        top.annotate(
            label,
            xy=(day, 1),
            xycoords=("data", "axes fraction"),
            xytext=(left + ANCHOR_PAD - line, -ANCHOR_TOP - row * ANCHOR_ROW),
            textcoords="offset points",
            ha="left",
            va="top",
            color=MUTED,
            fontsize=SMALL_PT,
            bbox={"boxstyle": f"square,pad={ANCHOR_PAD / SMALL_PT}", "facecolor": PANEL, "edgecolor": "none"},
        )
    if needed < 1:  # raise the top (in the scale's terms: a log panel is raised by a ratio)
        scale = top.yaxis.get_transform()
        low, high = top.get_ylim()
        low_s, high_s = scale.transform([low, high])
        raised = scale.inverted().transform([low_s + (high_s - low_s) / max(needed, 0.3)])[0]
        top.yaxis.set_major_locator(_Upto(top.yaxis.get_major_locator(), high))
        top.set_ylim(low, raised)


def _bars(ax: Axes, values: Sequence[float], labels: Sequence[str]) -> None:
    """The limits of a horizontal bar chart of ``values`` (bars at 0, 1, ...) labelled with ``labels`` at their
    ends: room for BAR_SLOTS bars at least, so a single bar is a bar in the middle of the panel, not the frame
    filled; across, the room the widest label on each side of zero takes beyond its bar, and a margin where no
    bar reaches (no bar touches the frame)."""
    count = max(len(values), 1)
    half = max(count, BAR_SLOTS) / 2
    ax.set_ylim((count - 1) / 2 - half, (count - 1) / 2 + half)
    finite = [value for value in values if math.isfinite(value)]
    low, high = min([0.0, *finite]), max([0.0, *finite])
    width_pt = ax.bbox.width * 72 / DPI

    def room(side: Iterable[str]) -> float:  # points
        return max((_text_width(label, VALUE_PT) + BAR_LABEL_PAD + BAR_MARGIN for label in side), default=BAR_MARGIN)

    left = room(label for value, label in zip(values, labels, strict=True) if value < 0)
    right = room(label for value, label in zip(values, labels, strict=True) if value >= 0)
    total = ((high - low) or 1.0) / max(1 - (left + right) / width_pt, 0.2)  # the axis's span in data units
    ax.set_xlim(low - left / width_pt * total, high + right / width_pt * total)


# -- the charts ------------------------------------------------------------------------------

_COMPARE = _Layout(rows=2, heights=(3, 2), right=0.80)
_PERFORMANCE = _Layout(left=0.12, right=0.95)
_BANKS = _Layout(rows=2, heights=(1, 1))
_HISTORY = _Layout(rows=2, heights=(1, 1), top=0.80)
_ALERT = _Layout()
_CREDIT = _Layout(rows=3, heights=(3, 2, 2))


# -- compare


def compare_chart(pair: pd.DataFrame, comparison: Comparison | YieldComparison, *, caption: str = "") -> bytes:
    """Both rebased to 100 at the window's start, and their ratio below; two yields: their levels (%), and the
    spread between them (bp) below."""
    if isinstance(comparison, YieldComparison):
        return _render(_COMPARE, _draw_compare_yields, pair, comparison, caption)
    return _render(_COMPARE, _draw_compare, pair, comparison, caption)


def _draw_compare(fig: Figure, axes: list[Axes], pair: pd.DataFrame, comparison: Comparison, caption: str) -> None:
    top, bottom = axes
    a, b = comparison.a.symbol, comparison.b.symbol
    inside = pair.loc[comparison.window.start : comparison.window.end]
    rebased = inside / inside.iloc[0] * 100
    ratio = inside[a] / inside[b]
    first, last = inside.index[0], inside.index[-1]
    lines = [
        (last, rebased[a].iloc[-1], f"{a} {_pct(comparison.a.return_)}", ORANGE),
        (last, rebased[b].iloc[-1], f"{b} {_pct(comparison.b.return_)}", BLUE),
    ]
    ratio_end = [(last, ratio.iloc[-1], f"{comparison.ratio_end:.4f}", YELLOW)]
    _caption(fig, caption, _COMPARE, [end[2] for end in lines + ratio_end])
    top.plot(rebased.index, rebased[a], color=ORANGE, linewidth=2)
    top.plot(rebased.index, rebased[b], color=BLUE, linewidth=2)
    top.axhline(100, color=MUTED, linewidth=1, linestyle="--")
    log = _value_axis(top, [rebased.to_numpy()])
    _ylabel(top, "rebased to 100" + (", log" if log else ""))
    bottom.plot(ratio.index, ratio, color=YELLOW, linewidth=1.8)
    _ylabel(bottom, f"{a}/{b}" + (", log" if _value_axis(bottom, [ratio.to_numpy()]) else ""))
    _dates(bottom, first, last, inside.index)
    _anchors(axes, first, last)
    _end_labels(top, lines)
    _end_labels(bottom, ratio_end)
    _title(fig, f"{display_name(a)} vs {display_name(b)}", comparison.window.label())


def _draw_compare_yields(
    fig: Figure, axes: list[Axes], pair: pd.DataFrame, comparison: YieldComparison, caption: str
) -> None:
    """Levels as quoted (linear: a yield near zero is no reason for a log scale), and the spread a − b in bp with
    its zero line."""
    top, bottom = axes
    a, b = comparison.a.symbol, comparison.b.symbol
    inside = pair.loc[comparison.window.start : comparison.window.end]
    spread = spread_bp(inside[a], inside[b])
    first, last = inside.index[0], inside.index[-1]
    lines = [
        (last, inside[a].iloc[-1], f"{a} {inside[a].iloc[-1]:.2f}%", ORANGE),
        (last, inside[b].iloc[-1], f"{b} {inside[b].iloc[-1]:.2f}%", BLUE),
    ]
    spread_end = [(last, spread.iloc[-1], _bp(comparison.spread_end), YELLOW)]
    _caption(fig, caption, _COMPARE, [end[2] for end in lines + spread_end])
    top.plot(inside.index, inside[a], color=ORANGE, linewidth=2)
    top.plot(inside.index, inside[b], color=BLUE, linewidth=2)
    _linear_axis(top, _Ticks("%"))
    _ylabel(top, "yield, %")
    bottom.plot(spread.index, spread, color=YELLOW, linewidth=1.8)
    if spread.min() < 0 < spread.max():
        bottom.axhline(0, color=MUTED, linewidth=1, linestyle="--")
    _linear_axis(bottom, _Ticks(signed=True))
    _ylabel(bottom, f"{a} − {b}, bp")
    _dates(bottom, first, last, inside.index)
    _anchors(axes, first, last)
    _end_labels(top, lines)
    _end_labels(bottom, spread_end)
    _title(fig, f"{display_name(a)} vs {display_name(b)}", comparison.window.label())


# -- performance


def performance_chart(
    rows: list[PerformanceRow], window_label: str, *, yields: Sequence[tuple[str, float]] = (), caption: str = ""
) -> bytes:
    """Horizontal bars of each return, best at the top: gains blue, losses orange, each labelled.

    ``yields``: (symbol, change in bp). Yields are not ranked with returns: beside priced rows they are not drawn
    (the subtitle names them); when every symbol is a yield, the bars are their changes in bp (up blue, down
    orange)."""
    return _render(_PERFORMANCE, _draw_performance, rows, window_label, caption, yields=tuple(yields))


def _draw_performance(
    fig: Figure,
    axes: list[Axes],
    rows: list[PerformanceRow],
    window_label: str,
    caption: str,
    yields: tuple[tuple[str, float], ...] = (),
) -> None:
    _caption(fig, caption, _PERFORMANCE)
    (ax,) = axes
    if rows:
        bars = [(row.symbol, row.return_ * 100, _pct(row.return_)) for row in reversed(rows)]
        unit, subtitle = "%", window_label
        if yields:
            named = ", ".join(symbol for symbol, _ in yields) if len(yields) <= 3 else f"{len(yields)} yields"
            subtitle += f" · not drawn: {named} (in bp)"
    else:  # only yields: their changes in bp, ranked among themselves
        bars = [(symbol, change, _bp(change)) for symbol, change in sorted(yields, key=lambda y: y[1])]
        unit, subtitle = " bp", f"{window_label} · yields, change in bp"
    names, values, labels = (list(column) for column in zip(*bars, strict=True))
    places = list(range(len(bars)))  # numeric places, not categories: a pooled axis keeps no category list
    drawn = ax.barh(places, values, color=[GAIN if v >= 0 else LOSS for v in values], height=BAR_HEIGHT)
    ax.bar_label(drawn, labels=labels, color=TEXT, fontsize=VALUE_PT, padding=BAR_LABEL_PAD)
    ax.yaxis.set_major_locator(FixedLocator(places))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: names[int(v)] if 0 <= v < len(names) else ""))
    _linear_axis(ax, _Ticks(unit), axis="x")
    ax.grid(False, axis="y")
    ax.axvline(0, color=MUTED, linewidth=1)
    _bars(ax, values, labels)
    _title(fig, "Performance", subtitle)


# -- banks


def banks_chart(closes: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, *, caption: str = "") -> bytes:
    """KRE's drawdown from its 52-week high (the answer's figure), and KRE/SPY."""
    return _render(_BANKS, _draw_banks, closes, start, end, caption)


def _draw_banks(
    fig: Figure, axes: list[Axes], closes: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, caption: str
) -> None:
    top, bottom = axes
    history = closes[["KRE", "SPY"]].loc[:end].dropna()
    kre = history["KRE"]
    # A 365-day window ending at t is trailing_52_weeks(): [t - 52 weeks, t].
    drawdown = (kre / kre.rolling("365D").max() - 1).loc[start:] * 100
    ratio = (history["KRE"] / history["SPY"]).loc[start:]
    first, last = drawdown.index[0], drawdown.index[-1]
    drawdown_end = [(last, drawdown.iloc[-1], _pct(drawdown.iloc[-1] / 100), ORANGE)]
    ratio_end = [(last, ratio.iloc[-1], f"{ratio.iloc[-1]:.4f}", BLUE)]
    _caption(fig, caption, _BANKS, [end[2] for end in drawdown_end + ratio_end])
    top.fill_between(drawdown.index, drawdown, 0, color=ORANGE, alpha=0.35, linewidth=0)
    top.plot(drawdown.index, drawdown, color=ORANGE, linewidth=1.6)
    _linear_axis(top, _Ticks("%"))
    _ylabel(top, "KRE vs 52-week high")
    bottom.plot(ratio.index, ratio, color=BLUE, linewidth=1.8)
    _ylabel(bottom, "KRE/SPY" + (", log" if _value_axis(bottom, [ratio.to_numpy()]) else ""))
    _dates(bottom, first, last, drawdown.index)
    _anchors(axes, first, last)
    _end_labels(top, drawdown_end)
    _end_labels(bottom, ratio_end)
    _title(fig, "Regional banks (KRE)", f"{first.date()} → {last.date()}")


# -- history


def history_chart(pair: pd.DataFrame, result: LongRun, *, caption: str = "") -> bytes:
    """Each calendar year's spread (a's return minus b's), and the a/b close ratio over ``pair``."""
    return _render(_HISTORY, _draw_history, pair, result, caption)


def _draw_history(fig: Figure, axes: list[Axes], pair: pd.DataFrame, result: LongRun, caption: str) -> None:
    top, bottom = axes
    a, b = result.a, result.b
    years = result.years
    spreads = [y.spread * 100 for y in years]
    ratio = pair[a] / pair[b]
    ratio_end = [(ratio.index[-1], ratio.iloc[-1], f"{ratio.iloc[-1]:.4f}", YELLOW)]
    _caption(fig, caption, _HISTORY, [end[2] for end in ratio_end])
    # Bars centred on each year, on the same date axis as the ratio below.
    middles = [pd.Timestamp(year=y.year, month=7, day=1) for y in years]
    colours = [GAIN if v >= 0 else LOSS for v in spreads]
    partial = years[-1].partial
    full = len(years) - partial
    # The full years as one collection: forty bar patches cost more to add than the whole chart to draw.
    left = date2num(middles[:full]) - 150
    top.add_collection(
        PolyCollection(
            [[(x, 0), (x, v), (x + 300, v), (x + 300, 0)] for x, v in zip(left, spreads[:full], strict=True)],
            facecolors=colours[:full],
            linewidths=0,
        )
    )
    top.update_datalim([(left[0], min(spreads)), (left[-1] + 300, max(spreads))])
    if partial:  # the current year so far: hatched and named
        top.bar(middles[-1], spreads[-1], width=300, color=colours[-1], hatch="///", edgecolor=BACKGROUND, linewidth=0)
        top.annotate(
            "YTD",
            xy=(middles[-1], spreads[-1]),
            xytext=(0, 4 if spreads[-1] >= 0 else -4),
            textcoords="offset points",
            ha="center",
            va="bottom" if spreads[-1] >= 0 else "top",
            color=TEXT,
            fontsize=SMALL_PT,
        )
    top.axhline(0, color=MUTED, linewidth=1)
    _linear_axis(top, _Ticks(" pp", signed=True))
    _ylabel(top, "yearly spread")
    handles = [Patch(color=GAIN, label=f"{a} ahead"), Patch(color=LOSS, label=f"{b} ahead")]
    if partial:
        handles.append(Patch(facecolor=GAIN, hatch="///", edgecolor=BACKGROUND, label=f"{years[-1].year} year to date"))
    top.legend(
        handles=handles,
        loc="lower left",
        bbox_to_anchor=(0, 1.02),
        ncol=len(handles),
        frameon=False,
        labelcolor=TEXT,
        fontsize=SMALL_PT,
        borderaxespad=0,
        handlelength=1.4,
        columnspacing=1.5,
    )
    bottom.plot(ratio.index, ratio, color=YELLOW, linewidth=1.4)
    _ylabel(bottom, f"{a}/{b}" + (", log" if _value_axis(bottom, [ratio.to_numpy()]) else ""))
    # Wide enough for the first and last bars (the last year's bar spans it even when it is year to date).
    end = max(result.as_of, pd.Timestamp(year=years[-1].year, month=12, day=31))
    _dates(bottom, min(result.first, middles[0] - pd.Timedelta(days=160)), end, ratio.index)
    _anchors(axes, result.first, result.as_of)
    _end_labels(bottom, ratio_end)
    _title(
        fig,
        f"{display_name(a)} vs {display_name(b)}",
        f"calendar-year spread, {a} minus {b}; {result.first.date()} → {result.as_of.date()}",
    )


# -- alert


def alert_chart(values: pd.Series, session: pd.Timestamp, label: str, *, caption: str = "") -> bytes:
    """The watched series over about six months, the alert's session marked."""
    return _render(_ALERT, _draw_alert, values, session, label, caption)


def _draw_alert(
    fig: Figure, axes: list[Axes], values: pd.Series, session: pd.Timestamp, label: str, caption: str
) -> None:
    (ax,) = axes
    recent = values.loc[:session].dropna().iloc[-126:]
    first, last = recent.index[0], recent.index[-1]
    end = [(last, recent.iloc[-1], _level(recent.iloc[-1]), ORANGE)]
    _caption(fig, caption, _ALERT, [label for _, _, label, _ in end])
    ax.plot(recent.index, recent, color=BLUE, linewidth=2)
    ax.scatter([last], [recent.iloc[-1]], color=ORANGE, s=70, zorder=3, clip_on=False)  # whole at the panel's edge
    _ylabel(ax, label + (", log" if _value_axis(ax, [recent.to_numpy()]) else ""))
    _dates(ax, first, last, recent.index)
    _anchors(axes, first, last)
    _end_labels(ax, end)
    _title(fig, label, f"{first.date()} → {session.date()}")


# -- credit

Episode = tuple[str, pd.Timestamp, pd.Timestamp]  # label, first and last session


def credit_chart(
    closes: pd.DataFrame,
    fred: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    episodes: Sequence[Episode],
    *,
    caption: str = "",
) -> bytes:
    """KRE and the high-yield excess return (HYG less its Treasury duration, log HYG − 0.45 × log IEF: the
    reading's own credit measure) rebased to 100, and the 2-year yield (FRED DGS2, each session taking
    the latest value on or before it), over the sessions from ``start`` to ``end`` with all three closes; each
    (label, first, last) episode shaded where it falls in them and named in the subtitle."""
    return _render(_CREDIT, _draw_credit, closes, fred, start, end, episodes, caption)


def _draw_credit(
    fig: Figure,
    axes: list[Axes],
    closes: pd.DataFrame,
    fred: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    episodes: Sequence[Episode],
    caption: str,
) -> None:
    kre_ax, credit_ax, rates_ax = axes
    inside = closes.loc[start:end, ["KRE", "HYG", "IEF"]].dropna()
    sessions = inside.index
    first, last = sessions[0], sessions[-1]
    kre = inside["KRE"] / inside["KRE"].iloc[0] * 100
    excess = np.log(inside["HYG"]) - HY_DURATION_RATIO * np.log(inside["IEF"])
    proxy = np.exp(excess - excess.iloc[0]) * 100
    dgs2 = to_session_values(fred["DGS2"], sessions).dropna()
    ends = [
        (kre_ax, kre, _pct(kre.iloc[-1] / 100 - 1), ORANGE),
        (credit_ax, proxy, _pct(proxy.iloc[-1] / 100 - 1), BLUE),
        (rates_ax, dgs2, f"{dgs2.iloc[-1]:.2f}%", YELLOW),
    ]
    _caption(fig, caption, _CREDIT, [text for _, _, text, _ in ends])
    for ax, values, _, colour in ends:
        ax.plot(values.index, values, color=colour, linewidth=1.8)
    for ax in (kre_ax, credit_ax):
        ax.axhline(100, color=MUTED, linewidth=1, linestyle="--")
    _ylabel(kre_ax, "KRE" + (", log" if _value_axis(kre_ax, [kre.to_numpy()]) else ""))
    _ylabel(credit_ax, "HY excess" + (", log" if _value_axis(credit_ax, [proxy.to_numpy()]) else ""))
    _linear_axis(rates_ax)  # linear always: a yield moves in basis points and can reach 0
    _ylabel(rates_ax, "2-year, %")
    shaded, spans = [], []
    # A few sessions are a hairline on a multi-year axis: a band is at least 1/60 of the axis wide, widened
    # about its middle and kept inside the drawn sessions (never past the last: no days without data).
    for label, episode_first, episode_last in episodes:
        days = sessions[(sessions >= episode_first) & (sessions <= episode_last)]
        if days.empty:
            continue
        shaded.append(label)
        width = min(max(days[-1] - days[0], (last - first) / 60), last - first)
        low = min(max(days[0] + (days[-1] - days[0] - width) / 2, first), last - width)
        spans.append((low, low + width))
        for ax in axes:
            ax.axvspan(low, low + width, color=MUTED, alpha=0.22, linewidth=0, zorder=0.5, gid=SHADE_GID)
    _dates(rates_ax, first, last, sessions)
    _anchors(axes, first, last, spans)
    for ax, values, text, colour in ends:
        _end_labels(ax, [(values.index[-1], values.iloc[-1], text, colour)])
    _title(
        fig,
        "Credit or rates? KRE, high-yield excess return and the 2-year",
        f"{first.date()} → {last.date()}, rebased to 100" + (f" · shaded: {', '.join(shaded)}" if shaded else ""),
    )


# The drawing behind each chart, for tests that inspect the drawn figure.
DRAWINGS: dict[str, tuple[_Layout, Callable[..., None]]] = {
    "compare": (_COMPARE, _draw_compare),
    "compare yields": (_COMPARE, _draw_compare_yields),
    "performance": (_PERFORMANCE, _draw_performance),
    "banks": (_BANKS, _draw_banks),
    "history": (_HISTORY, _draw_history),
    "alert": (_ALERT, _draw_alert),
    "credit": (_CREDIT, _draw_credit),
}
