"""The metrics of a real bot process, scraped from its own endpoint as Prometheus would.

The bot reads a replayed Yahoo (the snapshot's prices over yfinance's real HTTP path) whose
requests for XLF never answer: asks are answered, refused (before any deferral) and timed out
(the answer deadline shortened to a few seconds by the test launcher), and the counters and
histograms say so, one count per ask. A second bot meets a Yahoo answering 500 to everything: its
upstream requests are counted as errors and its breaker for Yahoo opens. Under a burst of
arbitrary input the label sets stay the declared ones: no symbol, user or text becomes a label.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import string

import pytest
import pytest_asyncio

from bot.discovery import discover
from bot.metrics import OUTCOMES
from tests.commands import ask_corpus
from tests.e2e.scrape import Scrape, scrape
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord
from tests.pg_server import free_port

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
ANSWER_DEADLINE = 3.0  # seconds, instead of 120: an answer waiting on a hung Yahoo times out
_users = itertools.count(7000)


def option(name: str, value: str) -> dict:
    return {"name": name, "type": 3, "value": value}


def metrics_bot(fake, home, **settings: str) -> tuple[BotProcess, str]:
    port = free_port()
    process = BotProcess(
        fake.env(),
        home,
        MARKETBOT_DATA_SOURCE="yahoo",
        MARKETBOT_TEST_YAHOO_LATENCY="0",
        MARKETBOT_METRICS_PORT=str(port),
        MARKETBOT_WORKERS="0",
        **settings,
    )
    return process, f"http://127.0.0.1:{port}"


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(fake, tmp_path_factory):
    process, url = metrics_bot(
        fake,
        tmp_path_factory.mktemp("metrics"),
        MARKETBOT_TEST_YAHOO_FAULTS="hang:XLF",
        MARKETBOT_TEST_ANSWER_TIMEOUT=str(ANSWER_DEADLINE),
    )
    await process.connect(fake, TIMEOUT)
    process.url = url  # type: ignore[attr-defined]
    yield process
    await process.stop()


async def ask(fake, name: str, *options: dict):
    interaction = await fake.inject_command(name, list(options), user_id=next(_users))
    return interaction, await interaction.answered(TIMEOUT)


async def private_followup(interaction):
    async with asyncio.timeout(TIMEOUT):
        while not (found := [m for m in interaction.messages if m.kind == "followup"]):
            await asyncio.sleep(0.05)
    return found[0]


async def settled(url: str, condition, timeout: float = TIMEOUT) -> Scrape:
    """Scrape until ``condition(scrape)`` holds: an ask's count lands just after its last message."""
    async with asyncio.timeout(timeout):
        while True:
            now = await scrape(url)
            if condition(now):
                return now
            await asyncio.sleep(0.1)


async def test_answered_refused_and_timed_out_asks_are_counted_once_each(fake, bot):
    before = await scrape(bot.url)
    assert before.value("marketbot_answers_total") == 0
    assert before.value("marketbot_process_start_time_seconds") > 0

    _, answered = await ask(fake, "quote", option("symbols", "KRE"))
    assert answered.embeds and "closed at" in answered.embeds[0]["description"], answered.content
    after = await settled(bot.url, lambda s: s.value("marketbot_answers_total", command="quote") == 1)
    assert after.value("marketbot_answers_total", command="quote", outcome="answered") == 1
    assert after.value("marketbot_answer_acknowledge_seconds_count", command="quote") == 1
    assert after.value("marketbot_answer_seconds_count", command="quote") == 1
    # Discord's 3 seconds: acknowledged well inside them (the histogram's 3 s bucket holds it).
    assert after.value("marketbot_answer_acknowledge_seconds_bucket", command="quote", le="3.0") == 1
    assert after.value("marketbot_upstream_requests_total", source="yahoo", outcome="ok") >= 1
    assert after.value("marketbot_upstream_request_seconds_count", source="yahoo") >= 1
    assert after.value("marketbot_upstream_breaker_open", source="yahoo") == 0
    assert after.value("marketbot_data_age_sessions", source="yahoo") >= 0

    _, again = await ask(fake, "quote", option("symbols", "KRE"))  # the same question: from the cache
    assert again.embeds == answered.embeds
    cached = await settled(bot.url, lambda s: s.value("marketbot_answers_total", command="quote") == 2)
    assert cached.value("marketbot_answer_cache_hits_total") == after.value("marketbot_answer_cache_hits_total") + 1

    interaction, refused = await ask(fake, "quote", option("symbols", "ZZZZQQ"))
    assert refused.ephemeral and interaction.callback_type == 4  # refused before any deferral
    counted = await settled(bot.url, lambda s: s.value("marketbot_answers_total", command="quote") == 3)
    assert counted.value("marketbot_answers_total", command="quote", outcome="refused") == 1
    # Yahoo answered "no data" for it (MarketData, not the request, judges the symbol unknown).
    assert counted.value("marketbot_upstream_requests_total", source="yahoo", outcome="no_data") >= 1
    # Asked again a moment later: refused at once from what Yahoo said, without asking it again.
    requests = counted.value("marketbot_upstream_requests_total", source="yahoo")
    interaction, again = await ask(fake, "quote", option("symbols", "ZZZZQQ"))
    assert again.ephemeral and interaction.callback_type == 4 and again.content == refused.content
    assert not [m for m in interaction.messages if not m.ephemeral]  # nothing public, no edit, no delete
    counted = await settled(bot.url, lambda s: s.value("marketbot_answers_total", command="quote") == 4)
    assert counted.value("marketbot_upstream_requests_total", source="yahoo") == requests

    # Yahoo never answers for XLF: deferred, then the deadline passes and the reason is sent privately.
    interaction, _ = await ask(fake, "compare", option("a", "XLF"), option("b", "SPY"))
    late = await private_followup(interaction)
    assert late.ephemeral and "took too long" in late.content
    timed_out = await settled(bot.url, lambda s: s.value("marketbot_answers_total", command="compare") == 1)
    assert timed_out.value("marketbot_answers_total", command="compare", outcome="timed_out") == 1
    assert timed_out.value("marketbot_answer_seconds_sum", command="compare") >= ANSWER_DEADLINE
    assert timed_out.value("marketbot_answers_total", outcome="failed") == 0


async def test_labels_stay_bounded_under_arbitrary_input(fake, bot):
    """Random symbols, dates and questions: every ask counted once, under a command name and an outcome."""
    rng = random.Random(20)
    before = await scrape(bot.url)
    sent: list[str] = []
    typed: set[str] = set()

    def word(n: int) -> str:
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(n))

    asks = []
    for i in range(60):
        kind = i % 4
        if kind == 0:
            symbol = word(rng.randint(4, 7))
            typed.add(symbol)
            asks.append(("quote", [option("symbols", symbol)]))
        elif kind == 1:
            start = rng.choice(["1y", "ytd", "2020-02-30", "yesterday", "9999-01-01", word(5), "svb", "max"])
            typed.add(start)
            asks.append(("compare", [option("a", rng.choice(["^RUT", "KRE", "SPY", word(3)])), option("start", start)]))
        elif kind == 2:
            question = rng.choice(ask_corpus.CASES)[0]
            asks.append(("ask", [option("question", question)]))
        else:
            text = "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 40)))
            typed.add(text)
            asks.append(("performance", [option("symbols", text)]))
    for name, options in asks:
        await ask(fake, name, *options)
        sent.append(name)

    after = await settled(
        bot.url, lambda s: s.value("marketbot_answers_total") - before.value("marketbot_answers_total") == len(sent)
    )
    commands = {c.name for c in discover().commands}
    assert after.labels("marketbot_answers_total", "command") <= commands
    assert after.labels("marketbot_answers_total", "outcome") <= set(OUTCOMES)
    for command in set(sent):
        counted = after.value("marketbot_answers_total", command=command) - before.value(
            "marketbot_answers_total", command=command
        )
        assert counted == sent.count(command), command
    label_values = {value for sample in after.samples for value in sample.labels.values()}
    assert not label_values & typed  # nothing typed became a label value
    assert len(after.samples) == len(before.samples) or len(after.samples) < 600


async def test_a_failing_yahoo_is_counted_and_its_breaker_opens(tmp_path_factory):
    fake = FakeDiscord()  # a Discord of its own: the module's bot stays connected to the other
    await fake.start()
    process, url = metrics_bot(fake, tmp_path_factory.mktemp("failing"), MARKETBOT_TEST_YAHOO_FAULTS="500")
    await process.connect(fake, TIMEOUT)
    try:
        interaction, _ = await ask(fake, "quote", option("symbols", "SPY"))
        failed = await private_followup(interaction)
        assert failed.ephemeral and "Yahoo Finance returned an error" in failed.content
        after = await settled(url, lambda s: s.value("marketbot_answers_total", command="quote") == 1)
        assert after.value("marketbot_answers_total", command="quote", outcome="failed") == 1
        assert after.value("marketbot_upstream_requests_total", source="yahoo", outcome="error") >= 1
        assert after.value("marketbot_upstream_breaker_open", source="yahoo") == 1
        # The breaker open, the next ask fails at once, without another request to Yahoo.
        requests = after.value("marketbot_upstream_requests_total", source="yahoo")
        interaction, _ = await ask(fake, "quote", option("symbols", "QQQ"))
        assert "Yahoo Finance returned an error" in (await private_followup(interaction)).content
        later = await settled(url, lambda s: s.value("marketbot_answers_total", command="quote") == 2)
        assert later.value("marketbot_upstream_requests_total", source="yahoo") == requests
        assert later.value("marketbot_answers_total", command="quote", outcome="failed") == 2
        assert not fake.take_unexpected_violations()
    finally:
        assert await process.stop() == 0
        await fake.stop()
    assert "Traceback" not in process.log, process.log


async def test_an_act_answering_through_the_responder_is_counted_once(fake, bot):
    """/watchlist show answers through the same path as the other commands: one count, not two."""
    manager = 0x20
    before = await scrape(bot.url)
    added = await fake.inject_command(
        "watchlist", [{"name": "add", "options": [option("symbols", "KRE")]}], user_id=next(_users), permissions=manager
    )
    assert "Added: KRE" in (await added.answered(TIMEOUT)).content
    shown = await fake.inject_command("watchlist", [{"name": "show"}], user_id=next(_users))
    assert (await shown.answered(TIMEOUT)).embeds
    after = await settled(
        bot.url, lambda s: s.value("marketbot_answers_total", command="watchlist show") > before.value(
            "marketbot_answers_total", command="watchlist show")
    )  # fmt: skip
    await asyncio.sleep(0.5)  # a second count, if there were one, would land by now
    after = await scrape(bot.url)
    for command in ("watchlist add", "watchlist show"):
        counted = after.value("marketbot_answers_total", command=command, outcome="answered")
        assert counted - before.value("marketbot_answers_total", command=command, outcome="answered") == 1, command
    shows = after.value("marketbot_answer_seconds_count", command="watchlist show")
    assert shows - before.value("marketbot_answer_seconds_count", command="watchlist show") == 1
