"""analytics.quote: last close, day move, 52-week range and YTD move (a yield's in bp)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.errors import InsufficientHistory
from analytics.quote import quote
from analytics.series import trailing_52_weeks

from ._helpers import LAST_SESSION, T, short_message

REL = 1e-12
YIELDS = {"^IRX", "^FVX", "^TNX", "^TYX"}  # Yahoo's Treasury yields, quoted in percent


def expected_move(symbol: str, start: float, end: float) -> float:
    """A yield moves by its change in bp, (end - start) * 100; everything else by end / start - 1."""
    return (end - start) * 100 if symbol in YIELDS else end / start - 1


def expected_quote(symbol: str, raw: pd.Series, as_of: pd.Timestamp | None = None) -> dict:
    s = raw.dropna()
    if as_of is not None:
        s = s[s.index <= as_of]
    dates, v = s.index, s.to_numpy()
    end = dates[-1]
    year = v[dates >= end - pd.Timedelta(weeks=52)]
    prior = dates < T(f"{end.year}-01-01")
    base_i = int(np.flatnonzero(prior)[-1]) if prior.any() else None
    return {
        "as_of": end,
        "close": v[-1],
        "previous": v[-2],
        "unit": "bp" if symbol in YIELDS else "fraction",
        "day": expected_move(symbol, v[-2], v[-1]),
        "high": year.max(),
        "low": year.min(),
        "ytd_base": dates[base_i] if base_i is not None else None,
        "ytd": expected_move(symbol, v[base_i], v[-1]) if base_i is not None else math.nan,
    }


@pytest.mark.parametrize(
    ("symbol", "as_of"),
    [
        ("^GSPC", None),
        ("^RUT", None),
        ("KRE", None),
        ("^TNX", None),
        ("^VIX", None),
        ("META", None),
        ("^GSPC", "2025-01-10"),  # YTD in January: from 2024-12-31
        ("^GSPC", "2025-01-02"),  # the first session of the year
        ("^GSPC", "2024-12-31"),  # the last session of a year: YTD is the whole year
        ("^TNX", "2016-11-11"),  # no yield that day: the previous one is the quote
        ("KRE", "2007-01-03"),
    ],
)
def test_quote_matches_independent_computation(closes, raw_closes, symbol, as_of):
    exp = expected_quote(symbol, raw_closes[symbol], T(as_of) if as_of else None)
    series = closes[symbol] if as_of is None else closes[symbol].loc[:as_of]
    q = quote(symbol, series)
    assert q.symbol == symbol
    assert q.as_of == exp["as_of"]
    assert (q.close, q.previous_close) == (exp["close"], exp["previous"])
    assert (q.day.unit, q.ytd.unit) == (exp["unit"], exp["unit"])
    assert q.day.value == pytest.approx(exp["day"], rel=REL, abs=1e-15)
    assert (q.high_52w, q.low_52w) == (exp["high"], exp["low"])
    assert q.ytd_base == exp["ytd_base"]
    assert q.ytd.value == pytest.approx(exp["ytd"], rel=REL, abs=1e-15, nan_ok=True)


def test_quote_gspc_at_the_snapshot_end_written_out(closes, raw_closes):
    s = raw_closes["^GSPC"]
    q = quote("^GSPC", closes["^GSPC"])
    assert q.as_of == LAST_SESSION and q.ytd_base == T("2025-12-31")
    assert (q.day.unit, q.ytd.unit) == ("fraction", "fraction")
    assert q.day.value == pytest.approx(s.loc["2026-02-20"] / s.loc["2026-02-19"] - 1, rel=REL)
    assert q.ytd.value == pytest.approx(s.loc["2026-02-20"] / s.loc["2025-12-31"] - 1, rel=REL)
    window = s.loc["2025-02-21":"2026-02-20"]  # 2026-02-20 minus 52 weeks is 2025-02-21
    assert (q.high_52w, q.low_52w) == (window.max(), window.min())


def test_quote_kre_before_it_starts_in_2006(closes, raw_closes):
    # KRE's first close is 2006-06-22: no close before 2006, so no YTD in 2006.
    q = quote("KRE", closes["KRE"].loc[:"2006-12-29"])
    assert q.ytd_base is None and math.isnan(q.ytd.value) and not q.ytd.known
    first = raw_closes["KRE"].dropna()
    assert q.low_52w == first.loc[:"2006-12-29"].min()


# ---------------------------------------------------------------- hand-built


def s(days: list[str], values: list[float]) -> pd.Series:
    return pd.Series(values, index=pd.DatetimeIndex(pd.to_datetime(days)).as_unit("ns"), dtype=float)


def test_quote_one_row():
    q = quote("X", s(["2024-03-01"], [50.0]))
    assert (q.as_of, q.close, q.high_52w, q.low_52w) == (T("2024-03-01"), 50.0, 50.0, 50.0)
    assert math.isnan(q.previous_close) and math.isnan(q.day.value) and not q.day.known
    assert q.ytd_base is None and math.isnan(q.ytd.value) and not q.ytd.known


def test_quote_two_rows_across_new_year():
    q = quote("X", s(["2023-12-29", "2024-01-02"], [100.0, 90.0]))
    assert (q.previous_close, q.ytd_base) == (100.0, T("2023-12-29"))
    assert q.day.value == pytest.approx(-0.1, rel=REL) and q.ytd.value == pytest.approx(-0.1, rel=REL)
    assert q.day.known and q.ytd.known and (q.day.unit, q.ytd.unit) == ("fraction", "fraction")
    assert (q.high_52w, q.low_52w) == (100.0, 90.0)


def test_quote_drops_missing_closes():
    q = quote("X", s(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"], [100.0, math.nan, 120.0, math.nan]))
    assert (q.as_of, q.close, q.previous_close) == (T("2024-01-04"), 120.0, 100.0)
    assert q.day.value == pytest.approx(0.2, rel=REL)


@pytest.mark.parametrize("values", [[], [math.nan, math.nan]])
def test_quote_without_closes(values):
    days = ["2024-01-02", "2024-01-03"][: len(values)]
    with pytest.raises(InsufficientHistory) as err:
        quote("ZZZ", s(days, values))
    short_message(err.value, "ZZZ")


@pytest.mark.parametrize(("day", "included"), [("2023-01-03", True), ("2023-01-02", False)])
def test_52_weeks_include_the_day_52_weeks_before(day, included):
    series = s([day, "2023-06-01", "2024-01-02"], [500.0, 100.0, 200.0])  # 2024-01-02 - 52 weeks = 2023-01-03
    q = quote("X", series)
    assert (q.high_52w, q.low_52w) == ((500.0, 100.0) if included else (200.0, 100.0))
    assert list(trailing_52_weeks(series).index) == list(series.index[(0 if included else 1):])
