"""/performance: up to 10 symbols over one window, best first."""

from __future__ import annotations

import discord
import pandas as pd
from discord import app_commands

from analytics.charts import performance_chart
from analytics.frames import history_name
from analytics.performance import performance
from analytics.sources.base import Prices
from analytics.symbols import display_name, parse_symbol_list, price_basis
from analytics.windows import check_window, resolve_window
from commands import format as fmt
from commands.answer import Answer, checked_by
from commands.autocomplete import anchor_choices, end_anchor_choices, symbol_choices
from commands.buttons import performance_view
from commands.catalog import DESCRIPTIONS
from commands.footer import footer, provenance_data
from commands.limits import heavy_cooldown
from commands.respond import CommandCog
from commands.services import Services

MAX_SYMBOLS = 10
# Rows that are not total returns say so: an index's level leaves its dividends out.
BASIS_MARK = {"price": ", price only", "yield": ", a yield"}


def validate(today: pd.Timestamp, symbols: str, start: str, end: str) -> list[str]:
    """The symbols, checked and normalised, and the window's text checked; no data needed."""
    wanted = parse_symbol_list(symbols, MAX_SYMBOLS)
    check_window(start, end, today)
    return wanted


@checked_by(validate)
async def handle(
    services: Services, symbols: str = "NVDA META GOOGL MSFT ^GSPC ^RUT", start: str = "1y", end: str = ""
) -> Answer:
    """Start and end close, return and max drawdown of each symbol, sorted by return."""
    wanted = validate(services.clock(), symbols, start, end)
    # One symbol that cannot be had leaves the rest answered; the answer names it and why.
    prices = await services.market.closes(wanted, partial=True)
    return await services.offload(_answer, prices, wanted, start, end, services.clock())


def _answer(prices: Prices, wanted: list[str], start: str, end: str, now: pd.Timestamp) -> Answer:
    shown = [s for s in wanted if s not in prices.missing]
    closes = prices.closes[shown]
    # Sessions where every symbol traded, so the window is the same for all.
    window = resolve_window(start, end, closes.dropna().index, now, history_name=history_name(closes))
    rows = performance(closes, window)
    best, worst = rows[0], rows[-1]
    summary = (
        f"Best: {display_name(best.symbol)} {fmt.pct(best.return_)}"
        + (f"; worst: {display_name(worst.symbol)} {fmt.pct(worst.return_)}" if len(rows) > 1 else "")
        + f" ({window.label()})"
        + (f"; not shown: {', '.join(prices.missing)}" if prices.missing else "")
    )
    fields = [
        (
            f"{i}. {display_name(row.symbol)} ({row.symbol}{BASIS_MARK.get(price_basis(row.symbol), '')})",
            f"{fmt.pct(row.return_)} · {fmt.price(row.start_close)} → {fmt.price(row.end_close)} · max drawdown {fmt.pct(row.max_drawdown)}",
        )
        for i, row in enumerate(rows, 1)
    ]
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
        "missing": fmt.missing_data(prices.missing),
    }
    return Answer(
        command="performance",
        title="Performance",
        summary=summary,
        fields=tuple(fields),
        footer=footer(prices.provenance, shown, now, window.label(), window.end),
        data=data,
        chart=performance_chart(rows, window.label(), caption=footer(prices.provenance, wanted, now, as_of=window.end)),
        chart_name="performance.png",
    )


class Performance(CommandCog):
    @app_commands.command(name="performance", description=DESCRIPTIONS["performance"])
    @app_commands.describe(
        symbols="Up to 10 symbols separated by spaces (default NVDA META GOOGL MSFT ^GSPC ^RUT)",
        start="A date (2022-10-12) or an anchor: oct-2022-low, svb, ytd, 1m ... 10y, max (default 1y)",
        end="A date (default: the last close)",
    )
    @app_commands.autocomplete(symbols=symbol_choices, start=anchor_choices, end=end_anchor_choices)
    @heavy_cooldown
    async def performance(
        self,
        interaction: discord.Interaction,
        symbols: app_commands.Range[str, 1, 100] = "NVDA META GOOGL MSFT ^GSPC ^RUT",
        start: app_commands.Range[str, 1, 20] = "1y",
        end: app_commands.Range[str, 1, 20] = "",
    ) -> None:
        await self.responder.answer(interaction, handle, buttons=performance_view, symbols=symbols, start=start, end=end)
