"""The cache in front of the sources: market-clock TTL, single-flight, stale-while-error, disk."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest

from analytics.errors import InvalidSymbol, NotInSnapshot, NotOnYahoo, Unreachable, UnknownSymbol, UpstreamError
from analytics.sources.bar_store import BarStore
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource
from tests.sources.conftest import AFTER_CLOSE, Clock, data_requests

THURSDAY_EVENING = pd.Timestamp("2026-02-19 22:00Z")  # 2026-02-19 settled, 02-20 not yet traded
FRIDAY_NOON = pd.Timestamp("2026-02-20 17:00Z")


@pytest.fixture
def clock(replay) -> Clock:
    return Clock(replay.now)


def moved(clock: Clock, replay, now: pd.Timestamp) -> None:
    clock.now = now
    replay.now = now


@pytest.fixture
def market(yahoo, clock, tmp_path) -> MarketData:
    return MarketData(yahoo, store=BarStore(tmp_path / "bars"), clock=clock)


async def test_closes_equal_the_snapshot_and_say_where_they_came_from(market, snapshot):
    prices = await market.closes(["^RUT", "^GSPC"], start=pd.Timestamp("2022-10-12"), end=pd.Timestamp("2025-10-21"))
    expected = snapshot.closes[["^RUT", "^GSPC"]].loc["2022-10-12":"2025-10-21"]
    pd.testing.assert_frame_equal(prices.closes, expected, check_exact=True, check_freq=False)
    p = prices.provenance
    assert (p.source, p.last_session, p.stale, p.live) == ("Yahoo Finance", pd.Timestamp("2026-02-20"), False, True)
    assert p.describe(AFTER_CLOSE) == "Yahoo Finance, last session 2026-02-20"


async def test_settled_sessions_are_not_fetched_again(market, replay, clock):
    await market.closes(["KRE"])
    calls = market.upstream_calls
    moved(clock, replay, AFTER_CLOSE + pd.Timedelta(days=1))  # Saturday: no new session
    await market.closes(["KRE"])
    assert market.upstream_calls == calls == 1


async def test_a_new_settled_session_is_fetched_incrementally(snapshot, replay, clock, market):
    moved(clock, replay, THURSDAY_EVENING)
    first = await market.closes(["KRE"])
    assert first.closes.index[-1] == pd.Timestamp("2026-02-19")

    moved(clock, replay, FRIDAY_NOON)  # trading: 02-20 is live, not settled
    during = await market.closes(["KRE"])
    assert during.closes.index[-1] == pd.Timestamp("2026-02-19")
    assert market.upstream_calls == 1  # still fresh: nothing new has settled

    moved(clock, replay, AFTER_CLOSE)
    after = await market.closes(["KRE"])
    assert after.closes.index[-1] == pd.Timestamp("2026-02-20")
    pd.testing.assert_series_equal(after.closes["KRE"], snapshot.closes["KRE"].dropna(), check_names=False, check_exact=True)
    # The second data request started a few sessions back, not at the beginning of history.
    second = data_requests(replay, "KRE")[-1]
    period1 = int(parse_qs(urlsplit(second).query)["period1"][0])
    assert pd.Timestamp(period1, unit="s") >= pd.Timestamp("2026-02-10")


async def test_hundred_concurrent_asks_make_one_upstream_request(market, replay):
    results = await asyncio.gather(*(market.closes(["KRE"]) for _ in range(100)))
    assert market.upstream_calls == 1
    assert len(data_requests(replay, "KRE")) == 1
    assert all(r.closes.equals(results[0].closes) for r in results)


async def test_outage_serves_stale_data_and_says_so(market, replay, clock):
    moved(clock, replay, THURSDAY_EVENING)
    await market.closes(["KRE"])
    moved(clock, replay, AFTER_CLOSE)
    replay.fail_next("500", times=None)
    prices = await market.closes(["KRE"])
    assert prices.provenance.stale
    assert prices.closes.index[-1] == pd.Timestamp("2026-02-19")
    text = prices.provenance.describe(clock())
    assert text == (
        "Yahoo Finance, last session 2026-02-19, 1 day old (Yahoo Finance returned an error; try again shortly)"
    )


async def test_breaker_backs_off_then_recovers(market, replay, clock):
    moved(clock, replay, THURSDAY_EVENING)
    await market.closes(["KRE"])
    moved(clock, replay, AFTER_CLOSE)
    replay.fail_next("429", times=None)
    assert (await market.closes(["KRE"])).provenance.stale
    requests_before = len(replay.requests)
    clock.now += pd.Timedelta(seconds=10)  # inside the 30 s backoff: no request at all
    assert (await market.closes(["KRE"])).provenance.stale
    assert len(replay.requests) == requests_before
    replay.clear_faults()
    clock.now += pd.Timedelta(seconds=30)
    fresh = await market.closes(["KRE"])
    assert not fresh.provenance.stale and fresh.closes.index[-1] == pd.Timestamp("2026-02-20")
    assert market.breaker.failures == 0


async def test_nothing_cached_and_no_fallback_raises(market, replay):
    replay.fail_next("connection", times=None)
    with pytest.raises(Unreachable, match="cannot be reached"):
        await market.closes(["KRE"])


async def test_auto_mode_falls_back_to_the_snapshot_and_says_so(yahoo, replay, clock):
    market = MarketData(yahoo, fallback=MarketData(SnapshotSource(), clock=clock), clock=clock)
    replay.fail_next("connection", times=None)
    prices = await market.closes(["KRE", "SPY"])
    p = prices.provenance
    assert p.source == "snapshot" and not p.live
    assert p.describe(clock()) == "snapshot, last session 2026-02-20 (Yahoo Finance cannot be reached right now)"
    replay.clear_faults()
    clock.now += pd.Timedelta(minutes=1)  # past the first backoff: Yahoo is tried again
    again = await market.closes(["KRE", "SPY"])
    assert again.provenance.source == "Yahoo Finance"


async def test_unknown_symbol_is_named_and_remembered(market, replay):
    with pytest.raises(UnknownSymbol, match="ZZZZ"):
        await market.closes(["KRE", "ZZZZ"])
    requests_before = len(replay.requests)
    with pytest.raises(UnknownSymbol, match="ZZZZ"):
        await market.closes(["ZZZZ"])
    assert len(replay.requests) == requests_before


async def test_invalid_symbol_never_reaches_upstream(market, replay):
    with pytest.raises(InvalidSymbol):
        await market.closes(["KRE; DROP TABLE"])
    assert replay.requests == []


async def test_all_nan_is_never_read_as_a_move(market, replay, clock):
    moved(clock, replay, THURSDAY_EVENING)
    before = await market.closes(["KRE"])
    moved(clock, replay, AFTER_CLOSE)
    replay.fail_next("nan", "KRE", times=None)
    prices = await market.closes(["KRE"])
    assert prices.provenance.stale
    assert not prices.closes["KRE"].isna().any()
    pd.testing.assert_frame_equal(prices.closes, before.closes)


async def test_restart_reads_disk_and_fetches_only_missing_sessions(snapshot, replay, clock, yahoo, tmp_path):
    moved(clock, replay, THURSDAY_EVENING)
    await MarketData(yahoo, store=BarStore(tmp_path / "bars"), clock=clock).closes(["^RUT"])
    moved(clock, replay, AFTER_CLOSE)
    restarted = MarketData(yahoo, store=BarStore(tmp_path / "bars"), clock=clock)
    prices = await restarted.closes(["^RUT"])
    pd.testing.assert_series_equal(prices.closes["^RUT"], snapshot.closes["^RUT"].dropna(), check_names=False, check_exact=True)
    requests = data_requests(replay, "%5ERUT".replace("%5E", "^"))
    period1 = int(parse_qs(urlsplit(requests[-1]).query)["period1"][0])
    assert pd.Timestamp(period1, unit="s") >= pd.Timestamp("2026-02-10")


async def test_restart_during_an_outage_serves_the_disk_as_stale(replay, clock, yahoo, tmp_path):
    moved(clock, replay, THURSDAY_EVENING)
    await MarketData(yahoo, store=BarStore(tmp_path / "bars"), clock=clock).closes(["KRE"])
    moved(clock, replay, AFTER_CLOSE)
    replay.fail_next("503", times=None)
    prices = await MarketData(yahoo, store=BarStore(tmp_path / "bars"), clock=clock).closes(["KRE"])
    assert prices.provenance.stale and prices.provenance.note == "Yahoo Finance returned an error; try again shortly"
    assert prices.closes.index[-1] == pd.Timestamp("2026-02-19")


async def test_restart_with_complete_disk_makes_no_request(replay, clock, yahoo, tmp_path):
    await MarketData(yahoo, store=BarStore(tmp_path / "bars"), clock=clock).closes(["KRE"])
    requests_before = len(replay.requests)
    restarted = MarketData(yahoo, store=BarStore(tmp_path / "bars"), clock=clock)
    await restarted.closes(["KRE"])
    assert len(replay.requests) == requests_before


async def test_rebased_history_is_refetched_whole(snapshot, replay, clock, yahoo, tmp_path):
    # What the disk holds before a dividend re-based Yahoo's adjusted closes.
    store = BarStore(tmp_path / "bars")
    store.save("KRE", snapshot.closes["KRE"].dropna().loc[:"2026-02-19"] * 0.99)
    prices = await MarketData(yahoo, store=store, clock=clock).closes(["KRE"])
    pd.testing.assert_series_equal(prices.closes["KRE"], snapshot.closes["KRE"].dropna(), check_names=False, check_exact=True)
    assert len(data_requests(replay, "KRE")) == 2  # the incremental one, then the whole history


async def test_latest_price_during_the_session(market, replay, clock):
    moved(clock, replay, FRIDAY_NOON)
    replay.set_live("KRE", 70.25)
    latest = await market.latest(["KRE"])
    assert latest["KRE"].price == 70.25
    assert latest["KRE"].session == pd.Timestamp("2026-02-20")
    prices = await market.closes(["KRE"])
    assert prices.closes.index[-1] == pd.Timestamp("2026-02-19")  # the live bar is never a close


async def test_snapshot_as_of_has_no_later_data():
    market = MarketData(SnapshotSource(as_of=pd.Timestamp("2023-03-13")))
    prices = await market.closes(["KRE"])
    assert prices.closes.index[-1] == pd.Timestamp("2023-03-13")
    assert prices.provenance.describe() == "snapshot, replay as of 2023-03-13"
    assert not prices.provenance.stale and prices.provenance.replay
    weekend = MarketData(SnapshotSource(as_of=pd.Timestamp("2023-03-12")))
    assert weekend.last_session() == pd.Timestamp("2023-03-10")


async def test_snapshot_unknown_symbol():
    with pytest.raises(UnknownSymbol, match="not in the offline snapshot"):
        await MarketData(SnapshotSource()).closes(["AMD"])


async def test_cancelled_fetch_does_not_strand_waiters(market):
    first = asyncio.create_task(market.closes(["KRE"]))
    second = asyncio.create_task(market.closes(["KRE"]))
    await asyncio.sleep(0)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    result = await asyncio.wait_for(second, timeout=30)
    assert result.closes.index[-1] == pd.Timestamp("2026-02-20")
    assert market.upstream_calls == 1  # the shared fetch ran to the end once


# -- partial answers: what could be had, and why the rest could not ----------------------------


async def test_partial_answer_from_yahoo_names_the_unknown_symbol(market, snapshot):
    prices = await market.closes(["KRE", "ZZZZ"], partial=True)
    assert list(prices.closes.columns) == ["KRE"]
    pd.testing.assert_series_equal(prices.closes["KRE"], snapshot.closes["KRE"].dropna(), check_names=False, check_exact=True)
    error = prices.missing["ZZZZ"]
    assert isinstance(error, NotOnYahoo) and error.symbol == "ZZZZ"
    assert str(error) == "Yahoo Finance has no symbol `ZZZZ`."
    assert prices.provenance.source == "Yahoo Finance"


async def test_partial_answer_offline_says_not_in_snapshot_and_why(yahoo, replay, clock, snapshot):
    market = MarketData(yahoo, fallback=MarketData(SnapshotSource(), clock=clock), clock=clock)
    replay.fail_next("connection", times=None)
    prices = await market.closes(["SPY", "ZZZZ", "GSPX"], partial=True)
    assert list(prices.closes.columns) == ["SPY"]
    assert prices.provenance.source == "snapshot"
    assert str(prices.missing["ZZZZ"]) == (
        "`ZZZZ` is not in the offline snapshot, and Yahoo Finance cannot be reached right now. `/about` lists its symbols."
    )
    assert str(prices.missing["GSPX"]) == (
        "`GSPX` is not in the offline snapshot, and Yahoo Finance cannot be reached right now. "
        "Closest symbols in the snapshot: `^GSPC`."
    )
    assert {s: e.symbol for s, e in prices.missing.items()} == {"ZZZZ": "ZZZZ", "GSPX": "GSPX"}
    with pytest.raises(NotInSnapshot, match="`ZZZZ` is not in the offline snapshot"):
        await market.closes(["SPY", "ZZZZ"])  # not partial: the missing symbol's error


async def test_partial_raises_only_when_nothing_could_be_had():
    market = MarketData(SnapshotSource())
    with pytest.raises(NotInSnapshot, match="`ZZZZ`") as info:
        await market.closes(["ZZZZ", "YYYY"], partial=True)
    assert info.value.symbol == "ZZZZ"
    prices = await market.closes(["ZZZZ", "KRE"], partial=True)
    assert list(prices.closes.columns) == ["KRE"] and list(prices.missing) == ["ZZZZ"]
    assert (await market.closes(["KRE"])).missing == {}


async def test_per_symbol_upstream_errors_name_the_symbol(market, replay):
    replay.fail_next("500", "ZION", times=None)
    prices = await market.closes(["KRE", "ZION"], partial=True)
    assert list(prices.closes.columns) == ["KRE"]
    error = prices.missing["ZION"]
    assert isinstance(error, UpstreamError) and error.symbol == "ZION"
    assert str(error) == "No prices for `ZION`: Yahoo Finance returned an error; try again shortly."
