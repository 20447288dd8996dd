"""Alerts end to end: the real bot on the snapshot as of 2023-03-13, over the loopback Discord.

Subscribing needs Manage Server or Manage Channels (checked in our code); the
scheduler posts the KRE alert once to the subscribed channel; a restart posts
nothing again; a channel answering 403 gets its subscription paused.
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio

from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
INTERVAL = 2  # seconds between alert ticks: time to subscribe two channels before the first judged one
MANAGE_GUILD = 0x20
CHANNEL, FORBIDDEN = FakeDiscord.CHANNEL_ID, FakeDiscord.OTHER_CHANNEL_ID


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def home(tmp_path_factory):
    return tmp_path_factory.mktemp("alerts-bot")


def start_bot(fake: FakeDiscord, home) -> BotProcess:
    return BotProcess(fake.env(), home, MARKETBOT_AS_OF="2023-03-13", MARKETBOT_ALERT_INTERVAL_SECONDS=str(INTERVAL))


async def subscribe(fake: FakeDiscord, channel_id: int, permissions: int):
    options = [{"name": "subscribe", "type": 1, "options": [{"name": "rule", "type": 3, "value": "kre"}]}]
    interaction = await fake.inject_command("alerts", options, permissions=permissions, channel_id=channel_id)
    return await interaction.answered(TIMEOUT)


def alerts_in(fake: FakeDiscord, channel_id: int):
    return [m for m in fake.channel_messages(channel_id) if m.embeds]


async def until(condition, timeout: float = TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


async def test_subscribe_alert_once_restart_and_pause(fake, home):
    fake.set_channel_status(FORBIDDEN, 403)
    bot = start_bot(fake, home)
    await bot.start()
    try:
        await fake.wait_ready(TIMEOUT)
        refused = await subscribe(fake, CHANNEL, permissions=0x400 | 0x800)  # view + send, not a manager
        assert refused.ephemeral and "Manage Server or Manage Channels" in refused.content
        for channel in (FORBIDDEN, CHANNEL):
            accepted = await subscribe(fake, channel, permissions=MANAGE_GUILD)
            assert accepted.ephemeral and "Subscribed: kre" in accepted.content

        await until(lambda: alerts_in(fake, CHANNEL))
        [alert] = alerts_in(fake, CHANNEL)
        embed = alert.embeds[0]
        assert embed["title"] == "Sharp move: KRE"
        assert "KRE fell 12.3% on 2023-03-13" in "\n".join(f["value"] for f in embed["fields"]) + embed["description"]
        assert embed["image"]["url"] == "attachment://alert.png" and alert.attachment_names == ["alert.png"]
        assert alert.payload["allowed_mentions"] == {"parse": []} and alert.nonce and alert.payload["enforce_nonce"]
        # The forbidden channel was tried once, answered 403, and its subscription paused.
        listing = await fake.inject_command("alerts", [{"name": "list", "type": 1}], permissions=MANAGE_GUILD)
        text = (await listing.answered(TIMEOUT)).content
        assert f"<#{FORBIDDEN}> kre (standard): PAUSED: no permission to post there (Discord 403" in text
        assert f"<#{CHANNEL}> kre (standard): active; last alert 2023-03-13 sharp (sent)" in text
        await asyncio.sleep(INTERVAL * 1.5)  # more ticks: nothing new
        assert len(alerts_in(fake, CHANNEL)) == 1
    finally:
        assert await bot.stop() == 0

    forbidden_posts = len(fake.find_requests("POST", rf"/channels/{FORBIDDEN}/messages"))
    restarted = start_bot(fake, home)
    await restarted.start()
    try:
        await until(lambda: fake.identifies >= 2)
        await asyncio.sleep(INTERVAL * 1.5)  # the start-up catch-up tick and more
        assert len(alerts_in(fake, CHANNEL)) == 1
        assert len(fake.find_requests("POST", rf"/channels/{FORBIDDEN}/messages")) == forbidden_posts
    finally:
        assert await restarted.stop() == 0
    assert "Traceback" not in bot.log + restarted.log, bot.log + restarted.log
