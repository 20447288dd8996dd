"""End-to-end latency of the bot over the loopback Discord, on the bundled snapshot.

For each command: time from injecting the interaction to the deferral and to
the final answer, p50/p95. "cold" asks a question not answered before (the
answer is computed and rendered; data already loaded), "warm" repeats one
(answered from the cache of rendered answers). Then 50 users at once, asking
the same question, the same question spelled five ways (computed once: the bot's
metrics say how many answers it computed), and 50 different ones. The bot logs its
worst event-loop lag.

--overhead R: the cost of the metrics instead. Bots with and without
MARKETBOT_METRICS_PORT (off, on, on, off: drift cancels) each answer R bursts of
50 different questions (never asked before); the median burst time of each.

Run: python bench/bot.py [--runs N] | python bench/bot.py --overhead R
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import re
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord
from tests.pg_server import free_port

_user = iter(range(10_000, 10_000_000))
TIMEOUT = 60.0


def opt(name: str, value: str) -> dict:
    return {"name": name, "type": 3, "value": value}


# Each command with options that vary per run (cold) or stay fixed (warm).
def questions(i: int) -> dict[str, list[dict]]:
    end = f"2025-{1 + i % 12:02d}-{10 + i % 15:02d}"
    return {
        "compare": [opt("start", "oct-2022-low"), opt("end", end)],
        "performance": [opt("symbols", "NVDA META GOOGL MSFT ^GSPC ^RUT"), opt("start", "1y"), opt("end", end)],
        "quote": [opt("symbols", ["KRE", "SPY", "XLF", "IWM", "NVDA", "META", "MSFT", "GOOGL"][i % 8] + " ^RUT")],
        "history": [],
        "banks": [opt("as_of", end)],
        "rates": [],
        "about": [],
    }


async def one(fake: FakeDiscord, command: str, options: list[dict]) -> tuple[float, float]:
    interaction = await fake.inject_command(command, options, user_id=next(_user))
    deferred = await interaction.deferred(TIMEOUT)
    answered = await interaction.answered(TIMEOUT)
    assert answered.embeds, f"/{command} answered without an embed: {answered.content}"
    return deferred.at - interaction.sent_at, answered.at - interaction.sent_at


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(label: str, samples: list[tuple[float, float]]) -> str:
    defer = [d * 1000 for d, _ in samples]
    final = [a * 1000 for _, a in samples]
    return (
        f"{label:<34} n={len(samples):<3} deferral p50 {statistics.median(defer):6.1f} ms"
        f"  p95 {pct(defer, 0.95):6.1f} ms"
        f" | answer p50 {statistics.median(final):7.1f} ms  p95 {pct(final, 0.95):7.1f} ms"
    )


# One question, five spellings (aliases, case, an anchor's other name): one key, computed once.
SPELLINGS = (
    [opt("a", "^RUT"), opt("b", "^GSPC"), opt("start", "5y")],
    [opt("a", "rut"), opt("b", "spx"), opt("start", "5Y")],
    [opt("a", "RUT"), opt("b", "^gspc"), opt("start", "5y")],
    [opt("start", "5y")],  # the defaults
    [opt("b", "SPX"), opt("start", " 5y ")],
)


def answers_computed(port: int) -> float:
    """The answers the bot has computed so far (not served from its cache), from its metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    return float(re.search(r"^marketbot_answer_cache_computed_total (\S+)$", text, re.M).group(1))


async def main(runs: int) -> None:
    fake = FakeDiscord()
    await fake.start()
    port = free_port()
    bot = BotProcess(fake.env(), Path(tempfile.mkdtemp(prefix="marketbot-bench-")), MARKETBOT_METRICS_PORT=str(port))
    started = time.perf_counter()
    await bot.start()
    await fake.wait_ready(TIMEOUT)
    print(f"bot process start to gateway ready: {(time.perf_counter() - started) * 1000:.0f} ms")
    try:
        first = await one(fake, "compare", [opt("start", "ytd")])
        print(line("first ask after start (loads data)", [first]))
        for command in questions(0):
            cold = [await one(fake, command, questions(i)[command]) for i in range(1, runs + 1)]
            print(line(f"/{command} cold (computed)", cold))
            warm = [await one(fake, command, questions(0)[command]) for _ in range(runs)]
            print(line(f"/{command} warm (cached answer)", warm))

        same = await asyncio.gather(*(one(fake, "compare", [opt("start", "3y")]) for _ in range(50)))
        print(line("burst: 50 users, same /compare", same))
        before = answers_computed(port)
        spelled = await asyncio.gather(*(one(fake, "compare", SPELLINGS[i % 5]) for i in range(50)))
        print(line("burst: 50 users, one /compare spelled 5 ways", spelled))
        print(f"  computed for it: {answers_computed(port) - before:.0f} answer(s)")
        different = await asyncio.gather(
            *(
                one(fake, "compare", [opt("start", "3y"), opt("end", f"2025-{1 + i % 12:02d}-{1 + i // 12:02d}")])
                for i in range(50)
            )
        )
        print(line("burst: 50 users, 50 different", different))
        mixed = await asyncio.gather(*(one(fake, c, o) for i in range(8) for c, o in questions(100 + i).items()))
        print(line("burst: 56 users, every command", mixed))
    finally:
        await bot.stop()
        await fake.stop()
    lag = re.findall(r"Event loop: worst lag ([\d.]+) ms over (\d+) checks", bot.log)
    blocked = re.findall(r"The event loop was blocked for (\d+) ms", bot.log)
    asked, computed = re.findall(r"Answers: (\d+) asked, (\d+) computed", bot.log)[-1]
    print(f"answers: {asked} asked, {computed} computed (rendered), the rest served from the answer cache")
    print(
        f"bot event loop: worst lag {lag[-1][0]} ms over {lag[-1][1]} checks (50 ms ticks); "
        f"stalls over 100 ms: {len(blocked)} {blocked[:10]}"
    )


_round = itertools.count()
WEEKDAYS = pd.bdate_range("2023-01-03", "2025-12-31")


async def bursts(metrics: bool, rounds: int) -> list[float]:
    """Seconds for each of ``rounds`` bursts of 50 different questions, on a bot with or without metrics."""
    fake = FakeDiscord()
    await fake.start()
    settings = {"MARKETBOT_METRICS_PORT": str(free_port())} if metrics else {}
    bot = BotProcess(fake.env(), Path(tempfile.mkdtemp(prefix="marketbot-bench-")), **settings)
    await bot.connect(fake, TIMEOUT)
    times = []
    try:
        await one(fake, "compare", [opt("start", "ytd")])  # loads the data
        for _ in range(rounds):
            # Every burst's 50 end dates are weekdays neither bot was asked before: each answer is computed.
            ends = [day.date().isoformat() for day in WEEKDAYS[next(_round) * 50 :][:50]]
            started = time.perf_counter()
            await asyncio.gather(*(one(fake, "compare", [opt("start", "3y"), opt("end", end)]) for end in ends))
            times.append(time.perf_counter() - started)
    finally:
        await bot.stop()
        await fake.stop()
    return times


async def overhead(rounds: int) -> None:
    results: dict[bool, list[float]] = {False: [], True: []}
    for metrics in (False, True, True, False):
        results[metrics] += await bursts(metrics, rounds)
    off, on = statistics.median(results[False]), statistics.median(results[True])
    for label, values in (("metrics off", results[False]), ("metrics on", results[True])):
        print(
            f"{label:<12} burst of 50 different /compare: median {statistics.median(values) * 1000:6.0f} ms "
            f"(n={len(values)}, min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"
        )
    print(f"overhead of the metrics: {(on / off - 1) * 100:+.1f}% (median burst time, on against off)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--overhead", type=int, metavar="R", help="only the metrics' overhead, over R bursts a bot")
    args = parser.parse_args()
    asyncio.run(overhead(args.overhead) if args.overhead else main(args.runs))
