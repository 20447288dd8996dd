"""Buttons on answers, clicked over the loopback Discord on the real bot process.

A click is checked against the same question asked as a slash command: the edited
(or private) answer must show exactly the embed the slash command shows.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest
import pytest_asyncio

from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord, Message

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
_users = itertools.count(2000)  # a new user per test, so per-user cooldowns stay out of the way
END = "2025-10-21"


def option(name: str, value: str) -> dict:
    return {"name": name, "type": 3, "value": value}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(fake, tmp_path_factory):
    process = BotProcess(fake.env(), tmp_path_factory.mktemp("bot"))
    await start(process, fake)
    yield process
    await process.stop()


async def start(process: BotProcess, fake: FakeDiscord) -> None:
    """Start the bot and wait until it has identified (a restart included)."""
    identifies = fake.identifies
    await process.start()
    try:
        async with asyncio.timeout(TIMEOUT):
            while fake.identifies == identifies:
                await asyncio.sleep(0.05)
            await fake.wait_ready(TIMEOUT)
    except TimeoutError:
        await process.stop()
        pytest.fail(f"the bot did not connect:\n{process.log}")


async def ask(fake: FakeDiscord, name: str, *options: dict, user_id: int) -> Message:
    interaction = await fake.inject_command(name, list(options), user_id=user_id)
    return await interaction.answered(TIMEOUT)


async def click(fake: FakeDiscord, message: Message, custom_id: str, *, user_id: int, values: list[str] | None = None,
                permissions: int = FakeDiscord.DEFAULT_PERMISSIONS):  # fmt: skip
    interaction = await fake.inject_component(message, custom_id, user_id=user_id, values=values, permissions=permissions)
    return interaction, await interaction.answered(TIMEOUT)


def buttons(message: Message) -> dict[str, dict]:
    """label -> component, for every button and select menu."""
    return {c.get("label") or c.get("placeholder"): c for row in message.components for c in row["components"]}


def compare_options(a: str = "^RUT", b: str = "^GSPC", start: str = "oct-2022-low", end: str = END) -> list[dict]:
    return [option("a", a), option("b", b), option("start", start), option("end", end)]


async def test_window_buttons_edit_the_askers_answer_to_what_the_slash_command_answers(fake, bot):
    asker = next(_users)
    answer = await ask(fake, "compare", *compare_options(), user_id=asker)
    shown = buttons(answer)
    assert list(shown) == ["1m", "YTD", "1y", "since Oct-2022 low", "max", "swap", "alert me", "Another pair"]
    assert shown["since Oct-2022 low"]["disabled"] and shown["since Oct-2022 low"]["style"] == 1  # the window shown
    assert shown["1m"]["custom_id"] == f"mb1:compare:^RUT:^GSPC:1m:{END}"
    for label, start in (("1m", "1m"), ("YTD", "ytd"), ("1y", "1y")):
        interaction, edited = await click(fake, answer, buttons(answer)[label]["custom_id"], user_id=asker)
        assert interaction.callback_type == 6  # a deferred update, within Discord's 3 seconds (the fake enforces it)
        assert (edited.kind, edited.id, edited.ephemeral) == ("edit", answer.id, False)
        slash = await ask(fake, "compare", *compare_options(start=start), user_id=next(_users))
        assert edited.embeds == slash.embeds
        assert edited.attachment_names == ["compare.png"] and edited.files["compare.png"] == slash.files["compare.png"]
        assert buttons(edited)[label]["disabled"] and not buttons(edited)["since Oct-2022 low"]["disabled"]
        answer = edited


async def test_max_and_swap_and_the_pair_picker(fake, bot):
    asker = next(_users)
    answer = await ask(fake, "compare", *compare_options(), user_id=asker)
    _, edited = await click(fake, answer, buttons(answer)["max"]["custom_id"], user_id=asker)
    assert edited.embeds == (await ask(fake, "compare", *compare_options(start="max"), user_id=next(_users))).embeds
    _, swapped = await click(fake, edited, buttons(edited)["swap"]["custom_id"], user_id=asker)
    slash = await ask(fake, "compare", *compare_options("^GSPC", "^RUT", "max"), user_id=next(_users))
    assert swapped.embeds == slash.embeds and swapped.embeds[0]["title"] == "S&P 500 vs Russell 2000"
    menu = buttons(swapped)["Another pair"]
    assert [o["value"] for o in menu["options"]] == ["^RUT/^GSPC", "IWM/SPY", "KRE/SPY", "KRE/XLF", "QQQ/SPY"]
    _, picked = await click(fake, swapped, menu["custom_id"], values=["KRE/XLF"], user_id=asker)
    assert picked.id == answer.id
    slash = await ask(fake, "compare", *compare_options("KRE", "XLF", "max"), user_id=next(_users))
    assert picked.embeds == slash.embeds
    assert [o.get("default", False) for o in buttons(picked)["Another pair"]["options"]] == [False, False, False, True, False]


async def test_someone_elses_click_is_answered_privately_and_leaves_the_answer_alone(fake, bot):
    answer = await ask(fake, "compare", *compare_options(), user_id=next(_users))
    other = next(_users)
    interaction, private = await click(fake, answer, buttons(answer)["1y"]["custom_id"], user_id=other)
    assert interaction.callback_type == 5 and private.ephemeral and private.id != answer.id
    assert private.embeds == (await ask(fake, "compare", *compare_options(start="1y"), user_id=next(_users))).embeds
    assert [m.kind for m in fake.messages if m.id == answer.id] == ["followup"]  # never edited
    # their private copy has buttons of its own, which edit it in place
    _, edited = await click(fake, private, buttons(private)["max"]["custom_id"], user_id=other)
    assert (edited.id, edited.ephemeral) == (private.id, True)


async def test_performance_and_banks_buttons(fake, bot):
    asker = next(_users)
    perf = [option("symbols", "NVDA META"), option("start", "1y"), option("end", END)]
    answer = await ask(fake, "performance", *perf, user_id=asker)
    assert list(buttons(answer)) == ["1m", "YTD", "1y", "since Oct-2022 low", "max"]
    _, edited = await click(fake, answer, buttons(answer)["since Oct-2022 low"]["custom_id"], user_id=asker)
    slash = await ask(fake, "performance", option("symbols", "NVDA META"), option("start", "oct-2022-low"),
                      option("end", END), user_id=next(_users))  # fmt: skip
    assert edited.embeds == slash.embeds and edited.embeds[0]["description"].startswith("Best: Nvidia +1,477.2%")

    answer = await ask(fake, "banks", user_id=asker)
    assert list(buttons(answer)) == ["latest", "March 2023 (13th)", "eve of SVB", "Oct-2022 low", "alert me"]
    assert buttons(answer)["latest"]["disabled"]
    _, edited = await click(fake, answer, buttons(answer)["March 2023 (13th)"]["custom_id"], user_id=asker)
    assert edited.embeds[0]["description"].startswith("Regional-bank stress is SEVERE on 2023-03-13: KRE -12.3% (z -4.9)")
    assert edited.embeds == (await ask(fake, "banks", option("as_of", "2023-03-13"), user_id=next(_users))).embeds


async def test_a_window_the_answer_cannot_have_is_disabled(fake, bot):
    answer = await ask(fake, "compare", *compare_options(start="2021-01-04", end="2022-06-30"), user_id=next(_users))
    assert buttons(answer)["since Oct-2022 low"]["disabled"]  # after the answer's end
    assert not buttons(answer)["1y"]["disabled"]


async def test_a_click_during_a_cooldown_is_answered_privately(fake, bot):
    asker = next(_users)
    answer = await ask(fake, "compare", *compare_options(), user_id=asker)  # 1 of the 4 asks per 30 s
    for label in ("1m", "YTD", "1y"):  # 2, 3, 4
        _, answer = await click(fake, answer, buttons(answer)[label]["custom_id"], user_id=asker)
    interaction, refused = await click(fake, answer, buttons(answer)["max"]["custom_id"], user_id=asker)
    assert interaction.callback_type == 4 and refused.ephemeral
    assert refused.content.startswith("You are asking quickly: try /compare again in ")
    assert [m.embeds for m in fake.messages if m.id == answer.id][-1] == answer.embeds  # unchanged
    # and the slash command shares that cooldown
    slash = await fake.inject_command("compare", compare_options(), user_id=asker)
    assert (await slash.answered(TIMEOUT)).content.startswith("You are asking quickly")


async def test_a_button_from_an_older_marketbot_is_answered_privately(fake, bot):
    asker = next(_users)
    answer = await ask(fake, "compare", *compare_options(), user_id=asker)
    row = fake._objects[answer.id]["components"][0]["components"]
    row[0]["custom_id"] = "mb0:compare:^RUT:^GSPC:1m"  # as an earlier version would have sent it
    row[1]["custom_id"] = "mb1:compare:^RUT"  # garbled
    for custom_id in ("mb0:compare:^RUT:^GSPC:1m", "mb1:compare:^RUT"):
        interaction, reply = await click(fake, answer, custom_id, user_id=asker)
        assert reply.ephemeral and "older marketbot" in reply.content
    assert "Traceback" not in bot.log


MEMBER = 0x400 | 0x800  # view channel, send messages: no Manage Server, no Manage Channels


async def alert_list(fake: FakeDiscord) -> str:
    return (await ask(fake, "alerts", {"name": "list", "type": 1}, user_id=next(_users))).content


@pytest.mark.parametrize(("command", "options", "rule"), [("compare", compare_options(), "ratio"), ("banks", [], "kre")])
async def test_alert_me_subscribes_the_channel_for_managers_only(fake, bot, command, options, rule):
    answer = await ask(fake, command, *options, user_id=next(_users))
    alert = buttons(answer)["alert me"]
    assert alert["custom_id"] == f"mb1:alert:{rule}"
    _, refused = await click(fake, answer, alert["custom_id"], user_id=next(_users), permissions=MEMBER)
    assert refused.ephemeral and refused.content == "Changing alerts needs the Manage Server or Manage Channels permission."
    channel = f"<#{FakeDiscord.CHANNEL_ID}>"
    assert f"{channel} {rule} " not in await alert_list(fake)  # nothing was stored
    manager = next(_users)
    _, done = await click(fake, answer, alert["custom_id"], user_id=manager)
    assert done.ephemeral and done.content.startswith(f"Subscribed: {channel} gets {rule} alerts (")
    assert f"{channel} {rule} (standard): active; no alert yet" in await alert_list(fake)
    _, again = await click(fake, answer, alert["custom_id"], user_id=manager)
    assert again.content.startswith(f"{channel} already gets {rule} alerts (standard)")
    assert [m.kind for m in fake.messages if m.id == answer.id] == ["followup"]  # the answer is untouched


async def test_clicks_keep_working_after_a_restart(fake, bot):
    asker = next(_users)
    answer = await ask(fake, "compare", *compare_options(), user_id=asker)
    assert await bot.stop() == 0
    await start(bot, fake)
    _, edited = await click(fake, answer, buttons(answer)["1y"]["custom_id"], user_id=asker)
    assert edited.id == answer.id
    assert edited.embeds == (await ask(fake, "compare", *compare_options(start="1y"), user_id=next(_users))).embeds
    assert "Traceback" not in bot.log
