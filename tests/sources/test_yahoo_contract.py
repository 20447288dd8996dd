"""The Yahoo source through real yfinance parsing, against a replayed Yahoo."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.errors import NoData, RateLimited, Unreachable, UpstreamError
from analytics.sources.yahoo import YahooSource
from tests.sources.conftest import AFTER_CLOSE


def test_full_history_equals_the_snapshot_exactly(yahoo, snapshot):
    fetched = yahoo.fetch(["^RUT", "^GSPC", "KRE"], None, AFTER_CLOSE)
    assert fetched.errors == {}
    for symbol in ("^RUT", "^GSPC", "KRE"):
        expected = snapshot.closes[symbol].dropna()
        pd.testing.assert_series_equal(fetched.closes[symbol], expected, check_names=False, check_exact=True)
        assert fetched.closes[symbol].index.dtype == "datetime64[ns]"


def test_incremental_fetch_returns_exactly_the_slice(yahoo, snapshot):
    start = pd.Timestamp("2026-02-12")
    fetched = yahoo.fetch(["KRE", "SPY"], start, AFTER_CLOSE)
    for symbol in ("KRE", "SPY"):
        pd.testing.assert_series_equal(
            fetched.closes[symbol], snapshot.closes[symbol].loc[start:], check_names=False, check_exact=True
        )


def test_live_bar_is_a_latest_price_not_a_close(snapshot, replay, yahoo):
    replay.now = pd.Timestamp("2026-02-20 17:00Z")  # noon in New York, market open
    replay.set_live("KRE", 70.5)
    fetched = yahoo.fetch(["KRE"], pd.Timestamp("2026-02-10"), replay.now)
    assert fetched.closes["KRE"].index[-1] == pd.Timestamp("2026-02-19")
    assert fetched.closes["KRE"].iloc[-1] == snapshot.closes.loc["2026-02-19", "KRE"]
    latest = fetched.latest["KRE"]
    assert (latest.price, latest.session) == (70.5, pd.Timestamp("2026-02-20"))


def test_one_429_is_absorbed_by_yfinance_retry(yahoo, replay):
    replay.fail_next("429", "KRE", times=1)
    fetched = yahoo.fetch(["KRE"], pd.Timestamp("2026-02-10"), AFTER_CLOSE)
    assert fetched.errors == {} and len(fetched.closes["KRE"]) == 8


@pytest.mark.parametrize(
    ("kind", "times", "error", "message"),
    [
        ("429", 2, RateLimited, "rate limiting"),
        ("500", 2, UpstreamError, "returned an error"),
        ("503", 2, UpstreamError, "returned an error"),
        ("timeout", 1, UpstreamError, "timed out"),
        ("connection", 1, Unreachable, "cannot be reached"),
        # Yahoo answered, without prices: a verdict on the symbol is MarketData's to make.
        ("empty", 1, NoData, "No prices for `KRE`: Yahoo Finance answered without prices"),
        ("nan", 1, NoData, "No prices for `KRE`: Yahoo Finance answered without prices"),
        ("unknown", 2, NoData, "No prices for `KRE`: Yahoo Finance answered without prices"),
    ],
)
def test_each_fault_becomes_a_per_symbol_error(yahoo, replay, kind, times, error, message):
    yahoo.fetch(["KRE", "SPY"], pd.Timestamp("2026-02-10"), AFTER_CLOSE)  # warm: cookie, crumb, timezones
    replay.fail_next(kind, "KRE", times=times)
    fetched = yahoo.fetch(["KRE", "SPY"], pd.Timestamp("2026-02-10"), AFTER_CLOSE)
    assert type(fetched.errors["KRE"]) is error
    assert message in str(fetched.errors["KRE"])
    assert "KRE" not in fetched.closes
    assert len(fetched.closes["SPY"]) == 8  # the other symbol is unaffected


def test_unknown_symbol_cold(yahoo):
    fetched = yahoo.fetch(["ZZZZ", "KRE"], None, AFTER_CLOSE)
    assert isinstance(fetched.errors["ZZZZ"], NoData)
    assert "ZZZZ" in str(fetched.errors["ZZZZ"])
    assert "KRE" in fetched.closes


def test_whole_outage_fails_every_symbol(yahoo, replay):
    replay.fail_next("connection", times=None)
    fetched = yahoo.fetch(["KRE", "SPY"], pd.Timestamp("2026-02-10"), AFTER_CLOSE)
    assert set(fetched.errors) == {"KRE", "SPY"}
    assert all(isinstance(e, Unreachable) for e in fetched.errors.values())


def test_yfinance_caches_live_in_our_directory(replay, yf_cache, tmp_path):
    ours = tmp_path / "marketbot-cache"  # not the fixture's directory: only YahooSource can point here
    YahooSource(ours, session=replay).fetch(["KRE"], None, AFTER_CLOSE)
    assert sorted(p.name for p in ours.rglob("*.db")) != []
    assert not any(yf_cache.rglob("*.db"))
