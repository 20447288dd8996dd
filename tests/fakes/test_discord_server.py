"""The fake Discord works with real discord.py: a plain in-process Client, not marketbot."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Iterator

import aiohttp
import discord
import discord.gateway
import discord.http
import pytest
from discord import app_commands
from discord.http import Route

from tests.fakes.discord_server import BOT_DM, GUILD_INSTALL, PRIVATE_CHANNEL, USER_INSTALL, FakeDiscord
from tests.fakes.launch_bot import patch_discord

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # every byte value, to catch any mangling
GUILD = discord.Object(FakeDiscord.GUILD_ID)
TIMEOUT = 5
THIRD, ROLE = FakeDiscord.THIRD_CHANNEL_ID, FakeDiscord.ROLE_ID


class Pick(discord.ui.DynamicItem[discord.ui.Button], template=r"pick:(?P<how>\w+)"):
    """A button answering its click in one of the ways Discord allows (``how``)."""

    def __init__(self, how: str, *, disabled: bool = False) -> None:
        super().__init__(discord.ui.Button(label=how, custom_id=f"pick:{how}", disabled=disabled))
        self.how = how

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match, /):  # type: ignore[override]
        return cls(match["how"])

    async def callback(self, interaction: discord.Interaction) -> None:
        who = interaction.user.id
        if self.how == "update":  # type 7
            await interaction.response.edit_message(content=f"updated by {who}", view=None)
        elif self.how == "later":  # type 6, then an edit of the message clicked on
            await interaction.response.defer()
            await interaction.edit_original_response(content=f"edited later by {who}")
        elif self.how == "aside":  # type 6, then a new private message
            await interaction.response.defer()
            await interaction.followup.send("aside", ephemeral=True)
        elif self.how == "private":  # type 4, ephemeral
            await interaction.response.send_message("just you", ephemeral=True, view=panel())
        else:  # type 5, then the answer replaces the "thinking" message
            await interaction.response.defer(ephemeral=True, thinking=True)
            await interaction.followup.send(f"thought for {who}", ephemeral=True)


class PickMenu(discord.ui.DynamicItem[discord.ui.Select], template=r"menu"):
    def __init__(self) -> None:
        options = [discord.SelectOption(label=v, value=v) for v in ("a", "b", "c")]
        super().__init__(discord.ui.Select(custom_id="menu", options=options, max_values=2))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match, /):  # type: ignore[override]
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        chosen = ",".join(interaction.data["values"])  # type: ignore[index]
        await interaction.response.edit_message(content=f"chose {chosen}")


def panel() -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for how in ("update", "later", "aside", "private", "think"):
        view.add_item(Pick(how))
    view.add_item(Pick("off", disabled=True))
    view.add_item(PickMenu())
    return view


class PingClient(discord.Client):
    def __init__(self) -> None:
        # a short guild_ready_timeout: on_ready waits that long after the last GUILD_CREATE
        super().__init__(intents=discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="Answer with an embed and a file")
        @app_commands.describe(word="Anything")
        async def ping(interaction: discord.Interaction, word: str) -> None:
            await interaction.response.defer(thinking=True)
            embed = discord.Embed(title=f"pong {word}")
            await interaction.followup.send(embed=embed, file=discord.File(io.BytesIO(PNG), "x.png"))

        @ping.autocomplete("word")
        async def word_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            words = ("alpha", "beta", "gamma")
            return [app_commands.Choice(name=w, value=w) for w in words if w.startswith(current)]

        @self.tree.command(description="Describe a channel and a role, as discord.py parsed them")
        async def notify(interaction: discord.Interaction, channel: discord.TextChannel, role: discord.Role) -> None:
            kind, colour = type(channel).__name__, f"{role.colour.value:06x}"
            await interaction.response.send_message(f"{kind} {channel.name} {role.name} {colour} {role.mentionable}")

        @self.tree.command(description="Answer privately, at once")
        async def secret(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("shh", ephemeral=True)

        @self.tree.command(description="Never answered (the test answers it)")
        async def silent(interaction: discord.Interaction) -> None:
            pass

        @self.tree.command(description="A message with buttons and a select menu")
        async def panel_(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("panel", view=panel())

        @self.tree.command(description="Where it was asked from, as discord.py parsed it")
        @app_commands.allowed_installs(guilds=True, users=True)
        @app_commands.allowed_contexts(guilds=True, dms=True, private_channels=True)
        async def whereami(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            context = interaction.context
            where = "guild" if interaction.guild else type(interaction.channel).__name__
            await interaction.followup.send(
                f"{where} dm={context.dm_channel} private={context.private_channel} "
                f"user-install={interaction.is_user_integration()} by {type(interaction.user).__name__}"
            )

        @self.tree.command(description="Only in servers that installed the app")
        @app_commands.guild_only()
        @app_commands.guild_install()
        async def serveronly(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("server")

    async def setup_hook(self) -> None:
        self.add_dynamic_items(Pick, PickMenu)
        self.tree.copy_global_to(guild=GUILD)
        await self.tree.sync(guild=GUILD)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()
    assert fake.take_unexpected_violations() == []  # discord.py sent only what Discord accepts


@pytest.fixture
def patched(fake: FakeDiscord) -> Iterator[None]:
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    patch_discord(fake.url)
    yield
    discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved


@pytest.fixture
async def client(fake: FakeDiscord, patched: None) -> AsyncIterator[PingClient]:
    async with connected(fake) as client:
        yield client


@contextlib.asynccontextmanager
async def connected(fake: FakeDiscord) -> AsyncIterator[PingClient]:
    """A PingClient logged in and connected to the fake (discord.py already pointed at it)."""
    client = PingClient()
    running = asyncio.create_task(client.start("fake-token"))
    ready = asyncio.create_task(fake.wait_ready(TIMEOUT))
    await asyncio.wait({running, ready}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if running.done():  # login or connect failed: show why
        ready.cancel()
        running.result()
    await ready
    await asyncio.wait_for(client.wait_until_ready(), TIMEOUT)  # its GUILD_CREATEs parsed, not only sent
    yield client
    await asyncio.wait_for(client.close(), TIMEOUT)
    await asyncio.wait_for(running, TIMEOUT)


async def ping(fake: FakeDiscord, word: str = "hi") -> None:
    ix = await fake.inject_command("ping", [{"name": "word", "value": word}])
    message = await ix.answered(TIMEOUT)
    assert message.embeds[0]["title"] == f"pong {word}"
    assert message.files == {"x.png": PNG}


async def test_login_syncs_commands_and_connects(fake: FakeDiscord, client: PingClient) -> None:
    await asyncio.wait_for(client.wait_until_ready(), TIMEOUT)
    assert [(r.method, r.path) for r in fake.requests[:3]] == [
        ("GET", "/api/v10/users/@me"),
        ("GET", "/api/v10/oauth2/applications/@me"),
        ("PUT", f"/api/v10/applications/{FakeDiscord.APP_ID}/guilds/{FakeDiscord.GUILD_ID}/commands"),
    ]
    assert fake.command_syncs == [str(FakeDiscord.GUILD_ID)]
    ping_schema = next(c for c in fake.commands[str(FakeDiscord.GUILD_ID)] if c["name"] == "ping")
    [option] = ping_schema["options"]
    assert (option["name"], option["type"], option["required"], option["autocomplete"]) == ("word", 3, True, True)
    assert fake.identifies == 1 and fake.last_identify is not None
    assert client.user is not None and client.user.id == FakeDiscord.BOT_USER_ID
    assert client.application_id == FakeDiscord.APP_ID
    guild = client.get_guild(FakeDiscord.GUILD_ID)
    assert guild is not None and guild.me is not None
    assert guild.get_channel(FakeDiscord.CHANNEL_ID) is not None and guild.get_channel(THIRD) is not None
    role = guild.get_role(ROLE)
    assert role is not None and role.name == "market-watch" and guild.default_role.id == FakeDiscord.GUILD_ID


async def test_command_is_deferred_then_answered_with_a_file(fake: FakeDiscord, client: PingClient) -> None:
    ix = await fake.inject_command("ping", [{"name": "word", "value": "hi"}])
    callback = await ix.deferred(TIMEOUT)
    assert callback.json == {"type": 5}
    message = await ix.answered(TIMEOUT)
    assert message.kind == "followup" and message.id == ix.original_id
    assert message.embeds[0]["title"] == "pong hi"
    assert message.files == {"x.png": PNG} and message.attachment_names == ["x.png"]
    assert not message.ephemeral
    assert ix.sent_at <= callback.at <= message.at
    assert ix.messages == [message]


async def test_send_message_answer_is_the_callback(fake: FakeDiscord, client: PingClient) -> None:
    ix = await fake.inject_command("secret")
    message = await ix.answered(TIMEOUT)
    assert (ix.callback_type, message.kind, message.content, message.ephemeral) == (4, "callback", "shh", True)


async def test_channel_and_role_options_come_resolved(fake: FakeDiscord, client: PingClient) -> None:
    ix = await fake.inject_command("notify", [{"name": "channel", "value": THIRD}, {"name": "role", "value": ROLE}])
    message = await ix.answered(TIMEOUT)
    assert message.content == f"TextChannel channel-{THIRD % 10000} market-watch 2ecc71 True"
    data = ix.payload["data"]
    assert [(o["type"], o["value"]) for o in data["options"]] == [(7, str(THIRD)), (8, str(ROLE))]
    permissions = str(FakeDiscord.DEFAULT_PERMISSIONS)  # the invoking member's, in that channel
    partial = {"id": str(THIRD), "name": f"channel-{THIRD % 10000}", "type": 0, "permissions": permissions}
    assert data["resolved"]["channels"] == {str(THIRD): partial}
    [role] = data["resolved"]["roles"].values()
    role_keys = ("id", "name", "color", "colors", "hoist", "position", "permissions", "managed", "mentionable", "flags")
    assert role.keys() >= set(role_keys)


@pytest.mark.parametrize("option", ["channel", "role"])
async def test_options_must_name_a_channel_or_role_of_the_guild(
    fake: FakeDiscord, client: PingClient, option: str
) -> None:
    options = {"channel": THIRD, "role": ROLE} | {option: 123}
    with pytest.raises(LookupError, match=f"{option!r}: 123 is not a {option} of the guild"):
        await fake.inject_command("notify", [{"name": k, "value": v} for k, v in options.items()])


async def test_role_mentions_ping_as_allowed_mentions_and_the_role_allow(fake: FakeDiscord, client: PingClient) -> None:
    channel = client.get_partial_messageable(FakeDiscord.CHANNEL_ID)
    text = f"<@&{ROLE}> and @everyone"
    await channel.send(text)  # no allowed_mentions at all: Discord parses every mention
    await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
    await channel.send(text, allowed_mentions=discord.AllowedMentions(everyone=False, roles=[discord.Object(ROLE)]))
    fake.roles[ROLE]["mentionable"] = False  # and the bot lacks Mention Everyone
    await channel.send(text)
    messages = fake.channel_messages()
    assert [m.data["mention_roles"] for m in messages] == [[str(ROLE)], [], [str(ROLE)], []]
    assert not any(m.data["mention_everyone"] for m in messages)
    route = Route("POST", "/channels/{channel_id}/messages", channel_id=FakeDiscord.CHANNEL_ID)
    both = {"parse": ["roles"], "roles": [ROLE]}  # Discord: mutually exclusive
    with fake.expecting_refusals(), pytest.raises(discord.HTTPException) as refused:
        await client.http.request(route, json={"content": text, "allowed_mentions": both})
    assert (refused.value.status, refused.value.code) == (400, 50035)
    exclusive = 'parse:["roles"] and roles:[ids] are mutually exclusive.'
    assert refused.value.text == f"Invalid Form Body\nIn allowed_mentions.roles: {exclusive}"


async def test_autocomplete_returns_choices(fake: FakeDiscord, client: PingClient) -> None:
    ix = await fake.inject_autocomplete("ping", [{"name": "word", "value": "b"}])
    await ix.deferred(TIMEOUT)
    assert ix.callback_type == 8
    assert ix.choices == [{"name": "beta", "value": "beta"}]


async def test_rate_limited_followup_is_retried(fake: FakeDiscord, client: PingClient) -> None:
    fake.fail_next("POST", r"^/api/v10/webhooks/", 429, retry_after=0.05)
    await ping(fake)
    assert [r.status for r in fake.find_requests("POST", r"^/api/v10/webhooks/")] == [429, 200]


async def test_server_error_is_retried(fake: FakeDiscord, client: PingClient) -> None:
    fake.fail_next("POST", r"^/api/v10/webhooks/", 500)
    await ping(fake)  # discord.py waits 1 s before the retry
    assert [r.status for r in fake.find_requests("POST", r"^/api/v10/webhooks/")] == [500, 200]


@pytest.mark.parametrize("disconnect", ["drop", "reconnect"])
async def test_gateway_loss_is_resumed(fake: FakeDiscord, client: PingClient, disconnect: str) -> None:
    if disconnect == "drop":
        await fake.drop_gateway()
    else:
        await fake.send_reconnect()
    await fake.wait_ready(TIMEOUT)
    assert (fake.identifies, fake.resumes) == (1, 1)
    await ping(fake, "again")


async def test_enforced_nonce_is_deduplicated(fake: FakeDiscord, client: PingClient) -> None:
    channel = client.get_partial_messageable(FakeDiscord.CHANNEL_ID)
    first = await channel.send("hello", nonce=42)
    again = await channel.send("hello", nonce=42)
    assert again.id == first.id
    assert fake.deduplicated_nonces == 1
    assert [m.content for m in fake.channel_messages(FakeDiscord.CHANNEL_ID)] == ["hello"]
    assert fake.channel_messages()[0].nonce == "42"


async def test_lost_response_retry_is_deduplicated_by_nonce(fake: FakeDiscord, client: PingClient) -> None:
    fake.fail_next("POST", r"^/api/v10/channels/\d+/messages$", 502, lost_response=True)
    channel = client.get_partial_messageable(FakeDiscord.CHANNEL_ID)
    await channel.send("once", nonce="n-1")  # discord.py retries the 502 after 1 s, same nonce
    assert [r.status for r in fake.find_requests("POST", r"^/api/v10/channels/")] == [502, 200]
    assert (len(fake.channel_messages()), fake.deduplicated_nonces) == (1, 1)


async def test_channel_status_errors(fake: FakeDiscord, client: PingClient) -> None:
    channel = client.get_partial_messageable(FakeDiscord.OTHER_CHANNEL_ID)
    fake.set_channel_status(FakeDiscord.OTHER_CHANNEL_ID, 403)
    with pytest.raises(discord.Forbidden) as forbidden:
        await channel.send("nope")
    assert forbidden.value.code == 50001
    fake.set_channel_status(FakeDiscord.OTHER_CHANNEL_ID, None)
    await channel.send("yes")
    with pytest.raises(discord.NotFound):
        await client.get_partial_messageable(123).send("nowhere")
    assert [m.content for m in fake.channel_messages()] == ["yes"]


async def test_oversized_content_is_rejected_like_discord(fake: FakeDiscord, client: PingClient) -> None:
    with fake.expecting_refusals() as refused, pytest.raises(discord.HTTPException) as rejected:
        await client.get_partial_messageable(FakeDiscord.CHANNEL_ID).send("x" * 2001)
    assert (rejected.value.status, rejected.value.code) == (400, 50035)
    assert rejected.value.text == "Invalid Form Body\nIn content: Must be 2000 or fewer in length."
    assert [(v.field, v.rule) for v in refused] == [("content", "content_length")]
    assert fake.channel_messages() == []


async def test_embeds_over_6000_characters_together_are_refused(fake: FakeDiscord, client: PingClient) -> None:
    embeds = [discord.Embed(description="d" * 4000), discord.Embed(title="t" * 256, description="d" * 1745)]
    with fake.expecting_refusals(), pytest.raises(discord.HTTPException) as rejected:
        await client.get_partial_messageable(FakeDiscord.CHANNEL_ID).send(embeds=embeds)
    assert (rejected.value.status, rejected.value.code) == (400, 50035)
    assert rejected.value.text == "Invalid Form Body\nIn embeds: Embed size exceeds maximum size of 6000"
    embeds[1].description = "d" * 1744  # 6000 in all
    await client.get_partial_messageable(FakeDiscord.CHANNEL_ID).send(embeds=embeds)


async def test_global_rate_limit_is_waited_out(fake: FakeDiscord, client: PingClient) -> None:
    fake.channel_message_rate = 2
    channel = client.get_partial_messageable(FakeDiscord.CHANNEL_ID)
    await asyncio.wait_for(asyncio.gather(*(channel.send(f"m{i}") for i in range(3))), TIMEOUT)
    assert sorted(m.content for m in fake.channel_messages()) == ["m0", "m1", "m2"]
    refused = [r.at for r in fake.find_requests("POST", r"^/api/v10/channels/") if r.status == 429]
    assert refused and fake.rate_limited_at == refused


async def test_extra_text_channels(fake: FakeDiscord, patched: None) -> None:
    unlisted, listed = [1_400_000_000_000_000_000 + i for i in range(3)], 1_400_000_000_000_000_100
    fake.add_text_channels(unlisted)
    fake.add_text_channels([listed], listed=True)  # before IDENTIFY: GUILD_CREATE carries it
    async with connected(fake) as client:
        guild = client.get_guild(FakeDiscord.GUILD_ID)
        assert guild is not None and guild.get_channel(unlisted[0]) is None  # unlisted: not in the cache
        assert [c.id for c in guild.text_channels][-2:] == [THIRD, listed]
        fetched = await client.fetch_channel(unlisted[0])
        assert isinstance(fetched, discord.TextChannel) and fetched.guild.id == FakeDiscord.GUILD_ID
        for channel_id in (*unlisted[:2], listed):
            await client.get_partial_messageable(channel_id).send(f"to {channel_id}", nonce=channel_id)
        fake.set_channel_status(unlisted[2], 403)
        with pytest.raises(discord.Forbidden):
            await client.get_partial_messageable(unlisted[2]).send("nope")
        with pytest.raises(discord.NotFound):
            await client.get_partial_messageable(unlisted[0] - 1).send("nowhere")
    [message] = fake.channel_messages(unlisted[1])
    assert (message.channel_id, message.content) == (unlisted[1], f"to {unlisted[1]}")
    assert len(fake.channel_messages()) == 3
    with pytest.raises(ValueError, match="at most 500 channels"):
        fake.add_text_channels(range(2_000, 2_500), listed=True)  # 3 built-in + 1 + 500 listed
    fake.add_text_channels(range(2_000, 2_496), listed=True)  # refused whole: now exactly 500


async def test_held_requests_wait_for_release(fake: FakeDiscord, client: PingClient) -> None:
    release = fake.hold("POST", r"^/api/v10/channels/\d+/messages$")
    sending = asyncio.create_task(client.get_partial_messageable(FakeDiscord.CHANNEL_ID).send("slow"))
    async with asyncio.timeout(TIMEOUT):
        while not fake.find_requests("POST", r"^/api/v10/channels/"):
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert not sending.done() and fake.channel_messages() == []
    assert fake.find_requests("POST", r"^/api/v10/channels/")[0].status == 0  # arrived, not answered
    assert (await client.fetch_channel(FakeDiscord.CHANNEL_ID)).id == FakeDiscord.CHANNEL_ID  # others are not held
    release.set()
    message = await asyncio.wait_for(sending, TIMEOUT)
    assert [m.id for m in fake.channel_messages()] == [message.id]


async def posted_panel(fake: FakeDiscord):
    ix = await fake.inject_command("panel_")
    message = await ix.answered(TIMEOUT)
    assert [c["custom_id"] for row in message.components for c in row["components"]] == [
        "pick:update", "pick:later", "pick:aside", "pick:private", "pick:think", "pick:off", "menu",
    ]  # fmt: skip
    return message


async def test_a_click_arrives_with_its_message_and_can_update_it_at_once(fake: FakeDiscord, client: PingClient) -> None:
    message = await posted_panel(fake)
    other = FakeDiscord.USER_ID + 1
    ix = await fake.inject_component(message, "pick:update", user_id=other)
    edit = await ix.answered(TIMEOUT)
    assert ix.type == 3 and ix.callback_type == 7
    data = ix.payload["data"]
    assert (data["custom_id"], data["component_type"]) == ("pick:update", 2) and "values" not in data
    assert ix.payload["message"]["id"] == str(message.id) and ix.payload["message"]["components"] == message.components
    assert (edit.kind, edit.id, edit.content, edit.components) == ("edit", message.id, f"updated by {other}", [])
    # the edit keeps who asked the original command
    assert edit.data["interaction_metadata"]["user"]["id"] == str(FakeDiscord.USER_ID)
    with pytest.raises(LookupError, match="no component"):  # the buttons are gone
        await fake.inject_component(message, "pick:later")


async def test_a_deferred_update_edits_the_message_clicked_on_later(fake: FakeDiscord, client: PingClient) -> None:
    message = await posted_panel(fake)
    ix = await fake.inject_component(message, "pick:later")
    edit = await ix.answered(TIMEOUT)
    assert ix.callback_type == 6 and ix.original_id == message.id
    assert (edit.kind, edit.id, edit.content) == ("edit", message.id, f"edited later by {FakeDiscord.USER_ID}")
    assert fake.find_requests("PATCH", rf"/messages/@original$")[-1].status == 200


async def test_after_a_deferred_update_a_followup_is_a_new_private_message(fake: FakeDiscord, client: PingClient) -> None:
    message = await posted_panel(fake)
    ix = await fake.inject_component(message, "pick:aside")
    aside = await ix.answered(TIMEOUT)
    assert ix.callback_type == 6
    assert (aside.kind, aside.content, aside.ephemeral) == ("followup", "aside", True) and aside.id != message.id
    assert [m.content for m in fake.messages if m.id == message.id] == ["panel"]  # untouched


@pytest.mark.parametrize(("how", "callback_type", "content"), [("private", 4, "just you"), ("think", 5, "thought for")])
async def test_a_click_can_answer_with_a_new_private_message(
    fake: FakeDiscord, client: PingClient, how: str, callback_type: int, content: str
) -> None:
    message = await posted_panel(fake)
    other = FakeDiscord.USER_ID + 2
    ix = await fake.inject_component(message, f"pick:{how}", user_id=other)
    answer = await ix.answered(TIMEOUT)
    assert ix.callback_type == callback_type and answer.ephemeral and answer.content.startswith(content)
    assert answer.id != message.id and answer.data["interaction_metadata"]["user"]["id"] == str(other)
    if how == "private":  # only its owner can click an ephemeral message
        with pytest.raises(LookupError, match="ephemeral"):
            await fake.inject_component(answer, "pick:update")
        again = await fake.inject_component(answer, "pick:update", user_id=other)
        assert (await again.answered(TIMEOUT)).content == f"updated by {other}"


async def test_a_select_menu_sends_the_values_chosen(fake: FakeDiscord, client: PingClient) -> None:
    message = await posted_panel(fake)
    ix = await fake.inject_component(message, "menu", values=["c", "a"])
    assert ix.payload["data"]["component_type"] == 3 and ix.payload["data"]["values"] == ["c", "a"]
    assert (await ix.answered(TIMEOUT)).content == "chose c,a"
    for values in (["z"], [], ["a", "b", "c"]):
        with pytest.raises(LookupError, match="options"):
            await fake.inject_component(message, "menu", values=values)


async def test_only_clicks_discord_offers_are_injected(fake: FakeDiscord, client: PingClient) -> None:
    message = await posted_panel(fake)
    with pytest.raises(LookupError, match="disabled"):
        await fake.inject_component(message, "pick:off")
    with pytest.raises(LookupError, match="no component"):
        await fake.inject_component(message, "pick:nothing")
    with pytest.raises(LookupError, match="select menus"):
        await fake.inject_component(message, "pick:later", values=["a"])


async def test_update_responses_are_for_components_only(fake: FakeDiscord, client: PingClient) -> None:
    ix = await fake.inject_command("silent")  # the client leaves it unanswered: the test answers
    url = f"{fake.url}/api/v10/interactions/{ix.id}/{ix.token}/callback"
    async with aiohttp.ClientSession() as session:
        with fake.expecting_refusals() as refused:
            for callback_type, status in ((6, 400), (7, 400), (5, 200)):
                async with session.post(url, json={"type": callback_type}) as response:
                    assert response.status == status
    assert [(v.field, v.rule) for v in refused] == [("type", "update_needs_component")] * 2


async def test_components_beyond_discords_limits_are_refused(fake: FakeDiscord, client: PingClient) -> None:
    channel = client.get_partial_messageable(FakeDiscord.CHANNEL_ID)
    too_long = discord.ui.View()
    too_long.add_item(discord.ui.Button(label="x", custom_id="x" * 101))
    twice = discord.ui.View()
    twice.add_item(discord.ui.Button(label="x", custom_id="same"))
    twice.add_item(discord.ui.Button(label="y", custom_id="same"))
    long_label = discord.ui.View()
    long_label.add_item(discord.ui.Button(label="l" * 81, custom_id="x"))
    row = "In components.0.components"
    for view, text in (
        (too_long, f"{row}.0.custom_id: Must be between 1 and 100 in length."),
        (twice, f"{row}.1.custom_id: Component custom id cannot be duplicated"),
        (long_label, f"{row}.0.label: Must be 80 or fewer in length."),
    ):
        with fake.expecting_refusals(), pytest.raises(discord.HTTPException) as refused:
            await channel.send("x", view=view)
        assert (refused.value.status, refused.value.code) == (400, 50035)
        assert refused.value.text == f"Invalid Form Body\n{text}"


# -- sharding --


def guild_on(shard: int, count: int, n: int = 0) -> int:
    """A guild snowflake on ``shard`` of ``count``: Discord routes by (guild_id >> 22) % count."""
    return ((310_000_000_000 + n) * count + shard) << 22


class ShardClient(discord.AutoShardedClient):
    """Answers /where with the shards this client runs."""

    def __init__(self, **shards: object) -> None:
        super().__init__(intents=discord.Intents.none() | discord.Intents(guilds=True), guild_ready_timeout=0.05, **shards)
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(description="Which process answers")
        async def where(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(f"shards {sorted(interaction.client.shards)} guild {interaction.guild_id}")

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        pass  # discord.py waits 5 s between a process's IDENTIFYs, as Discord asks; the fake does not


@contextlib.asynccontextmanager
async def sharded(**shards: object) -> AsyncIterator[ShardClient]:
    client = ShardClient(**shards)
    running = asyncio.create_task(client.start("fake-token"))
    try:
        await asyncio.wait_for(client.wait_until_ready(), TIMEOUT)
        yield client
    finally:
        await asyncio.wait_for(client.close(), TIMEOUT)
        await asyncio.wait_for(running, TIMEOUT)


async def test_gateway_bot_recommends_the_shard_count_and_each_shard_gets_its_guilds(fake: FakeDiscord, patched: None) -> None:
    fake.shard_count = 3
    extra = [guild_on(shard, 3) for shard in (0, 1, 2)]
    fake.add_guilds(extra)
    async with sharded() as client:  # discord.py's automatic sharding: the count from GET /gateway/bot
        assert client.shard_count == 3 and sorted(client.shards) == [0, 1, 2]
        assert sorted(fake.shard_connections()) == [(0, 3), (1, 3), (2, 3)]
        assert fake.identifies == 3 and fake.last_identify["shard"] == [2, 3]
        guilds = {g.id: g.shard_id for g in client.guilds}  # each from its own shard's GUILD_CREATE
        assert guilds == {g: (g >> 22) % 3 for g in [FakeDiscord.GUILD_ID, *extra]}
        assert {guilds[g] for g in extra} == {0, 1, 2}


async def test_two_processes_with_half_the_shards_each_get_only_their_guilds_and_interactions(
    fake: FakeDiscord, patched: None
) -> None:
    zero, one = guild_on(0, 2), guild_on(1, 2)
    channels = fake.add_guilds([zero, one])
    async with sharded(shard_ids=[0], shard_count=2) as first, sharded(shard_ids=[1], shard_count=2) as second:
        await first.tree.sync()  # global
        assert sorted(fake.shard_connections()) == [(0, 2), (1, 2)]
        home = FakeDiscord.shard_of(FakeDiscord.GUILD_ID, 2)
        assert {g.id for g in first.guilds} == {zero} | ({FakeDiscord.GUILD_ID} if home == 0 else set())
        assert {g.id for g in second.guilds} == {one} | ({FakeDiscord.GUILD_ID} if home == 1 else set())
        for guild, shard in ((zero, 0), (one, 1), (zero, 0)):
            ix = await fake.inject_command("where", guild_id=guild)
            message = await ix.answered(TIMEOUT)
            assert message.content == f"shards [{shard}] guild {guild}"
            assert ix.channel_id == channels[guild] and message.channel_id == channels[guild]
            assert ix.payload["guild_id"] == str(guild)


async def test_an_interaction_for_a_shard_no_connection_holds_is_an_error(fake: FakeDiscord, patched: None) -> None:
    one = guild_on(1, 2)
    fake.add_guilds([one])
    async with sharded(shard_ids=[0], shard_count=2) as client:
        await client.tree.sync()
        with pytest.raises(RuntimeError, match=f"no gateway connection holds the shard of guild {one}"):
            await asyncio.wait_for(fake.inject_command("where", guild_id=one), 2)  # at once: no session ever held it
        with pytest.raises(LookupError, match="not in guild"):
            await fake.inject_command("where", guild_id=one + (2 << 22))


# -- Discord's contract --


async def test_a_sync_discord_refuses_raises_command_sync_failure_naming_the_command_and_field(
    fake: FakeDiscord, patched: None
) -> None:
    client = discord.Client(intents=discord.Intents.default())
    await client.login("fake-token")  # REST only: the application id, no gateway
    tree = app_commands.CommandTree(client)

    @tree.command(description="d" * 101)
    async def wordy(interaction: discord.Interaction) -> None:
        pass

    try:
        with fake.expecting_refusals() as refused, pytest.raises(app_commands.CommandSyncFailure) as failure:
            await tree.sync()
    finally:
        await client.close()
    assert (failure.value.status, failure.value.code) == (400, 50035)
    assert str(failure.value) == (
        "Failed to upload commands to Discord (HTTP status 400, error code 50035)\n"
        f"In command 'wordy' defined in function {wordy.callback.__qualname__!r}\n"
        "  description: Must be 100 or fewer in length."
    )
    assert [(v.field, v.rule) for v in refused] == [("0.description", "maxLength")]
    assert fake.commands == {}  # Discord keeps none of a refused sync


# -- user installs --


USER_OWNS = {"1": str(FakeDiscord.USER_ID)}  # authorizing_integration_owners of a user install


@pytest.mark.parametrize(
    ("context", "integration_type", "answer", "owners"),
    [
        (BOT_DM, None, "DMChannel dm=True private=False user-install=True by User", USER_OWNS),
        (PRIVATE_CHANNEL, None, "DMChannel dm=False private=True user-install=True by User", USER_OWNS),
        (BOT_DM, GUILD_INSTALL, "DMChannel dm=True private=False user-install=False by User", {"0": "0"}),
    ],
)
async def test_an_interaction_from_a_dm_has_no_guild_and_is_answered(
    fake: FakeDiscord, client: PingClient, context: int, integration_type: int | None, answer: str, owners: dict
) -> None:
    await client.tree.sync()  # global: a guild's commands are never offered in a DM
    ix = await fake.inject_command("whereami", context=context, integration_type=integration_type)
    message = await ix.answered(TIMEOUT)
    assert message.content == answer
    assert (message.kind, message.id, message.channel_id) == ("followup", ix.original_id, ix.channel_id)
    payload = ix.payload
    assert not {"guild_id", "guild", "member", "guild_locale"} & payload.keys() and "guild_id" not in payload["data"]
    assert payload["user"]["id"] == str(FakeDiscord.USER_ID) and payload["channel"]["type"] == 1
    assert (payload["context"], payload["authorizing_integration_owners"]) == (context, owners)
    assert ix.guild_id is None and message.data["interaction_metadata"]["authorizing_integration_owners"] == owners


async def test_a_user_install_in_a_guild_is_a_member_s(fake: FakeDiscord, client: PingClient) -> None:
    await client.tree.sync()
    ix = await fake.inject_command("whereami", integration_type=USER_INSTALL)
    assert (await ix.answered(TIMEOUT)).content == "guild dm=False private=False user-install=True by Member"
    assert ix.payload["authorizing_integration_owners"] == USER_OWNS
    assert "guild_id" not in ix.payload["data"]  # the global command: a guild's own come only through its install


async def test_a_click_on_a_dm_answer_comes_from_the_dm(fake: FakeDiscord, client: PingClient) -> None:
    await client.tree.sync()
    command = await fake.inject_command("panel_", context=BOT_DM)
    click = await fake.inject_component(await command.answered(TIMEOUT), "pick:update")
    edit = await click.answered(TIMEOUT)
    assert edit.content == f"updated by {FakeDiscord.USER_ID}" and edit.channel_id == command.channel_id
    assert (click.guild_id, click.payload["context"], click.payload["channel"]["type"]) == (None, BOT_DM, 1)
    assert "member" not in click.payload and click.payload["authorizing_integration_owners"] == USER_OWNS


async def test_only_interactions_discord_would_deliver_are_injected(fake: FakeDiscord, client: PingClient) -> None:
    with pytest.raises(LookupError, match="/whereami was never synced where context 1 can reach it"):
        await fake.inject_command("whereami", context=BOT_DM)  # synced to the guild only
    await client.tree.sync()
    assert (await (await fake.inject_command("serveronly")).answered(TIMEOUT)).content == "server"
    with pytest.raises(LookupError, match=r"/serveronly is not offered in context 1 \(its contexts: \[0\]\)"):
        await fake.inject_command("serveronly", context=BOT_DM, integration_type=GUILD_INSTALL)
    with pytest.raises(LookupError, match=r"through integration type 1 \(its integration_types: \[0\]\)"):
        await fake.inject_command("serveronly", integration_type=USER_INSTALL)
    with pytest.raises(LookupError, match="PRIVATE_CHANNEL interactions come from user installs only"):
        await fake.inject_command("whereami", context=PRIVATE_CHANNEL, integration_type=GUILD_INSTALL)
