"""When alert cycles run: APScheduler's asyncio scheduler, one job in code, the NYSE calendar.

The job ticks every few minutes. While the regular session is open (live data
only) it judges the latest prices against the previous settled close; once a
session has settled it judges the settled bar, once. Holidays and half days
come from the calendar, so the tick needs no cron arithmetic. On start the
job runs at once: after downtime the last settled session is judged, and
older ones are never re-announced.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

import pandas as pd
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from analytics.sessions import is_regular_hours
from analytics.sources.market_data import MarketData
from bot.alerts.cycle import AlertCycle, CycleReport, Mode
from bot.storage.protocol import Store
from commands.kit.store import StoreUnavailable

log = logging.getLogger(__name__)

NEW_YORK = "America/New_York"
JOB_ID = "alert-cycle"
SETTLED_KEY = "alerts:last_settled_session"
MISFIRE_GRACE = 300  # seconds: a busy loop delays a run, it must not skip it silently


def cycle_mode(now: pd.Timestamp, live: bool, last_settled: pd.Timestamp, settled_done: str | None) -> Mode | None:
    """What a tick at ``now`` should judge, if anything."""
    if live and is_regular_hours(now):
        return "intraday"
    if settled_done != last_settled.date().isoformat():
        return "settled"
    return None


class AlertScheduler:
    def __init__(
        self, cycle: AlertCycle, storage: Store, market: MarketData, interval: float, clock: Callable[[], pd.Timestamp]
    ) -> None:
        self.cycle = cycle
        self.storage = storage
        self.market = market
        self.interval = interval
        self.clock = clock
        self.scheduler: AsyncIOScheduler | None = None

    def start(self) -> None:
        """Needs the running loop: call from the bot's setup_hook."""
        self.scheduler = AsyncIOScheduler(timezone=NEW_YORK)
        self.scheduler.add_job(
            self.tick,
            IntervalTrigger(seconds=self.interval, timezone=NEW_YORK),
            id=JOB_ID,
            replace_existing=True,
            misfire_grace_time=MISFIRE_GRACE,
            coalesce=True,
            max_instances=1,
            next_run_time=dt.datetime.now(dt.UTC),  # at once: catch up after downtime
        )
        self.scheduler.start()

    async def shutdown(self) -> None:
        """No new cycle; the one running finishes its claims and hand-offs (cancelling it could strand them)."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.pause()
            await self.cycle.wait_idle()
            self.scheduler.shutdown(wait=False)

    async def tick(self) -> CycleReport | None:
        try:
            try:
                done = await self.storage.get_meta(SETTLED_KEY)
                if done and await self.storage.unfinished_elsewhere(done):
                    done = None  # a restart cut that session's posts short: judge it again, which resends them
            except asyncio.CancelledError:  # shutdown, while this tick waited on a database that is down
                log.info("Alert tick stopped at shutdown before its cycle began")
                return None
            mode = cycle_mode(self.clock(), self.market.source.live, self.market.last_session(), done)
            if mode is None:
                return None
            report = await self.cycle.run(mode)
            if report.standby:  # said once by the cycle
                return report
            if mode == "settled" and report.session is not None and not report.skipped:
                await self.storage.set_meta(SETTLED_KEY, report.session.date().isoformat())
            if report.events or report.skipped:
                log.info(
                    "Alert cycle (%s, %s): %d events, %d alerts claimed, skipped: %s",
                    mode,
                    report.session.date() if report.session is not None else "-",
                    len(report.events),
                    report.claimed,
                    report.skipped or "none",
                )
            return report
        except StoreUnavailable as exc:  # an expected event (the store logged what the database said)
            log.warning("Alert cycle put off until the next tick: the database is unavailable (%s)", exc.detail)
            return None
        except Exception:  # a failing cycle must not kill the job: log it, the next tick tries again
            log.exception("Alert cycle failed")
            return None
