"""The real bot process over a loopback Discord, on the bundled snapshot.

One bot process serves the module (starting one costs seconds); the restart
test stops it and starts another on the same database.
"""

from __future__ import annotations

import asyncio
import itertools
import struct

import pytest
import pytest_asyncio

from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
_users = itertools.count(1000)  # a new user per ask, so per-user cooldowns stay out of the way
EPHEMERAL = 64


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def option(name: str, value: str) -> dict:
    return {"name": name, "type": 3, "value": value}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(fake, tmp_path_factory):
    process = BotProcess(fake.env(), tmp_path_factory.mktemp("bot"))
    await process.connect(fake, TIMEOUT)
    yield process
    await process.stop()


async def ask(fake: FakeDiscord, name: str, *options: dict, user_id: int | None = None):
    interaction = await fake.inject_command(name, list(options), user_id=user_id or next(_users))
    message = await interaction.answered(TIMEOUT)
    return interaction, message


async def test_commands_are_registered_once_with_their_schema(fake, bot):
    assert fake.command_syncs == ["global"]
    commands = {c["name"]: c for c in fake.commands["global"]}
    assert set(commands) == {"compare", "performance", "quote", "history", "banks", "rates", "credit", "about", "alerts",
                             "watchlist", "status", "ask"}  # fmt: skip
    watchlist = commands.pop("watchlist")
    assert {sub["name"]: [o["name"] for o in sub.get("options", [])] for sub in watchlist["options"]} == {
        "add": ["symbols"], "remove": ["symbols"], "show": [],
    }  # fmt: skip
    assert [(o["name"], o["required"]) for o in commands.pop("ask")["options"]] == [("question", True)]
    alerts = commands.pop("alerts")
    assert {sub["name"]: sub["type"] for sub in alerts["options"]} == {
        "subscribe": 1, "unsubscribe": 1, "list": 1, "test": 1, "replay": 1,
    }  # fmt: skip
    subscribe = {o["name"]: o for o in next(s for s in alerts["options"] if s["name"] == "subscribe")["options"]}
    assert subscribe["rule"]["required"] and [c["value"] for c in subscribe["rule"]["choices"]] == ["ratio", "kre", "digest", "all"]
    assert subscribe["channel"]["type"] == 7 and subscribe["role"]["type"] == 8
    for command in commands.values():
        assert 0 < len(command["description"]) <= 100
        for opt in command.get("options", []):
            assert opt["type"] == 3 and not opt.get("required", False)
            assert 0 < len(opt["description"]) <= 100
    compare = {o["name"]: o for o in commands["compare"]["options"]}
    assert list(compare) == ["a", "b", "start", "end"]
    assert all(compare[name]["autocomplete"] for name in compare)
    assert [o["autocomplete"] for o in commands["performance"]["options"]] == [True, True, True]
    assert commands["quote"]["options"][0]["autocomplete"] is True
    assert not commands["banks"]["options"][0].get("autocomplete")
    assert "options" not in commands["history"] or commands["history"]["options"] == []


async def test_compare_is_deferred_then_answered_with_figures_embed_and_chart(fake, bot):
    interaction, message = await ask(
        fake, "compare", option("a", "^RUT"), option("b", "^GSPC"), option("start", "oct-2022-low"), option("end", "2025-10-21")
    )
    deferral = await interaction.deferred(TIMEOUT)
    assert interaction.callback_type == 5  # deferred: "marketbot is thinking..."
    assert deferral.at <= message.at
    [embed] = message.embeds
    assert embed["title"] == "Russell 2000 vs S&P 500"
    assert embed["description"].startswith("Small caps trail: Russell 2000 +47.4% vs S&P 500 +88.3%, -40.9 pp")
    assert "Offline snapshot data" in embed["description"]
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Returns"] == "^RUT +47.4% · ^GSPC +88.3% · spread -40.9 pp"
    footer = embed["footer"]["text"]
    assert "snapshot, last session 2026-02-20, " in footer and " old" in footer
    assert "Basis: price (^RUT, ^GSPC)" in footer and "Window: 2022-10-12 → 2025-10-21" in footer
    assert embed["image"]["url"] == "attachment://compare.png"
    assert message.attachment_names == ["compare.png"]
    assert png_size(message.files["compare.png"]) == (1600, 1000)
    assert not message.ephemeral
    assert message.payload.get("allowed_mentions") == {"parse": []}


@pytest.mark.parametrize(
    ("command", "options", "summary", "chart"),
    [
        ("performance", [option("symbols", "NVDA META"), option("start", "oct-2022-low"), option("end", "2025-10-21")],
         "Best: Nvidia +1,477.2%", "performance.png"),
        ("quote", [option("symbols", "KRE")], "SPDR S&P Regional Banking ETF closed at 71.90 (+1.3% day) on 2026-02-20.", None),
        ("history", [], "", "history.png"),
        ("banks", [option("as_of", "2023-03-13")], "Regional-bank stress is SEVERE on 2023-03-13: KRE -12.3% (z -4.9)",
         "banks.png"),
        ("rates", [], "", None),
        ("about", [], "Data: snapshot, last session 2026-02-20, ", None),
    ],
)
async def test_every_command_answers_with_an_embed(fake, bot, command, options, summary, chart):
    _, message = await ask(fake, command, *options)
    [embed] = message.embeds
    assert embed["description"].startswith(summary)
    assert "snapshot, last session 2026-02-20, " in embed["footer"]["text"]
    if chart:
        assert embed["image"]["url"] == f"attachment://{chart}"
        assert message.attachment_names == [chart]
        png_size(message.files[chart])
    else:
        assert "image" not in embed and message.attachment_names == []


async def test_a_long_replay_lists_what_its_headings_say_within_discords_limits(fake, bot):
    replay = {"name": "replay", "type": 1, "options": [option("rule", "ratio"), option("start", "2020-01-01"),
                                                       option("end", "2020-12-31"), option("sensitivity", "sensitive")]}  # fmt: skip
    _, message = await ask(fake, "alerts", replay)
    [embed] = message.embeds  # the fake refuses an embed over Discord's limits
    listed = [f for f in embed["fields"] if f["name"].startswith("Latest 25 of 55 events")]
    assert len(listed) > 1 and sum(f["value"].count("\n") + 1 for f in listed) == 25
    assert embed["description"].startswith("The ratio rule (sensitive) would have fired 55 times from 2020-01-02 to 2020-12-31")
    assert "Window: 2020-01-02 → 2020-12-31" in embed["footer"]["text"]


async def test_one_unknown_symbol_leaves_the_rest_answered_in_public(fake, bot):
    _, message = await ask(fake, "performance", option("symbols", "SPY ZZZZ IWM"))
    [embed] = message.embeds
    assert not message.ephemeral and embed["title"] == "Performance"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Not shown"] == "`ZZZZ` is not in the offline snapshot. `/about` lists its symbols."
    assert sum(name.endswith(("(SPY)", "(IWM)")) for name in fields) == 2


async def test_autocomplete_is_answered_from_local_data_in_time(fake, bot):
    interaction = await fake.inject_autocomplete("compare", [option("a", "KR") | {"focused": True}])
    callback = await interaction.deferred(3.0)
    assert interaction.callback_type == 8
    assert interaction.choices[0] == {"name": "KRE — SPDR S&P Regional Banking ETF", "value": "KRE"}
    assert len(interaction.choices) <= 25
    assert callback.at - interaction.sent_at < 3.0


@pytest.mark.parametrize(
    ("command", "options", "fragment"),
    [
        ("compare", [option("start", "last tuesday")], "Start `last tuesday` is not a date: use YYYY-MM-DD or one of"),
        ("compare", [option("start", "2031-01-01")], "Start 2031-01-01 is in the future."),
        ("compare", [option("start", "2024-05-01"), option("end", "2023-01-01")],
         "Start 2024-05-01 must be before end 2023-01-01."),
        ("compare", [option("a", "@everyone")], "a: `＠everyone` is not a valid symbol"),
        ("performance", [option("symbols", "SPY K;E")], "`K;E` is not a valid symbol"),
        ("banks", [option("as_of", "max")], "as_of `max` is not a date: use YYYY-MM-DD or one of oct-2022-low, svb, march-2023, oct-2025."),
        ("alerts", [{"name": "replay", "type": 1, "options": [option("end", "ytd")]}], "`ytd` only works as a start."),
    ],
)  # fmt: skip
async def test_bad_input_is_answered_privately_at_once_and_nothing_is_public(fake, bot, command, options, fragment):
    interaction = await fake.inject_command(command, options, user_id=next(_users))
    callback = await interaction.deferred(TIMEOUT)
    assert interaction.callback_type == 4  # answered directly: no public "thinking" placeholder
    assert callback.json["data"]["flags"] & EPHEMERAL
    message = await interaction.answered(TIMEOUT)
    assert message.ephemeral and fragment in message.content, message.content
    assert "Traceback" not in message.content
    await asyncio.sleep(0.2)  # anything else the bot might still send
    assert [m for m in interaction.messages if not m.ephemeral] == []
    assert not [r for r in fake.requests if interaction.token in r.path and r.method in ("PATCH", "DELETE")]


async def test_an_unknown_symbol_is_refused_privately_before_anything_is_public(fake, bot):
    """In snapshot mode the symbols are known before deferring: no public "thinking" message at all."""
    interaction = await fake.inject_command("compare", [option("b", "ZZZZQQ")], user_id=next(_users))
    callback = await interaction.deferred(TIMEOUT)
    assert interaction.callback_type == 4 and callback.json["data"]["flags"] & EPHEMERAL
    message = await interaction.answered(TIMEOUT)
    assert message.ephemeral and message.content.startswith("b: `ZZZZQQ` is not in the offline snapshot")
    await asyncio.sleep(0.2)  # anything else the bot might still send
    assert [m for m in interaction.messages if not m.ephemeral] == []
    assert not [r for r in fake.requests if interaction.token in r.path and r.method in ("PATCH", "DELETE")]


async def test_an_error_found_after_fetching_is_private_and_its_placeholder_removed(fake, bot):
    interaction = await fake.inject_command("compare", [option("a", "KRE"), option("start", "1990-01-02")],
                                            user_id=next(_users))  # fmt: skip
    await interaction.deferred(TIMEOUT)
    assert interaction.callback_type == 5  # the date is well-formed: only the data can tell it is before KRE's history
    private = await _private_reply(fake, interaction)
    assert private.content.startswith("Start 1990-01-02 is before KRE's history starts"), private.content
    assert "Traceback" not in private.content
    await _original_deleted(fake, interaction)  # times out (fails) if the placeholder stays
    # Public, briefly: the "thinking" message, settled with a neutral line and deleted before the reason was sent.
    [public] = [m for m in interaction.messages if not m.ephemeral]
    assert public.kind == "edit" and public.content == "Answered privately." and public.deleted
    assert private.kind == "followup" and private.id != interaction.original_id
    deleted_at = next(r.at for r in fake.requests if r.method == "DELETE" and interaction.token in r.path)
    assert deleted_at <= private.at


async def test_cooldown_answers_privately_at_once(fake, bot):
    user = next(_users)
    for _ in range(4):
        await ask(fake, "history", user_id=user)
    interaction = await fake.inject_command("history", [], user_id=user)
    await interaction.deferred(TIMEOUT)
    assert interaction.callback_type == 4  # answered directly, not deferred
    message = await interaction.answered(TIMEOUT)
    assert message.ephemeral and "You are asking quickly: try /history again in" in message.content


async def test_a_429_and_a_5xx_from_discord_are_survived(fake, bot):
    fake.fail_next("POST", r"^/api/v10/webhooks/", 429, retry_after=0.2)
    _, message = await ask(fake, "quote", option("symbols", "SPY"))
    assert message.embeds[0]["title"] == "Quote"
    fake.fail_next("POST", r"^/api/v10/webhooks/", 500)
    _, message = await ask(fake, "quote", option("symbols", "XLF"))
    assert "Financial" in message.embeds[0]["description"]
    statuses = [r.status for r in fake.requests if r.path.startswith("/api/v10/webhooks/")]
    assert 429 in statuses and 500 in statuses


async def test_the_bot_resumes_after_the_gateway_drops(fake, bot):
    identifies = fake.identifies
    await fake.drop_gateway()
    await _until(lambda: fake.resumes >= 1)
    assert fake.identifies == identifies  # resumed, not a new session
    _, message = await ask(fake, "quote", option("symbols", "KRE"))
    assert message.embeds[0]["title"] == "Quote"


async def test_a_restart_on_the_same_database_does_not_sync_again(fake, bot):
    assert await bot.stop() == 0
    assert "Event loop: worst lag" in bot.log
    restarted = BotProcess(fake.env(), bot.home)
    await restarted.start()
    try:
        await _until(lambda: fake.identifies >= 2)
        await fake.wait_ready(TIMEOUT)
        _, message = await ask(fake, "quote", option("symbols", "KRE"))
        assert message.embeds[0]["title"] == "Quote"
        assert fake.command_syncs == ["global"]  # unchanged commands: no second registration
        assert "Slash commands unchanged since the last sync" in restarted.log
    finally:
        await restarted.stop()
    assert "Traceback" not in bot.log + restarted.log


async def _until(condition, timeout: float = TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def _private_reply(fake: FakeDiscord, interaction):
    def find():
        return next((m for m in fake.messages if m.interaction_id == interaction.id and m.ephemeral), None)

    await _until(lambda: find() is not None)
    return find()


async def _original_deleted(fake: FakeDiscord, interaction) -> None:
    await _until(
        lambda: any(
            r.method == "DELETE" and interaction.token in r.path and r.path.endswith("/messages/@original")
            for r in fake.requests
        )
    )


async def test_sync_verb_forces_a_registration_in_one_guild(fake, tmp_path):
    syncer = BotProcess(fake.env(), tmp_path)
    await syncer.start("sync", "--guild", str(FakeDiscord.GUILD_ID))
    assert await syncer.wait() == 0, syncer.log
    assert fake.command_syncs[-1] == str(FakeDiscord.GUILD_ID)
    assert {c["name"] for c in fake.commands[str(FakeDiscord.GUILD_ID)]} >= {"compare", "banks", "about"}
    assert "synced the slash commands" in syncer.log
