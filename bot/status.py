"""`marketbot status`: the operator's view of the whole database, and of a running bot's metrics.

Reads only: the store is opened without taking the alert lock, and the metrics are scraped from
the bot running on MARKETBOT_METRICS_PORT (when set and reachable; said otherwise).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter, defaultdict
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from bot.alerts.schedule import SETTLED_KEY
from bot.settings import Settings
from bot.storage.open import open_store
from bot.wiring import open_services

SCRAPE_SECONDS = 2.0


async def operator_status(settings: Settings) -> str:
    storage = await open_store(settings.db)
    try:
        subs = await storage.subscriptions()
        last = await storage.last_deliveries(s.id for s in subs)
        watchlists = await storage.watchlists()
        settled = await storage.get_meta(SETTLED_KEY)
        where = storage.description
    finally:
        await storage.close()
    with open_services(settings) as services:
        sources = [services.market.describe(), *([services.fred.describe()] if services.fred is not None else [])]
    rules = Counter(s.rule for s in subs)
    paused = [s for s in subs if not s.active]
    lines = [
        f"marketbot status ({where})",
        f"Subscriptions: {len(subs)} in {len({s.guild_id for s in subs})} servers"
        + (f" ({', '.join(f'{rule} {n}' for rule, n in sorted(rules.items()))})" if subs else "")
        + (f"; {len(paused)} paused:" if paused else ""),
        *(f"  server {s.guild_id} channel {s.channel_id} {s.rule}: {s.paused_reason}" for s in paused),
        "Last alerts: " + (_deliveries(list(last.values())) or "none yet"),
        f"Watchlists: {len(watchlists)} servers, {sum(map(len, watchlists.values()))} symbols",
        f"Alerts judged through the session of: {settled or 'none yet'}",
        *(f"Data: {text}" for text in sources),
        _metrics(settings),
    ]
    return "\n".join(lines)


def _deliveries(deliveries: list[Any]) -> str:
    """Each subscription's latest alert, counted by session, rule, level and state."""
    counts = Counter((d.session, d.rule, d.level, d.state) for d in deliveries)
    newest = sorted(counts.items(), reverse=True)[:5]
    return "; ".join(f"{session} {rule} {level}: {n} {state}" for (session, rule, level, state), n in newest)


def _metrics(settings: Settings) -> str:
    """A running bot's metrics, summed up; or why there are none."""
    if settings.metrics_port is None:
        return "Metrics: MARKETBOT_METRICS_PORT is not set (the bot serves none)."
    url = f"http://{settings.metrics_host}:{settings.metrics_port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=SCRAPE_SECONDS) as response:
            text = response.read().decode()
    except (urllib.error.URLError, OSError) as exc:
        return f"Metrics: no bot answers on {url} ({getattr(exc, 'reason', exc)})."
    return f"Metrics ({url}): " + summarize(text)


def summarize(exposition: str) -> str:
    """The figures an operator looks at first, from Prometheus' text format."""
    totals: dict[str, defaultdict[str, float]] = {}
    values: dict[str, float] = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                label = sample.labels.get("outcome") or sample.labels.get("status") or ""
                totals.setdefault(sample.name, defaultdict(float))[label] += sample.value
            elif not sample.name.endswith(("_bucket", "_sum", "_count", "_created")):
                values[f"{sample.name}{sample.labels.get('source', '')}"] = sample.value

    def by(name: str) -> str:
        counts = totals.get(name, defaultdict(float))
        parts = ", ".join(f"{label or 'all'} {n:.0f}" for label, n in sorted(counts.items()))
        return f"{sum(counts.values()):.0f}" + (f" ({parts})" if parts else "")

    prefix = "marketbot_upstream_breaker_open"
    breakers = [key.removeprefix(prefix) for key, value in values.items() if key.startswith(prefix) and value]
    return "; ".join(
        [
            f"answers {by('marketbot_answers_total')}",
            f"cache hits {sum(totals.get('marketbot_answer_cache_hits_total', {}).values()):.0f}",
            f"upstream requests {by('marketbot_upstream_requests_total')}",
            f"breakers open: {', '.join(breakers) or 'none'}",
            f"alert cycles {by('marketbot_alert_cycles_total')}",
            f"alerts posted {by('marketbot_alerts_posted_total')}, refused {by('marketbot_alerts_refused_total')}",
            f"evaluator: {'this process' if values.get('marketbot_alert_evaluator') else 'not this process'}",
            f"worst loop lag {values.get('marketbot_event_loop_worst_lag_seconds', 0) * 1000:.0f} ms",
        ]
    )
