"""Yields are levels: moves in bp, spreads for ratios, ranges for drawdowns (analytics.yields and its users).

Every expected value is computed here from the packaged CSV with plain pandas and numpy (``raw_closes``).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.compare import aligned_pair, compare, compare_yields
from analytics.performance import performance, yield_performance
from analytics.quote import quote
from analytics.watchlist import watch_day, watch_rows
from analytics.windows import Window
from analytics.yields import Move, calc_range, daily_moves, is_yield, move, unit

from ._helpers import LAST_SESSION, T, percentile, zscore

REL = 1e-9
START = T("2025-02-20")  # a session of both yields, a year before the snapshot's last


def bp(end: float, start: float) -> float:
    return (end - start) * 100


@pytest.mark.parametrize("symbol", ["^TNX", "^IRX", "^FVX", "^TYX"])
def test_the_treasury_yields_are_yields(symbol):
    assert is_yield(symbol) and unit(symbol) == "bp"


@pytest.mark.parametrize("symbol", ["SPY", "^GSPC", "^RUT", "^VIX", "KRE", "TLT", "NOSUCH"])
def test_prices_are_not(symbol):
    assert not is_yield(symbol) and unit(symbol) == "fraction"


def test_a_move_has_its_unit(raw_closes):
    tnx, spy = raw_closes["^TNX"], raw_closes["SPY"]
    assert move("^TNX", tnx[START], tnx[LAST_SESSION]) == Move(pytest.approx(bp(tnx[LAST_SESSION], tnx[START])), "bp")
    assert move("SPY", spy[START], spy[LAST_SESSION]).value == pytest.approx(spy[LAST_SESSION] / spy[START] - 1)
    assert move("SPY", spy[START], spy[LAST_SESSION]).unit == "fraction"
    assert not move("^TNX", math.nan, 4.0).known


def test_daily_moves_of_a_yield_are_bp_changes(raw_closes):
    tnx = raw_closes["^TNX"].dropna().loc["2026-01-01":]
    expected = [(b - a) * 100 for a, b in zip(tnx.to_numpy()[:-1], tnx.to_numpy()[1:], strict=True)]
    assert daily_moves("^TNX", tnx).to_numpy() == pytest.approx(expected, rel=REL)


def test_range_is_the_lowest_and_highest_level(raw_closes):
    tnx = raw_closes["^TNX"].loc[START:LAST_SESSION].dropna()
    r = calc_range(tnx)
    assert (r.low, r.high) == (tnx.min(), tnx.max())
    assert (r.low_date, r.high_date) == (tnx.idxmin(), tnx.idxmax())


# ---------------------------------------------------------------- quote


def test_a_yields_quote_moves_in_bp(closes, raw_closes):
    s = raw_closes["^TNX"].dropna()
    q = quote("^TNX", closes["^TNX"])
    assert q.close == s.iloc[-1] == 4.086
    assert q.day == Move(pytest.approx(bp(s.iloc[-1], s.iloc[-2]), rel=REL), "bp")  # +1.1 bp, not +0.27%
    assert q.ytd == Move(pytest.approx(bp(s.iloc[-1], s.loc["2025-12-31"]), rel=REL), "bp")
    assert round(q.day.value, 1) == 1.1 and round(q.ytd.value, 1) == -7.7


def test_a_prices_quote_still_moves_by_a_fraction(closes, raw_closes):
    s = raw_closes["^RUT"].dropna()
    q = quote("^RUT", closes["^RUT"])
    assert q.day == Move(pytest.approx(s.iloc[-1] / s.iloc[-2] - 1, rel=REL), "fraction")
    assert q.day.value < 0  # -0.049%: the sign the answer must keep


# ---------------------------------------------------------------- performance


def test_yields_are_not_ranked_with_returns(closes):
    with pytest.raises(ValueError, match="yield"):
        performance(closes[["SPY", "^TNX"]], Window(START, LAST_SESSION))


def test_yield_performance_levels_change_and_range(closes, raw_closes):
    rows = yield_performance(closes[["^TNX", "^IRX"]], Window(START, LAST_SESSION))
    assert [r.symbol for r in rows] == ["^TNX", "^IRX"]  # in the order asked, never ranked
    for row in rows:
        s = raw_closes[row.symbol].loc[START:LAST_SESSION].dropna()
        assert (row.start_level, row.end_level) == (s.iloc[0], s.iloc[-1])
        assert row.change_bp == pytest.approx(bp(s.iloc[-1], s.iloc[0]), rel=REL)
        assert (row.range.low, row.range.high, row.range.low_date) == (s.min(), s.max(), s.idxmin())
    assert round(rows[0].change_bp, 1) == -41.4 and round(rows[1].change_bp, 1) == -61.0


# ---------------------------------------------------------------- compare


def independent_spread(raw: pd.DataFrame, a: str, b: str, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    both = raw[[a, b]].dropna()
    both = both[both.index <= end]
    dates, A, B = both.index, both[a].to_numpy(), both[b].to_numpy()
    spread = (A - B) * 100
    i0 = int(np.flatnonzero(dates == start)[0])
    year = spread[dates >= end - pd.Timedelta(weeks=52)]
    five = spread[dates >= end - pd.DateOffset(years=5)]
    da, db = np.diff(A) * 100, np.diff(B) * 100
    streak, diffs = 0, da - db
    sign = 0 if diffs[-1] == 0 else (1 if diffs[-1] > 0 else -1)
    for d in diffs[::-1] if sign else ():
        if d * sign <= 0:
            break
        streak += sign
    return {
        "start": spread[i0],
        "end": spread[-1],
        "percentile_all": percentile(spread, spread[-1]),
        "z_all": zscore(spread, spread[-1]),
        "percentile_5y": percentile(five, spread[-1]),
        "z_5y": zscore(five, spread[-1]),
        "vs_high": spread[-1] - year.max(),
        "vs_low": spread[-1] - year.min(),
        "record": spread.max(),
        "record_date": dates[int(np.argmax(spread))],
        "correlation": float(np.corrcoef(da[-63:], db[-63:])[0, 1]),
        "streak": streak,
        "a": (A[i0], A[-1], (A[-1] - A[i0]) * 100, A[i0:].min(), A[i0:].max()),
        "b": (B[i0], B[-1], (B[-1] - B[i0]) * 100, B[i0:].min(), B[i0:].max()),
    }


@pytest.mark.parametrize(
    ("a", "b", "start", "end"),
    [("^TNX", "^IRX", START, LAST_SESSION), ("^IRX", "^TNX", T("2023-03-08"), T("2023-12-29"))],
)
def test_two_yields_compare_by_their_spread_in_bp(closes, raw_closes, a, b, start, end):
    result = compare_yields(aligned_pair(closes, a, b), Window(start, end))
    e = independent_spread(raw_closes, a, b, start, end)
    assert (result.spread_start, result.spread_end) == (pytest.approx(e["start"]), pytest.approx(e["end"]))
    assert result.spread_change == pytest.approx(e["end"] - e["start"])
    assert result.spread_all.percentile == pytest.approx(e["percentile_all"], rel=REL)
    assert result.spread_all.zscore == pytest.approx(e["z_all"], rel=1e-6)
    assert result.spread_5y.percentile == pytest.approx(e["percentile_5y"], rel=REL)
    assert result.spread_5y.zscore == pytest.approx(e["z_5y"], rel=1e-6)
    assert result.spread_vs_52w_high == pytest.approx(e["vs_high"], abs=1e-9)
    assert result.spread_vs_52w_low == pytest.approx(e["vs_low"], abs=1e-9)
    assert result.spread_record == pytest.approx(e["record"]) and result.spread_record_date == e["record_date"]
    assert result.spread_vs_record == pytest.approx(e["end"] - e["record"], abs=1e-9)
    assert result.correlation_63d == pytest.approx(e["correlation"], rel=1e-9)
    assert result.streak == e["streak"]
    for leg, (first, last, change, low, high) in ((result.a, e["a"]), (result.b, e["b"])):
        assert (leg.start_level, leg.end_level, leg.range.low, leg.range.high) == (first, last, low, high)
        assert leg.change_bp == pytest.approx(change, rel=REL)


def test_the_1y_tnx_irx_figures_written_out(closes):
    result = compare_yields(aligned_pair(closes, "^TNX", "^IRX"), Window(START, LAST_SESSION))
    assert (round(result.spread_start, 1), round(result.spread_end, 1)) == (29.5, 49.1)
    assert (round(result.a.change_bp, 1), round(result.b.change_bp, 1)) == (-41.4, -61.0)


def test_a_price_comparison_refuses_yields(closes):
    with pytest.raises(ValueError, match="yield"):
        compare(aligned_pair(closes, "^TNX", "^IRX"), Window(START, LAST_SESSION))


# ---------------------------------------------------------------- watchlist


def test_watch_rows_put_yields_after_the_ranked_returns_in_bp(closes, raw_closes):
    rows = watch_rows(closes, ["^TNX", "KRE", "^IRX", "^RUT", "NVDA"])
    assert [r.symbol for r in rows] == ["KRE", "NVDA", "^RUT", "^TNX", "^IRX"]
    tnx = raw_closes["^TNX"].dropna()
    row = rows[3]
    assert row.close == tnx.iloc[-1]
    assert (row.day.unit, row.month.unit, row.ytd.unit) == ("bp", "bp", "bp")
    assert row.day.value == pytest.approx(bp(tnx.iloc[-1], tnx.iloc[-2]), rel=REL)
    assert row.month.value == pytest.approx(bp(tnx.iloc[-1], tnx.loc["2026-01-20"]), rel=REL)
    assert row.ytd.value == pytest.approx(bp(tnx.iloc[-1], tnx.loc["2025-12-31"]), rel=REL)


def test_watch_day_keeps_yields_apart_with_level_and_bp(closes, raw_closes):
    day = T("2023-03-13")
    watched = watch_day(closes, day, ["KRE", "^TNX", "SPY", "^IRX"])
    assert [s for s, _ in watched.moves] == ["SPY", "KRE"]  # fractions only, best first
    expected = {
        s: (raw_closes[s][day], bp(raw_closes[s][day], raw_closes[s][T("2023-03-10")])) for s in ("^TNX", "^IRX")
    }
    assert [s for s, _, _ in watched.yields] == ["^TNX", "^IRX"]
    for symbol, level, change in watched.yields:
        assert level == expected[symbol][0] and change == pytest.approx(expected[symbol][1], rel=REL)
