"""A fake Discord: REST API v10 plus the gateway, enough for a real discord.py 2.7 bot.

The bot logs in (any token), syncs its slash commands, connects to the gateway and
answers interactions the test injects; the fake records everything it is sent::

    fake = FakeDiscord()
    await fake.start()                  # 127.0.0.1, random free port
    ...start the bot with fake.env() (tests/fakes/launch_bot.py), or in-process
       after tests.fakes.launch_bot.patch_discord(fake.url)...
    await fake.wait_ready()
    ix = await fake.inject_command("ping", [{"name": "word", "value": "hi"}])
    await ix.deferred(3)                # -> Request: the interaction callback
    msg = await ix.answered(30)         # -> Message: what the user finally sees
    assert msg.embeds[0]["title"] == "pong hi" and not msg.ephemeral

API
---
FakeDiscord (class attributes, fixed snowflakes)
    APP_ID, BOT_USER_ID (distinct on purpose, so mixing them up shows), USER_ID
    (default invoking user, guild owner), GUILD_ID, CHANNEL_ID, OTHER_CHANNEL_ID,
    THIRD_CHANNEL_ID (the guild's three text channels), ROLE_ID (a mentionable role besides
    @everyone), DEFAULT_PERMISSIONS, FILE_SIZE_LIMIT, APP_INTEGRATION_TYPES (the app's installation
    contexts: both)
Module constants: GUILD, BOT_DM, PRIVATE_CHANNEL (interaction context types 0, 1, 2);
    GUILD_INSTALL, USER_INSTALL (integration types 0, 1)
FakeDiscord()                            start(), stop(), url, gateway_url, env()
    roles: dict[int, dict]               role id -> role object (@everyone, ROLE_ID), as sent in
                                         GUILD_CREATE and data.resolved and read to judge mentions
    requests: list[Request]              every REST call, in arrival order
    find_requests(method=None, path=None) -> list[Request]   (path: re.search on Request.path)
    commands: dict[str, list[dict]]      "global" | str(guild_id) -> last synced list, as received;
                                         may be seeded, to model commands registered by an earlier run
    command_syncs: list[str]             scope of each PUT (a refused one is not)
    violations: list[Violation]          every rule of Discord's a refused request body broke, in order
                                         (method, path, field, rule, code, message; tests/fakes/discord_contract.py)
    validated: int                       request bodies checked against Discord's contract
    with expecting_refusals() as refused:   refusals meanwhile are what the test provokes; refused:
                                         list[Violation], filled as they arrive
    take_unexpected_violations() -> list[Violation]   those outside expecting_refusals() since the
                                         last call: tests/e2e/conftest.py fails the test with them
    messages: list[Message]              one record per create or edit
    channel_messages(channel_id=None) -> list[Message]       kind == "channel" only
    identifies, resumes, deduplicated_nonces: int;  last_identify: dict | None (IDENTIFY's d)
    channel_message_rate: int | None     global cap on POST /channels/*/messages per rolling second
    rate_limited_at: list[float]         arrival times (perf_counter) of the channel messages that
                                         cap refused with a global 429
    add_text_channels(ids, *, listed=False)  more text channels in the guild (see below)
    callback_deadline: float | None      seconds to acknowledge an interaction (Discord: 3)
    shard_count: int                     the count GET /gateway/bot recommends (1)
    add_guilds(ids) -> {guild id: channel id}   more guilds the bot is in (see Sharding below)
    guild_ids: list[int]                 GUILD_ID, then the added guilds
    shard_of(guild_id, shard_count) -> int      (guild_id >> 22) % shard_count, Discord's rule
    shard_connections() -> list[(shard id, shard count)]   the open gateway connections
    await wait_ready(timeout=30, *, guild_id=None)   until the connection of that guild's shard
                                         (default GUILD_ID's) has sent its GUILD_CREATEs or RESUMED
    await inject_command(name, options=None, *, user_id=USER_ID, permissions=DEFAULT_PERMISSIONS,
                         channel_id=None, guild_id=None, context=GUILD, integration_type=None)
                         -> Interaction   (context, integration_type: see User installs below)
    await inject_autocomplete(name, options, *, user_id=USER_ID, channel_id=None, guild_id=None,
                              context=GUILD, integration_type=None) -> Interaction
    await inject_component(message, custom_id, *, values=None, user_id=USER_ID,
                           permissions=DEFAULT_PERMISSIONS) -> Interaction   (message: Message or id)
    fail_next(method, path_regex, status, times=1, retry_after=0.3, *, lost_response=False)
    set_channel_status(channel_id, status | None)
    hold(method, path_regex) -> asyncio.Event   matching REST requests wait (logged, status 0) until
                                         it is set, then are handled as usual; stop() sets it
    await drop_gateway(code=4000, *, guild_id=None);  await send_reconnect(*, guild_id=None)
                                         (the connection of that guild's shard, default GUILD_ID's)
    async with gateway_outage():         every connection closed, new ones refused (503) until it ends
Interaction: id, token, type (2 | 3 | 4), name (a component's: its custom_id), user_id, channel_id,
    guild_id (None in a DM), context, authorizing_integration_owners, payload (INTERACTION_CREATE's d),
    sent_at, callback (Request), callback_type, choices, original_id, message_id (component: the
    message clicked on), messages;
    await deferred(timeout=10) -> Request; await answered(timeout=30) -> Message
Request: method, path (/api/v10/..., no query), query, json, files {filename: bytes}, status, at
Message: id, kind ("callback" | "followup" | "edit" | "channel"), channel_id, payload, files,
    flags, interaction_id, at, data (the message object returned), deleted;
    content, embeds, components (action rows), component(custom_id), attachment_names, ephemeral, nonce

Adjustments and modelled Discord behaviour
------------------------------------------
- Component interactions (type 3, inject_component) carry data.custom_id, data.component_type
  (2 button, 3 string select), data.values for a select, and "message": the clicked message's
  current object, components included. Responses: 6 (deferred update: nothing visible) and 7
  (update: edits the clicked message at once), only for component interactions (400 otherwise);
  4 and 5 create a new message as for commands, ephemeral flag honoured. After 6 or 7, @original
  (webhook GET/PATCH/DELETE) is the message clicked on, and followups are new messages with their
  own flags. Clicking a component the message lacks, a disabled one, values outside a select's
  options or min/max, or someone else's ephemeral message raises LookupError: Discord offers
  no such click. Every message an interaction creates carries interaction_metadata (its id,
  type and user; interacted_message_id for a component's), which edits keep.
- Discord's contract: every body sent to PUT .../commands, an interaction callback, a followup, a
  webhook message edit or POST /channels/{id}/messages (a multipart one's payload_json) is checked
  against Discord's published OpenAPI spec and the limits its docs add (tests/fakes/discord_contract.py:
  8000 characters per slash command, 100 CHAT_INPUT commands, 6000 characters across a message's
  embeds, 2000 of content, 5 action rows, unique custom_ids, 10 files...). What Discord refuses is
  refused as Discord does: 400 {"code": 50035, "errors": {...}} nested by field, so discord.py
  raises HTTPException (CommandSyncFailure for a sync) naming it; a file over FILE_SIZE_LIMIT 413
  (40005), an empty message 400 (50006); a type 6 or 7 callback to a command 400 (50035). Nothing
  of a refused request takes effect (a refused sync keeps the commands synced before); its
  violations are recorded.
- Interaction options may omit "type": it is filled in from the synced schema (nested
  subcommand options included), and an unknown option name raises LookupError, as does
  injecting a command that was never synced. A guild-synced command wins over a global one
  of the same name and carries data.guild_id, which discord.py's CommandTree needs to find it.
- Channel (type 7) and role (type 8) option values are the snowflake (int or str; sent as a
  string) and come with data.resolved, as Discord sends them: "channels" holds the documented
  partial channel (id, name, type, and permissions: the invoking member's there), "roles" the
  full role object. A value naming no channel or role of the guild raises LookupError: Discord's
  picker offers nothing else. User, mentionable and attachment options are not modelled
  (NotImplementedError). Autocomplete interactions carry no resolved data, as on Discord.
- inject_autocomplete marks the last (innermost) option focused unless one already is.
- Injection waits for the guild's shard to be ready (up to 10 s): after drop_gateway the
  interaction is sent once the bot has RESUMED. RESUME replays nothing. An interaction for a
  guild whose shard no connection holds is a RuntimeError (at once if no session ever held it).
- Sharding: IDENTIFY's "shard": [id, count] (absent: [0, 1]; an id outside the count closes
  with 4010) picks the connection's guilds, those with (guild_id >> 22) % count == id: READY
  lists them and carries "shard", and only they get a GUILD_CREATE. Each connection has its own
  session and sequence (RESUME restores them). Interactions go out on the connection holding
  the guild's shard, so two processes with half of the shards each see only their guilds'.
  add_guilds(ids) adds guilds of one text channel each (id: guild id + 1, "general") and only
  @everyone; their channels work as the built-in ones for REST and channel options (an option
  naming another guild's channel is a LookupError), commands may be synced to them.
- The first followup after a deferral replaces the "thinking" message: it takes the original
  response's id and the deferral's ephemerality; its own ephemeral flag is ignored, as on
  Discord (discord-api-docs#3466). Later followups are new messages with their own flags.
- Followups and webhook edits before the callback: 404 Unknown Webhook (10015). A second
  callback: 400 (40060). A callback later than callback_deadline: 404 Unknown interaction
  (10062). Channels other than the guild's: 404 Unknown Channel (10003).
- add_text_channels(ids): more text channels of the guild, as good as the three built-in ones
  for GET /channels/{id}, POST /channels/{id}/messages (recorded by channel_messages, subject to
  set_channel_status and the rate cap) and channel options. They are unlisted by default: not in
  GUILD_CREATE, so not in discord.py's cache (guild.get_channel is None), which code that posts
  through get_partial_messageable or fetch_channel never notices. Benchmarks fanning out to a
  thousand channels want that: one guild cannot hold them anyway (Discord: 500 channels), and
  GUILD_CREATE is sent at IDENTIFY only. listed=True also puts them in GUILD_CREATE (add them
  before the bot connects); more than 500 channels listed raises ValueError.
- User installs: inject_command(..., context=BOT_DM | PRIVATE_CHANNEL) comes from the user's DM
  with the bot, or with someone else: no guild_id, guild, member or guild_locale, but "user", a
  "channel" of type 1 (the same per user and context; not open to REST) and the DM's
  app_permissions. integration_type (GUILD_INSTALL | USER_INSTALL; default GUILD_INSTALL in a
  guild, USER_INSTALL in a DM) sets authorizing_integration_owners: {"0": guild id ("0" in the
  bot's DM)} or {"1": user id}. Discord delivers only what it offers: a guild's commands only in it
  through its install, a global one where its synced contexts (null: all three; the deprecated
  dm_permission false leaves out BOT_DM) and integration_types (null: APP_INTEGRATION_TYPES)
  allow, PRIVATE_CHANNEL only through a user install; anything else is a LookupError. A click on
  a message an interaction made comes from where that interaction did, authorized as it was.
- Mentions: a created message's mention_roles holds the <@&id> roles of its content that
  allowed_mentions lets through (no allowed_mentions: all) and that ping: mentionable, or the
  bot has Mention Everyone (it has not). @everyone/@here never ping (mention_everyone false).
- Enforced nonces (channel messages): a repeat within NONCE_WINDOW returns the original
  message and counts in deduplicated_nonces; no Message record is added.
- fail_next(..., lost_response=True) lets the request take effect, then answers the failure:
  a response lost after Discord committed it (discord.py retries 5xx with the same payload).
- REST calls other than interaction callbacks and webhooks need "Authorization: Bot <any>"
  (401 otherwise). Every response carries a roomy rate-limit bucket (50, 49 left, resets in
  1 s), so discord.py never waits pre-emptively; only injected 429s slow it down.
- Attachment URLs point at the fake, which serves the bytes (discord.Attachment.read works).
- 204 responses carry no Content-Type: discord.py JSON-decodes any body labelled
  application/json, and an empty one fails.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import datetime
import itertools
import json
import math
import mimetypes
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import discord_contract
from tests.fakes.discord_contract import Violation

API_PREFIX = "/api/v10"
DISCORD_EPOCH_MS = 1_420_070_400_000
EPHEMERAL = 1 << 6
LOADING = 1 << 7
NONCE_WINDOW = 300.0  # Discord: "within the past few minutes"
HEARTBEAT_INTERVAL_MS = 41250
MAX_GUILD_CHANNELS = 500  # Discord's cap on a guild's channels (categories included)
MENTION_EVERYONE = 1 << 17
# interaction context types, and the installations that authorize an interaction
GUILD, BOT_DM, PRIVATE_CHANNEL = 0, 1, 2
GUILD_INSTALL, USER_INSTALL = 0, 1
# app_permissions in a DM (docs developers/interactions/receiving-and-responding.mdx:49): attach
# files, embed links, mention everyone; in the bot's own DM also use external emojis
DM_APP_PERMISSIONS = {PRIVATE_CHANNEL: 0x8000 | 0x4000 | 0x20000, BOT_DM: 0x8000 | 0x4000 | 0x20000 | 0x40000}
DM_SHARD_GUILD = 0  # DMs go to shard 0, as guild id 0 would: (0 >> 22) % n == 0
ROLE_MENTION = re.compile(r"<@&(\d+)>")

# status -> Discord's (code, message), for injected failures and channel statuses
CANNED_ERRORS: dict[int, tuple[int, str]] = {
    400: (50035, "Invalid Form Body"),
    401: (0, "401: Unauthorized"),
    403: (50001, "Missing Access"),
    404: (10003, "Unknown Channel"),
}

Reply = tuple[int, Any]  # status, JSON body (None -> 204 No Content)


def _now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat()


def _error(status: int, code: int | None = None, message: str | None = None, **extra: Any) -> Reply:
    default_code, default_message = CANNED_ERRORS.get(status, (0, f"{status}: Fake Discord error"))
    return status, {"code": default_code if code is None else code, "message": message or default_message, **extra}


def _rate_limited(retry_after: float, *, is_global: bool) -> Reply:
    # discord.py retries a 429 only with a Via header (added in _respond) and this body
    return 429, {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}


def _typed_options(options: list[dict[str, Any]], schema: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill in each option's type from the synced schema, recursing into subcommands."""
    specs = {spec["name"]: spec for spec in schema}
    typed = []
    for option in options:
        spec = specs.get(option["name"])
        if spec is None and "type" not in option:
            raise LookupError(f"option {option['name']!r} is not in the synced schema {sorted(specs)}")
        option = {"type": spec["type"] if spec else option["type"], **option}
        if "options" in option:
            option["options"] = _typed_options(option["options"], (spec or {}).get("options", []))
        typed.append(option)
    return typed


def _leaf_options(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The value-carrying options, inside subcommands (groups) too."""
    return [leaf for o in options for leaf in (_leaf_options(o["options"]) if "options" in o else [o])]


def _has_focus(options: list[dict[str, Any]]) -> bool:
    return any(o.get("focused") or _has_focus(o.get("options", [])) for o in options)


def _focus_last(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if _has_focus(options):
        return options
    *init, last = options
    if "options" in last:  # a subcommand (group): focus inside it
        return [*init, {**last, "options": _focus_last(last["options"])}]
    return [*init, {**last, "focused": True}]


def _shard_guild(guild_id: int | None) -> int:
    """The guild whose shard an interaction goes out on: DM_SHARD_GUILD's for a DM."""
    return DM_SHARD_GUILD if guild_id is None else guild_id


async def _read_body(request: web.Request) -> tuple[Any, dict[int, tuple[str, bytes]]]:
    """The JSON payload and the uploaded files[n] -> (filename, bytes) of a REST request."""
    if request.content_type != "multipart/form-data":
        raw = await request.read()
        return (json.loads(raw) if raw else None), {}
    payload, uploads = None, {}
    async for part in await request.multipart():
        if part.name == "payload_json":
            payload = json.loads(await part.text())
        elif match := re.fullmatch(r"files\[(\d+)\]", part.name or ""):
            uploads[int(match[1])] = (part.filename or "", bytes(await part.read()))
    return payload, uploads


@dataclass
class Request:
    """One REST call the bot made."""

    method: str
    path: str  # the URL path, e.g. /api/v10/users/@me, without the query string
    query: dict[str, str]
    json: Any  # the JSON body, or a multipart body's payload_json
    at: float  # time.perf_counter() on arrival
    uploads: dict[int, tuple[str, bytes]] = field(default_factory=dict, repr=False)  # files[n]
    status: int = 0  # what the fake answered

    @property
    def files(self) -> dict[str, bytes]:
        return {name: data for name, data in self.uploads.values()}


@dataclass
class Message:
    """A message the bot created, or one edit of it."""

    id: int
    kind: str  # "callback" | "followup" | "edit" | "channel"
    channel_id: int
    payload: dict[str, Any]  # as sent (a callback's "data")
    files: dict[str, bytes]  # uploaded with this create/edit
    flags: int
    interaction_id: int | None
    at: float  # time.perf_counter() when the request arrived
    data: dict[str, Any] = field(repr=False)  # the message object as returned, after this create/edit
    deleted: bool = False

    @property
    def content(self) -> str:
        return self.data["content"]

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.data["embeds"]

    @property
    def components(self) -> list[dict[str, Any]]:
        """The message's action rows, as last set (each {"type": 1, "components": [...]})."""
        return self.data.get("components") or []

    def component(self, custom_id: str) -> dict[str, Any]:
        """The button or select menu with this custom_id (KeyError if there is none)."""
        for row in self.components:
            for item in row.get("components", []):
                if item.get("custom_id") == custom_id:
                    return item
        raise KeyError(custom_id)

    @property
    def attachment_names(self) -> list[str]:
        return [a["filename"] for a in self.data["attachments"]]

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def nonce(self) -> str | int | None:
        return self.payload.get("nonce")


class Interaction:
    """An interaction sent to the bot, and what the bot did with it."""

    def __init__(self, fake: FakeDiscord, *, type: int, name: str, user_id: int, origin: _Origin) -> None:
        self._fake = fake
        self.id = fake._snowflake()
        self.token = f"fake-{uuid.uuid4().hex}"
        self.type = type
        self.name = name
        self.user_id = user_id
        self.channel_id = origin.channel_id
        self.guild_id = origin.guild_id  # None in a DM
        self.context = origin.context
        self.authorizing_integration_owners = origin.owners
        self._origin = origin
        self.payload: dict[str, Any] = {}  # INTERACTION_CREATE's d, as dispatched
        self.sent_at = 0.0
        self.callback: Request | None = None
        self.callback_type: int | None = None
        self.choices: list[dict[str, Any]] | None = None
        self.original_id: int | None = None
        self.message_id: int | None = None  # a component interaction's message, the one clicked on
        self._original_state: str | None = None  # "loading" | "sent" | "deleted"
        self._message_ids: set[int] = set()
        loop = asyncio.get_running_loop()
        self._callback_future: asyncio.Future[Request] = loop.create_future()
        self._answer_future: asyncio.Future[Message] = loop.create_future()

    @property
    def messages(self) -> list[Message]:
        return [m for m in self._fake.messages if m.interaction_id == self.id]

    async def deferred(self, timeout: float = 10.0) -> Request:
        """The interaction callback (type 5 deferral, 4 message or 8 autocomplete result; for a
        component also 6 deferred update or 7 update of the message clicked on)."""
        return await asyncio.wait_for(asyncio.shield(self._callback_future), timeout)

    async def answered(self, timeout: float = 30.0) -> Message:
        """The visible answer: the type 4 callback message, or after a deferral the first
        followup or edit of the original response; for a component, the type 7 update or, after
        a type 6 deferred update, the first edit of the message clicked on or followup."""
        return await asyncio.wait_for(asyncio.shield(self._answer_future), timeout)

    def _answer_with(self, message: Message) -> None:
        if not self._answer_future.done():
            self._answer_future.set_result(message)


@dataclass(frozen=True)
class _Origin:
    """Where an interaction comes from, and the installation that authorizes it."""

    context: int  # GUILD | BOT_DM | PRIVATE_CHANNEL
    integration_type: int  # GUILD_INSTALL | USER_INSTALL
    guild_id: int | None  # None in a DM
    channel_id: int
    owners: dict[str, str]  # authorizing_integration_owners

    @property
    def in_guild_install(self) -> bool:
        """In a guild of the bot's, through the guild install: where guild commands are offered."""
        return self.guild_id is not None and self.integration_type == GUILD_INSTALL


@dataclass
class _Failure:
    method: str
    path_regex: str
    status: int
    times: int
    retry_after: float
    lost_response: bool

    def reply(self) -> Reply:
        if self.status == 429:
            return _rate_limited(self.retry_after, is_global=False)
        if self.status >= 500:
            return _error(self.status, 0, f"{self.status}: Server Error")
        return _error(self.status)


@dataclass
class _Connection:
    """One gateway websocket: the shard it IDENTIFYed as, and its session (kept across RESUMEs)."""

    ws: web.WebSocketResponse
    shard_id: int = 0
    shard_count: int = 1
    session_id: str | None = None
    seq: int = 0
    ready: bool = False  # its GUILD_CREATEs (or RESUMED) sent

    def holds(self, guild_id: int) -> bool:
        return self.ready and not self.ws.closed and FakeDiscord.shard_of(guild_id, self.shard_count) == self.shard_id


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Callable[[Request, re.Match[str]], Reply]
    bucket: str  # X-RateLimit-Bucket
    needs_auth: bool


class FakeDiscord:
    APP_ID = 1_300_000_000_000_000_001
    BOT_USER_ID = 1_300_000_000_000_000_002
    USER_ID = 1_300_000_000_000_000_003
    GUILD_ID = 1_300_000_000_000_000_010
    CHANNEL_ID = 1_300_000_000_000_000_020
    OTHER_CHANNEL_ID = 1_300_000_000_000_000_021
    THIRD_CHANNEL_ID = 1_300_000_000_000_000_022
    ROLE_ID = 1_300_000_000_000_000_030
    # the invoking member: view channel, send messages, manage channels, manage guild
    DEFAULT_PERMISSIONS = 0x20 | 0x10 | 0x800 | 0x400
    # @everyone, which is all the bot has: view, send, embed links, attach files, read history,
    # use application commands
    EVERYONE_PERMISSIONS = 0x400 | 0x800 | 0x4000 | 0x8000 | 0x10000 | 0x80000000
    FILE_SIZE_LIMIT = 10 * 1024 * 1024  # an unboosted guild's
    # the app's installation contexts, which a global command synced without integration_types gets:
    # both, Discord's default for new apps (docs developers/change-log.mdx:2575, application-commands.mdx:38)
    APP_INTEGRATION_TYPES = (GUILD_INSTALL, USER_INSTALL)

    def __init__(self) -> None:
        self.url = ""
        self.gateway_url = ""
        self.requests: list[Request] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}
        self.command_syncs: list[str] = []
        self.messages: list[Message] = []
        self.identifies = 0
        self.resumes = 0
        self.deduplicated_nonces = 0
        self.last_identify: dict[str, Any] | None = None
        self.channel_message_rate: int | None = None
        self.rate_limited_at: list[float] = []
        self.callback_deadline: float | None = 3.0
        self.violations: list[Violation] = []  # of every request refused for its body
        self.validated = 0  # request bodies checked against Discord's contract
        self.roles: dict[int, dict[str, Any]] = {  # @everyone's id is the guild's
            self.GUILD_ID: self._role(self.GUILD_ID, "@everyone", 0, self.EVERYONE_PERMISSIONS, mentionable=False),
            self.ROLE_ID: self._role(self.ROLE_ID, "market-watch", 1, 0, mentionable=True, color=0x2ECC71),
        }

        self._ids = itertools.count()
        self._command_ids: dict[tuple[str, str], int] = {}
        self._interactions: dict[int, Interaction] = {}
        self._interactions_by_token: dict[str, Interaction] = {}
        self._objects: dict[int, dict[str, Any]] = {}  # message id -> current message object
        self._deleted: set[int] = set()
        self._cdn: dict[int, bytes] = {}  # attachment id -> bytes
        self._nonces: dict[tuple[int, str], tuple[int, float]] = {}  # (channel, nonce) -> (message id, at)
        self._recent_channel_posts: collections.deque[float] = collections.deque()
        self._failures: list[_Failure] = []
        self._channel_status: dict[int, int] = {}
        self._holds: list[tuple[str, str, asyncio.Event]] = []
        self._expected_refusals: list[list[Violation]] = []  # one list per active expecting_refusals()
        self._unexpected_violations: list[Violation] = []  # not yet taken by take_unexpected_violations()
        self._dm_channels: dict[tuple[int, int], dict[str, Any]] = {}  # (context, user id) -> the DM channel
        self._extra_channels: dict[int, bool] = {}  # channel id -> listed in GUILD_CREATE; in order added
        self.shard_count = 1  # what GET /gateway/bot recommends
        self._guilds: dict[int, list[int]] = {}  # add_guilds: guild id -> its text channel ids
        self._channel_guild: dict[int, int] = {}  # those channels -> their guild
        self._connections: list[_Connection] = []  # open gateway connections, oldest first
        self._gateway_down = False  # gateway_outage(): new connections refused
        self._sessions: dict[str, _Connection] = {}  # session id -> its latest connection, for RESUME
        self._runner: web.AppRunner | None = None
        self._routes = self._build_routes()

    # lifecycle

    async def start(self) -> None:
        app = web.Application(client_max_size=2 * self.FILE_SIZE_LIMIT)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{channel}/{id}/{filename}", self._serve_attachment)
        app.router.add_route("*", API_PREFIX + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self.gateway_url = f"ws://127.0.0.1:{port}/gateway"

    async def stop(self) -> None:
        for *_, release in self._holds:
            release.set()
        for connection in list(self._connections):
            await connection.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()

    def env(self) -> dict[str, str]:
        return {"MARKETBOT_FAKE_DISCORD": self.url}

    # queries

    def find_requests(self, method: str | None = None, path: str | None = None) -> list[Request]:
        return [
            r
            for r in self.requests
            if (method is None or r.method == method) and (path is None or re.search(path, r.path))
        ]

    def channel_messages(self, channel_id: int | None = None) -> list[Message]:
        return [m for m in self.messages if m.kind == "channel" and (channel_id is None or m.channel_id == channel_id)]

    @contextlib.contextmanager
    def expecting_refusals(self) -> Iterator[list[Violation]]:
        """Requests refused for their body meanwhile are what the test provokes: they are not
        unexpected; yields the list of their violations, filled as they arrive."""
        refused: list[Violation] = []
        self._expected_refusals.append(refused)
        try:
            yield refused
        finally:
            self._expected_refusals.remove(refused)

    def take_unexpected_violations(self) -> list[Violation]:
        """The violations outside expecting_refusals() since the last call: a bug of the client."""
        taken, self._unexpected_violations = self._unexpected_violations, []
        return taken

    async def wait_ready(self, timeout: float = 30, *, guild_id: int | None = None) -> None:
        """Until the connection holding the shard of ``guild_id`` (default GUILD_ID) has sent its
        GUILD_CREATEs (or RESUMED)."""
        guild_id = self.GUILD_ID if guild_id is None else guild_id
        async with asyncio.timeout(timeout):
            while self._connection_for(guild_id) is None:
                await asyncio.sleep(0.01)

    @staticmethod
    def shard_of(guild_id: int, shard_count: int) -> int:
        """Discord's rule: a guild's events go to shard ``(guild_id >> 22) % shard_count``."""
        return (guild_id >> 22) % shard_count

    def add_guilds(self, guild_ids: Iterable[int]) -> dict[int, int]:
        """More guilds the bot is in (add them before it connects), each with one text channel and
        only @everyone; returns guild id -> that channel's id."""
        channels = {}
        for guild_id in guild_ids:
            if guild_id == self.GUILD_ID or guild_id in self._guilds:
                raise ValueError(f"guild {guild_id} exists already")
            channel_id = guild_id + 1
            self._guilds[guild_id] = [channel_id]
            self._channel_guild[channel_id] = guild_id
            channels[guild_id] = channel_id
        return channels

    @property
    def guild_ids(self) -> list[int]:
        return [self.GUILD_ID, *self._guilds]

    def shard_connections(self) -> list[tuple[int, int]]:
        """(shard id, shard count) of each open gateway connection."""
        return [(c.shard_id, c.shard_count) for c in self._connections if not c.ws.closed]

    # fault injection

    def fail_next(
        self,
        method: str,
        path_regex: str,
        status: int,
        times: int = 1,
        retry_after: float = 0.3,
        *,
        lost_response: bool = False,
    ) -> None:
        """Answer the next `times` REST requests matching method and re.search(path_regex, path)
        with `status`: 429 as a (non-global) rate limit, 5xx and 4xx with Discord's error JSON."""
        self._failures.append(_Failure(method.upper(), path_regex, status, times, retry_after, lost_response))

    def add_text_channels(self, channel_ids: Iterable[int], *, listed: bool = False) -> None:
        """Give the guild more text channels (beyond CHANNEL_ID, OTHER_CHANNEL_ID, THIRD_CHANNEL_ID).

        REST and interactions accept them at once; only ``listed`` ones are in GUILD_CREATE,
        which is sent when the bot identifies. Adding a channel again may list it.
        """
        builtin, extra = set(self._builtin_channel_ids()), dict(self._extra_channels)
        for channel_id in map(int, channel_ids):
            if channel_id not in builtin:
                extra[channel_id] = listed or extra.get(channel_id, False)
        if len(builtin) + sum(extra.values()) > MAX_GUILD_CHANNELS:
            raise ValueError(f"a guild has at most {MAX_GUILD_CHANNELS} channels; list fewer (listed=False)")
        self._extra_channels = extra

    def hold(self, method: str, path_regex: str) -> asyncio.Event:
        """Keep REST requests matching method and re.search(path_regex, path) waiting, unanswered,
        until the returned event is set: a slow Discord. They are in ``requests`` on arrival (status 0)
        and take effect only when released, even if the client gave up meanwhile."""
        release = asyncio.Event()
        self._holds.append((method.upper(), path_regex, release))
        return release

    def set_channel_status(self, channel_id: int, status: int | None) -> None:
        """Make POST /channels/{channel_id}/messages answer `status` (403, 404) until cleared."""
        if status is None:
            self._channel_status.pop(channel_id, None)
        else:
            self._channel_status[channel_id] = status

    async def drop_gateway(self, code: int = 4000, *, guild_id: int | None = None) -> None:
        """Close the websocket of the shard holding ``guild_id`` (default GUILD_ID) with a
        resumable code, so discord.py RESUMEs."""
        connection = self._require_connection(guild_id or self.GUILD_ID)
        connection.ready = False
        await connection.ws.close(code=code)

    @contextlib.asynccontextmanager
    async def gateway_outage(self) -> AsyncIterator[None]:
        """Discord's gateway down for the ``async with``: open connections close (resumable), new ones
        are refused with 503 until it ends; then discord.py reconnects and RESUMEs."""
        self._gateway_down = True
        try:
            for connection in list(self._connections):
                connection.ready = False
                await connection.ws.close(code=4000)
            yield
        finally:
            self._gateway_down = False

    async def send_reconnect(self, *, guild_id: int | None = None) -> None:
        """Op 7: discord.py closes the socket itself and RESUMEs."""
        connection = self._require_connection(guild_id or self.GUILD_ID)
        connection.ready = False
        await self._send(connection.ws, {"op": 7, "d": None, "s": None, "t": None})

    # interactions

    async def inject_command(
        self,
        name: str,
        options: list[dict[str, Any]] | None = None,
        *,
        user_id: int = USER_ID,
        permissions: int = DEFAULT_PERMISSIONS,
        channel_id: int | None = None,
        guild_id: int | None = None,
        context: int = GUILD,
        integration_type: int | None = None,
    ) -> Interaction:
        """In ``guild_id`` (default GUILD_ID; its first channel unless ``channel_id``), delivered on the
        connection of that guild's shard (RuntimeError if no connection holds it). ``context`` BOT_DM
        or PRIVATE_CHANNEL: from the user's DM instead (see User installs); ``integration_type``: the
        installation authorizing it (default GUILD_INSTALL in a guild, USER_INSTALL in a DM)."""
        origin = self._origin(context, integration_type, user_id, channel_id, guild_id)
        return await self._inject(2, name, options or [], user_id, permissions, origin)

    async def inject_autocomplete(
        self,
        name: str,
        options: list[dict[str, Any]],
        *,
        user_id: int = USER_ID,
        channel_id: int | None = None,
        guild_id: int | None = None,
        context: int = GUILD,
        integration_type: int | None = None,
    ) -> Interaction:
        origin = self._origin(context, integration_type, user_id, channel_id, guild_id)
        return await self._inject(4, name, _focus_last(options), user_id, self.DEFAULT_PERMISSIONS, origin)

    async def inject_component(
        self,
        message: Message | int,
        custom_id: str,
        *,
        values: list[str] | None = None,
        user_id: int = USER_ID,
        permissions: int = DEFAULT_PERMISSIONS,
    ) -> Interaction:
        """A click on a button (or a choice in a select menu: ``values``) of a message the bot sent.

        The interaction carries the message as it is now (edits included). Only what Discord
        lets a user do is accepted: a component of that message, enabled, values among a select
        menu's options and within its min/max; an ephemeral message is clicked only by its owner.
        """
        message_id = message if isinstance(message, int) else message.id
        obj = self._objects.get(message_id)
        if obj is None or message_id in self._deleted:
            raise LookupError(f"message {message_id} does not exist (or was deleted)")
        component = next(
            (c for row in obj["components"] for c in row.get("components", []) if c.get("custom_id") == custom_id), None
        )
        if component is None:
            raise LookupError(f"message {message_id} has no component {custom_id!r}")
        if component.get("disabled"):
            raise LookupError(f"component {custom_id!r} is disabled: Discord does not let anyone click it")
        owner = int(obj.get("interaction_metadata", {}).get("user", {}).get("id", 0))
        if obj["flags"] & EPHEMERAL and owner != user_id:
            raise LookupError(f"message {message_id} is ephemeral: only user {owner} sees it")
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": component["type"]}
        if component["type"] == 3:  # string select
            chosen = list(values or [])
            offered = {o["value"] for o in component.get("options", [])}
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not set(chosen) <= offered or not low <= len(chosen) <= high:
                raise LookupError(f"values {chosen} are not {low}..{high} of the options {sorted(offered)}")
            data["values"] = chosen
        elif values is not None:
            raise LookupError("values are for select menus, not buttons")
        origin = self._message_origin(obj)
        await self._wait_for_shard(_shard_guild(origin.guild_id))
        ix = Interaction(self, type=3, name=custom_id, user_id=user_id, origin=origin)
        ix.message_id = message_id
        ix._message_ids.add(message_id)  # @original of a component interaction is the message clicked on
        return await self._send_interaction(ix, data, permissions, message=copy.deepcopy(obj))

    def _origin(
        self, context: int, integration_type: int | None, user_id: int, channel_id: int | None, guild_id: int | None
    ) -> _Origin:
        if context == GUILD:
            guild_id = guild_id or self.GUILD_ID
            channel_id = channel_id or self._guild_channel_ids(guild_id)[0]
            integration_type = GUILD_INSTALL if integration_type is None else integration_type
            if guild_id not in self.guild_ids:
                raise LookupError(f"the bot is not in guild {guild_id} (add_guilds)")
            if self._guild_of(channel_id) != guild_id:
                raise LookupError(f"channel {channel_id} is not in guild {guild_id}")
        elif context in (BOT_DM, PRIVATE_CHANNEL):
            if guild_id is not None or channel_id is not None:
                raise ValueError("a DM interaction has no guild, and its channel is the user's DM")
            integration_type = USER_INSTALL if integration_type is None else integration_type
            # docs developers/interactions/application-commands.mdx:308
            if context == PRIVATE_CHANNEL and integration_type != USER_INSTALL:
                raise LookupError("PRIVATE_CHANNEL interactions come from user installs only")
            channel_id = int(self._dm_channel(context, user_id)["id"])
        else:
            raise ValueError(f"context {context} is none of GUILD, BOT_DM, PRIVATE_CHANNEL")
        # docs developers/interactions/receiving-and-responding.mdx:85-90: a guild install's owner is
        # the guild ("0" in the bot's DM), a user install's the user who installed the app
        owner = user_id if integration_type == USER_INSTALL else guild_id or 0
        return _Origin(context, integration_type, guild_id, channel_id, {str(integration_type): str(owner)})

    def _message_origin(self, obj: dict[str, Any]) -> _Origin:
        """Where a click on this message comes from: where the interaction that made it came from,
        authorized as it was; a channel message's, from its guild channel."""
        made_by = self._interactions.get(int(obj.get("interaction_metadata", {}).get("id", 0)))
        if made_by is not None:
            return made_by._origin
        channel_id = int(obj["channel_id"])
        guild_id = self._guild_of(channel_id)
        return _Origin(GUILD, GUILD_INSTALL, guild_id, channel_id, {str(GUILD_INSTALL): str(guild_id)})

    async def _inject(
        self,
        type: int,
        name: str,
        options: list[dict[str, Any]],
        user_id: int,
        permissions: int,
        origin: _Origin,
    ) -> Interaction:
        await self._wait_for_shard(_shard_guild(origin.guild_id))
        command, scope = self._offered_command(name, origin)
        data: dict[str, Any] = {"id": str(self._command_id(scope, name)), "name": name, "type": 1}
        if options:
            data["options"] = _typed_options(options, command.get("options", []))
            resolved = self._resolve(_leaf_options(data["options"]), permissions, origin.guild_id)
            if resolved and type == 2:  # autocomplete interactions carry no resolved data
                data["resolved"] = resolved
        if scope != "global":
            data["guild_id"] = scope
        ix = Interaction(self, type=type, name=name, user_id=user_id, origin=origin)
        return await self._send_interaction(ix, data, permissions)

    async def _send_interaction(
        self, ix: Interaction, data: dict[str, Any], permissions: int, message: dict[str, Any] | None = None
    ) -> Interaction:
        self._interactions[ix.id] = ix
        self._interactions_by_token[ix.token] = ix
        payload = {
            "id": str(ix.id),
            "application_id": str(self.APP_ID),
            "type": ix.type,
            "token": ix.token,
            "version": 1,
            "data": data,
            "channel_id": str(ix.channel_id),
            **(self._guild_fields(ix, permissions) if ix.guild_id is not None else self._dm_fields(ix)),
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": ix.authorizing_integration_owners,
            "context": ix.context,
            "attachment_size_limit": self.FILE_SIZE_LIMIT,  # discord.py 2.7 requires it
        }
        if message is not None:
            payload["message"] = message
        ix.payload = payload
        ix.sent_at = time.perf_counter()
        await self._dispatch(self._require_connection(_shard_guild(ix.guild_id)), "INTERACTION_CREATE", payload)
        return ix

    def _guild_fields(self, ix: Interaction, permissions: int) -> dict[str, Any]:
        return {
            "guild_id": str(ix.guild_id),
            "guild": {"id": str(ix.guild_id), "locale": "en-US", "features": []},
            "channel": self._channel(ix.channel_id),
            "member": {**self._member(ix.user_id), "permissions": str(permissions)},
            "app_permissions": str(self.EVERYONE_PERMISSIONS),
            "guild_locale": "en-US",
        }

    def _dm_fields(self, ix: Interaction) -> dict[str, Any]:
        """No guild, guild_id, member or guild_locale in a DM: the invoking user instead
        (docs developers/interactions/receiving-and-responding.mdx:28-49)."""
        channel = next(c for c in self._dm_channels.values() if c["id"] == str(ix.channel_id))
        app_permissions = DM_APP_PERMISSIONS[ix.context]
        return {"channel": channel, "user": self._user(ix.user_id), "app_permissions": str(app_permissions)}

    def _dm_channel(self, context: int, user_id: int) -> dict[str, Any]:
        """The user's DM with the bot (BOT_DM) or with someone else (PRIVATE_CHANNEL): a partial
        channel of type 1, made on first use."""
        if (context, user_id) not in self._dm_channels:
            self._dm_channels[context, user_id] = {
                "id": str(self._snowflake()),
                "type": 1,
                "last_message_id": None,
                "flags": 0,
                "recipients": [self._user(user_id)],
            }
        return self._dm_channels[context, user_id]

    def _resolve(
        self, options: list[dict[str, Any]], permissions: int, guild_id: int | None
    ) -> dict[str, dict[str, Any]]:
        """data.resolved for the channel and role options; their values become string snowflakes."""
        resolved: dict[str, dict[str, Any]] = {}
        for option in options:
            if option["type"] in (6, 9, 11):  # user, mentionable, attachment
                raise NotImplementedError(f"option {option['name']!r}: type {option['type']} is not modelled")
            if option["type"] not in (7, 8) or option.get("focused"):
                continue
            if guild_id is None:
                raise NotImplementedError(f"option {option['name']!r}: channel and role options in a DM: not modelled")
            snowflake = int(option["value"])
            option["value"] = str(snowflake)
            if option["type"] == 7:
                if not self._is_channel(snowflake) or self._guild_of(snowflake) != guild_id:
                    raise LookupError(f"option {option['name']!r}: {snowflake} is not a channel of the guild")
                channel = self._channel(snowflake)
                partial = {key: channel[key] for key in ("id", "name", "type")}
                resolved.setdefault("channels", {})[str(snowflake)] = {**partial, "permissions": str(permissions)}
            else:
                roles = self._roles(guild_id)
                if snowflake not in roles:
                    raise LookupError(f"option {option['name']!r}: {snowflake} is not a role of the guild")
                resolved.setdefault("roles", {})[str(snowflake)] = copy.deepcopy(roles[snowflake])
        return resolved

    def _offered_command(self, name: str, origin: _Origin) -> tuple[dict[str, Any], str]:
        """The synced command (and its scope) Discord offers there: a guild's own in that guild through
        the guild install, winning over a global one of the same name; a global one where its contexts
        and integration_types allow (docs developers/interactions/application-commands.mdx:38-39)."""
        scopes = (str(origin.guild_id), "global") if origin.in_guild_install else ("global",)
        for scope in scopes:
            for command in self.commands.get(scope, []):
                if command["name"] == name and command.get("type", 1) == 1:
                    if scope == "global":
                        self._require_offered(command, origin)
                    return command, scope
        where = f"where context {origin.context} can reach it"
        raise LookupError(f"/{name} was never synced {where} (synced: {self.commands})")

    def _require_offered(self, command: dict[str, Any], origin: _Origin) -> None:
        name, contexts = command["name"], command.get("contexts")
        if contexts is None:  # all of them (application-commands.mdx:1372); dm_permission false: not the bot's DM (:35)
            dm_allowed = command.get("dm_permission") is not False
            contexts = [GUILD, BOT_DM, PRIVATE_CHANNEL] if dm_allowed else [GUILD, PRIVATE_CHANNEL]
        integration_types = command.get("integration_types") or self.APP_INTEGRATION_TYPES
        if origin.context not in contexts:
            raise LookupError(f"/{name} is not offered in context {origin.context} (its contexts: {contexts})")
        if origin.integration_type not in integration_types:
            raise LookupError(
                f"/{name} is not offered through integration type {origin.integration_type} "
                f"(its integration_types: {list(integration_types)})"
            )

    def _command_id(self, scope: str, name: str) -> int:
        # stable across re-syncs, as on Discord; also covers commands seeded into self.commands
        return self._command_ids.setdefault((scope, name), self._snowflake())

    # Discord objects

    def _snowflake(self) -> int:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return (ms << 22) | (next(self._ids) & 0x3FFFFF)

    def _user(self, user_id: int) -> dict[str, Any]:
        bot = user_id == self.BOT_USER_ID
        name = "marketbot" if bot else f"user{user_id % 10000}"
        return {
            "id": str(user_id),
            "username": name,
            "global_name": None if bot else name.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }

    def _member(self, user_id: int) -> dict[str, Any]:
        return {
            "user": self._user(user_id),
            "roles": [],
            "joined_at": "2024-01-01T00:00:00+00:00",
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,
            "communication_disabled_until": None,
        }

    def _builtin_channel_ids(self) -> tuple[int, ...]:
        return self.CHANNEL_ID, self.OTHER_CHANNEL_ID, self.THIRD_CHANNEL_ID

    def _is_channel(self, channel_id: int) -> bool:
        return channel_id in self._extra_channels or channel_id in self._builtin_channel_ids() or channel_id in self._channel_guild

    def _guild_of(self, channel_id: int) -> int:
        return self._channel_guild.get(channel_id, self.GUILD_ID)

    def _guild_channel_ids(self, guild_id: int) -> list[int]:
        return self._guilds[guild_id] if guild_id in self._guilds else self._listed_channel_ids()

    def _roles(self, guild_id: int) -> dict[int, dict[str, Any]]:
        if guild_id == self.GUILD_ID:
            return self.roles
        return {guild_id: self._role(guild_id, "@everyone", 0, self.EVERYONE_PERMISSIONS, mentionable=False)}

    def _listed_channel_ids(self) -> list[int]:
        """The channels GUILD_CREATE describes: the built-in three, then the listed extra ones."""
        return [*self._builtin_channel_ids(), *(c for c, listed in self._extra_channels.items() if listed)]

    def _channel(self, channel_id: int) -> dict[str, Any]:
        builtin = self._builtin_channel_ids()
        guild_id = self._guild_of(channel_id)
        if guild_id != self.GUILD_ID:
            position = self._guilds[guild_id].index(channel_id)
        elif channel_id in builtin:
            position = builtin.index(channel_id)
        else:  # extra channels follow, in the order added (an unknown one last)
            extra = list(self._extra_channels)
            position = len(builtin) + (extra.index(channel_id) if channel_id in extra else len(extra))
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id),
            "name": "general" if channel_id in (self.CHANNEL_ID, *self._guilds.get(guild_id, ())[:1]) else f"channel-{channel_id % 10000}",
            "position": position,
            "permission_overwrites": [],
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    @staticmethod
    def _role(
        role_id: int, name: str, position: int, permissions: int, *, mentionable: bool, color: int = 0
    ) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name,
            "permissions": str(permissions),
            "position": position,
            "color": color,  # deprecated by Discord, still sent
            "colors": {"primary_color": color, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": mentionable,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }

    def _guild(self, guild_id: int) -> dict[str, Any]:
        return {
            "id": str(guild_id),
            "name": "Fake Guild" if guild_id == self.GUILD_ID else f"Guild {guild_id % 10000}",
            "owner_id": str(self.USER_ID),
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "premium_progress_bar_enabled": False,
            "preferred_locale": "en-US",
            "features": [],
            "system_channel_id": str(self._guild_channel_ids(guild_id)[0]),
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "application_id": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": 2,
            "roles": list(self._roles(guild_id).values()),
            "emojis": [],
            "stickers": [],
            "channels": [self._channel(channel_id) for channel_id in self._guild_channel_ids(guild_id)],
            "members": [self._member(self.BOT_USER_ID)],  # Discord always includes the bot itself
            "voice_states": [],
            "presences": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }

    def _new_attachment(self, channel_id: int, filename: str, data: bytes, description: str | None) -> dict[str, Any]:
        attachment_id = self._snowflake()
        self._cdn[attachment_id] = data
        url = f"{self.url}/attachments/{channel_id}/{attachment_id}/{filename}"
        attachment = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": mimetypes.guess_type(filename)[0] or "application/octet-stream",
        }
        if description is not None:
            attachment["description"] = description
        return attachment

    def _attachments(
        self,
        channel_id: int,
        payload: dict[str, Any],
        uploads: dict[int, tuple[str, bytes]],
        existing: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """The attachments after a create/edit: payload entries name uploaded files[n] by id n,
        or keep an existing attachment by its id; without the key, existing ones stay and
        uploads are added."""
        if "attachments" not in payload:
            new = [self._new_attachment(channel_id, name, data, None) for name, data in uploads.values()]
            return existing + new
        kept = {a["id"]: a for a in existing}
        result = []
        for entry in payload["attachments"] or []:
            if int(entry["id"]) in uploads:
                name, data = uploads[int(entry["id"])]
                result.append(self._new_attachment(channel_id, name, data, entry.get("description")))
            elif str(entry["id"]) in kept:
                result.append(kept[str(entry["id"])])
        return result

    def _create(
        self,
        channel_id: int,
        payload: dict[str, Any],
        uploads: dict[int, tuple[str, bytes]],
        flags: int,
        *,
        message_type: int = 0,
        ix: Interaction | None = None,
        message_id: int | None = None,
    ) -> dict[str, Any]:
        message_id = message_id or self._snowflake()
        obj: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "type": message_type,
            "content": payload.get("content") or "",
            "author": self._user(self.BOT_USER_ID),
            "embeds": payload.get("embeds") or [],
            "attachments": self._attachments(channel_id, payload, uploads, []),
            "components": payload.get("components") or [],
            "mentions": [],
            "mention_roles": self._pinged_roles(payload),
            "mention_everyone": False,  # the bot lacks Mention Everyone
            "pinned": False,
            "tts": bool(payload.get("tts")),
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "flags": flags,
        }
        if "nonce" in payload:
            obj["nonce"] = payload["nonce"]
        if ix is not None:
            obj["webhook_id"] = obj["application_id"] = str(self.APP_ID)
            # every message an interaction creates (response or followup) names the interaction and its user
            obj["interaction_metadata"] = {
                "id": str(ix.id),
                "type": ix.type,
                "user": self._user(ix.user_id),
                "authorizing_integration_owners": ix.authorizing_integration_owners,
            }
            if ix.message_id is not None:
                obj["interaction_metadata"]["interacted_message_id"] = str(ix.message_id)
            ix._message_ids.add(message_id)
        self._objects[message_id] = obj
        return obj

    def _pinged_roles(self, payload: dict[str, Any]) -> list[str]:
        allowed = payload.get("allowed_mentions")
        pinged = []
        for role_id in dict.fromkeys(int(i) for i in ROLE_MENTION.findall(payload.get("content") or "")):
            role = self.roles.get(role_id)
            if role is None or role_id == self.GUILD_ID:  # @everyone pings only as the text "@everyone"
                continue
            let_through = (
                allowed is None
                or "roles" in (allowed.get("parse") or [])
                or role_id in {int(i) for i in allowed.get("roles") or []}
            )
            can_ping = role["mentionable"] or self.EVERYONE_PERMISSIONS & MENTION_EVERYONE
            if let_through and can_ping:
                pinged.append(str(role_id))
        return pinged

    def _record(
        self, kind: str, obj: dict[str, Any], payload: dict[str, Any], req: Request, ix: Interaction | None
    ) -> Message:
        message = Message(
            id=int(obj["id"]),
            kind=kind,
            channel_id=int(obj["channel_id"]),
            payload=payload,
            files=req.files,
            flags=obj["flags"],
            interaction_id=ix.id if ix else None,
            at=req.at,
            data=copy.deepcopy(obj),
        )
        self.messages.append(message)
        return message

    def _refused(self, req: Request) -> Reply | None:
        """Discord's answer if the request body breaks its contract (tests/fakes/discord_contract.py),
        its violations recorded; None if it holds."""
        self.validated += 1
        sizes = [len(data) for _, data in req.uploads.values()]
        api_path = req.path.removeprefix(API_PREFIX)
        limit = self.FILE_SIZE_LIMIT
        refusal = discord_contract.check(req.method, api_path, req.json, file_sizes=sizes, file_size_limit=limit)
        return None if refusal is None else self._recorded(refusal)

    def _recorded(self, refusal: discord_contract.Refusal) -> Reply:
        self.violations.extend(refusal.violations)
        expected = self._expected_refusals[-1] if self._expected_refusals else self._unexpected_violations
        expected.extend(refusal.violations)
        return refusal.status, refusal.body

    # REST

    def _build_routes(self) -> list[_Route]:
        webhook_message = r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<message>@original|\d+)"
        table: list[tuple[str, str, Callable[[Request, re.Match[str]], Reply]]] = [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/gateway(?:/bot)?", self._get_gateway),
            ("PUT", r"/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands", self._put_commands),
            ("GET", r"/applications/(?P<app>\d+)(?:/guilds/(?P<guild>\d+))?/commands", self._get_commands),
            ("POST", r"/interactions/(?P<id>\d+)/(?P<token>[^/]+)/callback", self._post_callback),
            ("POST", r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", self._post_followup),
            ("GET", webhook_message, self._get_webhook_message),
            ("PATCH", webhook_message, self._patch_webhook_message),
            ("DELETE", webhook_message, self._delete_webhook_message),
            ("GET", r"/channels/(?P<channel>\d+)", self._get_channel),
            ("POST", r"/channels/(?P<channel>\d+)/messages", self._post_channel_message),
        ]
        # interaction tokens are the credentials of callbacks and followups, not the bot token
        unauthenticated = ("/webhooks", "/interactions")
        return [
            _Route(method, re.compile(pattern), handler, f"fake-{i}", not pattern.startswith(unauthenticated))
            for i, (method, pattern, handler) in enumerate(table)
        ]

    async def _rest(self, request: web.Request) -> web.Response:
        payload, uploads = await _read_body(request)
        req = Request(request.method, request.path, dict(request.query), payload, time.perf_counter(), uploads)
        self.requests.append(req)
        for method, path_regex, release in self._holds:
            if method == req.method and re.search(path_regex, req.path):
                await release.wait()
        api_path = "/" + request.match_info["tail"]
        route, match = next(
            ((r, m) for r in self._routes if r.method == req.method and (m := r.pattern.fullmatch(api_path))),
            (None, None),
        )
        if route is None or match is None:
            status, body = _error(404, 0, "404: Not Found")
        elif route.needs_auth and not request.headers.get("Authorization", "").startswith("Bot "):
            status, body = _error(401)
        elif failure := self._take_failure(req):
            if failure.lost_response:
                route.handler(req, match)
            status, body = failure.reply()
        else:
            status, body = route.handler(req, match)
        req.status = status
        return self._respond(status, body, route.bucket if route else "fake-unknown")

    def _take_failure(self, req: Request) -> _Failure | None:
        for failure in self._failures:
            if failure.method == req.method and re.search(failure.path_regex, req.path):
                failure.times -= 1
                if failure.times == 0:
                    self._failures.remove(failure)
                return failure
        return None

    @staticmethod
    def _respond(status: int, body: Any, bucket: str) -> web.Response:
        # a roomy bucket that never runs dry, so discord.py never waits pre-emptively
        headers = {
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": bucket,
        }
        if status == 429:
            headers |= {
                "Via": "1.1 google",
                "Retry-After": str(math.ceil(body["retry_after"])),
                "X-RateLimit-Scope": "global" if body["global"] else "user",
            }
            if body["global"]:
                headers["X-RateLimit-Global"] = "true"
        if body is None:
            return web.Response(status=204, headers=headers)
        # exactly application/json: discord.py compares the header verbatim
        headers["Content-Type"] = "application/json"
        return web.Response(status=status, body=json.dumps(body).encode(), headers=headers)

    def _get_me(self, req: Request, m: re.Match[str]) -> Reply:
        return 200, {**self._user(self.BOT_USER_ID), "verified": True, "mfa_enabled": False, "flags": 0}

    def _get_application(self, req: Request, m: re.Match[str]) -> Reply:
        return 200, {
            "id": str(self.APP_ID),
            "name": "marketbot",
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": self._user(self.USER_ID),
            "verify_key": "0" * 64,
            "flags": 0,
            "interactions_endpoint_url": None,  # else discord.py warns it will get no interactions
            "bot": self._user(self.BOT_USER_ID),
        }

    def _get_gateway(self, req: Request, m: re.Match[str]) -> Reply:
        limits = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return 200, {"url": self.gateway_url, "shards": self.shard_count, "session_start_limit": limits}

    def _put_commands(self, req: Request, m: re.Match[str]) -> Reply:
        if int(m["app"]) != self.APP_ID:
            return _error(403, 50001, "Missing Access")
        if m["guild"] and int(m["guild"]) not in self.guild_ids:
            return _error(403, 50001, "Missing Access")
        if refused := self._refused(req):
            return refused
        scope = m["guild"] or "global"
        self.commands[scope] = req.json or []
        self.command_syncs.append(scope)
        return self._get_commands(req, m)

    def _get_commands(self, req: Request, m: re.Match[str]) -> Reply:
        scope = m["guild"] or "global"
        echoed = []
        for command in self.commands.get(scope, []):
            command_id = self._command_id(scope, command["name"])
            echoed.append(
                {
                    "type": 1,
                    **command,
                    "id": str(command_id),
                    "application_id": str(self.APP_ID),
                    "version": str(command_id),
                    **({"guild_id": scope} if m["guild"] else {}),
                }
            )
        return 200, echoed

    def _post_callback(self, req: Request, m: re.Match[str]) -> Reply:
        ix = self._interactions.get(int(m["id"]))
        deadline = self.callback_deadline
        if ix is None or ix.token != m["token"] or (deadline is not None and req.at - ix.sent_at > deadline):
            return _error(404, 10062, "Unknown interaction")
        if ix.callback is not None:
            return _error(400, 40060, "Interaction has already been acknowledged.")
        body = req.json or {}
        callback_type, data = body.get("type"), body.get("data") or {}
        if callback_type in (6, 7) and ix.type != 3:  # a rule on the interaction, which the body does not show
            api_path, message = req.path.removeprefix(API_PREFIX), "Only component interactions update a message."
            code = "INTERACTION_RESPONSE_TYPE_INVALID"
            refusal = discord_contract.refuse(req.method, api_path, "type", "update_needs_component", code, message)
            return self._recorded(refusal)
        if refused := self._refused(req):
            return refused
        ix.callback, ix.callback_type = req, callback_type
        interaction: dict[str, Any] = {"id": str(ix.id), "type": ix.type}
        resource: dict[str, Any] = {"type": callback_type}
        if callback_type in (4, 5):
            flags = data.get("flags", 0)
            if callback_type == 5:  # the "thinking..." message, to be replaced by the answer
                flags = (flags & EPHEMERAL) | LOADING
            obj = self._create(
                ix.channel_id, data if callback_type == 4 else {}, req.uploads, flags, message_type=20, ix=ix
            )
            ix.original_id = int(obj["id"])
            ix._original_state = "loading" if callback_type == 5 else "sent"
            interaction |= {
                "response_message_id": obj["id"],
                "response_message_loading": callback_type == 5,
                "response_message_ephemeral": bool(flags & EPHEMERAL),
            }
            resource["message"] = obj
            if callback_type == 4:
                ix._answer_with(self._record("callback", obj, data, req, ix))
        elif callback_type in (6, 7):  # the message clicked on is the original response
            ix.original_id, ix._original_state = ix.message_id, "sent"
            if callback_type == 7:
                obj = self._edit(ix.message_id, data, req.uploads)
                ix._answer_with(self._record("edit", obj, data, req, ix))
                resource["message"] = obj
        elif callback_type == 8:
            ix.choices = data.get("choices", [])
        ix._callback_future.set_result(req)
        return 200, {"interaction": interaction, "resource": resource}

    def _webhook_interaction(self, m: re.Match[str]) -> Interaction | None:
        ix = self._interactions_by_token.get(m["token"])
        if ix is None or int(m["app"]) != self.APP_ID or ix.callback_type not in (4, 5, 6, 7):
            return None
        return ix

    def _webhook_message_id(self, ix: Interaction, ref: str) -> int | None:
        message_id = ix.original_id if ref == "@original" else int(ref)
        if message_id not in ix._message_ids or message_id in self._deleted:
            return None
        return message_id

    def _post_followup(self, req: Request, m: re.Match[str]) -> Reply:
        ix = self._webhook_interaction(m)
        if ix is None:
            return _error(404, 10015, "Unknown Webhook")
        if refused := self._refused(req):
            return refused
        payload = req.json or {}
        flags = payload.get("flags", 0)
        if ix._original_state == "loading":
            original_flags = self._objects[ix.original_id]["flags"]
            flags = (flags & ~EPHEMERAL) | (original_flags & EPHEMERAL)
            obj = self._create(
                ix.channel_id, payload, req.uploads, flags, message_type=20, ix=ix, message_id=ix.original_id
            )
            ix._original_state = "sent"
        else:
            obj = self._create(ix.channel_id, payload, req.uploads, flags, ix=ix)
        ix._answer_with(self._record("followup", obj, payload, req, ix))
        return (200, obj) if req.query.get("wait", "").lower() in ("1", "true") else (204, None)

    def _get_webhook_message(self, req: Request, m: re.Match[str]) -> Reply:
        ix = self._webhook_interaction(m)
        if ix is None:
            return _error(404, 10015, "Unknown Webhook")
        message_id = self._webhook_message_id(ix, m["message"])
        if message_id is None:
            return _error(404, 10008, "Unknown Message")
        return 200, self._objects[message_id]

    def _patch_webhook_message(self, req: Request, m: re.Match[str]) -> Reply:
        ix = self._webhook_interaction(m)
        if ix is None:
            return _error(404, 10015, "Unknown Webhook")
        message_id = self._webhook_message_id(ix, m["message"])
        if message_id is None:
            return _error(404, 10008, "Unknown Message")
        if refused := self._refused(req):
            return refused
        payload = req.json or {}
        obj = self._edit(message_id, payload, req.uploads)
        message = self._record("edit", obj, payload, req, ix)
        if message_id == ix.original_id:
            ix._original_state = "sent"
            ix._answer_with(message)
        return 200, obj

    def _edit(self, message_id: int, payload: dict[str, Any], uploads: dict[int, tuple[str, bytes]]) -> dict[str, Any]:
        obj = self._objects[message_id]
        for key, empty in (("content", ""), ("embeds", []), ("components", [])):
            if key in payload:
                obj[key] = payload[key] or empty
        obj["attachments"] = self._attachments(int(obj["channel_id"]), payload, uploads, obj["attachments"])
        obj["flags"] &= ~LOADING
        obj["edited_timestamp"] = _now_iso()
        return obj

    def _delete_webhook_message(self, req: Request, m: re.Match[str]) -> Reply:
        ix = self._webhook_interaction(m)
        if ix is None:
            return _error(404, 10015, "Unknown Webhook")
        message_id = self._webhook_message_id(ix, m["message"])
        if message_id is None:
            return _error(404, 10008, "Unknown Message")
        self._deleted.add(message_id)
        for message in self.messages:
            if message.id == message_id:
                message.deleted = True
        if message_id == ix.original_id:
            ix._original_state = "deleted"
        return 204, None

    def _get_channel(self, req: Request, m: re.Match[str]) -> Reply:
        channel_id = int(m["channel"])
        if not self._is_channel(channel_id):
            return _error(404, 10003, "Unknown Channel")
        return 200, self._channel(channel_id)

    def _post_channel_message(self, req: Request, m: re.Match[str]) -> Reply:
        channel_id = int(m["channel"])
        if limited := self._throttle(req.at):
            return limited
        if status := self._channel_status.get(channel_id):
            return _error(status)
        if not self._is_channel(channel_id):
            return _error(404, 10003, "Unknown Channel")
        if refused := self._refused(req):
            return refused
        payload = req.json or {}
        nonce = payload.get("nonce")
        if nonce is not None and payload.get("enforce_nonce"):
            seen = self._nonces.get((channel_id, str(nonce)))
            if seen is not None and req.at - seen[1] < NONCE_WINDOW:
                self.deduplicated_nonces += 1
                return 200, self._objects[seen[0]]
        obj = self._create(channel_id, payload, req.uploads, payload.get("flags", 0))
        if nonce is not None:
            self._nonces[channel_id, str(nonce)] = (int(obj["id"]), req.at)
        self._record("channel", obj, payload, req, None)
        return 200, obj

    def _throttle(self, now: float) -> Reply | None:
        """The optional global cap on channel messages: N per rolling second."""
        if self.channel_message_rate is None:
            return None
        recent = self._recent_channel_posts
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        if len(recent) >= self.channel_message_rate:
            self.rate_limited_at.append(now)
            return _rate_limited(math.ceil((recent[0] + 1.0 - now) * 1000) / 1000, is_global=True)
        recent.append(now)
        return None

    async def _serve_attachment(self, request: web.Request) -> web.Response:
        data = self._cdn.get(int(request.match_info["id"]))
        if data is None:
            return web.Response(status=404)
        content_type = mimetypes.guess_type(request.match_info["filename"])[0] or "application/octet-stream"
        return web.Response(body=data, content_type=content_type)

    # gateway

    async def _wait_for_shard(self, guild_id: int) -> None:
        """Until the guild's shard is connected and ready (after a drop: RESUMED), up to 10 s;
        RuntimeError at once if no session ever held it."""
        shard = [c for c in self._sessions.values() if self.shard_of(guild_id, c.shard_count) == c.shard_id]
        if shard:
            with contextlib.suppress(TimeoutError):
                await self.wait_ready(timeout=10, guild_id=guild_id)
        self._require_connection(guild_id)

    def _connection_for(self, guild_id: int) -> _Connection | None:
        """The open connection of the guild's shard (the newest, if a stale one lingers)."""
        return next((c for c in reversed(self._connections) if c.holds(guild_id)), None)

    def _require_connection(self, guild_id: int) -> _Connection:
        connection = self._connection_for(guild_id)
        if connection is None:
            shards = self.shard_connections()
            raise RuntimeError(f"no gateway connection holds the shard of guild {guild_id} (connected: {shards})")
        return connection

    async def _send(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        # plain-text JSON frames: discord.py only decompresses binary ones
        await ws.send_str(json.dumps(payload))

    async def _dispatch(self, connection: _Connection, event: str, data: dict[str, Any]) -> None:
        connection.seq += 1
        await self._send(connection.ws, {"op": 0, "t": event, "s": connection.seq, "d": data})

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        if self._gateway_down:
            return web.Response(status=503, text="gateway outage")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        connection = _Connection(ws)
        self._connections.append(connection)
        await self._send(ws, {"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}, "s": None, "t": None})
        try:
            async for frame in ws:
                if frame.type is WSMsgType.TEXT:
                    await self._on_gateway_payload(connection, json.loads(frame.data))
        finally:
            connection.ready = False
            self._connections.remove(connection)
        return ws

    async def _on_gateway_payload(self, connection: _Connection, payload: dict[str, Any]) -> None:
        op, d = payload.get("op"), payload.get("d")
        ws = connection.ws
        if op == 1:  # heartbeat
            await self._send(ws, {"op": 11, "d": None, "s": None, "t": None})
        elif op == 2:  # identify
            self.identifies += 1
            self.last_identify = d
            shard_id, shard_count = d.get("shard") or (0, 1)
            if not 0 <= shard_id < shard_count:
                await ws.close(code=4010)  # Discord: Invalid shard
                return
            connection.shard_id, connection.shard_count = shard_id, shard_count
            connection.session_id = uuid.uuid4().hex
            connection.seq = 0
            self._sessions[connection.session_id] = connection
            guilds = [g for g in self.guild_ids if self.shard_of(g, shard_count) == shard_id]
            await self._dispatch(
                connection,
                "READY",
                {
                    "v": 10,
                    "user": {**self._user(self.BOT_USER_ID), "verified": True, "mfa_enabled": False, "flags": 0},
                    "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
                    "session_id": connection.session_id,
                    "session_type": "normal",
                    "resume_gateway_url": self.gateway_url,
                    "application": {"id": str(self.APP_ID), "flags": 0},
                    "private_channels": [],
                    "relationships": [],
                    "presences": [],
                    "shard": [shard_id, shard_count],
                },
            )
            for guild_id in guilds:  # only this shard's guilds
                await self._dispatch(connection, "GUILD_CREATE", self._guild(guild_id))
            connection.ready = True
        elif op == 6:  # resume
            previous = self._sessions.get(d.get("session_id"))
            if previous is None:
                await self._send(ws, {"op": 9, "d": False, "s": None, "t": None})  # not resumable
                return
            connection.shard_id, connection.shard_count = previous.shard_id, previous.shard_count
            connection.session_id, connection.seq = previous.session_id, previous.seq
            self._sessions[connection.session_id] = connection
            self.resumes += 1
            await self._dispatch(connection, "RESUMED", {})
            connection.ready = True
        elif op == 8:  # request guild members (when the members intent is on)
            chunk = {
                "guild_id": str(d.get("guild_id", self.GUILD_ID)),
                "members": [self._member(self.BOT_USER_ID)],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
            }
            if d.get("nonce") is not None:
                chunk["nonce"] = d["nonce"]
            await self._dispatch(connection, "GUILD_MEMBERS_CHUNK", chunk)
