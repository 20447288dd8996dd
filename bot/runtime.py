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

import discord

from analytics.sessions import is_regular_hours
from bot.alert_cycle import AlertCycle, CycleReport
from bot.alert_delivery import AlertDelivery
from bot.alert_schedule import AlertScheduler
from bot.settings import Settings
from bot.store import Store, open_store
from bot.wiring import open_services
from bot.workers import Workers
from commands.respond import Responder
from commands.services import Services, in_thread

log = logging.getLogger(__name__)


class AlertJobs:
    """Delivery, cycle and scheduler: built before the bot, bound to its REST connection at login
    (alerts are posted over REST, whichever shard or process holds the channel's guild)."""

    def __init__(self, storage: Store, services: Services, interval: float) -> None:
        self.storage = storage
        self.services = services
        self.interval = interval
        self.delivery: AlertDelivery | None = None
        self.cycle: AlertCycle | None = None
        self.scheduler: AlertScheduler | None = None

    def bind(self, client: discord.Client) -> None:
        """After login (the bot's setup_hook): the posts go out through ``client``."""
        self.delivery = AlertDelivery(client, self.storage, self.services)
        self.cycle = AlertCycle(self.services.market, self.storage, self.delivery.deliver)
        self.scheduler = AlertScheduler(self.cycle, self.storage, self.services.market, self.interval, self.services.clock)

    async def post_sample(self, channel_id: int, role_id: int | None) -> None:
        assert self.delivery is not None, "bind() first"
        await self.delivery.post_sample(channel_id, role_id)

    def schedule(self) -> None:
        """Tick every ``interval`` from now on (needs the running loop)."""
        assert self.scheduler is not None, "bind() first"
        self.scheduler.start()

    async def check_once(self) -> CycleReport:
        """One cycle now, on live prices while the NYSE is open; returns when its posts are out."""
        assert self.cycle is not None and self.delivery is not None, "bind() first"
        market = self.services.market
        live = market.source.live and is_regular_hours(self.services.clock())
        report = await self.cycle.run("intraday" if live else "settled")
        await self.delivery.drain()  # retries included
        return report

    async def stop(self, drain_seconds: float | None = None) -> int:
        """No new cycle, the running one finishes its claims; then wait up to ``drain_seconds``
        for the posts under way. Returns how many were left unsent. Safe to call twice."""
        if self.scheduler is not None:
            await self.scheduler.shutdown()
        return await self.delivery.drain(drain_seconds) if self.delivery is not None else 0


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    storage: Store
    services: Services
    responder: Responder
    alerts: AlertJobs
    workers: Workers | None  # processes start on demand: Workers.start() once logged in


@asynccontextmanager
async def open_runtime(settings: Settings, *, workers: bool = False) -> AsyncIterator[Runtime]:
    """Settings → store → market data → workers → alert jobs; closed in reverse order on exit.
    ``workers``: compute answers in processes (``MARKETBOT_WORKERS``), for serving."""
    async with AsyncExitStack() as stack:
        storage = await open_store(settings.db)  # a database that cannot be used: one clear error here
        stack.push_async_callback(storage.close)
        log.info("Storage: %s", storage.description)
        pool = Workers(settings.workers) if workers and settings.workers else None
        if pool is not None:
            stack.push_async_callback(asyncio.to_thread, pool.close)
        services = stack.enter_context(open_services(settings, offload=pool.run if pool else in_thread))
        alerts = AlertJobs(storage, services, settings.alert_interval_seconds)
        stack.push_async_callback(alerts.stop)  # normally done by the bot's close, before the connection goes
        yield Runtime(settings, storage, services, Responder(services), alerts, pool)
