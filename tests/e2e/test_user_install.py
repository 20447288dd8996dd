"""Installed to a user's account: the read-only commands answer in DMs and in servers that have not
added marketbot; the commands that set up a server (/alerts, /watchlist, /status) are offered there
too, and say privately, before anything else, where they work."""

from __future__ import annotations

import itertools

import pytest
import pytest_asyncio

from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import BOT_DM, GUILD, PRIVATE_CHANNEL, USER_INSTALL

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
MANAGE_GUILD = 0x20
_users = itertools.count(9000)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(fake, tmp_path_factory):
    process = BotProcess(fake.env(), tmp_path_factory.mktemp("bot"))
    await process.connect(fake, TIMEOUT)
    yield process
    await process.stop()


def option(name: str, value: str) -> dict:
    return {"name": name, "type": 3, "value": value}


async def test_every_command_is_registered_for_user_installs_and_dms(fake, bot):
    for command in fake.commands["global"]:
        assert command["integration_types"] == [0, 1], command["name"]
        assert command["contexts"] == [0, 1, 2], command["name"]


@pytest.mark.parametrize("context", [BOT_DM, PRIVATE_CHANNEL])
async def test_compare_answers_in_a_dm(fake, bot, context):
    interaction = await fake.inject_command(
        "compare", [option("start", "svb")], user_id=next(_users), context=context, integration_type=USER_INSTALL
    )
    message = await interaction.answered(TIMEOUT)
    assert interaction.guild_id is None and interaction.authorizing_integration_owners == {"1": str(interaction.user_id)}
    assert not message.ephemeral and message.embeds[0]["title"] == "Russell 2000 vs S&P 500"
    assert message.attachment_names == ["compare.png"]


async def test_alerts_subscribe_in_a_dm_is_refused_privately(fake, bot):
    interaction = await fake.inject_command(
        "alerts", [{"name": "subscribe", "options": [{"name": "rule", "value": "kre"}]}],
        user_id=next(_users), context=BOT_DM, integration_type=USER_INSTALL,
    )  # fmt: skip
    message = await interaction.answered(TIMEOUT)
    assert interaction.callback_type == 4 and message.ephemeral
    assert message.content == "/alerts works in a server channel, not in direct messages."


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("alerts", [{"name": "subscribe", "options": [{"name": "rule", "value": "kre"}]}]),
        ("watchlist", [{"name": "add", "options": [option("symbols", "KRE")]}]),
        ("watchlist", [{"name": "show"}]),
        ("status", []),
    ],
)
async def test_server_commands_through_a_user_install_say_where_they_work(fake, bot, name, options):
    """In a server that has not added marketbot (only the user has): even a manager is told, privately."""
    interaction = await fake.inject_command(
        name, options, user_id=next(_users), permissions=MANAGE_GUILD, context=GUILD, integration_type=USER_INSTALL
    )
    message = await interaction.answered(TIMEOUT)
    assert interaction.callback_type == 4 and message.ephemeral
    assert message.content == (
        f"/{name} works in a server that has added marketbot; here it is installed to your account only "
        "(a server manager can add it to the server)."
    )


async def test_the_same_in_the_server_that_added_marketbot_is_answered(fake, bot):
    interaction = await fake.inject_command("watchlist", [{"name": "show"}], user_id=next(_users))
    message = await interaction.answered(TIMEOUT)
    assert "works in a server" not in message.content
