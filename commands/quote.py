"""/quote: last close, day change, 52-week range and YTD for up to 10 symbols."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.quote import quote
from analytics.symbols import display_name, price_basis
from commands.kit import format as fmt
from commands.kit.answer import Answer
from commands.kit.command import LIGHT, AskHint, Command, Services
from commands.kit.footer import footer, provenance_data
from commands.kit.options import Options, symbols_option

MAX_SYMBOLS = 10


@dataclass(frozen=True)
class QuoteOptions(Options):
    symbols: tuple[str, ...] = symbols_option(
        f"Up to {MAX_SYMBOLS} symbols separated by spaces (default ^RUT ^GSPC KRE)", "^RUT ^GSPC KRE", MAX_SYMBOLS
    )


async def answer(services: Services, o: QuoteOptions) -> Answer:
    """Last close, day change, 52-week range and year-to-date return."""
    wanted = list(o.symbols)
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
    summary = (
        f"{display_name(lead.symbol)} closed at {fmt.price(lead.close)} ({fmt.pct(lead.day_change)}) "
        f"on {fmt.day(lead.as_of)}."
    )
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


COMMANDS = (
    Command(
        name="quote",
        rank=30,
        description=f"Last close, day change, 52-week range and YTD of up to {MAX_SYMBOLS} symbols",
        options=QuoteOptions,
        answer=answer,
        cooldown=LIGHT,
        ask=AskHint(r"\b(?:price|quote|trading|close|level|worth)\w*", "price of $NVDA", fill=("symbols",)),
    ),
)
