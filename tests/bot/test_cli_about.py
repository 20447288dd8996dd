"""/about in Discord and in the terminal: every command, /alerts included, and the snapshot's symbols."""

from __future__ import annotations

import gzip
import json
from importlib import resources

import pandas as pd
import pytest

from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource
from bot.cli import main
from bot.console import ask, for_terminal
from bot.discovery import discover
from commands.kit.command import Services
from commands.kit.render import to_embed

NOW = pd.Timestamp("2026-11-24 15:00Z")


@pytest.fixture(autouse=True)
def snapshot_source(monkeypatch):
    monkeypatch.setenv("MARKETBOT_DATA_SOURCE", "snapshot")


@pytest.fixture
def services() -> Services:
    return Services(market=MarketData(SnapshotSource(), clock=lambda: NOW), clock=lambda: NOW, catalog=discover())


def slash_commands() -> dict:
    """Every slash command by its full name (``compare``, ``alerts replay``): the catalog's declarations."""
    return {command.name: command for command in discover().commands}


def snapshot_symbols() -> list[str]:
    """Read independently of the code under test: the packaged CSVs with plain pandas."""
    symbols: set[str] = set()
    for name in ("prices_daily.csv.gz", "credit_daily.csv.gz"):
        with resources.files("analytics").joinpath(f"data/{name}").open("rb") as fh:
            symbols |= set(pd.read_csv(gzip.open(fh))["symbol"].unique())
    return sorted(symbols)


async def test_about_in_discord_lists_every_slash_command_and_the_snapshot_symbols(services):
    embed = to_embed(await ask(services, "about", [])).to_dict()
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert list(fields) == ["Commands", "Alerts", "Watchlist", "Symbols", "Basis", "Version"]
    assert all(len(value) <= 1024 for value in fields.values())
    lines = fields["Commands"].splitlines() + fields["Alerts"].splitlines() + fields["Watchlist"].splitlines()
    for name, command in slash_commands().items():
        assert f"`/{name}`: {command.description}" in lines
    assert fields["Alerts"].splitlines()[0] == "Alerts when the RUT/SPX ratio or KRE moves sharply, and a daily digest:"
    assert [line.split("`")[1] for line in fields["Alerts"].splitlines()[1:]] == [
        "/alerts subscribe", "/alerts unsubscribe", "/alerts list", "/alerts test", "/alerts replay",
    ]  # fmt: skip
    symbols = snapshot_symbols()
    assert len(symbols) == 55  # the 47 of prices_daily and the 8 credit and Treasury ETFs
    listed = fields["Symbols"]
    assert listed.startswith("55 in the offline snapshot (through 2026-02-20): indices: ^GSPC ^RUT ^VIX · yields: ^IRX ^TNX · ")
    assert listed.endswith(". Live from Yahoo: any Yahoo symbol.")
    named = {word.strip(".") for word in listed.split(": ", 1)[1].split()} & set(symbols)
    assert named == set(symbols)


async def test_about_json_has_every_command_and_symbol(services):
    answer = await ask(services, "about", [])
    assert list(answer.data["commands"]) == list(slash_commands())
    assert "alerts subscribe" in answer.data["commands"] and "alerts replay" in answer.data["commands"]
    assert sorted(answer.data["snapshot_symbols"]) == snapshot_symbols()


def test_about_in_the_terminal_names_terminal_commands(capsys):
    assert main(["ask", "about"]) == 0
    out = capsys.readouterr().out
    assert "marketbot ask compare: Two symbols since a date" in out
    assert "marketbot ask alerts replay: The days a rule would have fired" in out
    assert "/alerts subscribe: Post alerts for a rule in a channel" in out  # Discord's own: it keeps its slash
    assert "/compare" not in out and "/about" not in out and "`" not in out  # no Discord markup
    assert main(["ask", "about", "--json"]) == 0
    assert "`/" not in json.dumps(json.loads(capsys.readouterr().out)["commands"])


@pytest.mark.parametrize(
    ("text", "terminal"),
    [
        ("try `/about`.", "try `marketbot ask about`."),
        ("`/compare start:max` shows more", "`marketbot ask compare start:max` shows more"),
        ("`/alerts replay rule:kre` and `/alerts list`", "`marketbot ask alerts replay rule:kre` and `/alerts list`"),
        ("`/nope` and /about without backticks", "`/nope` and marketbot ask about without backticks"),
        ("KRE/XLF and /tmp/quote are not commands", "KRE/XLF and /tmp/quote are not commands"),
    ],
)
def test_slash_hints_read_as_terminal_commands(text, terminal):
    assert for_terminal(text) == terminal
