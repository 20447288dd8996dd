"""/rates: the 13-week bill and the 10-year note, their changes and the curve."""

from __future__ import annotations

import discord
import pandas as pd
from discord import app_commands

from analytics import rates as r
from analytics.sources.base import Prices
from commands.answer import Answer
from commands.catalog import DESCRIPTIONS
from commands.footer import footer, provenance_data
from commands.limits import light_cooldown
from commands.respond import CommandCog
from commands.services import Services


async def handle(services: Services) -> Answer:
    """Yields, their 1- and 3-month changes, the 10y-3m spread and the bill's move in 25 bp steps."""
    prices = await services.market.closes(list(r.SYMBOLS))
    return _answer(prices, services.clock())  # a few rows of arithmetic: no thread needed


def _bp(value: float) -> str:
    return f"{value:+.0f} bp"


def _answer(prices: Prices, now: pd.Timestamp) -> Answer:
    result = r.rates(prices.closes, prices.provenance.last_session)
    steps = result.bill_steps_3m
    move = f"The bill yield moved {_bp(result.bill.change_bp['3m'])} in 3 months"
    if abs(steps) < 0.5:
        implied = f"{move}: less than half a 25 bp step."
    else:
        implied = f"{move}: about {abs(steps):.1f} quarter-point {'cuts' if steps < 0 else 'hikes'}."
    fields = tuple(
        (
            f"{name} ({y.symbol})",
            f"{y.level:.2f}% · 1m {_bp(y.change_bp['1m'])} (since {y.since['1m'].date()}) · "
            f"3m {_bp(y.change_bp['3m'])} (since {y.since['3m'].date()})",
        )
        for name, y in (("13-week bill", result.bill), ("10-year note", result.ten_year))
    ) + (("10y minus 3m", f"{_bp(result.curve_bp)} ({'inverted' if result.curve_bp < 0 else 'positive'})"),)
    summary = f"10-year {result.ten_year.level:.2f}%, 13-week bill {result.bill.level:.2f}%, curve {_bp(result.curve_bp)}. {implied}"
    data = {
        "command": "rates",
        **provenance_data(prices.provenance, result.as_of),
        "yields": {
            y.symbol: {"session": y.session.date().isoformat(), "level_pct": y.level,
                       "change_1m_bp": y.change_bp["1m"], "change_3m_bp": y.change_bp["3m"]}
            for y in (result.bill, result.ten_year)
        },
        "curve_10y_3m_bp": result.curve_bp,
        "bill_25bp_steps_3m": steps,
    }  # fmt: skip
    return Answer(
        command="rates",
        title="Rates",
        summary=summary,
        fields=fields,
        footer=footer(prices.provenance, list(r.SYMBOLS), now, as_of=result.as_of),
        data=data,
    )


class Rates(CommandCog):
    @app_commands.command(name="rates", description=DESCRIPTIONS["rates"])
    @light_cooldown
    async def rates(self, interaction: discord.Interaction) -> None:
        await self.responder.answer(interaction, handle)
