"""/about: the data source and its freshness, every command, the snapshot's symbols, the version."""

from __future__ import annotations

import discord
from discord import app_commands

from analytics.errors import MarketbotError
from analytics.sources.snapshot import load_snapshot
from analytics.symbols import known_symbols
from commands.answer import Answer
from commands.catalog import DESCRIPTIONS, group_description, package_version, slash_commands
from commands.footer import footer, provenance_data
from commands.limits import light_cooldown
from commands.respond import CommandCog
from commands.services import Services

PROBE = "^GSPC"  # any always-present symbol tells how fresh the data is
BASIS = "Indices are price returns; ETFs and stocks are total returns (Yahoo's dividend-adjusted closes); yields are in percent."
FIELD_MAX = 1024  # Discord's limit for a field's value
KINDS = {"index": "indices", "rate": "yields", "etf": "ETFs", "stock": "stocks"}


def _snapshot_contents() -> tuple[list[str], str]:
    """The bundled snapshot's symbols and its last session (reads it: run off the loop)."""
    closes = load_snapshot().closes
    return list(closes.columns), closes.index[-1].date().isoformat()


def _symbols_text(symbols: list[str], last: str) -> str:
    known = known_symbols()
    by_kind: dict[str, list[str]] = {label: [] for label in KINDS.values()}  # in KINDS' order
    for symbol in symbols:
        kind = known[symbol].kind if symbol in known else "other"
        by_kind.setdefault(KINDS.get(kind, kind), []).append(symbol)
    groups = " · ".join(f"{kind}: {' '.join(sorted(found))}" for kind, found in by_kind.items() if found)
    return f"{len(symbols)} in the offline snapshot (through {last}): {groups}. Live from Yahoo: any Yahoo symbol."


def _command_fields() -> list[tuple[str, str]]:
    """Every slash command, groups (/alerts) in a field of their own; hints written `/name` as everywhere."""
    groups: dict[str, list[str]] = {}
    for name, command in slash_commands().items():
        group = name.split()[0] if " " in name else ""
        groups.setdefault(group, []).append(f"`/{name}`: {command.description}")
    fields = _packed("Commands", groups.pop("", []))
    for group, lines in groups.items():
        fields += _packed(group.capitalize(), [group_description(group) + ":", *lines])
    return fields


def _packed(name: str, lines: list[str]) -> list[tuple[str, str]]:
    """Lines in as many fields as they need (each at most Discord's 1024 characters)."""
    fields: list[tuple[str, str]] = []
    for line in lines:
        if fields and len(fields[-1][1]) + 1 + len(line) <= FIELD_MAX:
            fields[-1] = (fields[-1][0], f"{fields[-1][1]}\n{line}")
        else:
            fields.append((name if not fields else f"{name} (more)", line[:FIELD_MAX]))
    return fields


async def handle(services: Services) -> Answer:
    """The source's health and freshness (checked by reading the S&P 500), the commands, the symbols, the version."""
    market = services.market
    now = services.clock()
    symbols, last = await services.offload(_snapshot_contents)
    fields = [
        *_command_fields(),
        ("Symbols", _symbols_text(symbols, last)),
        ("Basis", BASIS),
        ("Version", package_version()),
    ]
    data = {
        "command": "about",
        "version": package_version(),
        "commands": {name: command.description for name, command in slash_commands().items()},
        "snapshot_symbols": symbols,
        "status": market.describe(),
    }
    try:
        prices = await market.closes([PROBE])
    except MarketbotError as exc:  # /about must answer during an outage: that is when it is asked
        summary = f"Data: {market.describe()}. Right now: {exc}"
        return Answer("about", "About marketbot", summary, tuple(fields), f"Data: {market.describe()}", data)
    return Answer(
        command="about",
        title="About marketbot",
        summary=f"Data: {prices.provenance.describe(now)}.",
        fields=tuple(fields),
        footer=footer(prices.provenance, [PROBE], now),
        data={**data, "status": market.describe(), **provenance_data(prices.provenance)},  # after the fetch
    )


class About(CommandCog):
    @app_commands.command(name="about", description=DESCRIPTIONS["about"])
    @light_cooldown
    async def about(self, interaction: discord.Interaction) -> None:
        await self.responder.answer(interaction, handle)
