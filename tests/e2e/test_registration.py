"""A registration Discord would refuse is loud: `run` stops at start and `sync` fails, each with one
line naming the command and the field, unless commands from an earlier sync are registered (then
the bot runs on with those and says so). The bot under test serves one more command than its own:
/toolong, whose description is 101 characters (tests/fakes/overlong_commands)."""

from __future__ import annotations

import pytest

from tests.fakes.bot_process import BotProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
OVERLONG = {"MARKETBOT_TEST_COMMANDS": "tests.fakes.overlong_commands"}
REFUSED = (
    "marketbot: Discord refused the slash commands: "
    "command `toolong` description is 101 characters, the limit is 1 to 100"
)


def last_line(log: str) -> str:
    return log.strip().splitlines()[-1]


async def test_run_stops_at_start_with_one_line(fake, tmp_path):
    bot = BotProcess(fake.env(), tmp_path, **OVERLONG)
    await bot.start("run")
    assert await bot.wait(TIMEOUT) == 1
    assert last_line(bot.log) == REFUSED
    assert "Traceback" not in bot.log
    assert not fake.find_requests("PUT")  # refused before Discord saw it
    assert not fake.shard_connections()  # and never connected: nobody can type a command


async def test_sync_fails_with_the_same_line(fake, tmp_path):
    bot = BotProcess(fake.env(), tmp_path, **OVERLONG)
    await bot.start("sync")
    assert await bot.wait(TIMEOUT) == 1
    assert last_line(bot.log) == REFUSED


async def test_check_says_it_offline(fake, tmp_path):
    bot = BotProcess({}, tmp_path, **OVERLONG)  # no Discord at all
    await bot.start("check")
    assert await bot.wait(TIMEOUT) == 1
    assert bot.log.strip().splitlines()[-2:] == [
        "Discord would refuse the slash commands:",
        "  command `toolong` description is 101 characters, the limit is 1 to 100",
    ]


async def test_with_an_earlier_sync_the_bot_runs_on_with_the_commands_registered_then(fake, tmp_path):
    earlier = BotProcess(fake.env(), tmp_path)  # the bot's own commands, synced and recorded in its database
    await earlier.connect(fake, TIMEOUT)
    assert await earlier.stop() == 0
    registered = [c["name"] for c in fake.commands["global"]]
    syncs = len(fake.command_syncs)

    bot = BotProcess(fake.env(), tmp_path, **OVERLONG)  # the same database, one bad command more
    await bot.connect(fake, TIMEOUT)
    try:
        assert len(fake.command_syncs) == syncs and [c["name"] for c in fake.commands["global"]] == registered
        interaction = await fake.inject_command("quote", [{"name": "symbols", "value": "KRE"}], user_id=31337)
        assert "closed at" in (await interaction.answered(TIMEOUT)).embeds[0]["description"]
    finally:
        assert await bot.stop() == 0
    assert (
        "ERROR bot.app: Discord refused the slash commands: command `toolong` description is 101 characters, "
        "the limit is 1 to 100; the commands registered earlier stay in use" in bot.log
    )
