"""What the process is doing, in Prometheus' format (prometheus_client), one registry per process.

Counters and histograms are moved where things happen (answers, upstream requests, alert cycles,
posts, store operations); states that already exist (the answer cache, the circuit breakers, the
data's age, the event loop's worst lag, the worker queue, the shards) are read when scraped, so
they cost nothing in between. Labels are bounded: command names, outcomes, sources, modes, rules,
levels, HTTP statuses and shard ids, never a symbol, user, guild or channel.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

# Seconds: Discord's 3-second deadline sits between the acknowledgement buckets.
ACK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 5.0)
ANSWER_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0, 60.0, 120.0)
UPSTREAM_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
CYCLE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
OUTCOMES = ("answered", "refused", "failed", "timed_out")


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.answers = Counter(
            "marketbot_answers",
            "Questions by command and outcome (answered, refused, failed, timed_out)",
            ["command", "outcome"],
            registry=r,
        )
        self.acknowledge_seconds = Histogram(
            "marketbot_answer_acknowledge_seconds",
            "From the interaction's creation to its acknowledgement",
            ["command"],
            buckets=ACK_BUCKETS,
            registry=r,
        )
        self.answer_seconds = Histogram(
            "marketbot_answer_seconds",
            "From the interaction's creation to the answer sent",
            ["command"],
            buckets=ANSWER_BUCKETS,
            registry=r,
        )
        self.upstream = Counter(
            "marketbot_upstream_requests", "Requests to a data source by outcome", ["source", "outcome"], registry=r
        )
        self.upstream_seconds = Histogram(
            "marketbot_upstream_request_seconds",
            "A data source's request time",
            ["source"],
            buckets=UPSTREAM_BUCKETS,
            registry=r,
        )
        self.cycles = Counter(
            "marketbot_alert_cycles",
            "Alert cycles by mode and outcome (judged, standby, skipped, failed)",
            ["mode", "outcome"],
            registry=r,
        )
        self.cycle_seconds = Histogram(
            "marketbot_alert_cycle_seconds", "An alert cycle's duration", ["mode"], buckets=CYCLE_BUCKETS, registry=r
        )
        self.alert_events = Counter("marketbot_alert_events", "Alert events judged", ["rule", "level"], registry=r)
        self.alerts_claimed = Counter("marketbot_alerts_claimed", "Alerts and digests claimed for sending", registry=r)
        self.alerts_posted = Counter("marketbot_alerts_posted", "Alerts and digests Discord accepted", registry=r)
        self.alerts_refused = Counter(
            "marketbot_alerts_refused", "Alerts and digests Discord refused, by HTTP status", ["status"], registry=r
        )
        self.evaluator = Gauge("marketbot_alert_evaluator", "1 while this process holds the alert lock", registry=r)
        self.store_operations = Counter(
            "marketbot_store_operations",
            "Store operations by kind and outcome (ok, unavailable, error)",
            ["operation", "outcome"],
            registry=r,
        )
        self.state = StateCollector()
        r.register(self.state)

    # -- what the rest of the bot calls ------------------------------------------------------------

    def answered(self, command: str, outcome: str, acknowledged: float | None, answered: float | None) -> None:
        """One question's end: its outcome (one of OUTCOMES), and seconds from its creation when known."""
        self.answers.labels(command, outcome).inc()
        if acknowledged is not None:
            self.acknowledge_seconds.labels(command).observe(acknowledged)
        if answered is not None:
            self.answer_seconds.labels(command).observe(answered)

    def fetched(self, source: str, outcome: str, seconds: float) -> None:
        self.upstream.labels(source, outcome).inc()
        self.upstream_seconds.labels(source).observe(seconds)

    def stored(self, operation: str, outcome: str) -> None:
        self.store_operations.labels(operation, outcome).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


@dataclass(eq=False)  # registered by identity: prometheus_client keys collectors in a dict
class StateCollector(Collector):
    """States read at scrape time, from the parts that keep them (set by the runtime and the bot)."""

    readers: dict[str, Callable[[], Any]] = field(default_factory=dict)
    started: float = field(default_factory=time.time)

    def collect(self) -> Iterator[Any]:
        up = GaugeMetricFamily("marketbot_process_start_time_seconds", "When this process started (Unix time)")
        up.add_metric([], self.started)
        yield up
        for read in self.readers.values():
            try:
                yield from read()
            except Exception:  # a part not there yet (before login), or closing: no sample rather than no scrape
                continue


def gauge(name: str, documentation: str, samples: list[tuple[list[str], float]], labels: list[str] | None = None):
    """A gauge family from (label values, value) pairs."""
    family = GaugeMetricFamily(name, documentation, labels=labels or [])
    for values, value in samples:
        family.add_metric(values, value)
    return family


def counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    family = CounterMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


# -- states read at scrape time (registered by the runtime and the bot) ---------------------------------


def answer_cache_state(cache: Any) -> list[Any]:
    """commands.kit.cache.AnswerCache's counts: asked, and computed (the rest were hits)."""
    return [
        counter(
            "marketbot_answer_cache_hits",
            "Answers served from the cache of rendered answers",
            cache.asked - cache.computed,
        ),
        counter("marketbot_answer_cache_computed", "Answers computed (not found in the cache)", cache.computed),
    ]


def source_state(markets: dict[str, Any], now: Any) -> list[Any]:
    """Each data source's circuit breaker (1: open, the source is not asked) and its data's age in sessions."""
    breaker = [([name], 0.0 if market.breaker.allows(now) else 1.0) for name, market in markets.items()]
    ages = [([name], float(age)) for name, market in markets.items() if (age := market.age_sessions()) is not None]
    return [
        gauge("marketbot_upstream_breaker_open", "1 while a source's circuit breaker is open", breaker, ["source"]),
        gauge("marketbot_data_age_sessions", "Settled sessions the newest data held is behind", ages, ["source"]),
    ]


def store_state(storage: Any) -> list[Any]:
    return [
        counter(
            "marketbot_alerts_resent", "Alerts a dead run claimed and did not finish, resent here", storage.taken_over
        )
    ]


def workers_state(workers: Any) -> list[Any]:
    return [
        gauge(
            "marketbot_worker_queue_depth",
            "Work submitted to the worker processes, not yet done",
            [([], workers.pending)],
        )
    ]


def loop_state(monitor: Any) -> list[Any]:
    return [
        gauge(
            "marketbot_event_loop_worst_lag_seconds", "The event loop's worst lag since start", [([], monitor.max_lag)]
        )
    ]


def shard_state(shards: dict[int, Any]) -> list[Any]:
    """The shards this process runs: connected (1/0) and gateway latency."""
    connected = [([str(i)], 0.0 if info.is_closed() else 1.0) for i, info in shards.items()]
    latency = [([str(i)], float(info.latency)) for i, info in shards.items() if info.latency == info.latency]
    return [
        gauge("marketbot_shard_connected", "1 while a shard this process runs is connected", connected, ["shard"]),
        gauge("marketbot_shard_latency_seconds", "A shard's gateway heartbeat latency", latency, ["shard"]),
    ]
