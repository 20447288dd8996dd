"""One alert cycle at scale: time, memory and upstream requests (issues 5 and 11).

N subscriptions over G guilds (10 channels a guild) in a fresh database (SQLite,
and PostgreSQL on a server this script starts, or --pg-url's), judged on the bundled snapshot as of 2023-03-13 (KRE's sharp day, so
alerts fire). Only Discord is faked. As AlertDelivery does, ``deliver`` hands
each due to a task of its own, which records its attempt and then its result
(``Store.attempt``, ``Store.finish``); the cycle does not wait for them. "drain" is the time
those records take after the cycle (in the bot they are paced by Discord's rate
limit: see bench/alert_delivery.py). "no finish" records nothing. Targets: well
under a second for 10,000 subscriptions, 100,000 judged and claimed in under 5 s
on either engine, cost growing with symbols, not subscriptions.

- cold: a new MarketData (first data load included; the snapshot CSV itself is
  read once per process, timed separately); warm: data already loaded.
- 2nd: the same cycle again on the same DB: everything is claimed, claims 0.
- Each timed cycle runs on a fresh copy of one database built per size and engine
  (a file copy; PostgreSQL's CREATE DATABASE ... TEMPLATE); the setup (Store.subscribe)
  is not part of the measured figures.
- Memory: tracemalloc peak during one cycle (a separate, untimed run, no records) and the
  process's max RSS after that size's runs (monotonic over the whole process).

Run: python bench/alert_cycle.py [--subs 10000 --guilds 1000 --runs 3 --sizes 1000,100000
     --engines sqlite,postgres --pg-url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from analytics import banks, rates
from analytics import digest as digests
from analytics.alerts.rules import RULES
from analytics.sources.snapshot import load_snapshot
from bot.alerts import cycle as alert_cycle
from bot.alerts.cycle import AlertCycle, CycleReport
from bot.alerts.delivery import CONCURRENT_SENDS
from bot.settings import Settings
from bot.storage.open import open_store
from bot.storage.protocol import Store
from bot.wiring import build_market_data
from commands.alerts.manage import choices
from commands.kit.store import NewSubscription

RULE_CHOICES = choices()  # what a channel can subscribe to: each rule, and the digest
SYMBOLS = tuple(dict.fromkeys(s for rule in RULES.values() for s in rule.symbols))  # everything the rules read
# What the digest reads beyond the credit line: the ratio's series and stand-ins, the banks, the rates.
DIGEST_SYMBOLS = (*RULES["ratio"].symbols, *banks.SYMBOLS, *rates.SYMBOLS)

AS_OF = dt.date(2023, 3, 13)
NOW = pd.Timestamp("2026-11-24 15:00Z")
CHANNELS_PER_GUILD = 10
# A channel's first rule; a second subscription in the same channel takes another.
RULE_WEIGHTS = {"kre": 50, "ratio": 40, "digest": 10}
PRESET_WEIGHTS = {"standard": 60, "sensitive": 25, "quiet": 15}


def plan(subs: int, guilds: int, seed: int = 5) -> list[NewSubscription]:
    """``subs`` subscriptions, each (channel, rule) once, spread over every channel first."""
    choices = [r for r in RULE_WEIGHTS if r in RULE_CHOICES]
    channels = guilds * CHANNELS_PER_GUILD
    if subs > channels * len(choices):
        raise SystemExit(f"{subs} subscriptions need more than {guilds} guilds")
    rng = random.Random(seed)
    presets, weights = list(PRESET_WEIGHTS), list(PRESET_WEIGHTS.values())
    taken: dict[int, list[str]] = {}
    out = []
    for i in range(subs):
        channel = i % channels
        left = [r for r in choices if r not in taken.setdefault(channel, [])]
        rule = rng.choices(left, [RULE_WEIGHTS[r] for r in left])[0]
        taken[channel].append(rule)
        guild = 10**6 + channel // CHANNELS_PER_GUILD
        role = 5 * 10**6 + guild if rng.random() < 0.4 else None
        preset = rng.choices(presets, weights)[0]
        out.append(NewSubscription(guild, 2 * 10**6 + channel, rule, preset, role, 7))
    return out


class Databases:
    """Fresh copies of one template database per size, on one engine."""

    def __init__(self, engine: str, workdir: Path, pg_url: str | None) -> None:
        self.engine, self.workdir, self.pg_url = engine, workdir, pg_url
        self._names = iter(range(10**6))

    def target(self, name: str) -> str:
        if self.engine == "sqlite":
            return str(self.workdir / f"{name}.db")
        return self.pg_url.rsplit("/", 1)[0] + f"/{name}"

    async def build_template(self, name: str, subs: list[NewSubscription]) -> float:
        if self.engine == "postgres":
            self._admin(f"CREATE DATABASE {name}")
        storage = await open_store(self.target(name))
        started = time.perf_counter()
        for start in range(0, len(subs), 1000):
            await storage.subscribe(subs[start : start + 1000])
        elapsed = time.perf_counter() - started
        await storage.close()  # SQLite: the last connection closing checkpoints the WAL into the file
        self.template = name
        return elapsed

    async def fresh(self, label: str) -> Store:
        name = f"{self.template}_{label}_{next(self._names)}".replace("-", "_")
        if self.engine == "sqlite":
            shutil.copyfile(self.target(self.template), self.target(name))
        else:
            self._admin(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        return await open_store(self.target(name))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.pg_url, autocommit=True) as conn:
            conn.execute(sql)


def new_market():
    settings = Settings(data_source="snapshot", as_of=AS_OF)
    return build_market_data(settings, clock=lambda: NOW)


@dataclass
class Phases:
    """Seconds spent in each part of a cycle (wrappers on this run's instances)."""

    seconds: Counter = field(default_factory=Counter)
    alerts_claimed_over: int = 0  # alerts passed to Store.claim
    fetches: int = 0  # calls into source.fetch
    dues: int = 0
    finishes: int = 0
    sending: list = field(default_factory=list)  # the handed-off send tasks
    # Posting takes Discord's time (paced at 48/s in the bot): the stand-in's sends
    # wait for the cycle's end, so their records do not crowd the cycle's own work.
    cycle_done: asyncio.Event = field(default_factory=asyncio.Event)
    drain: float = 0.0  # seconds from the cycle's end until they were all recorded

    def add(self, name: str, started: float) -> None:
        self.seconds[name] += time.perf_counter() - started


def instrument(storage: Store, market, phases: Phases) -> None:
    """Time the cycle's parts by wrapping bound methods on these instances only."""

    def sync(name: str, method: Callable, count: Callable | None = None) -> Callable:
        @functools.wraps(method)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                phases.add(name, started)
                if count:
                    count(args)

        return timed

    def counted_claim(args) -> None:
        phases.alerts_claimed_over += len(args[0])

    def counted_fetch(args) -> None:
        phases.fetches += 1

    def timed_async(name: str, method: Callable, count: Callable | None = None) -> Callable:
        @functools.wraps(method)
        async def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return await method(*args, **kwargs)
            finally:
                phases.add(name, started)
                if count:
                    count(args)

        return timed

    storage.subscriptions = timed_async("load subs", storage.subscriptions)
    storage.claim = timed_async("claim", storage.claim, counted_claim)
    market.source.fetch = sync("source.fetch", market.source.fetch, counted_fetch)
    closes = market.closes

    async def timed_closes(*args, **kwargs):
        started = time.perf_counter()
        try:
            return await closes(*args, **kwargs)
        finally:
            phases.add("fetch", started)

    market.closes = timed_closes


def make_deliver(storage: Store, phases: Phases, finish: str):
    """The Discord stand-in: each due handed to a task, as AlertDelivery does.

    ``finish``: "thread" records each one's attempt and result (``Store.attempt``,
    ``Store.finish``) as AlertDelivery does; "none" records nothing.
    """

    slots = asyncio.Semaphore(CONCURRENT_SENDS)  # AlertDelivery's bound on sends in flight

    async def send(due) -> None:
        if not due.nonce:  # a real send computes it and passes it to Discord
            raise AssertionError("no nonce")
        message_id = 10**9 + due.subscription.id
        await phases.cycle_done.wait()
        if finish == "thread":
            async with slots:
                assert await storage.attempt(due.key)
                await storage.finish(due.key, message_id=message_id)
        phases.finishes += finish != "none"

    async def deliver(post, prices, dues) -> None:
        started = time.perf_counter()
        phases.dues += len(dues)
        phases.sending += [asyncio.create_task(send(due)) for due in dues]
        phases.add("deliver", started)

    return deliver


class ModuleTimer:
    """The cycle looks these up on their module at each call: time them there."""

    def __init__(self, module, attr: str, phase: str, outer: ModuleTimer | None = None) -> None:
        self.module, self.attr, self.phase = module, attr, phase
        self.real = getattr(module, attr)
        self.phases: Phases | None = None
        self.outer = outer  # calls made inside this one count as its time, not ours
        self.running = 0

    def __call__(self, *args, **kwargs):
        started = time.perf_counter()
        self.running += 1
        try:
            return self.real(*args, **kwargs)
        finally:
            self.running -= 1
            if self.phases is not None and not (self.outer and self.outer.running):
                self.phases.add(self.phase, started)


# The digest judges the day's alerts too (its own ``evaluate``, inside daily_digests): that is digest time.
# The cycle's own judging is its module's ``evaluate``.
TIMERS: list[ModuleTimer] = [ModuleTimer(digests, "daily_digests", "digest")]
TIMERS.append(ModuleTimer(alert_cycle, "evaluate", "evaluate", TIMERS[0]))


@dataclass
class Cycle:
    seconds: float
    report: CycleReport
    phases: Phases
    upstream: int  # market.upstream_calls during the cycle
    peak_mb: float | None = None


async def one_cycle(storage, market, finish: str = "thread", trace: bool = False) -> Cycle:
    phases = Phases()
    instrument(storage, market, phases)
    for timer in TIMERS:
        timer.phases = phases
    cycle = AlertCycle(market, storage, make_deliver(storage, phases, finish))
    before = market.upstream_calls
    if trace:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    started = time.perf_counter()
    report = await cycle.run("settled")
    seconds = time.perf_counter() - started
    phases.cycle_done.set()
    await asyncio.gather(*phases.sending)
    phases.drain = time.perf_counter() - started - seconds
    peak = None
    if trace:
        peak = (tracemalloc.get_traced_memory()[1] - base) / 2**20
        tracemalloc.stop()
    for timer in TIMERS:
        timer.phases = None
    for obj, name in (
        (storage, "subscriptions"),
        (storage, "claim"),
        (market, "closes"),
        (market.source, "fetch"),
    ):
        vars(obj).pop(name, None)  # back to the plain methods
    upstream = market.upstream_calls - before
    if upstream != phases.fetches:
        print(f"  note: upstream_calls {upstream} != source.fetch calls {phases.fetches}")
    return Cycle(seconds, report, phases, upstream, peak)


@dataclass
class SizeResult:
    engine: str
    subs: int
    guilds: int
    setup: float
    cold: list[Cycle] = field(default_factory=list)
    second: list[Cycle] = field(default_factory=list)
    warm: list[Cycle] = field(default_factory=list)
    bare: list[Cycle] = field(default_factory=list)  # warm, no finish writes
    peak_cold: float = 0.0
    peak_warm: float = 0.0
    maxrss_mb: float = 0.0


async def measure(dbs: Databases, subs: int, guilds: int, runs: int) -> SizeResult:
    setup = await dbs.build_template(f"template_{subs}", plan(subs, guilds))
    result = SizeResult(dbs.engine, subs, guilds, setup)
    for i in range(runs):
        market = new_market()
        storage = await dbs.fresh("cold")
        try:
            result.cold.append(await one_cycle(storage, market))
            result.second.append(await one_cycle(storage, market))
        finally:
            await storage.close()
        for finish, into in (("thread", result.warm), ("none", result.bare)):
            storage = await dbs.fresh(f"warm_{finish}")
            try:
                into.append(await one_cycle(storage, market, finish=finish))
            finally:
                await storage.close()
    # Memory, untimed: tracemalloc slows everything down.
    market = new_market()
    for label in ("cold", "warm"):
        storage = await dbs.fresh(f"mem_{label}")
        try:  # the cycle's own peak: its records (drain) are left out, as in "no finish"
            cycle = await one_cycle(storage, market, finish="none", trace=True)
        finally:
            await storage.close()
        setattr(result, f"peak_{label}", cycle.peak_mb)
    result.maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def digest_count(report: CycleReport) -> int:
    return getattr(report, "digests", 0)


def events(report: CycleReport) -> int:
    """Events and digests: what is rendered once and fanned out."""
    return len(report.events) + digest_count(report)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def drain(cycles: list[Cycle]) -> str:
    times = [c.phases.drain for c in cycles]
    return f"{ms(statistics.median(times))}/{ms(max(times))}"


def med_max(cycles: list[Cycle]) -> str:
    times = [c.seconds for c in cycles]
    return f"{ms(statistics.median(times))}/{ms(max(times))}"


def print_results(results: list[SizeResult], runs: int) -> None:
    r0 = results[0].cold[0].report
    kinds = Counter(f"{e.rule}/{e.level}" for e in r0.events)
    print(
        f"session {r0.session.date()}: {len(r0.events)} events (one per rule and preset"
        f" that fired: {dict(kinds)}), {digest_count(r0)} digests; skipped"
        f" {r0.skipped or 'none'}"
    )
    print(
        f"cycle wall time, ms, median/max of {runs} runs on fresh DBs (2nd: same DB again;"
        " drain: the warm cycle's handed-off records, after it)"
    )
    head = (
        f"{'engine':>8} {'subs':>7} {'guilds':>6} {'setup s':>7} {'cold':>11} {'warm':>11} {'no finish':>11}"
        f" {'2nd':>11} {'drain':>11} {'events':>6} {'claimed':>7} {'2nd cl.':>7} {'upstream c/w/2':>14}"
        f" {'py peak MB c/w':>14} {'maxrss MB':>9}"
    )
    print(head)
    for r in results:
        upstream = f"{r.cold[0].upstream}/{r.warm[0].upstream}/{r.second[0].upstream}"
        print(
            f"{r.engine:>8} {r.subs:>7} {r.guilds:>6} {r.setup:>7.1f} {med_max(r.cold):>11} {med_max(r.warm):>11}"
            f" {med_max(r.bare):>11} {med_max(r.second):>11} {drain(r.warm):>11} {events(r.warm[0].report):>6}"
            f" {r.warm[0].report.claimed:>7} {r.second[0].report.claimed:>7} {upstream:>14}"
            f" {f'{r.peak_cold:.1f}/{r.peak_warm:.1f}':>14} {r.maxrss_mb:>9.0f}"
        )
    print()
    print(
        "where the time goes, ms, median over runs (other: the rest of the cycle, e.g."
        " building the dues and the thread hops); per alert in µs"
    )
    parts = ("load subs", "fetch", "evaluate", "digest", "claim", "deliver")
    print(
        f"{'engine':>8} {'subs':>7} {'cycle':<10} {'total':>7} "
        + " ".join(f"{p:>9}" for p in parts)
        + f" {'other':>7} {'alerts':>7} {'claim µs/a':>10} {'deliv µs/a':>10}"
    )
    for r in results:
        variants = (
            ("cold", r.cold),
            ("warm", r.warm),
            ("no finish", r.bare),
            ("2nd", r.second),
        )
        for label, cycles in variants:
            total = statistics.median(c.seconds for c in cycles)
            cells = {p: statistics.median(c.phases.seconds[p] for c in cycles) for p in parts}
            other = statistics.median(c.seconds - sum(c.phases.seconds[p] for p in parts) for c in cycles)
            alerts = cycles[0].phases.alerts_claimed_over
            dues = cycles[0].phases.dues
            per_claim = cells["claim"] / alerts * 1e6 if alerts else 0.0
            per_due = f"{cells['deliver'] / dues * 1e6:10.1f}" if dues else f"{'-':>10}"
            print(
                f"{r.engine:>8} {r.subs:>7} {label:<10} {ms(total):>7} "
                + " ".join(f"{cells[p] * 1000:9.1f}" for p in parts)
                + f" {other * 1000:7.1f} {alerts:>7} {per_claim:10.1f} {per_due}"
            )


async def main(args: argparse.Namespace) -> None:
    started = time.perf_counter()
    load_snapshot()
    print(f"snapshot CSV read (once per process, not in any cycle): {ms(time.perf_counter() - started)} ms")
    print(f"rules subscribed: {[r for r in RULE_WEIGHTS if r in RULE_CHOICES]}; judged by the cycle: {list(RULES)}")
    sizes = sorted({args.subs, *args.sizes})
    for timer in TIMERS:
        setattr(timer.module, timer.attr, timer)
    results = []
    server = None
    try:
        with tempfile.TemporaryDirectory(prefix="marketbot-cycle-") as tmp:
            for engine in args.engines:
                pg_url = args.pg_url
                if engine == "postgres" and pg_url is None:
                    from tests.pg_server import start_server  # a server of its own, as the tests do

                    server = start_server()
                    pg_url = server.url()
                dbs = Databases(engine, Path(tmp), pg_url)
                for subs in sizes:
                    guilds = max(1, round(subs * args.guilds / args.subs))
                    results.append(await measure(dbs, subs, guilds, args.runs))
    finally:
        for timer in TIMERS:
            setattr(timer.module, timer.attr, timer.real)
        if server is not None:
            server.cleanup()
    wanted = set(SYMBOLS) | set(DIGEST_SYMBOLS)
    print(f"symbols a cycle reads: {len(wanted)} (alert rules: {', '.join(SYMBOLS)})")
    print_results(results, args.runs)
    print(f"total bench time {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--subs", type=int, default=10_000)
    parser.add_argument("--guilds", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", type=lambda s: [e for e in s.split(",") if e], default=["sqlite", "postgres"])
    parser.add_argument("--pg-url", help="a PostgreSQL server to use (default: start one, as the tests do)")
    parser.add_argument(
        "--sizes",
        type=lambda s: [int(x) for x in s.split(",") if x],
        default=[1_000],
        help="more subscription counts for the scaling rows, e.g. 1000,100000 (guilds scale with them)",
    )
    asyncio.run(main(parser.parse_args()))
