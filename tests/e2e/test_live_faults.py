"""The real bot process in ``auto`` mode while Yahoo hangs (a replayed Yahoo whose chart requests
never answer): asks are answered from the snapshot within the deadline, and say so; the breaker's
back-off is in the future when it is logged; a symbol the snapshot lacks is said to be missing
offline, not unknown."""

from __future__ import annotations

import asyncio
import itertools
import re
import time

import pandas as pd
import pytest
import pytest_asyncio

from tests.fakes.bot_process import BotProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
_users = itertools.count(5000)


def option(name: str, value: str) -> dict:
    return {"name": name, "type": 3, "value": value}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(fake, tmp_path_factory):
    process = BotProcess(
        fake.env(),
        tmp_path_factory.mktemp("bot"),
        MARKETBOT_DATA_SOURCE="auto",
        MARKETBOT_TEST_YAHOO_LATENCY="0",
        MARKETBOT_TEST_YAHOO_FAULTS="hang",
    )
    await process.connect(fake, TIMEOUT)
    yield process
    await process.stop()


async def ask(fake, name: str, *options: dict):
    interaction = await fake.inject_command(name, list(options), user_id=next(_users))
    started = time.monotonic()
    message = await interaction.answered(TIMEOUT)
    return message, time.monotonic() - started


async def test_a_hanging_yahoo_is_answered_from_the_snapshot_within_the_deadline(fake, bot):
    message, took = await ask(fake, "quote", option("symbols", "KRE"))
    assert took < 12  # the 5 s deadline and the answer; not the 120 s "That took too long"
    [embed] = message.embeds
    assert not message.ephemeral
    assert "SPDR S&P Regional Banking ETF closed at 71.90" in embed["description"]
    # The notice says why. The lookup before deferring started the fetch 1.5 s before the answer asked for it,
    # so the request's own 5 s timeout ends it before the answer's 5 s deadline would.
    assert "(Yahoo Finance timed out)" in embed["description"]
    assert embed["footer"]["text"].startswith("Data: snapshot, last session 2026-02-20, ")


async def test_the_back_off_is_logged_in_the_future_and_later_asks_do_not_wait(fake, bot):
    for _ in range(100):  # the hung fetch times out (5 s) in the background, then the breaker opens
        if "backing off until" in bot.log:
            break
        await asyncio.sleep(0.2)
    line = next(line for line in bot.log.splitlines() if "backing off until" in line)
    logged = pd.Timestamp(line[:23].replace(",", "."), tz="UTC")  # the log's time stamp (UTC)
    until = pd.Timestamp(re.search(r"until (\S+ \S+) UTC", line).group(1), tz="UTC")
    assert until > logged + pd.Timedelta(seconds=20)

    message, took = await ask(fake, "quote", option("symbols", "SPY"))
    assert took < 5  # the breaker is open: no wait for Yahoo at all
    assert "timed out" in message.embeds[0]["description"]


async def test_a_symbol_the_snapshot_lacks_is_missing_offline_not_unknown(fake, bot):
    message, _ = await ask(fake, "performance", option("symbols", "SPY BTC-USD"))
    [embed] = message.embeds
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Not shown"] == "`BTC-USD` is not in the offline snapshot, and Yahoo Finance timed out. `/about` lists its symbols."
