"""The bot on live Yahoo, as a burst of users sees it: the real bot process over the loopback
Discord, with yfinance talking to a replayed Yahoo (the snapshot's prices in Yahoo's wire format)
that takes ``--latency`` seconds (default 0.25) to answer each request.

Two bursts, each on symbols not fetched before:
- mixed: 50 people at once, /compare over 10 different pairs (5 each);
- identical: 50 people at once, the same /compare.
For each: how many were acknowledged (deferred) and answered, answer p50/p95, the Yahoo requests
the burst caused (chart requests, and the handshake) and the peak number in flight.
Targets: mixed 50/50 answered with p95 < 3 s; identical p95 < 1 s; requests <= distinct symbols
(+ the one-time cookie and crumb).

Run: python bench/live.py [--latency 0.25]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.bot_process import BotProcess  # noqa: E402
from tests.fakes.discord_server import FakeDiscord  # noqa: E402

TIMEOUT = 90.0
MIXED = [("^RUT", "^GSPC"), ("KRE", "SPY"), ("NVDA", "META"), ("XLF", "IWM"), ("GOOGL", "MSFT"),
         ("ZION", "WAL"), ("^TNX", "^IRX"), ("TLT", "QQQ"), ("AAPL", "AMZN"), ("TSLA", "AVGO")]  # fmt: skip
IDENTICAL = ("KBE", "^VIX")
_user = iter(range(20_000, 10_000_000))


def opt(name: str, value: str) -> dict:
    return {"name": name, "type": 3, "value": value}


ERRORS: dict[str, int] = {}  # what the unanswered were told instead


async def one(fake: FakeDiscord, a: str, b: str) -> tuple[float | None, float | None]:
    """Seconds to the deferral and to the answer (None: never came, or an error came instead)."""
    interaction = await fake.inject_command("compare", [opt("a", a), opt("b", b)], user_id=next(_user))
    try:
        deferred = (await interaction.deferred(TIMEOUT)).at - interaction.sent_at
    except TimeoutError:
        return None, None
    try:
        answered = await interaction.answered(TIMEOUT)
    except TimeoutError:
        return deferred, None
    if not answered.embeds:
        ERRORS[answered.content] = ERRORS.get(answered.content, 0) + 1
        return deferred, None
    return deferred, answered.at - interaction.sent_at


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def yahoo_in(stats: Path, since: float, until: float) -> tuple[int, int, int, int, float]:
    """Requests that started in [since, until]: all, chart, timezone lookups among them, peak in flight,
    and when the last one ended (seconds after ``since``)."""
    spans = [s for s in json.loads(stats.read_text())["spans"] if since <= s[1] <= until]
    chart = [s for s in spans if "/v8/finance/chart/" in s[0]]
    lookups = [s for s in chart if "range=1d" in s[0]]
    edges = sorted([(start, 1) for _, start, _ in spans] + [(end, -1) for _, _, end in spans])
    peak = level = 0
    for _, step in edges:
        level += step
        peak = max(peak, level)
    return len(spans), len(chart), len(lookups), peak, max((end for *_, end in spans), default=since) - since


async def burst(fake: FakeDiscord, stats: Path, label: str, pairs: list[tuple[str, str]]) -> None:
    since = time.monotonic()
    results = await asyncio.gather(*(one(fake, a, b) for a, b in pairs))
    await asyncio.sleep(1.0)  # the replay writes its spans a few times a second
    requests, chart, lookups, peak, done = yahoo_in(stats, since, time.monotonic())
    acked = [d for d, _ in results if d is not None]
    answers = [a for _, a in results if a is not None]
    distinct = len({s for pair in pairs for s in pair})
    timing = (
        f"answer p50 {statistics.median(answers):6.2f} s  p95 {pct(answers, 0.95):6.2f} s" if answers else "no answers"
    )
    print(
        f"{label:<42} acknowledged {len(acked)}/{len(pairs)} (p95 {pct(acked, 0.95) * 1000:.0f} ms)  "
        f"answered {len(answers)}/{len(pairs)}  {timing}\n"
        f"{'':<42} Yahoo requests {requests} ({chart} chart, {lookups} of them timezone lookups; "
        f"{distinct} distinct symbols)  peak in flight {peak}, the last answered {done:.2f} s in"
    )
    for text, count in ERRORS.items():
        print(f"{'':<42} {count} told instead: {text}")
    ERRORS.clear()


async def main(latency: float) -> None:
    home = Path(tempfile.mkdtemp(prefix="marketbot-live-bench-"))
    stats = home / "yahoo-spans.json"
    fake = FakeDiscord()
    await fake.start()
    bot = BotProcess(
        fake.env(),
        home,
        MARKETBOT_DATA_SOURCE="yahoo",
        MARKETBOT_TEST_YAHOO_LATENCY=str(latency),
        MARKETBOT_TEST_YAHOO_STATS=str(stats),
    )
    await bot.start()
    try:
        await fake.wait_ready(TIMEOUT)
        print(f"replayed Yahoo, {latency * 1000:.0f} ms per request; the bot's data source: yahoo")
        await burst(fake, stats, "mixed: 50 users, 10 different /compare", [MIXED[i % len(MIXED)] for i in range(50)])
        await burst(fake, stats, "identical: 50 users, the same /compare", [IDENTICAL] * 50)
        requests, *_ = yahoo_in(stats, 0, time.monotonic())
        print(f"all Yahoo requests since start: {requests}")
    finally:
        await bot.stop()
        await fake.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.25)
    asyncio.run(main(parser.parse_args().latency))
