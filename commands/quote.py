"""/quote: last close, day change, 52-week range and YTD for up to 10 symbols."""

from __future__ import annotations

from dataclasses import dataclass

from analytics.quote import Quote, quote
from analytics.symbols import display_name, price_basis
from analytics.yields import is_yield
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
    """Last close, day change, 52-week range and year-to-date change (a yield: its level, changes in bp)."""
    wanted = list(o.symbols)
    # One symbol that cannot be had leaves the rest answered; the answer names it and why.
    prices = await services.market.closes(wanted, partial=True)
    shown = [s for s in wanted if s not in prices.missing]
    quotes = [quote(s, prices.closes[s]) for s in shown]
    fields = [
        (
            f"{display_name(q.symbol)} ({q.symbol})",
            f"{fmt.close(q.symbol, q.close)} ({_day(q)}) · 52w {fmt.close(q.symbol, q.low_52w)}–"
            f"{fmt.close(q.symbol, q.high_52w)} · YTD {fmt.move(q.ytd)}",
        )
        for q in quotes
    ]
    lead = quotes[0]
    summary = (
        f"{display_name(lead.symbol)} closed at {fmt.close(lead.symbol, lead.close)} ({_day(lead)}) "
        f"on {fmt.day(lead.as_of)}."
    )
    if prices.missing:
        summary += f" Not shown: {', '.join(prices.missing)}."
        fields.append(("Not shown", fmt.not_shown(prices.missing)))
    data = {
        "command": "quote",
        **provenance_data(prices.provenance),
        "rows": [_row_data(q) for q in quotes],
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


def _day(q: Quote) -> str:
    """'+0.3% day', '+1 bp day', 'unchanged on the day'."""
    return fmt.UNCHANGED + " on the day" if q.day.value == 0 else f"{fmt.move(q.day)} day"


def _row_data(q: Quote) -> dict:
    """A price's figures as before; a yield's keyed by their units: levels in percent, changes in bp."""
    head = {
        "symbol": q.symbol,
        "name": display_name(q.symbol),
        "basis": price_basis(q.symbol),
        "session": q.as_of.date().isoformat(),
    }
    if is_yield(q.symbol):
        return head | {
            "level_pct": q.close,
            "previous_level_pct": q.previous_close,
            "day_change_bp": q.day.value,
            "high_52w_pct": q.high_52w,
            "low_52w_pct": q.low_52w,
            "ytd_change_bp": q.ytd.value,
        }
    return head | {
        "close": q.close,
        "previous_close": q.previous_close,
        "day_change_pct": q.day.value * 100,
        "high_52w": q.high_52w,
        "low_52w": q.low_52w,
        "ytd_return_pct": q.ytd.value * 100,
    }


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
