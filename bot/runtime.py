"""The composition root: what `run`, `sync` and `alerts check` stand on, built in one place.

Each part lives exactly as long as an ``async with`` (discord.py's examples/advanced_startup.py
is the model) and is closed in reverse order: the alert job, the workers, the market data
(thread pools, Yahoo's and FRED's HTTP sessions), the store. The bot is built over a Runtime
by bot.app and takes its parts ready-made.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

from analytics.sources.market_data import source_key
from bot.alerts.jobs import AlertJobs
from bot.discovery import discover
from bot.metrics import Metrics, answer_cache_state, source_state, store_state, workers_state
from bot.settings import Settings
from bot.storage.open import open_store
from bot.storage.protocol import Store
from bot.wiring import open_services
from bot.workers import Workers
from commands.kit.command import Catalog, Context, ProcessState, Services, in_thread
from commands.kit.respond import Responder
from commands.kit.version import package_version

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    storage: Store
    services: Services
    responder: Responder
    alerts: AlertJobs
    workers: Workers | None  # processes start on demand: Workers.start() once logged in
    metrics: Metrics
    process: ProcessState

    @property
    def context(self) -> Context:
        """What every command is handed (answers, storage, the alert sample, the metrics, the process's state)."""
        return Context(self.responder, self.storage, self.alerts.post_sample, self.metrics, self.process)


@asynccontextmanager
async def open_runtime(
    settings: Settings, *, workers: bool = False, catalog: Catalog | None = None
) -> AsyncIterator[Runtime]:
    """Settings → store → market data → workers → alert jobs; closed in reverse order on exit.
    ``workers``: compute answers in processes (``MARKETBOT_WORKERS``), for serving;
    ``catalog``: the commands served (default: those discovered in the commands package)."""
    async with AsyncExitStack() as stack:
        storage = await open_store(settings.db)  # a database that cannot be used: one clear error here
        stack.push_async_callback(storage.close)
        log.info("Storage: %s", storage.description)
        pool = Workers(settings.workers) if workers and settings.workers else None
        if pool is not None:
            stack.push_async_callback(asyncio.to_thread, pool.close)
        offload = pool.run if pool else in_thread
        services = stack.enter_context(open_services(settings, offload=offload, catalog=catalog or discover()))
        metrics = Metrics()
        process = ProcessState(services.clock(), package_version())
        alerts = AlertJobs(storage, services, settings.alert_interval_seconds, metrics, process)
        stack.push_async_callback(alerts.stop)  # normally done by the bot's close, before the connection goes
        responder = Responder(services, observer=metrics)
        _measure(metrics, storage, services, responder, pool)
        yield Runtime(settings, storage, services, responder, alerts, pool, metrics, process)


def _measure(metrics: Metrics, storage: Store, services: Services, responder: Responder, pool: Workers | None) -> None:
    """Hook the parts that count into the metrics, and register the states read at scrape time."""
    storage.observe = metrics.stored
    sources = {"market": services.market, **({"fred": services.fred} if services.fred is not None else {})}
    for market in sources.values():
        market.observe = metrics.fetched
    readers = metrics.state.readers
    readers["answer_cache"] = lambda: answer_cache_state(responder.cache)
    readers["sources"] = lambda: source_state(
        {source_key(m.source.name): m for m in sources.values()}, services.clock()
    )
    readers["store"] = lambda: store_state(storage)
    if pool is not None:
        readers["workers"] = lambda: workers_state(pool)
