"""The live path over real yfinance and the replayed Yahoo: concurrency, bursts, unknown vs outage,
staleness, and faults (hang, slow, 429, 500, empty, NaN) with their answer time and recovery."""

from __future__ import annotations

import asyncio
import logging
import re
import time

import pandas as pd
import pytest

from analytics.errors import NotInSnapshot, NotOnYahoo, UpstreamError
from analytics.sources.bar_store import BarStore
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource
from analytics.sources.yahoo import YahooSource
from tests.fakes.yahoo_replay import ReplayYahooSession
from tests.sources.conftest import AFTER_CLOSE, Clock

THURSDAY_EVENING = pd.Timestamp("2026-02-19 22:00Z")
PAIRS = [("^RUT", "^GSPC"), ("KRE", "SPY"), ("NVDA", "META"), ("XLF", "SPY"), ("IWM", "^GSPC"),
         ("GOOGL", "MSFT"), ("ZION", "KRE"), ("^TNX", "^IRX"), ("TLT", "SPY"), ("AAPL", "NVDA")]  # fmt: skip
DISTINCT = {s for pair in PAIRS for s in pair}


class RunningClock:
    """Replay time that runs with the real one, so back-offs are in the future or the past for real."""

    def __init__(self, start: pd.Timestamp) -> None:
        self.start, self.zero, self.offset = start, time.monotonic(), pd.Timedelta(0)

    def __call__(self) -> pd.Timestamp:
        return self.start + self.offset + pd.Timedelta(seconds=time.monotonic() - self.zero)


def chart_requests(replay: ReplayYahooSession) -> list[str]:
    return [url for _, url in replay.requests if "/v8/finance/chart/" in url]


def handshake_requests(replay: ReplayYahooSession) -> list[str]:
    return [url for _, url in replay.requests if "fc.yahoo.com" in url or "/getcrumb" in url]


def timezone_lookups(replay: ReplayYahooSession) -> list[str]:
    return [url for url in chart_requests(replay) if "range=1d" in url]


def auto(yahoo: YahooSource, clock, **kwargs) -> MarketData:
    """What ``MARKETBOT_DATA_SOURCE=auto`` builds: Yahoo first, the snapshot when it fails."""
    return MarketData(yahoo, fallback=MarketData(SnapshotSource(), clock=clock), clock=clock, **kwargs)


# -- concurrency -------------------------------------------------------------------------------


async def test_symbols_are_fetched_at_once_one_request_each(replay, yahoo, snapshot):
    replay.latency = 0.2
    market = MarketData(yahoo, clock=Clock(AFTER_CLOSE))
    symbols = ["KRE", "SPY", "XLF", "IWM", "^RUT", "^GSPC", "NVDA", "META"]
    prices = await market.closes(symbols)
    for symbol in symbols:
        expected = snapshot.closes[symbol].dropna()
        pd.testing.assert_series_equal(prices.closes[symbol].dropna(), expected, check_names=False, check_exact=True)
    assert replay.peak_in_flight >= 4  # the requests overlapped (8 allowed; threads start a little apart)
    assert len(chart_requests(replay)) == len(symbols)  # one each, no timezone lookup for known symbols
    assert timezone_lookups(replay) == []
    assert len(replay.requests) == len(symbols) + len(handshake_requests(replay)) <= len(symbols) + 2


async def test_a_burst_sends_one_request_per_distinct_symbol(replay, yahoo):
    replay.latency = 0.05
    market = MarketData(yahoo, clock=Clock(AFTER_CLOSE))
    results = await asyncio.gather(*(market.closes(PAIRS[i % len(PAIRS)]) for i in range(50)))
    assert all(list(r.closes.columns) == list(PAIRS[i % len(PAIRS)]) for i, r in enumerate(results))
    assert sorted(replay.chart_calls) == sorted(DISTINCT) and set(replay.chart_calls.values()) == {1}
    assert len(replay.requests) <= len(DISTINCT) + 2  # plus the one-time cookie and crumb
    assert market.upstream_calls == len(DISTINCT)


async def test_identical_asks_share_one_request_per_symbol(replay, yahoo):
    replay.latency = 0.1
    market = MarketData(yahoo, clock=Clock(AFTER_CLOSE))
    results = await asyncio.gather(*(market.closes(["KRE", "SPY"]) for _ in range(50)))
    assert all(r.closes.equals(results[0].closes) for r in results)
    assert dict(replay.chart_calls) == {"KRE": 1, "SPY": 1}


def _renamed(snapshot, names: dict[str, str]) -> pd.DataFrame:
    return snapshot.closes[list(names)].rename(columns=names)


async def test_timezone_cache_survives_concurrent_first_time_symbols(snapshot, yf_cache):
    """Eight symbols our table does not know, first seen at once: eight timezone lookups race
    for yfinance's sqlite cache; every fetch succeeds and every time zone is kept."""
    names = {s: f"NEW{i}" for i, s in enumerate(["KRE", "SPY", "XLF", "IWM", "NVDA", "META", "MSFT", "AAPL"])}
    replay = ReplayYahooSession(_renamed(snapshot, names), now=AFTER_CLOSE, latency=0.05)
    yahoo = YahooSource(yf_cache, session=replay)
    market = MarketData(yahoo, clock=Clock(AFTER_CLOSE))
    prices = await market.closes(list(names.values()))
    assert list(prices.closes.columns) == list(names.values()) and prices.missing == {}
    for old, new in names.items():
        pd.testing.assert_series_equal(
            prices.closes[new].dropna(), snapshot.closes[old].dropna(), check_names=False, check_exact=True
        )
    assert len(timezone_lookups(replay)) == len(names)  # one each: none failed or was retried
    from yfinance import cache

    assert {cache.get_tz_cache().lookup(n) for n in names.values()} == {"America/New_York"}
    before = len(replay.requests)
    restarted = MarketData(yahoo, clock=Clock(AFTER_CLOSE))
    await restarted.closes(list(names.values()))
    assert len(replay.requests) - before == len(names)  # time zones cached: one request each now


# -- unknown symbol or outage, aliases -------------------------------------------------------


async def test_yahoo_reachable_says_it_has_no_such_symbol(replay, yahoo):
    market = auto(yahoo, Clock(AFTER_CLOSE))
    prices = await market.closes(["KRE", "ZZZZ"], partial=True)
    assert list(prices.closes.columns) == ["KRE"] and prices.provenance.source == "Yahoo Finance"
    assert isinstance(prices.missing["ZZZZ"], NotOnYahoo)
    assert str(prices.missing["ZZZZ"]) == "Yahoo Finance has no symbol `ZZZZ`."
    assert replay.chart_calls["ZZZZ"] >= 2  # asked again before the verdict
    asked = len(replay.requests)
    with pytest.raises(NotOnYahoo, match="Yahoo Finance has no symbol `ZZZZ`"):
        await market.closes(["ZZZZ"])  # remembered: no request
    assert len(replay.requests) == asked


async def test_a_cold_unknown_symbol_is_judged_after_a_probe(replay, yahoo):
    """Nothing fetched yet: whether Yahoo answers normally is checked on a known symbol first."""
    market = auto(yahoo, Clock(AFTER_CLOSE))
    with pytest.raises(NotOnYahoo) as info:
        await market.closes(["GSPX"])
    assert str(info.value) == "Yahoo Finance has no symbol `GSPX`. Closest known symbols: `^GSPC`, `GS`."
    assert replay.chart_calls["^GSPC"] == 1


async def test_yahoo_unreachable_says_not_in_the_snapshot_and_suggests(replay, yahoo):
    market = auto(yahoo, Clock(AFTER_CLOSE))
    replay.fail_next("connection", times=None)
    with pytest.raises(NotInSnapshot) as info:
        await market.closes(["BTC-USD"])
    assert str(info.value) == "`BTC-USD` is not in the offline snapshot, and Yahoo Finance cannot be reached right now. `/about` lists its symbols."
    prices = await market.closes(["SPX", "RUT", "BRK.B", "KREE"], partial=True)
    assert list(prices.closes.columns) == ["^GSPC", "^RUT"]  # aliases, answered from the snapshot
    assert str(prices.missing["BRK-B"]) == (
        "`BRK-B` is not in the offline snapshot, and Yahoo Finance cannot be reached right now. `/about` lists its symbols."
    )
    assert str(prices.missing["KREE"]).endswith("Closest symbols in the snapshot: `KRE`.")


async def test_one_no_data_answer_for_a_known_symbol_is_a_failed_fetch_not_a_verdict(replay, yahoo, snapshot):
    """The issue's sticky case: one "No data found" made KRE unknown for an hour, even in auto mode."""
    clock = Clock(AFTER_CLOSE)
    market = auto(yahoo, clock)
    replay.fail_next("unknown", "KRE", times=2)  # yfinance asks twice (its cookie-strategy retry)
    prices = await market.closes(["KRE"])
    assert prices.provenance.source == "snapshot"  # the fallback, not "Unknown symbol `KRE`"
    assert prices.provenance.note == "Yahoo Finance answered without prices; try again shortly"
    fresh = await market.closes(["KRE"])  # at once: nothing remembered
    assert fresh.provenance.source == "Yahoo Finance"
    pd.testing.assert_series_equal(fresh.closes["KRE"], snapshot.closes["KRE"].dropna(), check_names=False)


# -- staleness against the calendar ---------------------------------------------------------


async def test_cached_yahoo_data_during_an_outage_says_how_old(replay, yahoo, tmp_path):
    clock = Clock(THURSDAY_EVENING)
    market = MarketData(yahoo, store=BarStore(tmp_path / "bars"), clock=clock)
    replay.now = THURSDAY_EVENING
    assert not (await market.closes(["KRE"])).provenance.stale
    clock.now = replay.now = pd.Timestamp("2026-02-24 22:00Z")  # Tuesday: Friday and Monday settled since
    replay.fail_next("503", times=None)
    p = (await market.closes(["KRE"])).provenance
    assert (p.stale, p.age_sessions, p.age) == (True, 3, "5 days")
    assert p.describe() == (
        "Yahoo Finance, last session 2026-02-19, 5 days old (Yahoo Finance returned an error; try again shortly)"
    )


async def test_the_snapshot_is_stale_by_the_calendar_and_a_replay_is_not():
    now = pd.Timestamp("2026-11-24 15:00Z")
    p = (await MarketData(SnapshotSource(), clock=lambda: now).closes(["KRE"])).provenance
    assert (p.stale, p.age, p.replay) == (True, "9 months", False)
    assert p.describe() == "snapshot, last session 2026-02-20, 9 months old"
    replay = (await MarketData(SnapshotSource(as_of=pd.Timestamp("2023-03-13")), clock=lambda: now).closes(["KRE"]))
    assert (replay.provenance.stale, replay.provenance.replay) == (False, True)
    assert replay.provenance.describe() == "snapshot, replay as of 2023-03-13"
    fresh = (await MarketData(SnapshotSource(), clock=lambda: AFTER_CLOSE).closes(["KRE"])).provenance
    assert (fresh.stale, fresh.age_sessions, fresh.age) == (False, 0, "")


# -- faults: answer time, what it says, recovery, the breaker ----------------------------------


async def test_a_hanging_yahoo_answers_from_the_snapshot_within_the_deadline(replay, yf_cache, caplog):
    yahoo = YahooSource(yf_cache, session=replay, timeout=1.0)
    clock = RunningClock(AFTER_CLOSE)
    market = auto(yahoo, clock, deadline=0.5)
    replay.fail_next("hang", times=None)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="analytics.sources.market_data"):
        prices = await market.closes(["KRE", "SPY"])
        answered = time.monotonic() - started
        assert answered < 2.0  # the deadline, not yfinance's 30 s
        assert prices.provenance.source == "snapshot"
        assert prices.provenance.note == "Yahoo Finance did not answer within 0.5 s"
        # The fetches go on in the background, time out (1 s), and open the breaker once.
        while market._inflight:
            await asyncio.sleep(0.05)
    [logged] = [r for r in caplog.records if "backing off until" in r.getMessage()]
    until = pd.Timestamp(re.search(r"until (\S+ \S+) UTC", logged.getMessage()).group(1), tz="UTC")
    assert until > clock()  # in the future when it was logged (and still now)
    assert market.breaker.failures == 1  # two fetches failing together count once
    assert until - clock() > pd.Timedelta(seconds=25)

    replay.clear_faults()
    clock.offset += pd.Timedelta(seconds=31)  # past the back-off
    market.deadline = 5.0  # the replay answers at machine speed again; leave room for a loaded test machine
    back = await market.closes(["KRE", "SPY"])
    assert back.provenance.source == "Yahoo Finance", back.provenance
    assert market.breaker.failures == 0


async def test_a_slow_yahoo_answers_from_cache_then_the_background_fetch_refreshes_it(replay, yahoo, tmp_path):
    clock = Clock(THURSDAY_EVENING)
    market = MarketData(yahoo, store=BarStore(tmp_path / "bars"), clock=clock)
    replay.now = THURSDAY_EVENING
    await market.closes(["KRE"])
    clock.now = replay.now = AFTER_CLOSE
    replay.latency, market.deadline = 1.0, 0.3
    started = time.monotonic()
    prices = await market.closes(["KRE"])
    assert time.monotonic() - started < 0.9
    assert prices.provenance.stale and prices.closes.index[-1] == pd.Timestamp("2026-02-19")
    assert prices.provenance.note == "Yahoo Finance did not answer within 0.3 s"
    while market._inflight:
        await asyncio.sleep(0.05)
    replay.latency = 0
    asked = len(replay.requests)
    fresh = await market.closes(["KRE"])
    assert not fresh.provenance.stale and fresh.closes.index[-1] == pd.Timestamp("2026-02-20")
    assert len(replay.requests) == asked  # the background fetch already brought it
    assert market.breaker.failures == 0


@pytest.mark.parametrize(
    ("kind", "note", "backs_off"),
    [
        ("429", "Yahoo Finance is rate limiting us; try again in a few minutes", True),
        ("500", "Yahoo Finance returned an error; try again shortly", True),
        ("empty", "Yahoo Finance answered without prices; try again shortly", False),
        ("nan", "Yahoo Finance answered without prices; try again shortly", False),
    ],
)
async def test_each_fault_answers_at_once_says_why_and_recovers(replay, yahoo, kind, note, backs_off):
    clock = Clock(AFTER_CLOSE)
    market = auto(yahoo, clock)
    replay.fail_next(kind, times=None)
    started = time.monotonic()
    prices = await market.closes(["KRE", "SPY"])
    assert time.monotonic() - started < 5
    p = prices.provenance
    assert (p.source, p.note, p.stale) == ("snapshot", note, False)  # the clock is the snapshot's last evening
    assert market.breaker.failures == (1 if backs_off else 0)

    replay.clear_faults()
    if backs_off:
        assert (await market.closes(["KRE"])).provenance.source == "snapshot"  # still backing off: no request
        clock.now += pd.Timedelta(seconds=30)
    back = await market.closes(["KRE", "SPY"])
    assert back.provenance.source == "Yahoo Finance" and back.missing == {}


async def test_failures_at_one_instant_count_once(replay, yahoo):
    clock = Clock(AFTER_CLOSE)
    market = MarketData(yahoo, clock=clock)
    replay.fail_next("500", times=None)
    with pytest.raises(UpstreamError):
        await market.closes(sorted(DISTINCT))
    assert market.breaker.failures == 1
    assert market.breaker.open_until == AFTER_CLOSE + pd.Timedelta(seconds=30)


async def test_a_queued_fetch_rechecks_the_breaker_when_its_turn_comes(replay, yahoo):
    market = MarketData(yahoo, clock=Clock(AFTER_CLOSE), max_concurrent_fetches=1)
    replay.fail_next("connection", times=None)
    with pytest.raises(UpstreamError, match="cannot be reached"):
        await market.closes(["KRE", "SPY", "XLF"])
    assert market.upstream_calls == 1  # SPY and XLF found the breaker open when their slot came


async def test_yfinance_cookie_timeout_is_capped(replay, yf_cache):
    """yfinance asks fc.yahoo.com for its cookie with a fixed 30 s timeout; ours caps it."""
    yahoo = YahooSource(yf_cache, session=replay, timeout=0.5)
    replay.fail_next("cookie_hang")
    started = time.monotonic()
    fetched = await asyncio.to_thread(yahoo.fetch, ["KRE"], None, AFTER_CLOSE)
    assert time.monotonic() - started < 3
    assert "KRE" in fetched.closes  # yfinance goes on without the cookie
    [(_, start, end)] = [span for span in replay.spans if "fc.yahoo.com" in span[0]]
    assert 0.4 < end - start < 1.5
