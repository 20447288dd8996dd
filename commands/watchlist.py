"""/watchlist: a server's list of up to 25 symbols (managers change it), shown with 1d, 1m and YTD returns."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Protocol

import discord
import pandas as pd
from discord import app_commands
from discord.ext.commands import GroupCog

from analytics.charts import performance_chart
from analytics.errors import MarketbotError
from analytics.performance import PerformanceRow
from analytics.sources.base import Prices
from analytics.symbols import parse_symbol_list, price_basis
from analytics.watchlist import MAX_SYMBOLS, WatchChange, WatchRow, watch_rows
from commands import format as fmt
from commands.answer import Answer, checked_by
from commands.autocomplete import symbol_choices
from commands.catalog import DESCRIPTIONS
from commands.errors import Refused
from commands.footer import footer, provenance_data
from commands.limits import light_cooldown
from commands.respond import Responder
from commands.services import Services
from commands.subscriptions import StoreUnavailable

# The list is read before /watchlist show answers (public, or a private hint when empty): the
# read must leave room in Discord's 3 seconds for the reply.
READ_TIMEOUT = 2.0
FIELD_LIMIT = 1024  # Discord's limit on one field's value
UNAVAILABLE = "The watchlist cannot be read or changed right now; nothing was changed. Try again in a minute."
HINT = "This server has no watchlist yet. Someone with Manage Server or Manage Channels can start one: `/watchlist add symbols:KRE ^RUT`."


class WatchlistStore(Protocol):
    """What the cog needs from storage (part of bot.store.Store); failures raise StoreUnavailable."""

    async def watchlist(self, guild_id: int) -> list[str]: ...
    async def watch(self, guild_id: int, symbols: Sequence[str], added_by: int) -> WatchChange: ...
    async def unwatch(self, guild_id: int, symbols: Iterable[str]) -> list[str]: ...


def can_manage_watchlist(interaction: discord.Interaction) -> bool:
    """Checked in our code, as for alerts: Discord's default_permissions can be changed by any server admin."""
    if interaction.guild_id is None:
        raise Refused("Watchlists belong to a server: use /watchlist in a server channel, not in direct messages.")
    perms = interaction.permissions
    if not (perms.manage_guild or perms.manage_channels):
        raise Refused("Changing the watchlist needs the Manage Server or Manage Channels permission; `/watchlist show` is open to all.")
    return True


# -- /watchlist show: the answer (also usable from the terminal with the symbols given) ----------------


def validate(today: object, symbols: str) -> list[str]:
    """The listed symbols, checked and normalised (a quote-like answer: no window to check)."""
    return parse_symbol_list(symbols, MAX_SYMBOLS)


@checked_by(validate)
async def show(services: Services, symbols: str) -> Answer:
    """Each symbol's last close with its 1-day, 1-month and year-to-date returns, best day first."""
    wanted = validate(services.clock(), symbols)
    # One symbol that cannot be had leaves the rest answered; the answer names it and why.
    prices = await services.market.closes(wanted, partial=True)
    return await services.offload(_show_answer, prices, wanted, services.clock())


def _show_answer(prices: Prices, wanted: list[str], now: pd.Timestamp) -> Answer:
    shown = [s for s in wanted if s not in prices.missing]
    rows = watch_rows(prices.closes, shown)
    as_of = max(r.as_of for r in rows)
    lead = rows[0]
    summary = (
        f"{len(rows)} symbol{'s' if len(rows) != 1 else ''} as of the close of {fmt.day(as_of)}; "
        f"best day: {lead.symbol} {fmt.pct(lead.day_change)}"
        + (f", worst: {rows[-1].symbol} {fmt.pct(rows[-1].day_change)}" if len(rows) > 1 else "")
        + "."
        + (f" Not shown: {', '.join(prices.missing)}." if prices.missing else "")
    )
    lines = [f"{'Symbol':<10}{'Close':>11}{'1d':>8}{'1m':>8}{'YTD':>8}"] + [_line(r, as_of) for r in rows]
    tables = _chunks(lines[1:], FIELD_LIMIT - len(lines[0]) - 10)
    fields = [
        (f"Performance ({i}/{len(tables)})" if len(tables) > 1 else "Performance", f"```\n{lines[0]}\n{table}\n```")
        for i, table in enumerate(tables, 1)
    ]
    fields.append(("Returns", _returns_note(rows)))
    if prices.missing:
        fields.append(("Not shown", fmt.not_shown(prices.missing)))
    charted = sorted((r for r in rows if not math.isnan(r.ytd_return)), key=lambda r: r.ytd_return, reverse=True)
    caption = footer(prices.provenance, shown, now, as_of=as_of)
    chart = (
        performance_chart([PerformanceRow(r.symbol, math.nan, r.close, r.ytd_return, math.nan) for r in charted],
                          f"year to date, to {fmt.day(as_of)}", caption=caption)  # fmt: skip
        if charted
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
    stale = f" ({fmt.day(row.as_of)})" if row.as_of != as_of else ""  # a symbol whose last close is older
    return (f"{row.symbol:<10}{fmt.price(row.close):>11}{fmt.pct(row.day_change):>8}{fmt.pct(row.month_return):>8}"
            f"{fmt.pct(row.ytd_return):>8}{stale}")  # fmt: skip


def _returns_note(rows: list[WatchRow]) -> str:
    month_bases = sorted({fmt.day(r.month_base) for r in rows if r.month_base is not None})
    ytd_bases = sorted({fmt.day(r.ytd_base) for r in rows if r.ytd_base is not None})
    return (
        "1d: from the previous close. "
        f"1m: from the last close a month before ({', '.join(month_bases) or 'n/a'}). "
        f"YTD: from the last close of the previous year ({', '.join(ytd_bases) or 'n/a'}). "
        "Best day first; n/a where the history is too short."
    )


def _row_data(row: WatchRow) -> dict:
    return {
        "symbol": row.symbol,
        "basis": price_basis(row.symbol),
        "session": row.as_of.date().isoformat(),
        "close": row.close,
        "day_change_pct": row.day_change * 100,
        "month_base": row.month_base.date().isoformat() if row.month_base is not None else None,
        "month_return_pct": row.month_return * 100,
        "ytd_base": row.ytd_base.date().isoformat() if row.ytd_base is not None else None,
        "ytd_return_pct": row.ytd_return * 100,
    }


def _chunks(lines: list[str], limit: int) -> list[str]:
    """Whole lines in order, grouped into texts of at most ``limit`` characters."""
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


def change_text(change: WatchChange, unknown: dict[str, str], size: int) -> str:
    """The private reply to /watchlist add: what was added, what was there, what was refused and why."""
    lines = []
    if change.added:
        lines.append(f"Added: {', '.join(change.added)}.")
    if change.already:
        lines.append(f"Already on the list: {', '.join(change.already)}.")
    if change.refused:
        lines.append(f"Not added, the list is full ({MAX_SYMBOLS} symbols): {', '.join(change.refused)}. "
                     "`/watchlist remove` makes room.")  # fmt: skip
    lines += [f"Not added: {reason}" for reason in unknown.values()]
    lines.append(f"The watchlist has {size} of {MAX_SYMBOLS} symbols; `/watchlist show` shows it.")
    return "\n".join(lines)


# -- the Discord cog ---------------------------------------------------------------------


class Watchlist(GroupCog, group_name="watchlist", group_description=DESCRIPTIONS["watchlist"]):
    def __init__(self, responder: Responder, store: WatchlistStore) -> None:
        self.responder = responder
        self.store = store
        super().__init__()

    @app_commands.command(name="add", description=f"Add symbols to this server's watchlist (at most {MAX_SYMBOLS}; Manage Server/Channels)")
    @app_commands.describe(symbols="Symbols separated by spaces, e.g. KRE ^RUT NVDA (aliases like SPX work)")
    @app_commands.autocomplete(symbols=symbol_choices)
    @app_commands.check(can_manage_watchlist)
    async def add(self, interaction: discord.Interaction, symbols: app_commands.Range[str, 1, 200]) -> None:
        wanted = parse_symbol_list(symbols, MAX_SYMBOLS)  # bad text is refused before anything is shown or written
        await interaction.response.defer(ephemeral=True, thinking=True)
        # Only symbols the data source knows are written; the others are named with the reason.
        prices = await self.responder.services.market.closes(wanted, partial=True)
        unknown = {s: str(error) for s, error in prices.missing.items()}
        async with _stored():
            change = await self.store.watch(interaction.guild_id, [s for s in wanted if s not in unknown], interaction.user.id)
            size = len(await self.store.watchlist(interaction.guild_id))
        await interaction.followup.send(change_text(change, unknown, size), ephemeral=True)

    @app_commands.command(name="remove", description="Remove symbols from this server's watchlist (Manage Server/Channels)")
    @app_commands.describe(symbols="Symbols separated by spaces")
    @app_commands.check(can_manage_watchlist)
    async def remove(self, interaction: discord.Interaction, symbols: app_commands.Range[str, 1, 200]) -> None:
        wanted = parse_symbol_list(symbols, MAX_SYMBOLS)
        await interaction.response.defer(ephemeral=True, thinking=True)
        async with _stored():
            removed = await self.store.unwatch(interaction.guild_id, wanted)
            size = len(await self.store.watchlist(interaction.guild_id))
        absent = [s for s in wanted if s not in removed]
        lines = [f"Removed: {', '.join(removed)}."] if removed else []
        if absent:
            lines.append(f"Not on the list: {', '.join(absent)}.")
        lines.append(f"The watchlist has {size} of {MAX_SYMBOLS} symbols.")
        await interaction.followup.send("\n".join(lines), ephemeral=True)

    @app_commands.command(name="show", description="This server's watchlist: 1-day, 1-month and YTD returns, chart")
    @app_commands.guild_only()
    @light_cooldown
    async def show_(self, interaction: discord.Interaction) -> None:
        try:
            listed = await asyncio.wait_for(self.store.watchlist(interaction.guild_id), READ_TIMEOUT)
        except (TimeoutError, StoreUnavailable):
            raise WatchlistUnavailable(UNAVAILABLE) from None
        if not listed:
            await interaction.response.send_message(HINT, ephemeral=True)
            return
        await self.responder.answer(interaction, show, symbols=" ".join(listed))


class WatchlistUnavailable(MarketbotError):
    """The database cannot be used right now; nothing was changed."""


@contextlib.asynccontextmanager
async def _stored() -> AsyncIterator[None]:
    """The store's own message speaks of alert settings: say it of the watchlist."""
    try:
        yield
    except StoreUnavailable:
        raise WatchlistUnavailable(UNAVAILABLE) from None
