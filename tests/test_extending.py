"""Adding to marketbot touches one place: a command is one new file, an alert rule one class and one wording.

A toy command, declared in a new module of a temporary package (no other file touched), is found
by discovery and served everywhere the bot derives from its declarations: registered with Discord
(over the loopback Discord, which holds it to Discord's contract), listed by /about, in the
terminal's help and among /ask's suggestions, and answered. A toy rule (one class registered in
RULES, one entry in WORDING) is offered by /alerts, replayed, judged by the alert cycle and worded.
"""

from __future__ import annotations

import datetime as dt
import sys
import textwrap
from collections.abc import AsyncIterator

import discord
import numpy as np
import pandas as pd
import pytest
import pytest_asyncio
from discord import app_commands

from analytics.alerts.events import Watched
from analytics.alerts.rules import RULES
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource
from bot import console
from bot.alerts.cycle import AlertCycle
from bot.command_sync import command_payload, sync_commands
from bot.discovery import discover
from bot.storage.sqlite import SqliteStore
from commands.alerts.messages import WORDING, Wording, alert_answer, headline
from commands.ask.routing import NotUnderstood, interpret
from commands.kit.command import Context, Services
from commands.kit.slash import slash_commands
from commands.kit.store import NewSubscription
from tests.analytics._helpers import move_zscores_loop
from tests.fakes.discord_server import FakeDiscord

NOW = pd.Timestamp("2026-11-24 15:00Z")
TOY_COMMAND = '''
"""/ping: the smallest command there is, declared in one file."""

from dataclasses import dataclass

from commands.kit.answer import Answer
from commands.kit.command import LIGHT, AskHint, Command
from commands.kit.options import Options, option, plain


@dataclass(frozen=True)
class PingOptions(Options):
    word: str = option("A word to echo (default hi)", "hi", parse=plain)


async def answer(services, o: PingOptions) -> Answer:
    return Answer("ping", "Pong", f"pong {o.word}", data={"command": "ping", "word": o.word})


COMMANDS = (
    Command(
        name="ping",
        description="Answers pong: a command declared in one file",
        options=PingOptions,
        answer=answer,
        cooldown=LIGHT,
        ask=AskHint(r"\\bping\\b", "ping me"),
        rank=5,
    ),
)
'''


@pytest.fixture
def catalog(tmp_path, monkeypatch):
    """The commands package and a new package holding one new file: the toy command."""
    package = tmp_path / "toy_commands"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "ping.py").write_text(textwrap.dedent(TOY_COMMAND))
    monkeypatch.syspath_prepend(str(tmp_path))
    yield discover(("commands", "toy_commands"))
    discover.cache_clear()
    for name in [m for m in sys.modules if m.startswith("toy_commands")]:
        del sys.modules[name]


@pytest.fixture
def services(catalog) -> Services:
    return Services(market=MarketData(SnapshotSource(), clock=lambda: NOW), clock=lambda: NOW, catalog=catalog)


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


async def test_a_toy_command_in_one_new_file_is_served_everywhere(catalog, services, fake, tmp_path, monkeypatch):
    ping = catalog.get("ping")
    assert ping is not None and ping.name == "ping"

    # Registered with (the loopback) Discord, which validates every request against Discord's spec and limits.
    monkeypatch.setattr(discord.http.Route, "BASE", f"{fake.url}/api/v10")
    client = discord.Client(intents=discord.Intents.none())
    await client.login("fake-token")
    storage = await SqliteStore.open(tmp_path / "marketbot.sqlite3")
    try:
        tree = app_commands.CommandTree(client)
        for command in slash_commands(catalog, Context(responder=None, store=storage, post_sample=None)):
            tree.add_command(command)
        assert await sync_commands(tree, storage, None)
    finally:
        await storage.close()
        await client.close()
    synced = {c["name"]: c for c in fake.commands["global"]}
    assert synced["ping"]["description"] == "Answers pong: a command declared in one file"
    assert [(o["name"], o["description"]) for o in synced["ping"]["options"]] == [("word", "A word to echo (default hi)")]
    assert fake.violations == []

    # /about lists it, first (its rank), with the other commands.
    about = await console.ask(services, "about", [])
    commands = dict(about.fields)["Commands"]
    assert commands.startswith("`/ping`: Answers pong: a command declared in one file\n`/compare`:")

    # The terminal's help lists it and its option, and the terminal answers it.
    assert "  ping" in console.commands_help(catalog) and "Answers pong" in console.commands_help(catalog)
    assert "word:hi" in console.command_help(["ping"], catalog)
    answer = await console.ask(services, "ping", ["word:yo"])
    assert answer.summary == "pong yo" and answer.data == {"command": "ping", "word": "yo"}

    # /ask suggests it for a question its words match, with its example question.
    with pytest.raises(NotUnderstood) as caught:
        interpret("ping", dt.date(2026, 11, 24), catalog)
    assert str(caught.value).startswith('I could not read that question. The closest commands:\n• /ping (or ask: "ping me")')


class SpyRule:
    """A toy rule: SPY's own moves, judged like any rule's, with no context and no backstop."""

    name: str = "spy"
    symbols: tuple[str, ...] = ("SPY",)
    context: Watched | None = None
    credit_reading: bool = False

    def watch_plan(self, frame, started):
        yield Watched("SPY"), np.ones(len(frame), bool)

    def columns(self, frame, value):
        return {}

    def fires(self, panel):
        return np.zeros(len(panel), bool)

    def backstops(self, panel, i):
        return []


@pytest.fixture
def spy_rule(monkeypatch):
    """One class, registered in RULES, and one entry in WORDING: nothing else."""
    monkeypatch.setitem(RULES, "spy", SpyRule())
    monkeypatch.setitem(WORDING, "spy", Wording("the S&P 500 ETF SPY", "rose"))


async def test_a_toy_rule_is_one_class_and_one_wording(spy_rule, services, tmp_path):
    catalog = discover()
    payload = {c["name"]: c for c in command_payload(catalog)}
    subscribe = next(o for o in payload["alerts"]["options"] if o["name"] == "subscribe")
    rule = next(o for o in subscribe["options"] if o["name"] == "rule")
    assert {"name": "spy: the S&P 500 ETF SPY", "value": "spy"} in rule["choices"]
    assert "spy: the S&P 500 ETF SPY" in console.command_help(["alerts", "replay"], catalog)

    # SPY's move on 2020-03-16 over its EWMA volatility, by an explicit loop over the snapshot's closes.
    closes = (await services.market.closes(["SPY"])).closes["SPY"].dropna().loc[:"2020-03-16"]
    z = move_zscores_loop(closes.to_numpy())[-1]
    move = closes.iloc[-1] / closes.iloc[-2] - 1
    level = "sharp" if abs(z) >= 3 else "notable"

    replay = await console.ask(services, "alerts", ["replay", "rule:spy", "start:2020-03-01", "end:2020-03-31"])
    assert replay.title == "Alert replay: spy"
    [day] = [e for e in replay.data["events"] if e["date"] == "2020-03-16"]
    assert day["zscore"] == pytest.approx(z, rel=1e-9) and day["level"] == level
    assert day["reasons"] == [f"SPY fell {abs(move) * 100:.1f}% on 2020-03-16, a {abs(z):.1f}σ move ({level}: |z| ≥ 2)"]

    # The alert cycle judges it for a subscriber, and the alert is worded.
    storage = await SqliteStore.open(tmp_path / "marketbot.sqlite3")
    posted = []

    async def deliver(post, prices, dues):
        posted.append((post, prices, dues))

    try:
        await storage.subscribe([NewSubscription(1, 10, "spy", "standard", None, 7)])
        market = MarketData(SnapshotSource(as_of=pd.Timestamp("2020-03-16")), clock=lambda: NOW)
        report = await AlertCycle(market, storage, deliver).run("settled")
    finally:
        await storage.close()
    [(alert, prices, dues)] = posted
    event = alert.event
    assert alert.credit is None  # a reading is the kre rule's
    assert report.claimed == 1 and len(dues) == 1 and (event.rule, event.level) == ("spy", level)
    assert headline(event) == day["reasons"][0]
    embed = alert_answer(event, prices.closes["SPY"], prices.provenance, NOW)
    assert embed.title == f"{level.capitalize()} move: SPY" and embed.data["zscore"] == pytest.approx(z, rel=1e-9)
