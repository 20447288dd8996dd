"""/watchlist: a server's list of up to 25 symbols (managers change it), shown with 1d, 1m and YTD returns."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.errors import MarketbotError
from analytics.performance import PerformanceRow
from analytics.sources.base import Prices
from analytics.symbols import price_basis
from analytics.watchlist import MAX_SYMBOLS, WatchChange, WatchRow, watch_rows
from analytics.yields import is_yield
from commands.kit import format as fmt
from commands.kit.answer import Answer
from commands.kit.command import LIGHT, Command, Context, Group, Services, Where
from commands.kit.fields import chunk_lines, require_manager
from commands.kit.footer import footer, provenance_data
from commands.kit.limits import FIELD_VALUE_MAX
from commands.kit.options import NoOptions, Options, symbols_option
from commands.kit.store import StoreUnavailable

# The list is read before /watchlist show answers (public, or a private hint when empty): the
# read must leave room in Discord's 3 seconds for the reply.
READ_TIMEOUT = 2.0
UNAVAILABLE = "The watchlist cannot be read or changed right now; nothing was changed. Try again in a minute."
HINT = (
    "This server has no watchlist yet. Someone with Manage Server or Manage Channels can start one: "
    "`/watchlist add symbols:KRE ^RUT`."
)


def can_manage_watchlist(interaction: Any) -> None:
    require_manager(
        interaction,
        "Changing the watchlist",
        "Watchlists belong to a server: use /watchlist in a server channel, not in direct messages.",
        also="`/watchlist show` is open to all",
    )


# -- the answer: the listed symbols' returns (asked by /watchlist show with the server's list) ----------------


@dataclass(frozen=True)
class ListedOptions(Options):
    symbols: tuple[str, ...] = symbols_option("The watchlist's symbols", None, MAX_SYMBOLS)


async def show(services: Services, o: ListedOptions) -> Answer:
    """Each symbol's last close with its 1-day, 1-month and year-to-date returns, best day first; yields in bp."""
    wanted = list(o.symbols)
    # One symbol that cannot be had leaves the rest answered; the answer names it and why.
    prices = await services.market.closes(wanted, partial=True)
    return await services.offload(_show_answer, prices, wanted, services.clock())


# The answer /watchlist show asks for with the server's list: not a slash command of its own.
LISTED = Command(name="watchlist show", description="The watchlist's symbols", options=ListedOptions, answer=show)


def _show_answer(prices: Prices, wanted: list[str], now: pd.Timestamp) -> Answer:
    from analytics.charts import performance_chart  # here, not at import: see analytics.charts

    shown = [s for s in wanted if s not in prices.missing]
    rows = watch_rows(prices.closes, shown)  # priced rows best day first, then the yields
    as_of = max(r.as_of for r in rows)
    ranked = [r for r in rows if not is_yield(r.symbol)]
    levels = [r for r in rows if is_yield(r.symbol)]
    summary = f"{len(rows)} symbol{'s' if len(rows) != 1 else ''} as of the close of {fmt.day(as_of)}"
    if ranked:
        best, worst = (f"{r.symbol} {fmt.move(r.day, zero=fmt.UNCHANGED)}" for r in (ranked[0], ranked[-1]))
        summary += f"; best day: {best}" + (f", worst: {worst}" if len(ranked) > 1 else "")
    if levels:
        summary += "; yields apart, in bp: " + ", ".join(
            f"{r.symbol} {fmt.move(r.day, zero=fmt.UNCHANGED)}" for r in levels
        )
    summary += "." + (f" Not shown: {', '.join(prices.missing)}." if prices.missing else "")
    lines = [f"{'Symbol':<10}{'Close':>11}{'1d':>8}{'1m':>8}{'YTD':>8}"] + [_line(r, as_of) for r in rows]
    tables = chunk_lines(lines[1:], FIELD_VALUE_MAX - len(lines[0]) - 10)
    fields = [
        (f"Performance ({i}/{len(tables)})" if len(tables) > 1 else "Performance", f"```\n{lines[0]}\n{table}\n```")
        for i, table in enumerate(tables, 1)
    ]
    fields.append(("Returns", _returns_note(rows)))
    if prices.missing:
        fields.append(("Not shown", fmt.not_shown(prices.missing)))
    charted = sorted((r for r in ranked if r.ytd.known), key=lambda r: r.ytd.value, reverse=True)
    caption = footer(prices.provenance, shown, now, as_of=as_of)
    yields = [(r.symbol, r.ytd.value) for r in levels if r.ytd.known]
    chart = (
        performance_chart(
            [PerformanceRow(r.symbol, math.nan, r.close, r.ytd.value, math.nan) for r in charted],
            f"year to date, to {fmt.day(as_of)}",
            yields=yields,
            caption=caption,
        )
        if charted or yields
        else None
    )
    return Answer(
        command="watchlist show",
        title="Watchlist",
        summary=summary,
        fields=tuple(fields),
        footer=footer(prices.provenance, shown, now, "1 day, 1 month, year to date", as_of),
        data={
            "command": "watchlist show",
            **provenance_data(prices.provenance, as_of),
            "rows": [_row_data(r) for r in rows],
            "missing": fmt.missing_data(prices.missing),
        },
        chart=chart,
        chart_name="watchlist.png",
    )


def _line(row: WatchRow, as_of: pd.Timestamp) -> str:
    """A price's close and returns; a yield's level and changes in bp."""
    stale = f" ({fmt.day(row.as_of)})" if row.as_of != as_of else ""  # a symbol whose last close is older
    return (
        f"{row.symbol:<10}{fmt.close(row.symbol, row.close):>11}{fmt.move(row.day):>8}{fmt.move(row.month):>8}"
        f"{fmt.move(row.ytd):>8}{stale}"
    )


def _returns_note(rows: list[WatchRow]) -> str:
    month_bases = sorted({fmt.day(r.month_base) for r in rows if r.month_base is not None})
    ytd_bases = sorted({fmt.day(r.ytd_base) for r in rows if r.ytd_base is not None})
    yields = [r.symbol for r in rows if is_yield(r.symbol)]
    return (
        "1d: from the previous close. "
        f"1m: from the last close a month before ({', '.join(month_bases) or 'n/a'}). "
        f"YTD: from the last close of the previous year ({', '.join(ytd_bases) or 'n/a'}). "
        "Best day first; n/a where the history is too short."
        + (
            f" Yields ({', '.join(yields)}): the level in percent and changes in bp, after the returns, not ranked "
            "with them."
            if yields
            else ""
        )
    )


def _row_data(row: WatchRow) -> dict:
    """A price's figures in percent; a yield's level in percent and its changes in bp (keys say which)."""
    head = {"symbol": row.symbol, "basis": price_basis(row.symbol), "session": row.as_of.date().isoformat()}
    bases = {
        "month_base": row.month_base.date().isoformat() if row.month_base is not None else None,
        "ytd_base": row.ytd_base.date().isoformat() if row.ytd_base is not None else None,
    }
    if is_yield(row.symbol):
        return (
            head
            | {
                "level_pct": row.close,
                "day_change_bp": row.day.value,
                "month_change_bp": row.month.value,
                "ytd_change_bp": row.ytd.value,
            }
            | bases
        )
    return (
        head
        | {
            "close": row.close,
            "day_change_pct": row.day.value * 100,
            "month_return_pct": row.month.value * 100,
            "ytd_return_pct": row.ytd.value * 100,
        }
        | bases
    )


def change_text(change: WatchChange, unknown: dict[str, str], size: int) -> str:
    """The private reply to /watchlist add: what was added, what was there, what was refused and why."""
    lines = []
    if change.added:
        lines.append(f"Added: {', '.join(change.added)}.")
    if change.already:
        lines.append(f"Already on the list: {', '.join(change.already)}.")
    if change.refused:
        lines.append(
            f"Not added, the list is full ({MAX_SYMBOLS} symbols): {', '.join(change.refused)}. "
            "`/watchlist remove` makes room."
        )
    lines += [f"Not added: {reason}" for reason in unknown.values()]
    lines.append(f"The watchlist has {size} of {MAX_SYMBOLS} symbols; `/watchlist show` shows it.")
    return "\n".join(lines)


# -- the Discord side: add, remove (managers), show (anyone) --------------------------------------------


@dataclass(frozen=True)
class ChangeOptions(Options):
    symbols: tuple[str, ...] = symbols_option(
        "Symbols separated by spaces, e.g. KRE ^RUT NVDA (aliases like SPX work)", None, MAX_SYMBOLS, max_length=200
    )


async def add(interaction: Any, o: ChangeOptions, context: Context) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    # Only symbols the data source knows are written; the others are named with the reason.
    prices = await context.responder.services.market.closes(list(o.symbols), partial=True)
    unknown = {s: str(error) for s, error in prices.missing.items()}
    async with _stored():
        change = await context.store.watch(
            interaction.guild_id, [s for s in o.symbols if s not in unknown], interaction.user.id
        )
        size = len(await context.store.watchlist(interaction.guild_id))
    await interaction.followup.send(change_text(change, unknown, size), ephemeral=True)


@dataclass(frozen=True)
class RemoveOptions(Options):
    symbols: tuple[str, ...] = symbols_option("Symbols separated by spaces", None, MAX_SYMBOLS, max_length=200)


async def remove(interaction: Any, o: RemoveOptions, context: Context) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    async with _stored():
        removed = await context.store.unwatch(interaction.guild_id, o.symbols)
        size = len(await context.store.watchlist(interaction.guild_id))
    absent = [s for s in o.symbols if s not in removed]
    lines = [f"Removed: {', '.join(removed)}."] if removed else []
    if absent:
        lines.append(f"Not on the list: {', '.join(absent)}.")
    lines.append(f"The watchlist has {size} of {MAX_SYMBOLS} symbols.")
    await interaction.followup.send("\n".join(lines), ephemeral=True)


async def show_listed(interaction: Any, options: NoOptions, context: Context) -> None:
    try:
        listed = await asyncio.wait_for(context.store.watchlist(interaction.guild_id), READ_TIMEOUT)
    except (TimeoutError, StoreUnavailable):
        raise WatchlistUnavailable(UNAVAILABLE) from None
    if not listed:
        await interaction.response.send_message(HINT, ephemeral=True)
        return
    await context.responder.answer(interaction, LISTED, {"symbols": " ".join(listed)})


class WatchlistUnavailable(MarketbotError):
    """The database cannot be used right now; nothing was changed."""


@contextlib.asynccontextmanager
async def _stored() -> AsyncIterator[None]:
    """The store's own message speaks of alert settings: say it of the watchlist."""
    try:
        yield
    except StoreUnavailable:
        raise WatchlistUnavailable(UNAVAILABLE) from None


GROUP = Group(
    name="watchlist",
    description="This server's watchlist (up to 25 symbols): 1-day, 1-month and YTD returns, chart; in the digest",
    where=Where.SERVER,
    rank=95,
)
COMMANDS = (
    Command(
        name="watchlist add",
        description=f"Add symbols to this server's watchlist (at most {MAX_SYMBOLS}; Manage Server/Channels)",
        options=ChangeOptions,
        act=add,
        checks=(can_manage_watchlist,),
        cooldown=None,
    ),
    Command(
        name="watchlist remove",
        description="Remove symbols from this server's watchlist (Manage Server/Channels)",
        options=RemoveOptions,
        act=remove,
        checks=(can_manage_watchlist,),
        cooldown=None,
    ),
    Command(
        name="watchlist show",
        description="This server's watchlist: 1-day, 1-month and YTD returns, chart",
        act=show_listed,
        cooldown=LIGHT,
    ),
)
