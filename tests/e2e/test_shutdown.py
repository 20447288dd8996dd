"""SIGTERM while an answer is computing: the answer still arrives, then the bot exits cleanly."""

from __future__ import annotations

import pytest

from tests.fakes.bot_process import BotProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0


async def test_an_answer_in_flight_at_sigterm_is_delivered_before_exit(fake, tmp_path):
    bot = BotProcess(fake.env(), tmp_path)
    await bot.start()
    try:
        await fake.wait_ready(TIMEOUT)
        options = [{"name": "a", "type": 3, "value": "^RUT"}, {"name": "b", "type": 3, "value": "^GSPC"},
                   {"name": "start", "type": 3, "value": "2022-10-12"}]  # fmt: skip
        interaction = await fake.inject_command("compare", options)
        await interaction.deferred(TIMEOUT)  # computing now: a chart takes a while
        exit_code = await bot.stop(timeout=TIMEOUT)
    finally:
        await bot.stop()
    answer = await interaction.answered(1)  # arrived before the process ended
    assert not answer.ephemeral and "Russell 2000" in answer.embeds[0]["description"]
    assert exit_code == 0, bot.log[-2000:]
    assert "Traceback" not in bot.log
