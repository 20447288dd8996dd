"""Alerts end to end: the real bot on the snapshot as of 2023-03-13, over the loopback Discord.

Subscribing needs Manage Server or Manage Channels (checked in our code); the
scheduler posts the KRE alert once to the subscribed channel; a restart posts
nothing again; a channel answering 403 gets its subscription paused.

Then a fresh bot, one alert cycle (`marketbot alerts check`) for three channels:
one subscribed from elsewhere with a role to mention, which is pinged and nothing
else; one whose first post Discord answers 429, one whose first post it answers
500: discord.py resends those with the same nonce, each channel gets the alert
once, and the healthy channel is not held up by the others.

Subscriptions are made in a bot replaying a calm day (CALM), whose ticks post
nothing whenever they run; the alerts come from a later run on 2023-03-13, which
sees them all at once. (A settled session is judged once, so subscribing while the
bot judging it ticks races the tick: a subscription made just after it never gets
that session's alert.)

Everything runs twice: on SQLite (a file in the bot's home) and on PostgreSQL (a fresh
database on a server the suite starts), each with a fake Discord of its own.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord, Message
from tests.pg_server import postgres_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
INTERVAL = 2  # seconds between alert ticks: later ticks must find nothing new
ALERT_DAY, CALM = "2023-03-13", "2023-02-24"  # KRE -12.3% (a sharp alert), +0.02% (nothing)
MANAGE_GUILD = 0x20
CHANNEL, FORBIDDEN = FakeDiscord.CHANNEL_ID, FakeDiscord.OTHER_CHANNEL_ID
OTHER, THIRD, ROLE = FakeDiscord.OTHER_CHANNEL_ID, FakeDiscord.THIRD_CHANNEL_ID, FakeDiscord.ROLE_ID  # OTHER: FORBIDDEN
RETRY_AFTER = 0.5  # the injected 429's
DIGESTS = 1_300_000_000_000_000_099  # a fourth text channel, for the daily digest


@dataclass(frozen=True)
class Home:
    path: Path  # the bot's working directory and log
    db: str  # its MARKETBOT_DB


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def engine(request) -> str:
    return request.param


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fake(engine):
    """A fake Discord per engine: each run of the module starts with no messages."""
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="module")
def new_home(engine, tmp_path_factory, request):
    """A fresh home for a fresh bot, with an empty database on the engine under test."""
    server = request.getfixturevalue("postgres_server") if engine == "postgres" else None

    def make(name: str) -> Home:
        path = tmp_path_factory.mktemp(name)
        return Home(path, server.create_database() if server else str(path / "marketbot.sqlite3"))

    return make


@pytest.fixture(scope="module")
def home(new_home) -> Home:
    return new_home("alerts-bot")


def start_bot(fake: FakeDiscord, home: Home, as_of: str = ALERT_DAY, **settings: str) -> BotProcess:
    return BotProcess(
        fake.env(), home.path, MARKETBOT_DB=home.db, MARKETBOT_AS_OF=as_of,
        MARKETBOT_ALERT_INTERVAL_SECONDS=str(INTERVAL), **settings,
    )  # fmt: skip


async def connected(fake: FakeDiscord, bot: BotProcess) -> BotProcess:
    identifies = fake.identifies
    await bot.start()
    await until(lambda: fake.identifies > identifies)
    await fake.wait_ready(TIMEOUT)
    return bot


def subscriber(fake: FakeDiscord, home) -> BotProcess:
    """A bot to subscribe with: on the calm day its cycles post nothing; no worker processes."""
    return start_bot(fake, home, as_of=CALM, MARKETBOT_WORKERS="0")


async def subscribe(fake: FakeDiscord, channel_id: int, permissions: int, rule: str = "kre", **options: int) -> Message:
    """/alerts subscribe rule:<rule>, run in channel_id; options: channel, role (snowflakes)."""
    chosen = [{"name": "rule", "value": rule}, *({"name": k, "value": v} for k, v in options.items())]
    interaction = await fake.inject_command(
        "alerts", [{"name": "subscribe", "options": chosen}], permissions=permissions, channel_id=channel_id
    )
    return await interaction.answered(TIMEOUT)


async def list_subscriptions(fake: FakeDiscord) -> str:
    listing = await fake.inject_command("alerts", [{"name": "list", "type": 1}], permissions=MANAGE_GUILD)
    return (await listing.answered(TIMEOUT)).content


async def listing_with(fake: FakeDiscord, wanted: str, tries: int = 6) -> str:
    """/alerts list until it shows ``wanted`` (a few asks: the command has a cooldown)."""
    for _ in range(tries - 1):
        text = await list_subscriptions(fake)
        if wanted in text:
            return text
        await asyncio.sleep(0.5)
    return await list_subscriptions(fake)


def alerts_in(fake: FakeDiscord, channel_id: int, since: float = 0.0) -> list[Message]:
    return [m for m in fake.channel_messages(channel_id) if m.embeds and m.at >= since]


async def until(condition, timeout: float = TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def test_subscribe_alert_once_restart_and_pause(fake, home):
    fake.set_channel_status(FORBIDDEN, 403)
    setup = await connected(fake, subscriber(fake, home))
    try:
        refused = await subscribe(fake, CHANNEL, permissions=0x400 | 0x800)  # view + send, not a manager
        assert refused.ephemeral and "Manage Server or Manage Channels" in refused.content
        for channel in (FORBIDDEN, CHANNEL):
            accepted = await subscribe(fake, channel, permissions=MANAGE_GUILD)
            assert accepted.ephemeral and "Subscribed: kre" in accepted.content
    finally:
        assert await setup.stop() == 0
    assert not alerts_in(fake, CHANNEL)

    bot = await connected(fake, start_bot(fake, home))  # its start-up tick judges ALERT_DAY
    try:
        await until(lambda: alerts_in(fake, CHANNEL))
        [alert] = alerts_in(fake, CHANNEL)
        embed = alert.embeds[0]
        assert embed["title"] == "Sharp move: KRE"
        assert "KRE fell 12.3% on 2023-03-13" in "\n".join(f["value"] for f in embed["fields"]) + embed["description"]
        assert embed["image"]["url"] == "attachment://alert.png" and alert.attachment_names == ["alert.png"]
        assert alert.payload["allowed_mentions"] == {"parse": []} and alert.nonce and alert.payload["enforce_nonce"]
        # The forbidden channel was tried once, answered 403, and its subscription paused.
        await until(lambda: any(r.status == 403 for r in fake.find_requests("POST", rf"/channels/{FORBIDDEN}/messages")))
        text = await listing_with(fake, "PAUSED")  # the pause is recorded just after the 403
        assert f"<#{FORBIDDEN}> kre (standard): PAUSED: no permission to post there (Discord 403" in text
        assert f"<#{CHANNEL}> kre (standard): active; last alert 2023-03-13 sharp (sent)" in text
        await asyncio.sleep(INTERVAL * 1.5)  # more ticks: nothing new
        assert len(alerts_in(fake, CHANNEL)) == 1
    finally:
        assert await bot.stop() == 0

    forbidden_posts = len(fake.find_requests("POST", rf"/channels/{FORBIDDEN}/messages"))
    restarted = await connected(fake, start_bot(fake, home))
    try:
        await asyncio.sleep(INTERVAL * 1.5)  # the start-up catch-up tick and more
        assert len(alerts_in(fake, CHANNEL)) == 1
        assert len(fake.find_requests("POST", rf"/channels/{FORBIDDEN}/messages")) == forbidden_posts
    finally:
        assert await restarted.stop() == 0
    assert "Traceback" not in restarted.log, restarted.log  # the log of all three runs
    assert f"Storage: {'PostgreSQL' if home.db.startswith('postgresql://') else 'SQLite'}" in restarted.log


# -- a fresh bot: a role to mention, and a 429 and a 500 on the way ---------------------------


@dataclass
class Delivery:
    since: float  # when this scenario started (the fake's clock: time.perf_counter)
    role_reply: Message  # the answer to /alerts subscribe channel:THIRD role:ROLE
    digest_reply: Message  # the answer to /alerts subscribe rule:digest channel:DIGESTS
    listing: str  # /alerts list before the cycle
    log: str  # both processes'


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def delivery(fake, new_home) -> Delivery:
    """A fresh bot: CHANNEL and OTHER subscribed in place, THIRD from CHANNEL with a role; then
    one `marketbot alerts check` sends all three together, while Discord answers the first post
    to CHANNEL 429 and the first to OTHER 500."""
    home = new_home("alerts-delivery")
    fake.set_channel_status(OTHER, None)  # the first test forbade it
    since = time.perf_counter()
    fake.add_text_channels([DIGESTS], listed=True)  # in GUILD_CREATE, as every channel of a real guild
    bot = await connected(fake, subscriber(fake, home))
    try:
        for channel in (CHANNEL, OTHER):
            assert "Subscribed: kre" in (await subscribe(fake, channel, permissions=MANAGE_GUILD)).content
        role_reply = await subscribe(fake, CHANNEL, permissions=MANAGE_GUILD, channel=THIRD, role=ROLE)
        digest_reply = await subscribe(fake, CHANNEL, permissions=MANAGE_GUILD, rule="digest", channel=DIGESTS)
        listing = await list_subscriptions(fake)
    finally:
        assert await bot.stop() == 0  # while it runs, it is the database's alert evaluator: the check would stand by
    assert not any(alerts_in(fake, c, since) for c in (CHANNEL, OTHER, THIRD))

    fake.fail_next("POST", rf"^/api/v10/channels/{CHANNEL}/messages$", 429, retry_after=RETRY_AFTER)
    fake.fail_next("POST", rf"^/api/v10/channels/{OTHER}/messages$", 500)
    check = start_bot(fake, home)
    await check.start("alerts", "check")
    assert await check.wait(TIMEOUT) == 0, check.log
    return Delivery(since, role_reply, digest_reply, listing, check.log)


def posts_to(fake: FakeDiscord, channel_id: int, since: float):
    return [r for r in fake.find_requests("POST", rf"^/api/v10/channels/{channel_id}/messages$") if r.at >= since]


async def test_subscribe_with_channel_and_role_pings_that_role_only(fake, delivery):
    reply = delivery.role_reply
    assert reply.ephemeral and reply.content.startswith(f"<#{THIRD}>, mentioning <@&{ROLE}>:\nSubscribed: kre")
    assert reply.data["mention_roles"] == []  # naming the role in the reply pings nobody
    assert f"<#{THIRD}> kre (standard, mentions <@&{ROLE}>): active; no alert yet" in delivery.listing

    [alert] = alerts_in(fake, THIRD, delivery.since)
    assert alert.embeds[0]["title"] == "Sharp move: KRE" and alert.attachment_names == ["alert.png"]
    assert alert.content == f"<@&{ROLE}>"
    assert alert.payload["allowed_mentions"] == {"parse": [], "roles": [ROLE]}
    assert alert.data["mention_roles"] == [str(ROLE)] and not alert.data["mention_everyone"]
    for channel in (CHANNEL, OTHER):  # subscribed without a role: no content, no ping
        [plain] = alerts_in(fake, channel, delivery.since)
        assert plain.content == "" and plain.payload["allowed_mentions"] == {"parse": []}
        assert plain.data["mention_roles"] == []


async def test_429_and_500_are_resent_once_without_holding_up_other_channels(fake, delivery):
    posts = {channel: posts_to(fake, channel, delivery.since) for channel in (CHANNEL, OTHER, THIRD)}
    assert [r.status for r in posts[CHANNEL]] == [429, 200]
    assert [r.status for r in posts[OTHER]] == [500, 200]
    assert [r.status for r in posts[THIRD]] == [200]
    for channel, requests in posts.items():
        assert len({r.json["nonce"] for r in requests}) == 1 and requests[0].json["enforce_nonce"]
        assert [a.attachment_names for a in alerts_in(fake, channel, delivery.since)] == [["alert.png"]]
    # discord.py waited as told (429) and backed off (5xx) before resending, channel by channel:
    assert posts[CHANNEL][1].at - posts[CHANNEL][0].at >= RETRY_AFTER
    assert posts[OTHER][1].at - posts[OTHER][0].at >= 1.0
    assert posts[THIRD][0].at < min(posts[CHANNEL][1].at, posts[OTHER][1].at)
    assert max(p[0].at for p in posts.values()) - min(p[0].at for p in posts.values()) < RETRY_AFTER
    # discord.py absorbed both: our own retry (5 s later at the earliest) never started
    assert "1 digest(s) composed, 4 posts (alerts and digests) sent or attempted" in delivery.log


async def test_the_daily_digest_is_posted_once_after_the_settled_session(fake, delivery):
    assert delivery.digest_reply.ephemeral and "Subscribed: digest" in delivery.digest_reply.content
    # The subscribing bot (as of a calm day) may have posted that day's digest too: only 2023-03-13's counts here.
    [digest] = [m for m in alerts_in(fake, DIGESTS, delivery.since)
                if m.embeds[0]["title"] == "Daily digest · 2023-03-13"]  # fmt: skip
    embed = digest.embeds[0]
    assert embed["description"].startswith(
        "2023-03-13: ^RUT/^GSPC -1.5% (z -2.1), KRE -12.3% (z -4.9), bank stress severe; 2 alerts.")  # fmt: skip
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Alerts today (standard)"].splitlines()[1].startswith("KRE fell 12.3% on 2023-03-13, a 4.9σ move")
    assert "Bank stress: severe (8 points)" in fields and fields["Rates"].startswith("10-year 3.52% (-18 bp)")
    assert digest.attachment_names == [] and digest.content == ""  # compact: no chart, no ping
    assert "As of close 2023-03-13" in embed["footer"]["text"]
    assert "will retry" not in delivery.log and "Traceback" not in delivery.log, delivery.log


# -- a database that cannot write: the answer still comes in time, and says so ----------------


def hold_write_lock(db: str):
    """Another process holding the database's write lock (SQLite) or the subscriptions table (PostgreSQL)."""
    if db.startswith("postgresql://"):
        import psycopg

        conn = psycopg.connect(db)
        conn.execute("LOCK TABLE subscriptions IN EXCLUSIVE MODE")  # writes wait; reads go on
        return conn
    import sqlite3

    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    return conn


async def test_subscribe_while_the_database_is_locked_answers_in_time_and_changes_nothing(fake, new_home):
    home = new_home("alerts-busy")
    bot = await connected(fake, subscriber(fake, home))
    try:
        lock = hold_write_lock(home.db)
        try:
            interaction = await fake.inject_command(
                "alerts", [{"name": "subscribe", "options": [{"name": "rule", "value": "kre"}]}],
                permissions=MANAGE_GUILD, channel_id=THIRD,
            )  # fmt: skip
            started = time.perf_counter()
            await interaction.deferred(3)  # acknowledged within Discord's 3 s, whatever the database does
            await until(lambda: any(m.kind == "followup" for m in interaction.messages))
            [answer] = [m for m in interaction.messages if m.kind == "followup"]
            assert answer.at - started < 10
        finally:
            lock.rollback()
            lock.close()
        assert answer.ephemeral
        assert answer.content == "Alert settings cannot be saved or read right now; nothing was changed. Try again in a minute."
        assert f"<#{THIRD}>" not in await list_subscriptions(fake)  # and indeed nothing was
    finally:
        assert await bot.stop() == 0
    assert "Something went wrong" not in bot.log and "Traceback" not in bot.log, bot.log
