"""/about: the data source and its freshness, every command, the snapshot's symbols, the version."""

from __future__ import annotations

from analytics.errors import MarketbotError
from analytics.sources.snapshot import load_snapshot
from analytics.symbols import known_symbols
from commands.kit.answer import Answer
from commands.kit.command import LIGHT, Catalog, Command, Services
from commands.kit.fields import chunk_lines, numbered
from commands.kit.footer import footer, provenance_data
from commands.kit.options import NoOptions
from commands.kit.version import package_version

PROBE = "^GSPC"  # any always-present symbol tells how fresh the data is
BASIS = (
    "Indices are price returns; ETFs and stocks are total returns (Yahoo's dividend-adjusted closes); "
    "yields are in percent."
)
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


def _command_fields(catalog: Catalog) -> list[tuple[str, str]]:
    """Every slash command, groups (/alerts) in a field of their own; hints written `/name` as everywhere."""
    lines: dict[str, list[str]] = {"": []}
    for group in catalog.groups:
        lines[group.name] = [f"{group.description}:"]
    for command in catalog.commands:
        lines[command.group].append(f"`/{command.name}`: {command.description}")
    fields = numbered("Commands", chunk_lines(lines.pop("")), more="(more)")
    for name, rows in lines.items():
        fields += numbered(name.capitalize(), chunk_lines(rows), more="(more)")
    return fields


async def answer(services: Services, options: NoOptions) -> Answer:
    """The source's health and freshness (checked by reading the S&P 500), the commands, the symbols, the version."""
    market, catalog = services.market, services.catalog
    now = services.clock()
    symbols, last = await services.offload(_snapshot_contents)
    fields = [
        *_command_fields(catalog),
        ("Symbols", _symbols_text(symbols, last)),
        ("Basis", BASIS),
        ("Version", package_version()),
    ]
    data = {
        "command": "about",
        "version": package_version(),
        "commands": {command.name: command.description for command in catalog.commands},
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


COMMANDS = (
    Command(
        name="about",
        rank=80,
        description="Where marketbot's data comes from, how fresh it is, and what each command does",
        answer=answer,
        cooldown=LIGHT,
    ),
)
