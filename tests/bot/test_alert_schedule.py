"""When alert cycles run: cycle_mode on the NYSE calendar, and the APScheduler job around AlertCycle."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from types import SimpleNamespace

import pandas as pd
import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from apscheduler.triggers.interval import IntervalTrigger

from analytics.sessions import last_settled_session
from bot.alerts.cycle import CycleReport
from bot.alerts.schedule import JOB_ID, MISFIRE_GRACE, NEW_YORK, SETTLED_KEY, AlertScheduler, cycle_mode
from bot.settings import Settings
from bot.storage.sqlite import SqliteStore
from bot.wiring import build_fred_data, build_market_data
from tests.pg_server import postgres_server  # noqa: F401  (a fixture)

T = pd.Timestamp
NOW = T("2026-11-24 15:00Z")


def ny(local: str) -> pd.Timestamp:
    """A New York wall-clock time as the UTC timestamp the bot's clock gives."""
    return T(local, tz=NEW_YORK).tz_convert("UTC")


def mode_at(local: str, live: bool, done: str | None) -> str | None:
    now = ny(local)
    return cycle_mode(now, live, last_settled_session(now), done)


# ---------------------------------------------------------------- cycle_mode


def test_a_normal_weekday_during_the_session():
    now = ny("2025-11-25 11:00")  # a Tuesday
    assert now == T("2025-11-25 16:00Z")
    assert last_settled_session(now) == T("2025-11-24")
    for done in (None, "2025-11-21", "2025-11-24"):
        assert mode_at("2025-11-25 11:00", live=True, done=done) == "intraday"
    # The snapshot is not live: only settled bars are judged, once each.
    assert mode_at("2025-11-25 11:00", live=False, done=None) == "settled"
    assert mode_at("2025-11-25 11:00", live=False, done="2025-11-21") == "settled"
    assert mode_at("2025-11-25 11:00", live=False, done="2025-11-24") is None


@pytest.mark.parametrize(
    ("local", "intraday"),
    [("2025-11-25 09:29", False), ("2025-11-25 09:30", True), ("2025-11-25 15:59", True), ("2025-11-25 16:00", False)],
)
def test_the_regular_session_bounds(local, intraday):
    done = last_settled_session(ny(local)).date().isoformat()
    assert mode_at(local, live=True, done=done) == ("intraday" if intraday else None)


@pytest.mark.parametrize(("day", "last"), [("2025-12-25", "2025-12-24"), ("2026-01-01", "2025-12-31")])
def test_a_holiday_is_never_intraday(day, last):
    now = ny(f"{day} 11:00")
    assert last_settled_session(now) == T(last)
    assert mode_at(f"{day} 11:00", live=True, done=None) == "settled"
    assert mode_at(f"{day} 11:00", live=True, done=last) is None


def test_the_half_day_after_thanksgiving_closes_at_13_00():
    assert mode_at("2025-11-28 12:30", live=True, done="2025-11-26") == "intraday"
    # 13:10: closed, but the close has not settled yet (20 minutes): the last settled session is Wednesday.
    assert last_settled_session(ny("2025-11-28 13:10")) == T("2025-11-26")
    assert mode_at("2025-11-28 13:10", live=True, done="2025-11-26") is None
    now = ny("2025-11-28 14:00")
    assert last_settled_session(now) == T("2025-11-28")
    assert mode_at("2025-11-28 14:00", live=True, done="2025-11-26") == "settled"
    assert mode_at("2025-11-28 14:00", live=True, done=None) == "settled"
    assert mode_at("2025-11-28 14:00", live=True, done="2025-11-28") is None


@pytest.mark.parametrize("local", ["2025-11-29 11:00", "2025-11-30 23:00"])
@pytest.mark.parametrize("live", [True, False])
def test_a_weekend_judges_only_an_unjudged_settled_session(local, live):
    assert last_settled_session(ny(local)) == T("2025-11-28")
    assert mode_at(local, live, done="2025-11-26") == "settled"
    assert mode_at(local, live, done="2025-11-28") is None


# ---------------------------------------------------------------- the scheduler


class CycleFake:
    """Stands in for AlertCycle: records the modes it ran in, returns a report, or raises."""

    def __init__(self, report: CycleReport | None = None, error: Exception | None = None) -> None:
        self.report = report
        self.error = error
        self.modes: list[str] = []
        self.ran = asyncio.Event()

    async def run(self, mode):
        self.modes.append(mode)
        self.ran.set()
        if self.error is not None:
            raise self.error
        return self.report if self.report is not None else CycleReport(mode, session=T("2023-03-13"))

    async def wait_idle(self):
        """Never busy between runs: nothing to wait for."""


@pytest.fixture
async def storage(tmp_path):
    storage = await SqliteStore.open(tmp_path / "marketbot.db")
    yield storage
    await storage.close()


@pytest.fixture
def market():
    """The snapshot cut at 2023-03-13: not live, last session 2023-03-13."""
    return build_market_data(Settings(data_source="snapshot", as_of=dt.date(2023, 3, 13)), clock=lambda: NOW)


def scheduler(cycle, storage, market, interval: float = 300) -> AlertScheduler:
    return AlertScheduler(cycle, storage, market, interval, clock=lambda: NOW)


async def drain_loop() -> None:
    """Let the callbacks already queued on the loop run (AsyncIOScheduler defers its shutdown to one)."""
    done = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().call_soon(done.set_result, None)
    await done


def start_watching(sched: AlertScheduler, outcomes: list[int] | None = None) -> asyncio.Event:
    """Start the scheduler; the event is set when a run of the job has ended (its outcome appended)."""
    loop, finished = asyncio.get_running_loop(), asyncio.Event()
    sched.start()
    # Added before the loop gets control, so before the first run can end.
    sched.scheduler.add_listener(
        lambda event: (outcomes is not None and outcomes.append(event.code), loop.call_soon_threadsafe(finished.set)),
        EVENT_JOB_EXECUTED | EVENT_JOB_ERROR,
    )
    return finished


async def test_start_adds_the_job_and_runs_it_at_once(storage, market):
    cycle = CycleFake()
    sched = scheduler(cycle, storage, market, interval=120)
    outcomes: list[int] = []
    before = dt.datetime.now(dt.UTC)
    finished = start_watching(sched, outcomes)
    try:
        job = sched.scheduler.get_job(JOB_ID)
        assert job is not None and job.id == "alert-cycle"
        assert job.func == sched.tick
        assert job.misfire_grace_time == MISFIRE_GRACE == 300
        assert job.coalesce is True and job.max_instances == 1
        assert isinstance(job.trigger, IntervalTrigger)
        assert job.trigger.interval == dt.timedelta(seconds=120)
        assert str(job.trigger.timezone) == NEW_YORK == str(sched.scheduler.timezone)
        assert abs(job.next_run_time - before) < dt.timedelta(seconds=5)  # at once, not in 120 s

        await asyncio.wait_for(finished.wait(), 5)
        assert outcomes == [EVENT_JOB_EXECUTED] and cycle.modes == ["settled"]
        assert await storage.get_meta(SETTLED_KEY) == "2023-03-13"
        next_run = sched.scheduler.get_job(JOB_ID).next_run_time
        assert dt.timedelta(seconds=115) < next_run - before < dt.timedelta(seconds=125)
    finally:
        await sched.shutdown()
        await drain_loop()
    assert not sched.scheduler.running
    assert cycle.modes == ["settled"]


async def test_shutdown_before_start_or_twice_is_harmless(storage, market):
    sched = scheduler(CycleFake(), storage, market)
    await sched.shutdown()  # never started
    finished = start_watching(sched)
    assert sched.scheduler.running
    await asyncio.wait_for(finished.wait(), 5)  # the first run is over: nothing in flight to cancel
    await sched.shutdown()
    await drain_loop()
    assert not sched.scheduler.running
    await sched.shutdown()  # already stopped


async def test_a_settled_tick_runs_once_per_session(storage, market):
    cycle = CycleFake()
    sched = scheduler(cycle, storage, market)
    report = await sched.tick()
    assert report is not None and report.session == T("2023-03-13")
    assert await storage.get_meta(SETTLED_KEY) == "2023-03-13"
    assert await sched.tick() is None
    assert await sched.tick() is None
    assert cycle.modes == ["settled"]


async def test_a_settled_session_already_judged_before_a_restart_is_not_judged_again(storage, market):
    await storage.set_meta(SETTLED_KEY, "2023-03-13")
    cycle = CycleFake()
    assert await scheduler(cycle, storage, market).tick() is None
    assert cycle.modes == []


@pytest.mark.parametrize(
    "report",
    [CycleReport("settled", session=T("2023-03-13"), skipped=["Yahoo Finance is unreachable."]),
     CycleReport("settled", session=None)],  # no subscriptions: nothing was judged
    ids=["skipped", "nothing-judged"],
)  # fmt: skip
async def test_a_settled_tick_that_judged_nothing_is_retried(storage, market, report):
    cycle = CycleFake(report)
    sched = scheduler(cycle, storage, market)
    assert await sched.tick() is report
    assert await storage.get_meta(SETTLED_KEY) is None
    assert await sched.tick() is report
    assert cycle.modes == ["settled", "settled"]


async def test_an_intraday_tick_does_not_mark_the_session_done(storage):
    live_market = SimpleNamespace(source=SimpleNamespace(live=True), last_session=lambda: T("2025-11-24"))
    cycle = CycleFake(CycleReport("intraday", session=T("2025-11-25")))
    sched = AlertScheduler(cycle, storage, live_market, 300, clock=lambda: ny("2025-11-25 11:00"))
    await sched.tick()
    await sched.tick()
    assert cycle.modes == ["intraday", "intraday"]
    assert await storage.get_meta(SETTLED_KEY) is None


async def test_a_failing_cycle_is_logged_and_the_job_survives(storage, market, caplog):
    cycle = CycleFake(error=RuntimeError("boom"))
    sched = scheduler(cycle, storage, market)
    with caplog.at_level(logging.ERROR, logger="bot.alerts.schedule"):
        assert await sched.tick() is None
    (record,) = [r for r in caplog.records if r.name == "bot.alerts.schedule"]
    assert record.getMessage() == "Alert cycle failed" and record.exc_info[0] is RuntimeError
    assert await storage.get_meta(SETTLED_KEY) is None

    cycle.error = None  # the next tick tries again
    assert (await sched.tick()).session == T("2023-03-13")
    assert cycle.modes == ["settled", "settled"] and await storage.get_meta(SETTLED_KEY) == "2023-03-13"


async def test_a_failing_job_run_does_not_stop_the_scheduler(storage, market):
    cycle = CycleFake(error=RuntimeError("boom"))
    sched = scheduler(cycle, storage, market)
    outcomes: list[int] = []
    finished = start_watching(sched, outcomes)
    try:
        await asyncio.wait_for(finished.wait(), 5)
        assert outcomes == [EVENT_JOB_EXECUTED]  # tick caught it: APScheduler saw a normal run
        assert sched.scheduler.running and sched.scheduler.get_job(JOB_ID) is not None
    finally:
        await sched.shutdown()
        await drain_loop()
    assert not sched.scheduler.running


async def test_a_postgres_restart_mid_run_is_an_expected_event_and_the_next_tick_catches_up(postgres_server, market, caplog):
    """The real cycle on a real PostgreSQL that restarts: the tick says why it did nothing (no traceback),
    and the next one, with the server back, sends the session's alert."""
    from bot.alerts.cycle import AlertCycle
    from bot.storage.open import open_store
    from commands.kit.store import NewSubscription

    store = await open_store(postgres_server.create_database())
    sent = []

    async def deliver(post, prices, dues):
        for due in dues:
            assert await store.attempt(due.key)
            await store.finish(due.key, message_id=1)
            sent.append(due.key)

    try:
        await store.subscribe([NewSubscription(1, 2, "kre", "standard", None, 3)])
        fred = build_fred_data(Settings(data_source="snapshot", as_of=dt.date(2023, 3, 13)), clock=lambda: NOW)
        sched = scheduler(AlertCycle(market, store, deliver, fred), store, market)
        postgres_server.stop("fast")
        try:
            with caplog.at_level(logging.WARNING):
                assert await sched.tick() is None
        finally:
            postgres_server.start()
        assert "the database is unavailable" in caplog.text
        assert not any(r.exc_info for r in caplog.records) and "Alert cycle failed" not in caplog.text
        assert sent == []
        report = await sched.tick()
        assert report.claimed == 1 and [k.session for k in sent] == ["2023-03-13"]
        assert await store.get_meta(SETTLED_KEY) == "2023-03-13"
    finally:
        await store.close()
