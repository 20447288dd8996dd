"""SIGTERM while an answer is under way: the answer still arrives, then the bot exits cleanly."""

from __future__ import annotations

import asyncio

import pytest

from tests.fakes.bot_process import BotProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0


async def test_an_answer_in_flight_at_sigterm_is_delivered_before_exit(fake, tmp_path):
    bot = BotProcess(fake.env(), tmp_path)
    await bot.start()
    try:
        await fake.wait_ready(TIMEOUT)
        async with asyncio.timeout(TIMEOUT):  # fully started (discord.py's ready dispatched)
            while "Connected as" not in bot.log:
                await asyncio.sleep(0.05)
        release = fake.hold("POST", r"^/api/v10/webhooks/")  # the answer cannot land before SIGTERM
        options = [{"name": "a", "type": 3, "value": "^RUT"}, {"name": "b", "type": 3, "value": "^GSPC"},
                   {"name": "start", "type": 3, "value": "2022-10-12"}]  # fmt: skip
        interaction = await fake.inject_command("compare", options)
        await interaction.deferred(TIMEOUT)
        async with asyncio.timeout(TIMEOUT):  # the followup is waiting on Discord
            while not fake.find_requests("POST", r"^/api/v10/webhooks/"):
                await asyncio.sleep(0.05)
        stopping = asyncio.create_task(bot.stop(timeout=TIMEOUT))
        await asyncio.sleep(0.5)  # SIGTERM delivered: the bot is draining, not gone
        assert not stopping.done()
        release.set()
        exit_code = await stopping
    finally:
        await bot.stop()
    answer = await interaction.answered(1)
    assert not answer.ephemeral and "Russell 2000" in answer.embeds[0]["description"]
    assert exit_code == 0, bot.log[-2000:]
    assert "Traceback" not in bot.log
