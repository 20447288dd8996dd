"""Everything the bot would send Discord, held to Discord's published contract without a server.

The slash commands as discord.py serialises them for the sync, and every answer of every command
over a corpus of asks (the longest ones included) as discord.py builds the follow-up that carries it:
embed, chart attachment and buttons; the alert, digest and replay messages as channel posts with a
nonce and a role to ping; the longest /alerts list pages. Each body goes through the same validator
the loopback Discord uses (tests/fakes/discord_contract.py: the vendored OpenAPI spec and the limits
Discord's docs add), so a declaration or an answer that breaks a limit fails here, in the fast tier.
"""

from __future__ import annotations

import json

import discord
import pandas as pd
import pytest
from discord.http import handle_message_parameters

from analytics.alerts.evaluate import evaluate
from analytics.alerts.rules import watched_values
from analytics.digest import daily_digest
from analytics.errors import MarketbotError
from analytics.sources.base import Provenance
from analytics.sources.snapshot import load_fred_snapshot, load_snapshot
from bot.alerts.cycle import nonce_for
from bot.command_sync import command_payload
from bot.discovery import discover
from bot.storage.protocol import AlertKey
from commands.alerts.manage import subscription_pages
from commands.kit import command as kit
from commands.kit.buttons import view_for
from commands.kit.render import to_embed, to_file
from commands.kit.store import Delivery, Subscription
from commands.watchlist import LISTED
from tests.fakes.discord_contract import check

from .conftest import NOW

APP, TOKEN, CHANNEL, ROLE = 1_300_000_000_000_000_001, "token", 1_300_000_000_000_000_020, 55
FOLLOWUP = f"/webhooks/{APP}/{TOKEN}"
CHANNEL_POST = f"/channels/{CHANNEL}/messages"

# The asks whose answers are held to the contract: each command's defaults, and the longest answers.
CORPUS: list[tuple[str, dict[str, str]]] = [
    ("compare", {}),
    ("compare", {"start": "max"}),
    ("compare", {"a": "^TNX", "b": "^IRX", "start": "max"}),
    ("compare", {"a": "KRE", "b": "XLF", "start": "svb"}),
    ("compare", {"a": "NVDA", "b": "^GSPC", "start": "2025-10-18", "end": "2025-10-21"}),
    ("performance", {}),
    ("performance", {"symbols": "NVDA META GOOGL MSFT AAPL AMZN AVGO TSLA ^GSPC ^RUT", "start": "max"}),
    ("performance", {"symbols": "^TNX ^IRX SPY KRE ZZZZ", "start": "oct-2022-low"}),
    ("quote", {"symbols": "^RUT ^GSPC KRE SPY XLF IWM ^TNX ^IRX NVDA ZZZZ"}),
    ("history", {}),
    ("banks", {}),
    ("banks", {"as_of": "2023-03-13"}),
    ("rates", {}),
    ("rates", {"as_of": "2025-10-21"}),
    ("rates", {"as_of": "2008-06-02"}),
    ("credit", {}),
    ("credit", {"as_of": "march-2023"}),
    ("credit", {"as_of": "2023-03-13", "window": "60"}),
    ("about", {}),
    ("alerts replay", {"rule": "kre", "start": "10y", "sensitivity": "sensitive"}),
    ("alerts replay", {"rule": "ratio", "start": "10y", "sensitivity": "sensitive"}),
    ("ask", {"question": "how are small caps doing vs large caps since the october 2022 low"}),
    ("ask", {"question": "is it credit or rates in march 2023"}),
]


def body_of(params) -> dict:
    """The JSON body, or a multipart request's payload_json (a message with a chart is multipart)."""
    if params.multipart:
        return json.loads(next(part["value"] for part in params.multipart if part["name"] == "payload_json"))
    return params.payload


def refused(method: str, path: str, body: dict, files: list[bytes] = ()) -> list[str]:
    refusal = check(method, path, body, file_sizes=[len(f) for f in files])
    return [] if refusal is None else [f"{v.field}: {v.rule}: {v.message}" for v in refusal.violations]


def followup(answer, view: discord.ui.View | None = None, ephemeral: bool = False) -> tuple[dict, list[bytes]]:
    """The follow-up body discord.py sends for an answer (Responder: embed, chart, buttons)."""
    extra = {"view": view} if view is not None else {}
    file = to_file(answer)
    params = handle_message_parameters(
        embed=to_embed(answer),
        file=file if file is not None else discord.utils.MISSING,
        allowed_mentions=discord.AllowedMentions.none(),
        flags=discord.MessageFlags(ephemeral=ephemeral),
        **extra,
    )
    return body_of(params), [answer.chart] if answer.chart else []


def test_the_slash_commands_are_what_discord_accepts():
    commands = command_payload(discover())
    assert refused("PUT", f"/applications/{APP}/commands", commands) == []
    assert len(commands) == len({c["name"] for c in commands}) >= 12


@pytest.mark.parametrize(("name", "options"), CORPUS, ids=[f"{n} {' '.join(o.values())}" for n, o in CORPUS])
async def test_every_answer_is_what_discord_accepts(services, name, options):
    catalog = services.catalog
    command = catalog.get(name)
    assert command is not None
    question = catalog.question(command, options, services.clock())
    answer = await kit.answer(services, question)
    view = view_for(question, catalog, services.clock()) if command.buttons and question.reading is None else None
    body, files = followup(answer, view)
    assert refused("POST", FOLLOWUP, body, files) == []
    assert refused("POST", FOLLOWUP, *followup(answer, view, ephemeral=True)) == []  # a click on another's answer


async def test_the_longest_watchlist_is_what_discord_accepts(services):
    symbols = " ".join([*list(load_snapshot().closes.columns)[:24], "ZZZZ"])  # 25: the limit, one unknown
    question = services.catalog.question(LISTED, {"symbols": symbols}, services.clock())
    answer = await kit.answer(services, question)
    assert refused("POST", FOLLOWUP, *followup(answer)) == []


def channel_post(answer, role: int | None) -> tuple[dict, list[bytes]]:
    """An alert or digest as AlertDelivery posts it: content pinging a role, a nonce, the chart."""
    mentions = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role)]) if role else None
    params = handle_message_parameters(
        content=f"<@&{role}>" if role else None,
        embed=to_embed(answer),
        file=to_file(answer) or discord.utils.MISSING,
        allowed_mentions=mentions or discord.AllowedMentions.none(),
        nonce=nonce_for(AlertKey(1, "kre", "2023-03-13", "sharp")),  # as delivery derives it
    )
    return body_of(params), [answer.chart] if answer.chart else []


@pytest.mark.parametrize("rule", ["kre", "ratio"])
@pytest.mark.parametrize("role", [None, ROLE])
def test_alerts_and_the_digest_are_what_discord_accepts(rule, role):
    from commands.alerts.messages import alert_answer, digest_answer

    closes = load_snapshot().closes
    provenance = Provenance("snapshot", closes.index[-1], NOW, live=False)
    events = evaluate(closes, rule, pd.Timestamp("2023-03-13"), "sensitive").events
    assert events
    for event in events:
        answer = alert_answer(event, watched_values(closes, event.watched), provenance, NOW)
        assert refused("POST", CHANNEL_POST, *channel_post(answer, role)) == []
    digest = daily_digest(closes.loc[:"2023-03-13"], pd.Timestamp("2023-03-13"), fred=load_fred_snapshot().closes)
    assert refused("POST", CHANNEL_POST, *channel_post(digest_answer(digest, provenance, NOW), role)) == []


def test_the_longest_alerts_list_pages_are_what_discord_accepts():
    reason = "no permission to post there (Discord 403, 2023-03-13); fix it and subscribe again"
    subs = [
        Subscription(i, 100, 1_300_000_000_000_000_000 + i, rule, "sensitive", ROLE, 7, "2026-11-01T00:00:00", reason)
        for i in range(1, 61)
        for rule in ("kre",)
    ]
    last = {s.id: Delivery(s.id, "kre", "2023-03-13", "sharp", "failed", "KRE fell 12.3%", "x", None, None, "403")
            for s in subs}  # fmt: skip
    pages = subscription_pages(subs, last)
    assert len(pages) > 1  # long enough to need pages
    for page in pages:
        params = handle_message_parameters(content=page, allowed_mentions=discord.AllowedMentions.none())
        assert refused("POST", FOLLOWUP, params.payload) == []


def test_a_refusal_here_is_real():
    """The validator refuses what Discord would: an answer one character over a field's limit."""
    from commands.kit.answer import Answer

    answer = Answer("x", "t", "s", fields=(("f", "v"),))
    body, _ = followup(answer)
    body["embeds"][0]["fields"][0]["value"] = "v" * 1025  # past the 1,024 to_embed never exceeds
    assert refused("POST", FOLLOWUP, body) == ["embeds.0.fields.0.value: maxLength: Must be 1024 or fewer in length."]
    with pytest.raises(MarketbotError):  # and a command's own refusal is not an answer to validate
        discover().question(discover().get("compare"), {"a": "^TNX", "b": "SPY"}, NOW)
