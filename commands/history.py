"""/history: Russell 2000 against the S&P 500 over the long run."""

from __future__ import annotations

import discord
import pandas as pd
from discord import app_commands

from analytics.charts import history_chart
from analytics.compare import aligned_pair
from analytics.history import long_run
from analytics.sources.base import Prices
from commands import format as fmt
from commands.answer import Answer
from commands.catalog import DESCRIPTIONS
from commands.footer import footer, provenance_data
from commands.limits import heavy_cooldown
from commands.respond import CommandCog
from commands.services import Services

A, B = "^RUT", "^GSPC"
RECENT_YEARS = 10  # calendar years listed in Discord (JSON has all)


async def handle(services: Services) -> Answer:
    """Calendar-year returns side by side and how often small caps won over 1, 3 and 5 years."""
    prices = await services.market.closes([A, B])
    return await services.offload(_answer, prices, services.clock())


def _answer(prices: Prices, now: pd.Timestamp) -> Answer:
    pair = aligned_pair(prices.closes, A, B)
    result = long_run(pair)
    wins = sum(1 for y in result.years if not y.partial and y.spread > 0)
    full = sum(1 for y in result.years if not y.partial)
    summary = (
        f"Small caps beat large caps in {wins} of {full} calendar years since {result.years[0].year}; "
        + ", ".join(f"{r.share * 100:.0f}% of rolling {r.years}-year windows" for r in result.rolling)
        + "."
    )
    lines = [
        f"{y.year}{' YTD' if y.partial else ''}: {fmt.pct(y.return_a)} vs {fmt.pct(y.return_b)} ({fmt.pp(y.spread)})"
        for y in result.years[-RECENT_YEARS:]
    ]
    fields = (
        (f"Calendar years, {A} vs {B}", "\n".join(lines)),
        (
            "Rolling windows (252 sessions a year)",
            "\n".join(f"{r.years}y: {A} ahead in {r.a_beat_b:,} of {r.windows:,} ({r.share * 100:.1f}%)" for r in result.rolling),
        ),
    )
    data = {
        "command": "history",
        **provenance_data(prices.provenance, result.as_of),
        "start": result.first.date().isoformat(),
        "end": result.as_of.date().isoformat(),
        "a": A,
        "b": B,
        "years": [
            {"year": y.year, "partial": y.partial, "a_return_pct": y.return_a * 100, "b_return_pct": y.return_b * 100,
             "spread_pp": y.spread * 100}
            for y in result.years
        ],
        "rolling": [
            {"years": r.years, "windows": r.windows, "a_beat_b": r.a_beat_b, "share_pct": r.share * 100}
            for r in result.rolling
        ],
    }  # fmt: skip
    return Answer(
        command="history",
        title="Small caps vs large caps, the long run",
        summary=summary,
        fields=fields,
        footer=footer(prices.provenance, [A, B], now, f"{result.first.date()} → {result.as_of.date()}", result.as_of),
        chart=history_chart(pair, result, caption=footer(prices.provenance, [A, B], now, as_of=result.as_of)),
        chart_name="history.png",
        data=data,
    )


class History(CommandCog):
    @app_commands.command(name="history", description=DESCRIPTIONS["history"])
    @heavy_cooldown
    async def history(self, interaction: discord.Interaction) -> None:
        await self.responder.answer(interaction, handle)
