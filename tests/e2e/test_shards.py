"""Two bot processes on one PostgreSQL, each running half of the shards (0 of 2 and 1 of 2),
against the loopback Discord.

- Each answers the interactions of its own guilds, and only those: Discord (the fake) delivers
  an interaction on the connection of the guild's shard; commands are registered once, by the
  process running shard 0.
- Alerts: one process evaluates (the database's advisory lock), the other stands by. The
  evaluator is killed (-9) in the middle of a fan-out to 200 channels; the other takes over at
  its next tick, and every channel ends with exactly one alert message (the resent ones carry
  their nonce, which Discord deduplicates), with no subscription lost.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
import pytest_asyncio

from bot.alerts.cycle import STANDBY
from bot.storage.open import open_store
from commands.kit.store import NewSubscription
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord
from tests.pg_server import postgres_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
INTERVAL = 2  # seconds between alert ticks: the standby takes over within one
CHANNELS = 200
FIRST_CHANNEL = 1_300_000_000_000_100_000
ALERT_DAY, CALM = "2023-03-13", "2023-02-24"  # KRE -12.3% (a sharp alert), +0.02% (nothing)


def guild_on(shard: int, n: int = 0) -> int:
    """A guild snowflake that Discord routes to ``shard`` of 2: (guild_id >> 22) % 2."""
    return ((310_000_000_000 + n) * 2 + shard) << 22


@pytest_asyncio.fixture(loop_scope="module")
async def fake():
    server = FakeDiscord()
    yield server
    await server.stop()


def pair(fake: FakeDiscord, root: Path, db: str, as_of: str) -> tuple[BotProcess, BotProcess]:
    """Two processes on ``db``: shard 0 of 2, shard 1 of 2."""
    return tuple(
        BotProcess(
            fake.env(), root / f"shard{shard}", MARKETBOT_DB=db, MARKETBOT_AS_OF=as_of, MARKETBOT_WORKERS="0",
            MARKETBOT_ALERT_INTERVAL_SECONDS=str(INTERVAL), MARKETBOT_SHARD_COUNT="2", MARKETBOT_SHARD_IDS=str(shard),
        )  # fmt: skip
        for shard in (0, 1)
    )


async def connected(fake: FakeDiscord, bots: tuple[BotProcess, ...], guilds: list[int]) -> None:
    await asyncio.gather(*(bot.start() for bot in bots))
    try:
        for guild in guilds:
            await fake.wait_ready(TIMEOUT, guild_id=guild)
    except TimeoutError:
        pytest.fail("the bots did not connect:\n" + "\n".join(bot.log for bot in bots))


async def until(condition, timeout: float = TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.02)


async def test_each_process_answers_its_own_guilds_and_only_shard_0_syncs(fake, postgres_server, tmp_path):
    zero, one = guild_on(0), guild_on(1)
    fake.add_guilds([zero, one])
    await fake.start()
    bots = pair(fake, tmp_path, postgres_server.create_database(), CALM)
    await connected(fake, bots, [zero, one])
    try:
        assert sorted(fake.shard_connections()) == [(0, 2), (1, 2)]
        await until(lambda: all("Connected as" in bot.log for bot in bots))  # READY: its shard's guilds are in
        asks = {zero: 3, one: 2}
        for guild, times in asks.items():
            for user in range(times):
                ix = await fake.inject_command("about", user_id=FakeDiscord.USER_ID + user, guild_id=guild)
                message = await ix.answered(TIMEOUT)
                assert message.embeds and message.channel_id == ix.channel_id and ix.payload["guild_id"] == str(guild)
    finally:
        codes = [await bot.stop() for bot in bots]
    assert codes == [0, 0]
    shard0, shard1 = bots
    # Each process computed the answers of its own guild's shard (and no other): its count at shutdown.
    home = FakeDiscord.shard_of(FakeDiscord.GUILD_ID, 2)  # no asks there
    assert f"Answers: {asks[zero]} asked" in shard0.log and f"Answers: {asks[one]} asked" in shard1.log
    assert f"to {2 if home == 0 else 1} guilds (shards 0 of 2)" in shard0.log
    assert f"to {2 if home == 1 else 1} guilds (shards 1 of 2)" in shard1.log
    # Registered once, by shard 0's process.
    assert fake.command_syncs == ["global"]
    assert f"Synced {len(fake.commands['global'])} slash commands (global)" in shard0.log
    assert "registered by the process running shard 0; not syncing here" in shard1.log
    assert "Synced" not in shard1.log
    assert "Traceback" not in shard0.log + shard1.log


async def seed(db: str, channel_ids: list[int]) -> None:
    storage = await open_store(db)
    try:
        await storage.subscribe(
            [NewSubscription(FakeDiscord.GUILD_ID, c, "kre", "standard", None, FakeDiscord.USER_ID) for c in channel_ids]
        )
    finally:
        await storage.close()


async def active_subscriptions(db: str) -> set[int]:
    storage = await open_store(db)
    try:
        return {s.channel_id for s in await storage.subscriptions(active_only=True)}
    finally:
        await storage.close()


async def test_the_standby_takes_over_a_killed_evaluator_and_every_channel_gets_one_alert(fake, postgres_server, tmp_path):
    channels = [FIRST_CHANNEL + i for i in range(CHANNELS)]
    fake.add_text_channels(channels)  # REST only: alerts go out over REST, whichever shard holds the guild
    await fake.start()
    db = postgres_server.create_database()
    await seed(db, channels)
    release = fake.hold("POST", r"^/api/v10/channels/\d+/messages$")  # no post before both have said who they are
    bots = pair(fake, tmp_path, db, ALERT_DAY)
    await connected(fake, bots, [FakeDiscord.GUILD_ID])
    try:
        await until(lambda: any(STANDBY in bot.log for bot in bots))
        [evaluator] = [bot for bot in bots if STANDBY not in bot.log]
        [standby] = [bot for bot in bots if bot is not evaluator]
        release.set()

        def posted() -> set[int]:
            return {m.channel_id for m in fake.channel_messages() if m.channel_id in set(channels)}

        await until(lambda: len(posted()) >= 40)  # the fan-out is under way (paced at 48 a second)
        evaluator.proc.kill()
        await evaluator.wait()
        killed_at = time.perf_counter()
        before = len(posted())
        assert before < CHANNELS, "the fan-out ended before the kill: nothing was left to take over"

        await until(lambda: len(posted()) == CHANNELS)
        after_kill = [r for r in fake.find_requests("POST", r"^/api/v10/channels/\d+/messages$") if r.at > killed_at]
        assert after_kill[0].at - killed_at < INTERVAL + 1.5  # the next tick took the lock and resent
        await asyncio.sleep(INTERVAL * 1.5)  # more ticks: nothing new
    finally:
        assert await standby.stop() == 0
    per_channel = {c: len(fake.channel_messages(c)) for c in channels}
    assert set(per_channel.values()) == {1}, {c: n for c, n in per_channel.items() if n != 1}
    assert all(m.embeds[0]["title"] == "Sharp move: KRE" for c in channels for m in fake.channel_messages(c))
    assert await active_subscriptions(db) == set(channels)  # no subscription lost
    assert "Traceback" not in standby.log, standby.log
