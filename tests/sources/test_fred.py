"""The FRED source over a replayed fredgraph.csv endpoint, alone and behind MarketData."""

from __future__ import annotations

import asyncio

import pandas as pd
import pytest

from analytics.errors import DataUnavailable, RateLimited, Unreachable, UnknownSymbol, UpstreamError
from analytics.sources.fred import FredSource, parse_csv
from analytics.sources.market_data import RECHECK, MarketData
from analytics.sources.snapshot import SnapshotSource, load_fred_snapshot
from tests.fakes.fred_replay import SYNTHETIC_OAS, ReplayFredSession, synthetic_oas
from tests.sources.conftest import AFTER_CLOSE, Clock


@pytest.fixture(scope="module")
def bundled() -> pd.DataFrame:
    return load_fred_snapshot().closes


@pytest.fixture
def replay(bundled) -> ReplayFredSession:
    return ReplayFredSession(bundled)


@pytest.fixture
def clock() -> Clock:
    return Clock(AFTER_CLOSE)


@pytest.fixture
def fred(replay, clock) -> MarketData:
    fallback = MarketData(SnapshotSource(snapshot=load_fred_snapshot(), name="bundled FRED"), clock=clock)
    return MarketData(FredSource(session=replay), fallback=fallback, clock=clock)


def test_replayed_csv_parses_to_the_bundled_values(replay, bundled):
    got = FredSource(session=replay).fetch(["DFF", "DGS2", SYNTHETIC_OAS], None, AFTER_CLOSE)
    assert not got.errors
    for series in ("DFF", "DGS2"):
        pd.testing.assert_series_equal(got.closes[series], bundled[series].dropna(), check_names=False, check_exact=True)
    # DGS2's holidays came over the wire as "." rows and are dropped, not read as values.
    assert pd.Timestamp("2025-10-13") not in got.closes["DGS2"].index
    assert got.closes["DFF"].loc["2025-10-21"] == 4.11
    pd.testing.assert_series_equal(got.closes[SYNTHETIC_OAS], synthetic_oas(), check_names=False, check_freq=False)
    # cosd asks for a start date.
    later = FredSource(session=replay).fetch(["DGS2"], pd.Timestamp("2026-02-17"), AFTER_CLOSE)
    assert list(later.closes["DGS2"].index.strftime("%Y-%m-%d")) == ["2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20"]
    assert "cosd=2026-02-17" in replay.requests[-1]


def test_parse_csv_handles_fred_quirks():
    text = "DATE,DGS2\n2024-01-01,.\n2024-01-02,4.33\n2024-01-03,\n2024-01-04,4.38\n"
    got = parse_csv(text, "DGS2")
    assert got.to_dict() == {pd.Timestamp("2024-01-02"): 4.33, pd.Timestamp("2024-01-04"): 4.38}
    with pytest.raises(UpstreamError):
        parse_csv("<!DOCTYPE html><html><body>Maintenance</body></html>", "DGS2")
    with pytest.raises(UpstreamError):
        parse_csv("observation_date,DFF\n2024-01-01,5.33\n", "DGS2")  # the wrong series


@pytest.mark.parametrize(
    ("fault", "error", "words"),
    [
        ("connection", Unreachable, "cannot be reached"),
        ("timeout", UpstreamError, "timed out"),
        ("429", RateLimited, "rate limiting"),
        ("500", UpstreamError, "(500)"),
        ("html", UpstreamError, "other than the DGS2 CSV"),
    ],
)
def test_faults_become_domain_errors(replay, fault, error, words):
    replay.fail_next(fault)
    got = FredSource(session=replay).fetch(["DGS2"], None, AFTER_CLOSE)
    assert isinstance(got.errors["DGS2"], error) and words in str(got.errors["DGS2"])
    assert not got.closes


def test_an_outage_stops_the_batch(replay):
    replay.fail_next("connection")
    got = FredSource(session=replay).fetch(["DFF", "DGS2"], None, AFTER_CLOSE)
    assert set(got.errors) == {"DFF", "DGS2"} and len(replay.requests) == 1


def test_unknown_series(replay):
    got = FredSource(session=replay).fetch(["NOSUCH"], None, AFTER_CLOSE)
    assert isinstance(got.errors["NOSUCH"], UnknownSymbol)


async def test_outage_serves_stale_and_says_so(fred, replay, clock):
    first = await fred.closes(["DFF", "DGS2"])
    assert first.provenance.source == "FRED" and not first.provenance.stale
    assert first.closes["DFF"].dropna().index[-1] == pd.Timestamp("2026-02-20")
    clock.now = AFTER_CLOSE + pd.Timedelta(days=4)  # Tuesday evening: Monday's values are due
    replay.fail_next("connection", times=None)
    stale = await fred.closes(["DFF", "DGS2"])
    assert stale.provenance.stale and "cannot be reached" in stale.provenance.note
    assert stale.provenance.describe(clock.now) == "FRED, last session 2026-02-20, 4 days old (FRED cannot be reached right now)"
    pd.testing.assert_frame_equal(stale.closes, first.closes)


async def test_outage_with_nothing_cached_falls_back_to_the_bundled_file(fred, replay, bundled):
    replay.fail_next("connection", times=None)
    got = await fred.closes(["DGS2"])
    assert got.provenance.source == "bundled FRED" and not got.provenance.live
    assert "cannot be reached" in got.provenance.note
    pd.testing.assert_series_equal(got.closes["DGS2"].dropna(), bundled["DGS2"].dropna(), check_names=False)
    # The OAS is never bundled: with FRED down there is a clear error, not a silent gap.
    with pytest.raises(DataUnavailable) as err:
        await fred.closes([SYNTHETIC_OAS])
    assert "FRED" in str(err.value)


async def test_429_opens_the_breaker(replay, clock):
    market = MarketData(FredSource(session=replay), clock=clock)
    replay.fail_next("429")
    with pytest.raises(RateLimited):
        await market.closes(["DFF"])
    asked = len(replay.requests)
    with pytest.raises(RateLimited):  # the breaker answers: no request
        await market.closes(["DFF"])
    assert len(replay.requests) == asked and not market.breaker.allows(clock.now)
    clock.now += RECHECK  # past the backoff: FRED is asked again and answers
    got = await market.closes(["DFF"])
    assert got.closes["DFF"].iloc[-1] == 3.64 and market.breaker.allows(clock.now)


async def test_concurrent_asks_make_one_request(replay, clock):
    market = MarketData(FredSource(session=replay), clock=clock)
    await asyncio.gather(*(market.closes(["DGS2"]) for _ in range(20)))
    assert len(replay.requests) == 1


async def test_wiring_follows_the_data_source_setting(replay, clock):
    import datetime as dt

    from bot.settings import SettingError, Settings
    from bot.wiring import build_fred_data

    replayed = build_fred_data(Settings(data_source="snapshot", as_of=dt.date(2025, 10, 21)), clock)
    got = await replayed.closes(["DFF", "DGS2"])
    assert got.provenance.source.startswith("bundled FRED") and not got.provenance.live
    assert got.closes.index[-1] == pd.Timestamp("2025-10-21")  # MARKETBOT_AS_OF: nothing later
    with pytest.raises(UnknownSymbol):  # the OAS is not bundled
        await replayed.closes([SYNTHETIC_OAS])
    # A replay past the snapshot would silently be of its last session: the setting is refused instead.
    with pytest.raises(SettingError, match=r"^MARKETBOT_AS_OF=2026-06-01 is after the snapshot's last session"):
        build_fred_data(Settings(data_source="snapshot", as_of=dt.date(2026, 6, 1)), clock)

    live = build_fred_data(Settings(data_source="auto"), clock, replay)  # what Services.fred is built with
    assert (await live.closes(["DGS2"])).provenance.source == "FRED"
    assert live.fallback is not None and live.fallback.source.name.startswith("bundled FRED")
    assert build_fred_data(Settings(data_source="yahoo"), clock, replay).fallback is None
