"""The alert job as one part of the runtime: delivery, cycle and scheduler, built before the bot."""

from __future__ import annotations

import discord

from analytics.sessions import is_regular_hours
from bot.alerts.cycle import AlertCycle, CycleReport
from bot.alerts.delivery import AlertDelivery
from bot.alerts.schedule import AlertScheduler
from bot.metrics import Metrics
from bot.storage.protocol import Store
from commands.kit.command import CycleSeen, ProcessState, Services


class AlertJobs:
    """Delivery, cycle and scheduler: built before the bot, bound to its REST connection at login
    (alerts are posted over REST, whichever shard or process holds the channel's guild)."""

    def __init__(
        self,
        storage: Store,
        services: Services,
        interval: float,
        metrics: Metrics | None = None,
        process: ProcessState | None = None,
    ) -> None:
        self.storage = storage
        self.services = services
        self.interval = interval
        self.metrics = metrics
        self.process = process  # /status reads the last cycle from it
        self.delivery: AlertDelivery | None = None
        self.cycle: AlertCycle | None = None
        self.scheduler: AlertScheduler | None = None

    def bind(self, client: discord.Client) -> None:
        """After login (the bot's setup_hook): the posts go out through ``client``."""
        self.delivery = AlertDelivery(client, self.storage, self.services, self.metrics)
        self.cycle = AlertCycle(self.services.market, self.storage, self.delivery.deliver, self.services.fred)
        self.cycle.on_cycle = self._seen
        self.scheduler = AlertScheduler(
            self.cycle, self.storage, self.services.market, self.interval, self.services.clock
        )

    def _seen(self, report: CycleReport) -> None:
        """Each cycle, into the metrics and /status."""
        if self.process is not None:
            self.process.last_cycle = CycleSeen(self.services.clock(), report.mode, report.outcome, report.seconds)
        if self.metrics is None:
            return
        m = self.metrics
        m.cycles.labels(report.mode, report.outcome).inc()
        m.cycle_seconds.labels(report.mode).observe(report.seconds)
        if report.evaluator is not None:
            m.evaluator.set(1 if report.evaluator else 0)
        for event in report.events:
            m.alert_events.labels(event.rule, event.level).inc()
        m.alerts_claimed.inc(report.claimed)

    @property
    def scheduled(self) -> bool:
        """The job is scheduled in this process (for readiness)."""
        return self.scheduler is not None and self.scheduler.scheduler is not None and self.scheduler.scheduler.running

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
