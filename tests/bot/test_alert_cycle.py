"""AlertCycle on the real snapshot and a real database; only Discord (``deliver``) is faked."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import sqlite3
from contextlib import closing
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from analytics.alerts.events import PRESETS, AlertEvent
from analytics.alerts.rules import RULES
from analytics.digest import CREDIT_SYMBOLS
from analytics.errors import DataUnavailable, Unreachable, UpstreamError
from analytics.sources.base import Fetched
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource
from bot.alerts import cycle as alert_cycle
from bot.alerts.cycle import Alert, AlertCycle, Due, nonce_for
from bot.alerts.schedule import SETTLED_KEY, AlertScheduler
from bot.settings import Settings
from bot.storage.sqlite import SqliteStore
from bot.wiring import build_fred_data, build_market_data
from commands.alerts.messages import series
from commands.kit.store import NewSubscription
from tests.sources.conftest import Clock, yf_cache  # noqa: F401 (a fixture)

NOW = pd.Timestamp("2026-11-24 15:00Z")
T = pd.Timestamp
MARCH_13 = dt.date(2023, 3, 13)
CREDIT = set(CREDIT_SYMBOLS)  # the credit reading's: fetched (once each) when a KRE alert fires after the close
GUILD, USER = 100, 7


def market_at(as_of: dt.date) -> MarketData:
    return build_market_data(Settings(data_source="snapshot", as_of=as_of), clock=lambda: NOW)


def fred_at(as_of: dt.date) -> MarketData:
    """FRED as the bot has it beside ``market_at`` (the bundled DGS2): the alert job hands it to the cycle."""
    return build_fred_data(Settings(data_source="snapshot", as_of=as_of), clock=lambda: NOW)


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "marketbot.db"


@pytest.fixture
async def storage(db_path):
    storage = await SqliteStore.open(db_path)
    yield storage
    await storage.close()


async def subscribe(storage: SqliteStore, rule: str = "kre", preset: str = "standard", channel: int = 10):
    ((sub, created),) = await storage.subscribe([NewSubscription(GUILD, channel, rule, preset, None, USER)])
    assert created
    return sub


class Recorder:
    """The Discord boundary: records every call and, like AlertDelivery, records each due's attempt, then as sent."""

    def __init__(self, storage: SqliteStore | None = None, *, hold: asyncio.Event | None = None) -> None:
        self.storage = storage
        self.hold = hold
        self.calls: list[tuple[AlertEvent, str, object, list[Due]]] = []
        self.posts: list[object] = []  # as handed over: an Alert or a Digest

    async def __call__(self, post, prices, dues) -> None:
        self.posts.append(post)
        event = post.event if isinstance(post, Alert) else post  # an alert goes with its credit-or-rates reading
        self.calls.append((event, event.preset, prices, list(dues)))
        if self.hold is not None:  # a send that takes a while
            await asyncio.wait_for(self.hold.wait(), 5)
        if self.storage is not None:
            for due in dues:
                assert await self.storage.attempt(due.key)
                await self.storage.finish(due.key, message_id=1000 + due.subscription.id)

    @property
    def dues(self) -> list[Due]:
        return [due for *_, dues in self.calls for due in dues]


def sent_keys(storage: SqliteStore) -> list[tuple]:
    """The deliveries table, read through a connection of its own."""
    with closing(sqlite3.connect(storage.path)) as db:
        return db.execute("SELECT subscription_id, rule, session, level, state FROM deliveries ORDER BY 1, 2, 3, 4").fetchall()


# ---------------------------------------------------------------- the basic cycle


async def test_without_subscriptions_nothing_is_fetched_or_delivered(storage):
    market, deliver = market_at(MARCH_13), Recorder(storage)
    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")
    assert market.upstream_calls == 0 and deliver.calls == []
    assert (report.mode, report.session, report.events, report.claimed, report.skipped) == ("settled", None, [], 0, [])


async def test_only_paused_subscriptions_fetch_nothing(storage):
    await storage.pause((await subscribe(storage)).id, "the channel is gone")
    market, deliver = market_at(MARCH_13), Recorder(storage)
    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")
    assert market.upstream_calls == 0 and deliver.calls == [] and report.events == []


async def test_kre_on_2023_03_13_is_one_sharp_event_delivered_once_to_each_subscription(storage):
    subs = [await subscribe(storage, channel=c) for c in (10, 11, 12)]
    market, deliver = market_at(MARCH_13), Recorder(storage)

    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")

    # One fetch per symbol the rule reads or the KRE alert's credit reading needs, each once.
    assert market.upstream_calls == len(set(RULES["kre"].symbols) | CREDIT)
    assert report.session == T("2023-03-13") and report.skipped == []
    (event,) = report.events
    assert event.key == ("kre", "2023-03-13", "sharp") and series(event.watched) == "KRE"
    assert report.claimed == 3
    ((delivered, preset, prices, dues),) = deliver.calls  # rendered once, fanned out to every subscription
    assert delivered is event and preset == "standard"
    assert prices.closes.index[-1] == T("2023-03-13") and {"KRE", "SPY"} <= set(prices.closes.columns)
    assert [d.subscription for d in dues] == subs
    assert [d.key for d in dues] == [(s.id, "kre", "2023-03-13", "sharp") for s in subs]
    nonces = [d.nonce for d in dues]
    assert nonces == [nonce_for(d.key) for d in dues]
    assert all(0 < len(n) <= 25 for n in nonces) and len(set(nonces)) == 3
    assert nonce_for((subs[0].id, "kre", "2023-03-13", "sharp")) == nonces[0]  # stable: the same alert, the same nonce
    assert sent_keys(storage) == [(s.id, "kre", "2023-03-13", "sharp", "sent") for s in subs]


async def test_a_restart_delivers_nothing_twice(storage, db_path):
    subs = [await subscribe(storage, channel=c) for c in (10, 11)]
    first = Recorder(storage)
    await AlertCycle(market_at(MARCH_13), storage, first, fred_at(MARCH_13)).run("settled")
    assert len(first.dues) == 2

    await storage.close()  # the first process ends, and with it its hold on the evaluator lock
    restarted = await SqliteStore.open(db_path)  # a new process: new storage, new cycle, new market
    try:
        again = Recorder(restarted)
        report = await AlertCycle(market_at(MARCH_13), restarted, again, fred_at(MARCH_13)).run("settled")
    finally:
        await restarted.close()
    assert [e.key for e in report.events] == [("kre", "2023-03-13", "sharp")]  # judged again...
    assert report.claimed == 0 and again.calls == []  # ...but not sent again
    assert sent_keys(storage) == [(s.id, "kre", "2023-03-13", "sharp", "sent") for s in subs]


async def test_a_crash_between_sending_and_recording_resends_with_the_same_nonce(storage, db_path):
    await subscribe(storage)
    crashed = Recorder(None)  # sends, never records
    await AlertCycle(market_at(MARCH_13), storage, crashed, fred_at(MARCH_13)).run("settled")

    await storage.close()  # the crash: the OS frees the dead process's evaluator lock
    restarted = await SqliteStore.open(db_path)
    try:
        again = Recorder(restarted)
        await AlertCycle(market_at(MARCH_13), restarted, again, fred_at(MARCH_13)).run("settled")
    finally:
        await restarted.close()
    assert [d.nonce for d in again.dues] == [d.nonce for d in crashed.dues]  # Discord refuses the duplicate
    assert [r[4] for r in sent_keys(storage)] == ["sent"]


# ---------------------------------------------------------------- two cycles at once


async def test_two_cycles_at_once_in_one_process_deliver_each_alert_once_in_total(storage):
    """Overlapping cycles of one process (one Storage); each send lasts until both cycles have claimed."""
    subs = [await subscribe(storage, channel=c) for c in (10, 11)]
    both_claimed, claims = asyncio.Event(), []
    claim = storage.claim

    async def counted(*args, **kwargs):
        try:
            return await claim(*args, **kwargs)
        finally:
            claims.append(1)
            if len(claims) == 2:
                both_claimed.set()

    storage.claim = counted
    recorders = [Recorder(storage, hold=both_claimed) for _ in range(2)]
    runs = [AlertCycle(market_at(MARCH_13), storage, r, fred_at(MARCH_13)) for r in recorders]
    reports = await asyncio.gather(*(c.run("settled") for c in runs))
    assert len(claims) == 2 and all(r.events and not r.skipped for r in reports)
    dues = [due for r in recorders for due in r.dues]
    assert sorted(d.key for d in dues) == [(s.id, "kre", "2023-03-13", "sharp") for s in subs]
    assert sent_keys(storage) == [(s.id, "kre", "2023-03-13", "sharp", "sent") for s in subs]


async def test_a_second_process_on_the_same_database_stands_by_until_the_first_ends(storage, db_path, caplog):
    subs = [await subscribe(storage, channel=c) for c in (10, 11)]
    assert await storage.is_evaluator()  # the first process started first
    second = await SqliteStore.open(db_path)  # another bot process on the same database
    try:
        firsts, seconds = Recorder(storage), Recorder(second)
        cycles = (
            AlertCycle(market_at(MARCH_13), storage, firsts, fred_at(MARCH_13)),
            AlertCycle(market_at(MARCH_13), second, seconds, fred_at(MARCH_13)),
        )
        first_report, second_report = await asyncio.gather(*(c.run("settled") for c in cycles))
        for _ in range(2):  # it says so once, not on every tick
            second_report = await cycles[1].run("settled")
        assert first_report.claimed == 2 and not first_report.skipped and not first_report.standby
        assert second_report.standby and second_report.claimed == 0 and seconds.calls == []
        assert second_report.skipped == ["another marketbot process is sending this database's alerts"]
        assert sum("stands by" in r.message for r in caplog.records) == 1
        assert sorted(d.key for d in firsts.dues) == [(s.id, "kre", "2023-03-13", "sharp") for s in subs]

        await storage.close()  # the first process ends: the second takes over, and has nothing left to send
        taken_over = await cycles[1].run("settled")
        assert not taken_over.standby and taken_over.events and taken_over.claimed == 0 and seconds.calls == []
    finally:
        await second.close()
    assert sent_keys(second) == [(s.id, "kre", "2023-03-13", "sharp", "sent") for s in subs]


# ---------------------------------------------------------------- cost: one evaluation per (rule, preset)


async def test_ten_subscriptions_cost_one_fetch_per_symbol_and_one_evaluation_per_rule_and_preset(storage, monkeypatch):
    plan = [("kre", "sensitive"), ("kre", "sensitive"), ("kre", "standard"), ("kre", "standard"), ("kre", "quiet"),
            ("ratio", "sensitive"), ("ratio", "standard"), ("ratio", "standard"), ("ratio", "quiet"), ("ratio", "quiet")]  # fmt: skip
    subs = [await subscribe(storage, rule, preset, channel=10 + i) for i, (rule, preset) in enumerate(plan)]
    evaluated: list[tuple[str, str]] = []
    fired: dict[tuple[str, str], list[AlertEvent]] = {}
    real = alert_cycle.evaluate

    def counting_evaluate(closes, rule, session, preset="standard", latest=None):
        evaluated.append((rule, preset))
        result = real(closes, rule, session, preset, latest)
        fired[(rule, preset)] = list(result.events)
        return result

    monkeypatch.setattr(alert_cycle, "evaluate", counting_evaluate)
    market, deliver = market_at(MARCH_13), Recorder(storage)

    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")

    # Each once, with the credit line's symbols for the KRE alert's message.
    assert market.upstream_calls == len({s for rule in RULES.values() for s in rule.symbols} | CREDIT)
    assert sorted(evaluated) == sorted(set(plan)) and len(evaluated) == 6
    for event, preset, _, dues in deliver.calls:
        assert event in fired[(event.rule, preset)]
        assert all((d.subscription.rule, d.subscription.preset) == (event.rule, preset) for d in dues)
    delivered = [d.subscription.id for d in deliver.dues]
    assert len(delivered) == len(set(delivered))  # each subscription at most once
    expected = [s.id for s in subs if fired[(s.rule, s.preset)]]
    assert sorted(delivered) == expected and report.claimed == len(expected)
    assert all(fired[("kre", p)][0].level == "sharp" for p in PRESETS)  # KRE's fall is sharp at every preset


async def test_paused_subscriptions_get_nothing(storage):
    active = await subscribe(storage, channel=10)
    paused = await subscribe(storage, channel=11)
    await storage.pause(paused.id, "no permission to post there")
    deliver = Recorder(storage)
    report = await AlertCycle(market_at(MARCH_13), storage, deliver, fred_at(MARCH_13)).run("settled")
    assert [d.subscription.id for d in deliver.dues] == [active.id] and report.claimed == 1
    assert [r[0] for r in sent_keys(storage)] == [active.id]


# ---------------------------------------------------------------- nothing to judge


class FailingSource:
    """A live source that cannot be reached: fetch fails (raising, or per symbol)."""

    name = "Yahoo Finance"
    live = True

    def __init__(self, error: Exception, raises: bool) -> None:
        self.error, self.raises = error, raises

    def last_session(self, now):
        return T("2023-03-13")

    def fetch(self, symbols, start, now):
        if self.raises:
            raise self.error
        return Fetched(errors={s: self.error for s in symbols})


@pytest.mark.parametrize("raises", [True, False], ids=["fetch-raises", "per-symbol-error"])
@pytest.mark.parametrize("mode", ["settled", "intraday"])
async def test_a_data_failure_delivers_nothing_and_says_why(storage, raises, mode):
    await subscribe(storage)
    error = Unreachable("Yahoo Finance is unreachable (timed out).") if not raises else DataUnavailable("No data.")
    market = MarketData(FailingSource(error, raises), clock=lambda: NOW)
    deliver = Recorder(storage)
    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run(mode)
    assert report.skipped == [f"kre rule not judged: {error}"]
    assert report.events == [] and report.session is None and report.claimed == 0
    assert deliver.calls == [] and sent_keys(storage) == []


async def test_intraday_without_live_prices_delivers_nothing(storage):
    await subscribe(storage)
    deliver = Recorder(storage)
    cycle = AlertCycle(market_at(MARCH_13), storage, deliver, fred_at(MARCH_13))
    report = await cycle.run("intraday")  # the snapshot is not live
    assert report.skipped == ["no live prices"] and report.events == [] and deliver.calls == []


async def test_a_rule_whose_symbol_has_no_data_yet_is_skipped_and_says_why(storage):
    """Before KRE existed (2006-06-22): the kre rule cannot be judged; the ratio rule still is."""
    await subscribe(storage, "kre", channel=10)
    await subscribe(storage, "ratio", channel=11)
    deliver = Recorder(storage)
    day = dt.date(2006, 1, 3)
    report = await AlertCycle(market_at(day), storage, deliver, fred_at(day)).run("settled")
    assert report.session == T("2006-01-03")
    assert report.skipped == ["No KRE closes up to 2006-01-03."]
    assert all(e.rule == "ratio" for e in report.events)
    assert all(d.subscription.rule == "ratio" for d in deliver.dues)


async def test_a_rule_with_too_little_history_is_skipped_and_the_others_still_judged(storage, monkeypatch):
    await subscribe(storage, "kre", channel=10)
    await subscribe(storage, "ratio", channel=11)
    judged = []
    real = alert_cycle.evaluate
    monkeypatch.setattr(alert_cycle, "evaluate", lambda c, rule, *a, **k: judged.append(rule) or real(c, rule, *a, **k))
    day = dt.date(2006, 7, 10)  # KRE: 11 sessions
    report = await AlertCycle(market_at(day), storage, Recorder(storage), fred_at(day)).run("settled")
    assert len(report.skipped) == 1 and "KRE" in report.skipped[0] and "60" in report.skipped[0]
    assert sorted(judged) == ["kre", "ratio"]


# ---------------------------------------------------------------- each rule on its own symbols


async def test_a_missing_index_leaves_kre_alerts_working_and_names_what_was_skipped(storage):
    """One failing symbol used to skip the whole cycle: an unknown ^RUT silenced KRE subscribers too."""
    kre = await subscribe(storage, "kre", channel=10)
    await subscribe(storage, "ratio", channel=11)
    source = SnapshotSource(as_of=T("2023-03-13"))
    error = UpstreamError("Yahoo Finance returned an error; try again shortly.", "^RUT")

    class MissingRut:
        name, live, replay = "Yahoo Finance", True, False
        last_session = source.last_session

        def fetch(self, symbols, start, now):
            got = source.fetch([s for s in symbols if s != "^RUT"], start, now)
            return Fetched(got.closes, errors={s: error for s in symbols if s == "^RUT"})

    evening = pd.Timestamp("2023-03-13 22:00Z")  # live data as of that evening: not stale
    market, deliver = MarketData(MissingRut(), clock=lambda: evening), Recorder(storage)
    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")

    assert [e.key for e in report.events] == [("kre", "2023-03-13", "sharp")]
    assert [d.key for d in deliver.dues] == [(kre.id, "kre", "2023-03-13", "sharp")]
    assert report.skipped == [
        "ratio rule not judged: No prices for `^RUT`: Yahoo Finance returned an error; try again shortly."
    ]


async def test_a_rule_on_stale_data_is_not_judged(storage):
    """Yahoo down in auto mode: the snapshot answers commands, but a months-old session is never an alert."""
    await subscribe(storage, "kre")
    deliver = Recorder(storage)
    market = MarketData(SnapshotSource(), clock=lambda: NOW)  # last session 2026-02-20, nine months before NOW
    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")
    assert report.events == [] and deliver.calls == [] and report.claimed == 0
    assert report.skipped == [
        "kre rule not judged: its data is stale (snapshot, last session 2026-02-20, 9 months old)"
    ]


async def test_yahoo_saying_no_data_for_an_index_skips_only_its_rule_and_recovers(storage, yf_cache):
    """Over real yfinance: "No data found" for ^RUT, again and again, is a failed fetch (alerts watch it),
    never "unknown symbol" remembered for an hour; the next cycle after it clears judges the ratio."""
    from analytics.sources.yahoo import YahooSource
    from tests.fakes.yahoo_replay import ReplayYahooSession

    history = SnapshotSource(as_of=T("2023-03-13")).closes
    replay = ReplayYahooSession(history, now=pd.Timestamp("2023-03-13 22:00Z"))
    clock = Clock(pd.Timestamp("2023-03-13 22:00Z"))
    market = MarketData(YahooSource(yf_cache, session=replay), clock=clock)
    await subscribe(storage, "kre", channel=10)
    await subscribe(storage, "ratio", channel=11)
    cycle = AlertCycle(market, storage, Recorder(storage), fred_at(MARCH_13))
    replay.fail_next("unknown", "^RUT", times=None)

    first = await cycle.run("settled")
    assert [e.rule for e in first.events] == ["kre"]
    assert first.skipped == [
        "ratio rule not judged: No prices for `^RUT`: Yahoo Finance answered without prices; try again shortly."
    ]

    replay.clear_faults()
    clock.now += pd.Timedelta(minutes=5)  # the next tick: asked again, judged
    second = await cycle.run("settled")
    assert second.skipped == [] and "ratio" in {e.rule for e in second.events}
    assert replay.chart_calls["^RUT"] >= 2


# ---------------------------------------------------------------- a calm day


@pytest.fixture(scope="module")
def raw_closes() -> pd.DataFrame:
    """The packaged CSV read with plain pandas: the independent side of the calm-day check."""
    with resources.files("analytics").joinpath("data/prices_daily.csv.gz").open("rb") as fh:
        long = pd.read_csv(fh, compression="gzip", parse_dates=["date"])
    return long.pivot(index="date", columns="symbol", values="close").sort_index()


def test_2023_06_13_is_calm_for_the_ratio(raw_closes):
    """By hand: |daily z| and |5-session z| far below 2 (standard notable), no 52-week break."""
    ratio = (raw_closes["^RUT"] / raw_closes["^GSPC"]).dropna()
    logs = np.log(ratio.to_numpy()[1:] / ratio.to_numpy()[:-1])
    var, vols = logs[0] ** 2, []
    for r in logs:
        var = 0.94 * var + 0.06 * r * r if vols else r * r
        vols.append(math.sqrt(var))
    vol = pd.Series([math.nan, *vols], index=ratio.index)  # at each session's close
    i = ratio.index.get_loc(T("2023-06-13"))
    z1 = math.log(ratio.iloc[i] / ratio.iloc[i - 1]) / vol.iloc[i - 1]
    z5 = math.log(ratio.iloc[i] / ratio.iloc[i - 5]) / (vol.iloc[i - 5] * math.sqrt(5))
    year = ratio.loc[T("2023-06-13") - pd.Timedelta(weeks=52) : T("2023-06-12")]
    assert abs(z1) < 1 and abs(z5) < 1
    assert year.min() < ratio.iloc[i] < year.max()


async def test_the_ratio_rule_on_a_calm_day_fires_nothing(storage):
    await subscribe(storage, "ratio", "standard")
    market, deliver = market_at(dt.date(2023, 6, 13)), Recorder(storage)
    report = await AlertCycle(market, storage, deliver, fred_at(dt.date(2023, 6, 13))).run("settled")
    assert report.session == T("2023-06-13") and report.skipped == []
    assert report.events == [] and report.claimed == 0 and deliver.calls == []
    assert market.upstream_calls == len(RULES["ratio"].symbols)


async def test_a_restart_resends_a_settled_sessions_alerts_handed_off_but_never_posted(storage, db_path):
    """The settled session is marked judged when its alerts are handed off; a crash before they are
    posted leaves them claimed by a dead run, so the next run judges the session again and resends."""
    await subscribe(storage)
    crashed, market = Recorder(None), market_at(MARCH_13)  # handed off, never posted
    cycle = AlertCycle(market, storage, crashed, fred_at(MARCH_13))
    schedule = AlertScheduler(cycle, storage, market, 300, lambda: NOW)
    assert (await schedule.tick()).claimed == 1 and await storage.get_meta(SETTLED_KEY) == "2023-03-13"
    assert await schedule.tick() is None  # this run: judged once

    await storage.close()  # the crash
    restarted = await SqliteStore.open(db_path)
    try:
        again, market = Recorder(restarted), market_at(MARCH_13)
        cycle = AlertCycle(market, restarted, again, fred_at(MARCH_13))
        schedule = AlertScheduler(cycle, restarted, market, 300, lambda: NOW)
        assert (await schedule.tick()).claimed == 1
        assert [d.nonce for d in again.dues] == [d.nonce for d in crashed.dues]  # Discord refuses a duplicate
        assert await schedule.tick() is None and await restarted.unfinished_elsewhere("2023-03-13") == 0
    finally:
        await restarted.close()
    assert [r[4] for r in sent_keys(storage)] == ["sent"]


async def test_an_unusable_lock_file_skips_the_cycle_and_says_why(storage, db_path):
    await subscribe(storage)
    (db_path.parent / f"{db_path.name}.alerts.lock").mkdir()  # not a file
    deliver = Recorder(storage)
    report = await AlertCycle(market_at(MARCH_13), storage, deliver, fred_at(MARCH_13)).run("settled")
    assert deliver.calls == [] and report.claimed == 0
    assert len(report.skipped) == 1 and report.skipped[0].startswith("Cannot use the alert lock file")
    assert "MARKETBOT_DB" in report.skipped[0]
