"""/performance: up to 10 symbols over one window, best first."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.frames import history_name
from analytics.performance import PerformanceRow, performance, yield_performance
from analytics.sources.base import Prices
from analytics.symbols import display_name, price_basis
from analytics.windows import check_window, resolve_window
from analytics.yields import YieldMove, is_yield
from commands.kit import format as fmt
from commands.kit.answer import Answer
from commands.kit.command import AskHint, Button, Command, Services, window_buttons
from commands.kit.footer import footer, provenance_data
from commands.kit.options import Options, end_option, start_option, symbols_option

MAX_SYMBOLS = 10
DEFAULT_SYMBOLS = "NVDA META GOOGL MSFT ^GSPC ^RUT"
# Rows that are not total returns say so: an index's level leaves its dividends out.
BASIS_MARK = {"price": ", price only"}
YIELDS_FIELD = "Yields: in bp, not ranked with returns"


@dataclass(frozen=True)
class PerformanceOptions(Options):
    symbols: tuple[str, ...] = symbols_option(
        f"Up to {MAX_SYMBOLS} symbols separated by spaces (default {DEFAULT_SYMBOLS})", DEFAULT_SYMBOLS, MAX_SYMBOLS
    )
    start: str = start_option()
    end: str = end_option()

    def check(self, today: pd.Timestamp) -> None:
        check_window(self.start, self.end, today)


async def answer(services: Services, o: PerformanceOptions) -> Answer:
    """Start and end close, return and max drawdown of each symbol, sorted by return; yields apart, in bp."""
    wanted = list(o.symbols)
    # One symbol that cannot be had leaves the rest answered; the answer names it and why.
    prices = await services.market.closes(wanted, partial=True)
    return await services.offload(_answer, prices, wanted, o.start, o.end, services.clock(), services.charts)


def buttons(o: PerformanceOptions) -> list[Button]:
    return window_buttons(o.start)


def _answer(prices: Prices, wanted: list[str], start: str, end: str, now: pd.Timestamp, charts: bool) -> Answer:
    shown = [s for s in wanted if s not in prices.missing]
    closes = prices.closes[shown]
    # Sessions where every symbol traded, so the window is the same for all.
    window = resolve_window(start, end, closes.dropna().index, now, history_name=history_name(closes))
    # Yields move in bp: they are listed apart, after the ranked returns, never ranked with them.
    rows = performance(closes[[s for s in shown if not is_yield(s)]], window)
    levels = yield_performance(closes[[s for s in shown if is_yield(s)]], window)
    fields = [
        (
            f"{i}. {display_name(row.symbol)} ({row.symbol}{BASIS_MARK.get(price_basis(row.symbol), '')})",
            f"{fmt.pct(row.return_)} · {fmt.price(row.start_close)} → {fmt.price(row.end_close)} · "
            f"max drawdown {fmt.pct(row.max_drawdown)}",
        )
        for i, row in enumerate(rows, 1)
    ]
    if levels:
        fields.append((YIELDS_FIELD, "\n".join(_yield_line(y) for y in levels)))
    if prices.missing:
        fields.append(("Not shown", fmt.not_shown(prices.missing)))
    if window.notes:
        fields.append(("Dates", " ".join(window.notes)))
    data = {
        "command": "performance",
        **provenance_data(prices.provenance, window.end),
        "start": window.start.date().isoformat(),
        "end": window.end.date().isoformat(),
        "date_notes": list(window.notes),
        "rows": [
            {
                "symbol": row.symbol,
                "name": display_name(row.symbol),
                "basis": price_basis(row.symbol),
                "start_close": row.start_close,
                "end_close": row.end_close,
                "return_pct": row.return_ * 100,
                "max_drawdown_pct": row.max_drawdown * 100,
            }
            for row in rows
        ],
        "yields": [fmt.yield_move_data(y) for y in levels],
        "missing": fmt.missing_data(prices.missing),
    }
    return Answer(
        command="performance",
        title="Performance",
        summary=_summary(rows, levels, window.label(), list(prices.missing)),
        fields=tuple(fields),
        footer=footer(prices.provenance, shown, now, window.label(), window.end),
        data=data,
        chart=_chart(rows, window.label(), levels, footer(prices.provenance, wanted, now, as_of=window.end))
        if charts
        else None,
        chart_name="performance.png",
    )


def _chart(rows: list[PerformanceRow], label: str, levels: list[YieldMove], caption: str) -> bytes:
    from analytics.charts import performance_chart  # here, not at import: see analytics.charts

    return performance_chart(rows, label, yields=[(y.symbol, y.change_bp) for y in levels], caption=caption)


def _summary(rows: list[PerformanceRow], levels: list[YieldMove], label: str, missing: list[str]) -> str:
    parts = []
    if rows:
        best, worst = rows[0], rows[-1]
        parts.append(
            f"Best: {display_name(best.symbol)} {fmt.pct(best.return_, zero=fmt.UNCHANGED)}"
            + (
                f"; worst: {display_name(worst.symbol)} {fmt.pct(worst.return_, zero=fmt.UNCHANGED)}"
                if len(rows) > 1
                else ""
            )
        )
    if levels:
        moves = ", ".join(f"{y.symbol} {fmt.bp(y.change_bp, zero=fmt.UNCHANGED)}" for y in levels)
        parts.append(f"yields apart, in bp: {moves}" if rows else f"Yields, in bp: {moves}")
    return "; ".join(parts) + f" ({label})" + (f"; not shown: {', '.join(missing)}" if missing else "")


def _yield_line(y: YieldMove) -> str:
    r = y.range
    return (
        f"{display_name(y.symbol)} ({y.symbol}): {fmt.bp(y.change_bp)} · {fmt.level(y.start_level)} → "
        f"{fmt.level(y.end_level)} · range {fmt.level(r.low)}–{fmt.level(r.high)}"
    )


COMMANDS = (
    Command(
        name="performance",
        rank=20,
        description=f"Returns and drawdowns of up to {MAX_SYMBOLS} symbols over one window, best first, chart",
        options=PerformanceOptions,
        answer=answer,
        buttons=buttons,
        ask=AskHint(
            r"\b(?:best|worst|top|perform\w*|rank\w*|return\w*|winners?|losers?)\b",
            "best performers among the mag 7 this year",
            fill=("symbols", "start"),
        ),
        chart=True,
    ),
)
