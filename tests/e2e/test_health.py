"""Operating a real bot process: /status for a server's managers, the alert metrics, and the health
probes a service manager would use, on a PostgreSQL server of the module's own (so that it can stop it).

Subscriptions are made by a bot replaying a calm day; the bot under test replays 2023-03-13 and posts
the KRE alert at start, to one channel that takes it and one that Discord answers 403 (paused).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time

import pytest
import pytest_asyncio

from tests.e2e.scrape import probe, scrape
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord
from tests.pg_server import free_port, start_server

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
ALERT_DAY, CALM = "2023-03-13", "2023-02-24"  # KRE -12.3% (a sharp alert), +0.02% (nothing)
MANAGE_GUILD = 0x20
MEMBER = 0x400 | 0x800  # view and send, not a manager
CHANNEL, FORBIDDEN = FakeDiscord.CHANNEL_ID, FakeDiscord.OTHER_CHANNEL_ID
BLOCK_SECONDS = 4.0  # SIGUSR1 blocks the bot's loop this long (tests/fakes/launch_bot.py)


@pytest.fixture(scope="module")
def database():
    server = start_server()
    yield server
    server.cleanup()


async def until(condition, timeout: float = TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def wait_probe(url: str, path: str, status: int, timeout: float = TIMEOUT) -> dict:
    """Probe until it answers ``status``; its JSON body."""
    got, body = 0, {}
    try:
        async with asyncio.timeout(timeout):
            while True:
                got, body = await probe(url, path, timeout=3.0)
                if got == status:
                    return body
                await asyncio.sleep(0.2)
    except TimeoutError:
        pytest.fail(f"{path} never answered {status}; last {got} {body}")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(fake, database, tmp_path_factory):
    db = database.create_database()
    settings = {"MARKETBOT_DB": db, "MARKETBOT_ALERT_INTERVAL_SECONDS": "2", "MARKETBOT_WORKERS": "0"}
    fake.set_channel_status(FORBIDDEN, 403)
    subscriber = BotProcess(fake.env(), tmp_path_factory.mktemp("subscriber"), MARKETBOT_AS_OF=CALM, **settings)
    await subscriber.connect(fake, TIMEOUT)
    try:
        for channel in (CHANNEL, FORBIDDEN):
            reply = await (await subscribe(fake, channel)).answered(TIMEOUT)
            assert "Subscribed: kre" in reply.content
    finally:
        assert await subscriber.stop() == 0

    port = free_port()
    process = BotProcess(
        fake.env(),
        tmp_path_factory.mktemp("operated"),
        MARKETBOT_AS_OF=ALERT_DAY,
        MARKETBOT_METRICS_PORT=str(port),
        MARKETBOT_TEST_BLOCK_SECONDS=str(BLOCK_SECONDS),
        MARKETBOT_LOG_FORMAT="json",
        **settings,
    )
    await process.connect(fake, TIMEOUT)
    process.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    await until(lambda: any(m.embeds for m in fake.channel_messages(CHANNEL)))
    await until(lambda: any(r.status == 403 for r in fake.find_requests("POST", rf"/channels/{FORBIDDEN}/messages")))
    yield process
    await process.stop()
    # discord.py logs its reconnection attempts during the gateway outage with their traceback; nothing else may.
    failures = [line for line in map(json.loads, process.log.splitlines()) if "traceback" in line]
    assert all(f["logger"] == "discord.shard" and "reconnect" in f["message"] for f in failures), failures


async def subscribe(fake, channel: int):
    return await fake.inject_command(
        "alerts", [{"name": "subscribe", "options": [{"name": "rule", "value": "kre"}]}],
        permissions=MANAGE_GUILD, channel_id=channel,
    )  # fmt: skip


async def test_the_alert_cycle_its_posts_and_the_refusal_are_counted(fake, bot):
    async with asyncio.timeout(TIMEOUT):  # the 403 is counted just after Discord answers it
        while (metrics := await scrape(bot.url)).value("marketbot_alerts_refused_total", status="403") < 1:
            await asyncio.sleep(0.1)
    assert metrics.value("marketbot_alerts_refused_total", status="403") == 1
    assert metrics.value("marketbot_alerts_posted_total") == 1  # CHANNEL's alert
    assert metrics.value("marketbot_alerts_claimed_total") == 2  # both channels', one each
    assert metrics.value("marketbot_alert_events_total", rule="kre", level="sharp") == 1
    assert metrics.value("marketbot_alert_cycles_total", outcome="judged") >= 1
    assert metrics.value("marketbot_alert_cycle_seconds_count") >= 1
    assert metrics.value("marketbot_alert_evaluator") == 1  # the only process: it holds the lock
    assert metrics.value("marketbot_alerts_resent_total") == 0
    assert metrics.value("marketbot_store_operations_total", outcome="ok") > 0
    # The bundled prices and the bundled FRED series each have their own age (and breaker), by name.
    assert metrics.labels("marketbot_data_age_sessions", "source") == {"snapshot", "fred_snapshot"}
    assert metrics.labels("marketbot_upstream_breaker_open", "source") == {"snapshot", "fred_snapshot"}
    assert metrics.value("marketbot_shard_connected", shard="0") == 1
    assert metrics.labels("marketbot_shard_latency_seconds", "shard") == {"0"}


async def test_the_log_is_one_json_object_a_line_saying_what_it_is_about(bot):
    lines = [json.loads(line) for line in bot.log.splitlines()]  # every line parses
    assert all({"time", "level", "logger", "message"} <= line.keys() for line in lines)
    [paused] = [line for line in lines if line["message"].startswith("Pausing subscription")]
    assert paused["level"] == "WARNING" and paused["logger"] == "bot.alerts.delivery"
    assert paused["alert"] == "kre/sharp/2023-03-13/subscription 2"
    assert paused["guild"] == FakeDiscord.GUILD_ID and paused["channel"] == FORBIDDEN
    assert paused["time"].endswith("+00:00")


async def test_status_shows_the_subscription_the_alert_and_the_paused_channel_to_a_manager(fake, bot):
    interaction = await fake.inject_command("status", permissions=MANAGE_GUILD)
    message = await interaction.answered(TIMEOUT)
    assert message.ephemeral
    [embed] = message.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert embed["description"].startswith("2 alert subscriptions here, 1 paused")
    assert f"<#{CHANNEL}> kre (standard): active" in fields["Alerts here"]
    assert f"<#{FORBIDDEN}> kre (standard): PAUSED" in fields["Alerts here"]
    paused = fields["Paused (Discord refused a post)"]
    assert f"<#{FORBIDDEN}> kre: no permission to post there (Discord 403" in paused
    assert "Send Messages" in paused and "`/alerts subscribe` again" in paused
    assert fields["Last alert here"].startswith(f"kre sharp of 2023-03-13 in <#{CHANNEL}>: posted at ")
    assert fields["Watchlist"] == "Empty."
    assert "By this process: last cycle" in fields["Alerts evaluated"]
    assert "this server on shard 0 of 1" in fields["marketbot"]
    assert not any(m.kind == "channel" for m in interaction.messages)  # nothing public


async def test_status_is_refused_privately_to_a_member(fake, bot):
    interaction = await fake.inject_command("status", permissions=MEMBER, user_id=4242)
    message = await interaction.answered(TIMEOUT)
    assert message.ephemeral and not message.embeds
    assert "Manage Server or Manage Channels" in message.content
    assert interaction.callback_type == 4  # refused before any deferral


async def test_ready_until_the_database_stops_and_again_after(bot, database):
    body = await wait_probe(bot.url, "/readyz", 200)
    assert body == {
        "ready": True,
        "checks": {"shards": {"0": True}, "gateway_ready": True, "store": True, "alert_job": True},
    }
    database.stop()
    try:
        body = await wait_probe(bot.url, "/readyz", 503)
        assert body["ready"] is False and body["checks"]["store"] not in (True, "")
        assert body["checks"]["shards"] == {"0": True}
        assert (await probe(bot.url, "/livez"))[0] == 200  # alive all the same: a restart would not help
    finally:
        database.start()
    await wait_probe(bot.url, "/readyz", 200)


async def test_unready_while_the_gateway_is_down_and_ready_once_resumed(fake, bot):
    await wait_probe(bot.url, "/readyz", 200)
    async with fake.gateway_outage():
        body = await wait_probe(bot.url, "/readyz", 503)
        assert body["checks"]["shards"] == {"0": False} or body["checks"]["gateway_ready"] is False
    body = await wait_probe(bot.url, "/readyz", 200)
    assert body["checks"]["shards"] == {"0": True}


async def test_livez_fails_while_the_loop_is_blocked(bot):
    assert (await probe(bot.url, "/livez"))[0] == 200
    os.kill(bot.proc.pid, signal.SIGUSR1)  # the handler sleeps on the loop's thread
    await asyncio.sleep(0.5)
    started = time.monotonic()
    assert await probe(bot.url, "/livez", timeout=1.5) == (0, {})  # no answer: a probe would restart it
    body = await wait_probe(bot.url, "/livez", 200)
    assert time.monotonic() - started < BLOCK_SECONDS + 5
    assert body["alive"] is True and body["worst_loop_lag_ms"] >= (BLOCK_SECONDS - 1) * 1000
    metrics = await scrape(bot.url)
    assert metrics.value("marketbot_event_loop_worst_lag_seconds") >= BLOCK_SECONDS - 1


async def test_marketbot_status_shows_the_whole_database_and_the_running_bots_metrics(bot, tmp_path):
    shared = {k: bot.env[k] for k in ("MARKETBOT_DB", "MARKETBOT_METRICS_PORT", "MARKETBOT_AS_OF")}
    status = BotProcess({}, tmp_path, **shared)  # the operator's terminal: the same database and port
    await status.start("status")
    assert await status.wait(TIMEOUT) == 0, status.log
    lines = status.log.strip().splitlines()
    assert lines[0].startswith("marketbot status (PostgreSQL test_")
    assert lines[1] == "Subscriptions: 2 in 1 servers (kre 2); 1 paused:"
    assert lines[2].startswith(f"  server {FakeDiscord.GUILD_ID} channel {FORBIDDEN} kre: no permission to post there")
    assert "Last alerts: 2023-03-13 kre sharp: 1 sent; 2023-03-13 kre sharp: 1 failed" in lines
    assert "Alerts judged through the session of: 2023-03-13" in lines
    metrics = next(line for line in lines if line.startswith("Metrics (http://127.0.0.1:"))
    assert "alerts posted 1 (all 1), refused 1 (403 1)" in metrics and "evaluator: this process" in metrics
