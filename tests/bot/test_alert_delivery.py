"""AlertDelivery with real discord.py (REST only) over the loopback FakeDiscord, in-process.

The alerts are the real ones: a real AlertCycle on the snapshot as of 2023-03-13 (the
KRE crash, one sharp event) claims them in a real Storage and hands them to
``AlertDelivery.deliver``; what reaches "Discord" is read from the fake's request log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import types
from collections.abc import AsyncIterator
from contextlib import closing
from typing import Any

import discord
import discord.http
import pandas as pd
import pytest

from analytics.errors import MarketbotError
from bot.alerts import delivery as alert_delivery
from bot.alerts.cycle import AlertCycle, CycleReport, nonce_for
from bot.alerts.delivery import AlertDelivery
from bot.settings import Settings
from bot.storage.sqlite import SqliteStore
from bot.wiring import build_fred_data, build_market_data
from commands.kit.command import Services, in_thread
from commands.kit.store import NewSubscription, Subscription
from tests.fakes.discord_server import FakeDiscord

NOW = pd.Timestamp("2023-03-14 12:00Z")
MARCH_13 = dt.date(2023, 3, 13)
KEY = ("kre", "2023-03-13", "sharp")
CHANNEL, OTHER, THIRD = FakeDiscord.CHANNEL_ID, FakeDiscord.OTHER_CHANNEL_ID, FakeDiscord.THIRD_CHANNEL_ID
ROLE = FakeDiscord.ROLE_ID
MANY = [1_400_000_000_000_000_000 + i for i in range(30)]  # extra text channels of the fake guild
GONE = 1_400_000_000_000_000_999  # no channel of the fake: 404 Unknown Channel
POSTS = r"^/api/v10/channels/\d+/messages$"
PNG = b"\x89PNG\r\n\x1a\n"
TIMEOUT = 10


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    fake.add_text_channels(MANY)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def client(fake: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[discord.Client]:
    """Logged in over REST only (GET /users/@me and the application); no gateway."""
    monkeypatch.setattr(discord.http.Route, "BASE", f"{fake.url}/api/v10")  # as tests/fakes/launch_bot.py
    client = discord.Client(intents=discord.Intents.none())
    await client.login("fake-token")
    yield client
    await client.close()


@pytest.fixture
async def storage(tmp_path) -> AsyncIterator[SqliteStore]:
    storage = await SqliteStore.open(tmp_path / "marketbot.db")
    yield storage
    await storage.close()


class CountingOffload:
    def __init__(self) -> None:
        self.calls: list[str] = []

    async def __call__(self, fn: Any, *args: Any) -> Any:
        self.calls.append(fn.__name__)
        return await in_thread(fn, *args)


@pytest.fixture
def offload() -> CountingOffload:
    return CountingOffload()


@pytest.fixture
def services(offload: CountingOffload) -> Services:
    settings = Settings(data_source="snapshot", as_of=MARCH_13)
    market, fred = build_market_data(settings, clock=lambda: NOW), build_fred_data(settings, clock=lambda: NOW)
    return Services(market=market, clock=lambda: NOW, offload=offload, fred=fred)


@pytest.fixture
def delivery(client: discord.Client, storage: SqliteStore, services: Services) -> AlertDelivery:
    delivery = AlertDelivery(client, storage, services)
    delivery.retry_pauses = (0.05, 0.05, 0.05)
    return delivery


@pytest.fixture
def fast_discord_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """discord.py 2.7 tries a request 5 times on 500/502/504/524, sleeping 1 + 2·try s after
    each (25 s in all): its sleeps are cut to a hundredth."""
    real_sleep = asyncio.sleep
    shim = types.SimpleNamespace(**{name: getattr(asyncio, name) for name in dir(asyncio) if not name.startswith("_")})
    shim.sleep = lambda delay, *args: real_sleep(delay / 100, *args)
    monkeypatch.setattr(discord.http, "asyncio", shim)


async def subscribe(storage: SqliteStore, channel: int, role: int | None = None) -> Subscription:
    ((sub, _),) = await storage.subscribe(
        [NewSubscription(FakeDiscord.GUILD_ID, channel, "kre", "standard", role, FakeDiscord.USER_ID)]
    )
    return sub


async def cycle(delivery: AlertDelivery, storage: SqliteStore) -> CycleReport:
    """The settled cycle of 2023-03-13: claims the KRE alert per subscription, hands it to delivery."""
    services = delivery.services
    report = await AlertCycle(services.market, storage, delivery.deliver, services.fred).run("settled")
    assert [e.key for e in report.events] == [KEY] and report.skipped == []
    return report


def rows(storage: SqliteStore) -> dict[int, tuple[str, int | None, str | None]]:
    """subscription id -> (state, message_id, error), through a connection of its own."""
    with closing(sqlite3.connect(storage.path)) as db:
        found = db.execute("SELECT subscription_id, state, message_id, error FROM deliveries").fetchall()
    return {sub_id: (state, message_id, error) for sub_id, state, message_id, error in found}


def posts(fake: FakeDiscord, channel: int | None = None) -> list[Any]:
    return [r for r in fake.find_requests("POST", POSTS) if channel is None or r.path.split("/")[-2] == str(channel)]


# ---------------------------------------------------------------- what is posted


async def test_one_message_per_channel_with_embed_chart_and_nonce(fake, storage, delivery, offload):
    plain, pinged = await subscribe(storage, CHANNEL), await subscribe(storage, OTHER, role=ROLE)

    report = await cycle(delivery, storage)
    assert await delivery.drain(TIMEOUT) == 0

    assert report.claimed == 2 and offload.calls == ["alert_answer"]  # rendered once for both
    for sub in (plain, pinged):
        [request] = posts(fake, sub.channel_id)
        [message] = fake.channel_messages(sub.channel_id)
        payload = request.json
        assert payload["nonce"] == nonce_for((sub.id, *KEY)) and payload["enforce_nonce"] is True
        [embed] = message.embeds
        assert embed["title"] == "Sharp move: KRE" and embed["image"]["url"] == "attachment://alert.png"
        assert message.attachment_names == ["alert.png"] and message.files["alert.png"].startswith(PNG)
        assert payload["allowed_mentions"]["parse"] == [] and "users" not in payload["allowed_mentions"]
        assert rows(storage)[sub.id] == ("sent", message.id, None)
    plain_payload, pinged_payload = posts(fake, CHANNEL)[0].json, posts(fake, OTHER)[0].json
    assert not plain_payload.get("content") and "roles" not in plain_payload["allowed_mentions"]
    assert fake.channel_messages(CHANNEL)[0].data["mention_roles"] == []
    assert pinged_payload["content"] == f"<@&{ROLE}>" and pinged_payload["allowed_mentions"]["roles"] == [ROLE]
    assert fake.channel_messages(OTHER)[0].data["mention_roles"] == [str(ROLE)]


async def test_deliver_hands_off_and_drain_waits(fake, storage, delivery):
    subs = [await subscribe(storage, c) for c in (CHANNEL, OTHER, THIRD)]
    release = fake.hold("POST", POSTS)  # Discord is slow to answer

    await asyncio.wait_for(cycle(delivery, storage), TIMEOUT)  # returns although nothing is answered yet

    assert delivery.in_flight == 3 and fake.channel_messages() == []
    assert {state for state, *_ in rows(storage).values()} == {"claimed"}
    release.set()
    assert await delivery.drain(TIMEOUT) == 0 and delivery.in_flight == 0
    ids = {m.channel_id: m.id for m in fake.channel_messages()}
    assert rows(storage) == {s.id: ("sent", ids[s.channel_id], None) for s in subs}


async def test_posts_start_evenly_paced(fake, storage, delivery):
    for channel in MANY:
        await subscribe(storage, channel)

    await cycle(delivery, storage)
    assert await delivery.drain(TIMEOUT) == 0

    times = sorted(r.at for r in posts(fake))
    assert len(times) == len(MANY) and len(fake.channel_messages()) == len(MANY)
    # AsyncLimiter(1, 1/48): one start per 1/48 s slot, no burst
    assert times[-1] - times[0] >= (len(MANY) - 1) / alert_delivery.POSTS_PER_SECOND * 0.9
    assert {state for state, *_ in rows(storage).values()} == {"sent"}


# ---------------------------------------------------------------- failures


async def test_forbidden_and_gone_channels_pause_their_subscription(fake, storage, delivery):
    forbidden, gone, fine = await subscribe(storage, OTHER), await subscribe(storage, GONE), await subscribe(storage, CHANNEL)
    fake.set_channel_status(OTHER, 403)

    await cycle(delivery, storage)
    assert await delivery.drain(TIMEOUT) == 0

    paused = {s.id: s.paused_reason for s in await storage.subscriptions()}
    assert paused[forbidden.id] == "no permission to post there (Discord 403, 2023-03-13); fix it and subscribe again"
    assert paused[gone.id] == "the channel is gone (Discord 404, 2023-03-13); fix it and subscribe again"
    assert paused[fine.id] is None
    state = rows(storage)
    assert state[forbidden.id] == ("failed", None, paused[forbidden.id])
    assert state[gone.id] == ("failed", None, paused[gone.id])
    assert state[fine.id][0] == "sent" and len(fake.channel_messages(CHANNEL)) == 1
    assert [r.status for r in posts(fake, OTHER)] == [403]  # never retried: these count toward an IP ban
    assert [r.status for r in posts(fake, GONE)] == [404]


async def test_server_errors_beyond_discord_py_retries_are_retried_with_the_same_nonce(
    fake, storage, delivery, fast_discord_retries
):
    flaky, fine = await subscribe(storage, OTHER), await subscribe(storage, CHANNEL)
    fake.fail_next("POST", rf"/channels/{OTHER}/messages$", 500, times=5)  # all of discord.py's 5 tries

    await cycle(delivery, storage)
    assert await delivery.drain(TIMEOUT) == 0

    attempts = posts(fake, OTHER)
    assert [r.status for r in attempts] == [500] * 5 + [200]  # then our first retry, after retry_pauses[0]
    assert {r.json["nonce"] for r in attempts} == {nonce_for((flaky.id, *KEY))}
    assert all(r.json["enforce_nonce"] for r in attempts)
    [message] = fake.channel_messages(OTHER)
    state = rows(storage)
    assert state[flaky.id] == ("sent", message.id, None) and state[fine.id][0] == "sent"
    assert all(s.active for s in await storage.subscriptions())


async def test_lasting_server_errors_give_up_after_the_retries(fake, storage, delivery):
    sub = await subscribe(storage, OTHER)
    fake.fail_next("POST", rf"/channels/{OTHER}/messages$", 503, times=10)  # discord.py does not retry a 503

    await cycle(delivery, storage)
    assert await delivery.drain(TIMEOUT) == 0

    attempts = posts(fake, OTHER)
    assert [r.status for r in attempts] == [503] * (1 + len(delivery.retry_pauses))
    assert len({r.json["nonce"] for r in attempts}) == 1
    state, message_id, error = rows(storage)[sub.id]
    assert (state, message_id) == ("failed", None) and error.startswith("gave up after retries: 503")
    assert fake.channel_messages() == [] and (await storage.subscriptions())[0].active  # not paused: it may pass


async def test_a_lost_response_is_resent_under_the_same_nonce_and_posted_once(fake, storage, delivery):
    sub = await subscribe(storage, OTHER)
    fake.fail_next("POST", rf"/channels/{OTHER}/messages$", 503, lost_response=True)  # posted, then "failed"

    await cycle(delivery, storage)
    assert await delivery.drain(TIMEOUT) == 0

    assert [r.status for r in posts(fake, OTHER)] == [503, 200] and fake.deduplicated_nonces == 1
    [message] = fake.channel_messages(OTHER)
    assert rows(storage)[sub.id] == ("sent", message.id, None)


@pytest.mark.parametrize("status", [400, 401])
async def test_client_errors_are_not_retried(fake, storage, delivery, status):
    sub = await subscribe(storage, OTHER)
    fake.fail_next("POST", rf"/channels/{OTHER}/messages$", status, times=10)

    await cycle(delivery, storage)
    assert await delivery.drain(TIMEOUT) == 0

    state, _, error = rows(storage)[sub.id]
    assert state == "failed" and error.startswith("refused by Discord: ") and str(status) in error
    assert [r.status for r in posts(fake, OTHER)] == [status]


async def test_a_failed_render_leaves_no_alert_claimed(fake, storage, client):
    async def broken(fn: Any, *args: Any) -> Any:
        raise RuntimeError("worker process died")

    settings = Settings(data_source="snapshot", as_of=MARCH_13)
    market, fred = build_market_data(settings, clock=lambda: NOW), build_fred_data(settings, clock=lambda: NOW)
    delivery = AlertDelivery(client, storage, Services(market=market, clock=lambda: NOW, offload=broken, fred=fred))
    sub = await subscribe(storage, CHANNEL)

    report = await AlertCycle(market, storage, delivery.deliver, fred).run("settled")
    await delivery.drain(TIMEOUT)

    assert report.claimed == 1 and posts(fake, CHANNEL) == []
    assert rows(storage)[sub.id] == ("failed", None, "could not render the alert: worker process died")


async def test_drain_timeout_cancels_stuck_posts_and_leaves_them_claimed(fake, storage, delivery):
    subs = [await subscribe(storage, c) for c in (CHANNEL, OTHER, THIRD)]
    fake.hold("POST", POSTS)  # never answered

    await cycle(delivery, storage)
    async with asyncio.timeout(TIMEOUT):
        while len(posts(fake)) < 3:  # all three reached Discord
            await asyncio.sleep(0.01)
    assert await delivery.drain(0.1) == 3

    await asyncio.sleep(0.1)  # the cancellations run
    assert delivery.in_flight == 0
    assert rows(storage) == {s.id: ("claimed", None, None) for s in subs}  # a restart resends within the nonce window
    assert fake.channel_messages() == []


async def test_each_posts_attempt_is_recorded_before_the_request_goes_out(fake, storage, delivery):
    """After a crash, an alert never attempted is sent whatever the delay; this is what tells them apart."""
    sub = await subscribe(storage, CHANNEL)
    release = fake.hold("POST", POSTS)
    await cycle(delivery, storage)
    async with asyncio.timeout(TIMEOUT):
        while not posts(fake):  # the request reached Discord, unanswered
            await asyncio.sleep(0.01)
    with closing(sqlite3.connect(storage.path)) as db:
        ((state, attempted_at),) = db.execute("SELECT state, attempted_at FROM deliveries").fetchall()
    assert state == "claimed" and attempted_at is not None
    assert dt.datetime.fromisoformat(attempted_at) <= dt.datetime.now(dt.UTC)
    release.set()
    await delivery.drain(TIMEOUT)
    assert rows(storage)[sub.id][0] == "sent"


async def test_a_database_busy_at_the_attempt_posts_nothing_then_retries(fake, storage, delivery, caplog):
    """The attempt cannot be recorded (another process holds the write lock): nothing goes out
    unrecorded; once the database is free again the alert is posted, once."""
    sub = await subscribe(storage, CHANNEL)
    delivery.retry_pauses = (0.5, 0.5, 0.5)
    with closing(sqlite3.connect(storage.path, isolation_level=None)) as other:
        report = await cycle(delivery, storage)  # claimed before the lock is taken
        other.execute("BEGIN IMMEDIATE")
        async with asyncio.timeout(TIMEOUT):
            while "database is unavailable; will retry" not in caplog.text:
                await asyncio.sleep(0.01)
        assert posts(fake) == []
        other.execute("ROLLBACK")
    await delivery.drain(TIMEOUT)
    assert report.claimed == 1 and len(posts(fake, CHANNEL)) == 1 and len(fake.channel_messages()) == 1
    assert rows(storage)[sub.id][0] == "sent"
    assert "Traceback" not in caplog.text and not any(r.exc_info for r in caplog.records)


# ---------------------------------------------------------------- /alerts test


async def test_post_sample(fake, delivery):
    await delivery.post_sample(CHANNEL, None)
    await delivery.post_sample(OTHER, ROLE)

    plain, pinged = fake.channel_messages()
    assert plain.embeds[0]["title"] == "SAMPLE (a test of /alerts) · Sharp move: KRE"
    assert plain.attachment_names == ["alert.png"] and not plain.content
    # no alert nonce: discord.py makes up a random one, so a second sample is a second message
    nonces = [r.json["nonce"] for r in posts(fake)]
    assert len(set(nonces)) == 2 and all(n.isdigit() for n in nonces)
    assert pinged.content == f"<@&{ROLE}>" and pinged.data["mention_roles"] == [str(ROLE)]


async def test_post_sample_says_what_is_wrong(fake, delivery):
    fake.set_channel_status(OTHER, 403)
    with pytest.raises(MarketbotError, match="View Channel, Send Messages, Embed Links and Attach Files"):
        await delivery.post_sample(OTHER, None)
    with pytest.raises(MarketbotError, match=f"<#{GONE}> does not exist any more"):
        await delivery.post_sample(GONE, None)
    assert fake.channel_messages() == []
