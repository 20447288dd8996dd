"""What the README promises a terminal user holds: which commands draw charts, the snapshot's symbols."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from analytics.banks import BANK_BASKET
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource, load_fred_snapshot, load_snapshot
from bot.console import ask
from bot.discovery import discover
from commands.kit.command import Services

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
NOW = pd.Timestamp("2026-11-24 15:00Z")


def paragraph(start: str) -> str:
    """The README's text from ``start`` to the next blank line, lines joined."""
    found = re.search(re.escape(start) + r".*?(?=\n\n)", README, re.S)
    assert found, start
    return " ".join(found.group(0).split())


async def test_the_commands_said_to_draw_charts_are_those_that_do():
    fred = MarketData(SnapshotSource(snapshot=load_fred_snapshot(), name="bundled FRED (DFF, DGS2)"), clock=lambda: NOW)
    market = MarketData(SnapshotSource(), clock=lambda: NOW)
    services = Services(market=market, clock=lambda: NOW, fred=fred, catalog=discover())
    said = re.findall(r"`(\w+)`", paragraph("Charts come with").split(".")[0])
    # /ask answers with another command's answer (and its chart): not a chart of its own.
    names = [command.name for command in discover().terminal]
    drawn = [name for name in names if name != "ask" and (await ask(services, name, [])).chart is not None]
    assert said == drawn == ["compare", "performance", "history", "banks", "credit"]


def test_the_snapshot_symbols_said_are_the_snapshot_s():
    text = paragraph("Symbols: any Yahoo symbol")
    columns = set(load_snapshot().closes.columns)
    assert f"the {len(columns)} of the bundled snapshot" in text
    named = set(re.findall(r"`(\^?[A-Z]+)`", text))
    assert named <= columns
    assert columns - named == set(BANK_BASKET)  # the rest: the /banks breadth basket
    assert f"and {len(BANK_BASKET)} regional banks" in text


def test_the_log_level_setting_is_documented():
    assert "| `MARKETBOT_LOG_LEVEL` | `INFO` |" in README
