"""The real bot process on a replayed Yahoo that takes 250 ms per request (yfinance's own code
runs; only the HTTP session is replayed): concurrent asks overlap their requests, one request per
distinct symbol; Yahoo's "no data" becomes "Yahoo Finance has no symbol"; aliases answer."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest
import pytest_asyncio

from tests.fakes.bot_process import BotProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 60.0
_users = itertools.count(7000)
PAIRS = [("^RUT", "^GSPC"), ("KRE", "SPY"), ("NVDA", "META"), ("XLF", "IWM"), ("GOOGL", "MSFT"),
         ("ZION", "WAL"), ("^TNX", "^IRX"), ("TLT", "QQQ"), ("AAPL", "AMZN"), ("TSLA", "AVGO")]  # fmt: skip


def option(name: str, value: str) -> dict:
    return {"name": name, "type": 3, "value": value}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(fake, tmp_path_factory):
    home = tmp_path_factory.mktemp("bot")
    process = BotProcess(
        fake.env(),
        home,
        MARKETBOT_DATA_SOURCE="yahoo",
        MARKETBOT_TEST_YAHOO_LATENCY="0.25",
        MARKETBOT_TEST_YAHOO_STATS=str(home / "spans.json"),
    )
    await process.connect(fake, TIMEOUT)
    yield process
    await process.stop()


async def ask(fake, name: str, *options: dict):
    interaction = await fake.inject_command(name, list(options), user_id=next(_users))
    return await interaction.answered(TIMEOUT)


async def spans(bot) -> list[tuple[str, float, float]]:
    await asyncio.sleep(0.5)  # the launcher writes them a few times a second
    return [tuple(s) for s in json.loads((bot.home / "spans.json").read_text())["spans"]]


async def test_concurrent_asks_overlap_their_requests_one_per_distinct_symbol(fake, bot):
    messages = await asyncio.gather(*(ask(fake, "compare", option("a", a), option("b", b)) for a, b in PAIRS))
    assert all(m.embeds and m.embeds[0]["footer"]["text"].startswith("Data: Yahoo Finance") for m in messages)
    sent = await spans(bot)
    chart = [url for url, *_ in sent if "/v8/finance/chart/" in url]
    assert len(chart) == len({s for pair in PAIRS for s in pair}) == 20  # no timezone lookups: known symbols
    assert len(sent) <= 20 + 2  # and the one-time cookie and crumb
    overlapping = max(sum(1 for _, s, e in sent if s <= start < e) for _, start, _ in sent)
    assert overlapping >= 2  # requests were in flight together (up to 8)


async def test_yahoo_saying_no_data_for_an_unfamiliar_symbol_is_said_plainly(fake, bot):
    message = await ask(fake, "performance", option("symbols", "SPY ZZZZ"))
    fields = {f["name"]: f["value"] for f in message.embeds[0]["fields"]}
    assert fields["Not shown"] == "Yahoo Finance has no symbol `ZZZZ`."


async def test_an_alias_answers_with_the_yahoo_symbol(fake, bot):
    message = await ask(fake, "quote", option("symbols", "SPX"))
    [embed] = message.embeds
    assert embed["description"].startswith("S&P 500 closed at")
    assert "^GSPC" in embed["footer"]["text"]
