"""Chart PNGs for Discord's dark theme, drawn with matplotlib's object API.

No pyplot: each chart owns its Figure, so charts can render in worker threads
without sharing global state. Every function is blocking; call it off the loop.
"""

from __future__ import annotations

import io

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, PercentFormatter

from analytics.compare import Comparison
from analytics.history import LongRun
from analytics.performance import PerformanceRow
from analytics.symbols import display_name

BACKGROUND = "#2b2d31"  # Discord's dark message background
PANEL = "#313338"
TEXT = "#dbdee1"
MUTED = "#949ba4"
GRID = "#3f4147"
BLUE, ORANGE, GREEN, RED = "#5865f2", "#f0b232", "#23a55a", "#f23f43"
SIZE = (8, 5)
DPI = 100


def _figure(rows: int = 1, heights: tuple[int, ...] = (1,)) -> tuple[Figure, list]:
    fig = Figure(figsize=SIZE, dpi=DPI, facecolor=BACKGROUND)
    FigureCanvasAgg(fig)
    # Fixed margins: constrained layout costs a third of the render time.
    fig.subplots_adjust(left=0.11, right=0.97, top=0.86, bottom=0.08, hspace=0.08)
    axes = fig.subplots(rows, 1, sharex=rows > 1, gridspec_kw={"height_ratios": heights}, squeeze=False)[:, 0]
    for ax in axes:
        ax.set_axisbelow(True)
        ax.set_facecolor(PANEL)
        ax.tick_params(colors=TEXT, labelsize=10)
        ax.grid(color=GRID, linewidth=0.6)
        for spine in ax.spines.values():
            spine.set_visible(False)
    return fig, list(axes)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=BACKGROUND)
    return buffer.getvalue()


def _title(fig: Figure, text: str, subtitle: str) -> None:
    fig.suptitle(f"{text}\n{subtitle}", color=TEXT, fontsize=12, linespacing=1.5)


def compare_chart(pair: pd.DataFrame, comparison: Comparison) -> bytes:
    """Both rebased to 100 at the window's start, and their ratio below."""
    a, b = comparison.a.symbol, comparison.b.symbol
    inside = pair.loc[comparison.window.start : comparison.window.end]
    rebased = inside / inside.iloc[0] * 100
    fig, (top, bottom) = _figure(2, (3, 2))
    top.plot(rebased.index, rebased[a], color=ORANGE, linewidth=1.6, label=f"{display_name(a)} ({a})")
    top.plot(rebased.index, rebased[b], color=BLUE, linewidth=1.6, label=f"{display_name(b)} ({b})")
    top.axhline(100, color=MUTED, linewidth=0.8, linestyle="--")
    top.set_ylabel("rebased to 100", color=MUTED)
    top.legend(facecolor=PANEL, edgecolor=GRID, labelcolor=TEXT, fontsize=10, loc="upper left")
    ratio = inside[a] / inside[b]
    bottom.plot(ratio.index, ratio, color=GREEN, linewidth=1.4)
    bottom.set_ylabel(f"{a}/{b}", color=MUTED)
    _title(fig, f"{display_name(a)} vs {display_name(b)}", comparison.window.label())
    return _png(fig)


def performance_chart(rows: list[PerformanceRow], window_label: str) -> bytes:
    """Horizontal bars of each return, best at the top."""
    fig, (ax,) = _figure()
    ordered = list(reversed(rows))
    values = [row.return_ * 100 for row in ordered]
    colors = [GREEN if v >= 0 else RED for v in values]
    bars = ax.barh([row.symbol for row in ordered], values, color=colors)
    ax.bar_label(bars, labels=[f"{v:+.1f}%" for v in values], color=TEXT, fontsize=10, padding=3)
    ax.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.axvline(0, color=MUTED, linewidth=0.8)
    ax.margins(x=0.15)
    _title(fig, "Performance", window_label)
    return _png(fig)


def banks_chart(closes: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> bytes:
    """KRE's drawdown from its 52-week high (the answer's figure), and KRE/SPY."""
    history = closes[["KRE", "SPY"]].loc[:end].dropna()
    kre = history["KRE"]
    # A 365-day window ending at t is trailing_52_weeks(): [t - 52 weeks, t].
    drawdown = (kre / kre.rolling("365D").max() - 1).loc[start:] * 100
    ratio = (history["KRE"] / history["SPY"]).loc[start:]
    fig, (top, bottom) = _figure(2, (1, 1))
    top.fill_between(drawdown.index, drawdown, 0, color=RED, alpha=0.5, linewidth=0)
    top.plot(drawdown.index, drawdown, color=RED, linewidth=1.2)
    top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0f}%"))
    top.set_ylabel("KRE vs 52-week high", color=MUTED)
    bottom.plot(ratio.index, ratio, color=ORANGE, linewidth=1.4)
    bottom.set_ylabel("KRE/SPY", color=MUTED)
    _title(fig, "Regional banks (KRE)", f"{start.date()} → {end.date()}")
    return _png(fig)


def history_chart(pair: pd.DataFrame, result: LongRun) -> bytes:
    """Each calendar year's spread (a's return minus b's), and the a/b close ratio over ``pair``."""
    years = result.years
    spreads = [y.spread * 100 for y in years]
    ratio = pair[result.a] / pair[result.b]
    fig, (top, bottom) = _figure(2, (1, 1))
    # Bars centred on each year, on the same date axis as the ratio below.
    middles = [pd.Timestamp(year=y.year, month=7, day=1) for y in years]
    top.bar(middles, spreads, color=[GREEN if v >= 0 else RED for v in spreads], width=300)
    top.axhline(0, color=MUTED, linewidth=0.8)
    top.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:+.0f} pp"))
    top.set_ylabel("yearly spread", color=MUTED)
    bottom.plot(ratio.index, ratio, color=ORANGE, linewidth=1.2)
    bottom.set_ylabel(f"{result.a}/{result.b}", color=MUTED)
    _title(fig, f"{display_name(result.a)} vs {display_name(result.b)}", f"{result.first.date()} → {result.as_of.date()}")
    return _png(fig)


def alert_chart(values: pd.Series, session: pd.Timestamp, label: str) -> bytes:
    """The watched series over about six months, the alert's session marked."""
    recent = values.loc[:session].dropna().iloc[-126:]
    fig, (ax,) = _figure()
    ax.plot(recent.index, recent, color=ORANGE, linewidth=1.6)
    ax.scatter([recent.index[-1]], [recent.iloc[-1]], color=RED, s=40, zorder=3)
    ax.set_ylabel(label, color=MUTED)
    _title(fig, label, f"{recent.index[0].date()} → {session.date()}")
    return _png(fig)


def credit_chart(
    closes: pd.DataFrame,
    fred: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    episodes: list[tuple[pd.Timestamp, pd.Timestamp]],
) -> bytes:
    """KRE, the credit proxy HYG/IEF (both rebased to 100) and the 2-year yield, episodes shaded."""
    kre_color, credit_color, rates_color, shade, muted = "#f28e2b", "#4e79a7", "#59a14f", "#e15759", "#8c8c8c"
    inside = closes.loc[start:end, ["KRE", "HYG", "IEF"]].dropna()
    rebased = inside / inside.iloc[0] * 100
    proxy = inside["HYG"] / inside["IEF"]
    proxy = proxy / proxy.iloc[0] * 100
    dgs2 = fred["DGS2"].dropna()
    dgs2 = dgs2[(dgs2.index >= inside.index[0]) & (dgs2.index <= inside.index[-1])]
    fig, axes = _figure(3, (3, 2, 2))
    axes[0].plot(rebased.index, rebased["KRE"], color=kre_color, linewidth=1.5, label="KRE (regional banks)")
    axes[0].set_ylabel("KRE", color=muted)
    axes[1].plot(proxy.index, proxy, color=credit_color, linewidth=1.5, label="HYG/IEF (credit proxy)")
    axes[1].set_ylabel("HYG/IEF", color=muted)
    axes[2].plot(dgs2.index, dgs2, color=rates_color, linewidth=1.5, label="2-year yield (DGS2)")
    axes[2].set_ylabel("2-year, %", color=muted)
    # A few sessions are a hairline on a multi-year axis: widen each band to at least 3 weeks.
    pad = max((inside.index[-1] - inside.index[0]) / 120, pd.Timedelta(days=10))
    for ax in axes:
        for first, last in episodes:
            if first <= inside.index[-1] and last >= inside.index[0]:
                middle = first + (last - first) / 2
                ax.axvspan(min(first, middle - pad), max(last, middle + pad), color=shade, alpha=0.3, linewidth=0)
        ax.legend(loc="lower left", fontsize=9, framealpha=0.6)
    days = f"{inside.index[0].date()} to {inside.index[-1].date()}"
    _title(fig, "Credit or rates? KRE, HYG/IEF and the 2-year yield", f"{days}, rebased to 100; shaded: March 2023 and October 2025")
    return _png(fig)
