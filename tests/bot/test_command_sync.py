"""Slash-command sync: only when the command set changed, per application and scope; the schema; and the
check against Discord's limits (`marketbot check`, and before every sync)."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

from analytics.sessions import utc_now
from bot.alerts.jobs import AlertJobs
from bot.app import MarketBot
from bot.cli import main
from bot.command_sync import SyncRefused, command_set_hash, sync_commands
from bot.discovery import discover
from bot.settings import Settings
from bot.storage.sqlite import SqliteStore
from bot.wiring import build_fred_data, build_market_data
from commands.kit.command import Catalog, Context, Services
from commands.kit.respond import Responder
from commands.kit.slash import slash_commands

NAMES = ["compare", "performance", "quote", "history", "banks", "rates", "credit", "about", "status", "ask"]
STRING = 3  # discord.AppCommandOptionType.string


@pytest.fixture
def services():  # function scope: built inside the isolated environment
    settings = Settings(data_source="snapshot")
    return Services(
        market=build_market_data(settings), clock=utc_now, fred=build_fred_data(settings), catalog=discover()
    )


@pytest.fixture
async def storage(tmp_path):
    storage = await SqliteStore.open(tmp_path / "marketbot.db")
    yield storage
    await storage.close()


async def make_bot(services, storage, application_id: int = 123) -> MarketBot:
    alerts = AlertJobs(storage, services, 300)
    bot = MarketBot(Context(Responder(services), storage, alerts.post_sample), alerts)
    # As setup_hook does, without the network; the commands outside a group (/alerts and /watchlist
    # are left out, as the registry's COGS left out their cogs).
    for command in slash_commands(services.catalog, bot.context):
        if not isinstance(command, app_commands.Group):
            bot.tree.add_command(command)
    bot._connection.application_id = application_id
    assert bot.tree.client.application_id == application_id
    return bot


class FakeSync:
    """Stands in for CommandTree.sync, the call that reaches Discord."""

    def __init__(self, tree, fail: bool = False) -> None:
        self.tree = tree
        self.fail = fail
        self.calls: list = []

    async def __call__(self, *, guild=None):
        self.calls.append(guild)
        if self.fail:
            raise discord.HTTPException(SimpleNamespace(status=500, reason="Server Error"), "Discord is down")
        return self.tree.get_commands(guild=guild)


@pytest.fixture
async def bot(services, storage, monkeypatch):
    bot = await make_bot(services, storage)
    monkeypatch.setattr(bot.tree, "sync", FakeSync(bot.tree))
    return bot


async def test_first_sync_syncs_and_stores_the_hash(bot, storage):
    assert await sync_commands(bot.tree, storage, None) is True
    assert bot.tree.sync.calls == [None]
    assert await storage.get_meta("commands_synced:123:global") == command_set_hash(bot.tree, None)


async def test_an_unchanged_command_set_is_not_synced_again(bot, storage):
    await sync_commands(bot.tree, storage, None)
    assert await sync_commands(bot.tree, storage, None) is False
    assert bot.tree.sync.calls == [None]


async def test_force_syncs_anyway(bot, storage):
    await sync_commands(bot.tree, storage, None)
    assert await sync_commands(bot.tree, storage, None, force=True) is True
    assert bot.tree.sync.calls == [None, None]


async def test_a_changed_command_set_syncs_again(bot, storage):
    await sync_commands(bot.tree, storage, None)
    before = await storage.get_meta("commands_synced:123:global")
    bot.tree.remove_command("about")
    assert await sync_commands(bot.tree, storage, None) is True
    assert bot.tree.sync.calls == [None, None]
    after = await storage.get_meta("commands_synced:123:global")
    assert after != before and after == command_set_hash(bot.tree, None)
    assert await sync_commands(bot.tree, storage, None) is False


async def test_guild_scope_syncs_to_the_guild_with_its_own_hash(bot, storage):
    await sync_commands(bot.tree, storage, None)
    global_hash = await storage.get_meta("commands_synced:123:global")

    assert await sync_commands(bot.tree, storage, 42) is True  # the global sync does not count for the guild
    guild = bot.tree.sync.calls[-1]
    assert isinstance(guild, discord.abc.Snowflake) and guild.id == 42
    assert sorted(c.name for c in bot.tree.get_commands(guild=discord.Object(id=42))) == sorted(NAMES)
    assert await storage.get_meta("commands_synced:123:42") == command_set_hash(bot.tree, discord.Object(id=42))
    assert await storage.get_meta("commands_synced:123:global") == global_hash

    assert await sync_commands(bot.tree, storage, 42) is False
    assert await sync_commands(bot.tree, storage, None) is False
    assert len(bot.tree.sync.calls) == 2


async def test_a_failed_sync_stores_nothing_and_is_retried(bot, storage):
    bot.tree.sync.fail = True
    with pytest.raises(discord.HTTPException):
        await sync_commands(bot.tree, storage, None)
    assert await storage.get_meta("commands_synced:123:global") is None
    bot.tree.sync.fail = False
    assert await sync_commands(bot.tree, storage, None) is True
    assert bot.tree.sync.calls == [None, None]


async def test_a_restart_with_the_same_commands_does_not_sync(services, storage, monkeypatch):
    first = await make_bot(services, storage)
    second = await make_bot(services, storage)
    assert command_set_hash(first.tree, None) == command_set_hash(second.tree, None)
    monkeypatch.setattr(first.tree, "sync", FakeSync(first.tree))
    monkeypatch.setattr(second.tree, "sync", FakeSync(second.tree))
    assert await sync_commands(first.tree, storage, None) is True
    assert await sync_commands(second.tree, storage, None) is False
    assert second.tree.sync.calls == []


async def test_another_application_keeps_its_own_hash(services, storage, monkeypatch):
    mine = await make_bot(services, storage, application_id=123)
    other = await make_bot(services, storage, application_id=456)
    monkeypatch.setattr(mine.tree, "sync", FakeSync(mine.tree))
    monkeypatch.setattr(other.tree, "sync", FakeSync(other.tree))
    assert await sync_commands(mine.tree, storage, None) is True
    assert await sync_commands(other.tree, storage, None) is True
    assert other.tree.sync.calls == [None]
    assert await storage.get_meta("commands_synced:456:global") == await storage.get_meta("commands_synced:123:global")


async def test_the_hash_is_a_sha256_of_the_command_set(bot):
    digest = command_set_hash(bot.tree, None)
    assert len(digest) == 64 and int(digest, 16) >= 0
    bot.tree.remove_command("rates")
    assert command_set_hash(bot.tree, None) != digest


# -- the registered schema --


async def test_the_registered_commands(bot):
    schema = [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
    assert sorted(c["name"] for c in schema) == sorted(NAMES)
    assert len(schema) == len(NAMES)


async def test_compare_options_are_autocompleted_strings(bot):
    compare = bot.tree.get_command("compare").to_dict(bot.tree)
    options = {o["name"]: o for o in compare["options"]}
    assert list(options) == ["a", "b", "start", "end"]
    for option in options.values():
        assert option["type"] == STRING
        assert option["autocomplete"] is True
        assert option["required"] is False
        assert (option["min_length"], option["max_length"]) == (1, 20)


async def test_every_description_is_present_and_short(bot):
    schema = [command.to_dict(bot.tree) for command in bot.tree.get_commands()]
    checked = 0
    for command in schema:
        pending = [command]
        while pending:
            item = pending.pop()
            assert isinstance(item["description"], str)
            assert 1 <= len(item["description"]) <= 100, item["name"]
            assert 1 <= len(item["name"]) <= 32
            checked += 1
            pending.extend(item.get("options", []))
    assert checked > len(NAMES)  # options were checked too


# -- Discord's limits, checked before anything is sent --


def with_description(catalog: Catalog, name: str, description: str) -> Catalog:
    """``catalog`` with one command's description replaced (declarations are frozen)."""
    commands = tuple(dataclasses.replace(c, description=description) if c.name == name else c for c in catalog.commands)
    return Catalog(commands, catalog.groups)


@pytest.mark.parametrize("argv", [["check"], ["sync", "--dry-run"]])
def test_check_says_the_real_commands_are_within_discords_limits(capsys, argv):
    catalog = discover()
    top_level = len([c for c in catalog.commands if not c.group]) + len(catalog.groups)  # a group is one command
    assert top_level >= 11  # 9 commands, /alerts and /watchlist when `check` came (more commands may follow)
    assert main(argv) == 0  # offline: no token, no settings
    assert capsys.readouterr() == (f"{top_level} slash commands, within Discord's limits\n", "")


@pytest.mark.parametrize("argv", [["check"], ["sync", "--dry-run"]])
def test_check_names_the_command_and_field_discord_would_refuse(capsys, monkeypatch, argv):
    broken = with_description(discover(), "quote", "x" * 101)
    monkeypatch.setattr("bot.discovery.discover", lambda: broken)  # what `check` reads
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "Discord would refuse the slash commands:\n"
        "  command `quote` description is 101 characters, the limit is 1 to 100\n"
    )


@pytest.fixture
def broken_services(services):
    return dataclasses.replace(services, catalog=with_description(services.catalog, "quote", "x" * 101))


async def test_a_set_breaking_a_limit_is_refused_before_anything_is_sent(broken_services, storage, monkeypatch):
    bot = await make_bot(broken_services, storage)
    monkeypatch.setattr(bot.tree, "sync", FakeSync(bot.tree))
    with pytest.raises(SyncRefused) as info:
        await sync_commands(bot.tree, storage, None)
    assert info.value.problems == ["command `quote` description is 101 characters, the limit is 1 to 100"]
    assert "command `quote` description is 101 characters" in str(info.value)
    assert info.value.earlier is False  # nothing was ever synced: no commands to fall back on
    assert bot.tree.sync.calls == [] and await storage.get_meta("commands_synced:123:global") is None
    with pytest.raises(SyncRefused):  # force changes nothing: still never sent
        await sync_commands(bot.tree, storage, None, force=True)
    assert bot.tree.sync.calls == []


async def test_a_refused_set_says_when_an_earlier_sync_stays_in_use(services, broken_services, storage, monkeypatch):
    good = await make_bot(services, storage)
    monkeypatch.setattr(good.tree, "sync", FakeSync(good.tree))
    assert await sync_commands(good.tree, storage, None) is True
    synced = await storage.get_meta("commands_synced:123:global")

    bot = await make_bot(broken_services, storage)  # a release with a declaration Discord would refuse
    monkeypatch.setattr(bot.tree, "sync", FakeSync(bot.tree))
    with pytest.raises(SyncRefused) as info:
        await sync_commands(bot.tree, storage, None)
    assert info.value.earlier is True
    assert bot.tree.sync.calls == [] and await storage.get_meta("commands_synced:123:global") == synced


async def test_what_discord_itself_refuses_is_said_by_command_and_field(broken_services, storage, monkeypatch):
    """A limit our offline check did not know (modelled by switching it off): the loopback Discord, holding the
    sync to Discord's published spec, answers 400/50035, and the refusal names the command and the field."""
    from tests.fakes.discord_server import FakeDiscord
    from tests.fakes.launch_bot import patch_discord

    fake = FakeDiscord()
    await fake.start()
    base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    patch_discord(fake.url)
    monkeypatch.setattr("bot.command_sync.command_problems", lambda payload: [])
    bot = await make_bot(broken_services, storage, application_id=FakeDiscord.APP_ID)
    try:
        await bot.http.static_login("fake-token")  # REST only, without the bot's setup (make_bot did that part)
        with fake.expecting_refusals() as refused, pytest.raises(SyncRefused) as info:
            await sync_commands(bot.tree, storage, None)
    finally:
        await bot.http.close()
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = base, gateway
        await fake.stop()
    assert [(v.field, v.rule, v.code) for v in refused] == [("2.description", "maxLength", "BASE_TYPE_MAX_LENGTH")]
    assert str(info.value).startswith("Discord refused the slash commands: Failed to upload commands to Discord ")
    assert "In command 'quote' defined in function 'quote'   description: Must be 100 or fewer in length." in str(
        info.value
    )
    assert info.value.earlier is False and fake.commands == {}
    assert await storage.get_meta(f"commands_synced:{FakeDiscord.APP_ID}:global") is None  # nothing recorded
