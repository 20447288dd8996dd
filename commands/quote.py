"""/quote: last close, day change, 52-week range and YTD for up to 10 symbols."""

from __future__ import annotations

import discord
from discord import app_commands

from analytics.quote import quote
from analytics.symbols import display_name, parse_symbol_list, price_basis
from commands import format as fmt
from commands.answer import Answer, checked_by
from commands.autocomplete import symbol_choices
from commands.catalog import DESCRIPTIONS
from commands.footer import footer, provenance_data
from commands.limits import light_cooldown
from commands.respond import CommandCog
from commands.services import Services

MAX_SYMBOLS = 10


def validate(today: object, symbols: str) -> list[str]:
    """The symbols, checked and normalised (no date to check: a quote is of the last close)."""
    return parse_symbol_list(symbols, MAX_SYMBOLS)


@checked_by(validate)
async def handle(services: Services, symbols: str = "^RUT ^GSPC KRE") -> Answer:
    """Last close, day change, 52-week range and year-to-date return."""
    wanted = validate(services.clock(), symbols)
    # One symbol that cannot be had leaves the rest answered; the answer names it and why.
    prices = await services.market.closes(wanted, partial=True)
    shown = [s for s in wanted if s not in prices.missing]
    quotes = [quote(s, prices.closes[s]) for s in shown]
    fields = [
        (
            f"{display_name(q.symbol)} ({q.symbol})",
            f"{fmt.price(q.close)} ({fmt.pct(q.day_change)} day) · 52w {fmt.price(q.low_52w)}–{fmt.price(q.high_52w)}"
            f" · YTD {fmt.pct(q.ytd_return)}",
        )
        for q in quotes
    ]
    lead = quotes[0]
    summary = f"{display_name(lead.symbol)} closed at {fmt.price(lead.close)} ({fmt.pct(lead.day_change)}) on {fmt.day(lead.as_of)}."
    if prices.missing:
        summary += f" Not shown: {', '.join(prices.missing)}."
        fields.append(("Not shown", fmt.not_shown(prices.missing)))
    data = {
        "command": "quote",
        **provenance_data(prices.provenance),
        "rows": [
            {
                "symbol": q.symbol,
                "name": display_name(q.symbol),
                "basis": price_basis(q.symbol),
                "session": q.as_of.date().isoformat(),
                "close": q.close,
                "previous_close": q.previous_close,
                "day_change_pct": q.day_change * 100,
                "high_52w": q.high_52w,
                "low_52w": q.low_52w,
                "ytd_return_pct": q.ytd_return * 100,
            }
            for q in quotes
        ],
        "missing": fmt.missing_data(prices.missing),
    }
    return Answer(
        command="quote",
        title="Quote",
        summary=summary,
        fields=tuple(fields),
        footer=footer(prices.provenance, shown, services.clock()),
        data=data,
    )


class Quote(CommandCog):
    @app_commands.command(name="quote", description=DESCRIPTIONS["quote"])
    @app_commands.describe(symbols="Up to 10 symbols separated by spaces (default ^RUT ^GSPC KRE)")
    @app_commands.autocomplete(symbols=symbol_choices)
    @light_cooldown
    async def quote(
        self, interaction: discord.Interaction, symbols: app_commands.Range[str, 1, 100] = "^RUT ^GSPC KRE"
    ) -> None:
        await self.responder.answer(interaction, handle, symbols=symbols)
