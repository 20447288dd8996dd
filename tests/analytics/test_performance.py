"""analytics.performance: several symbols over one window, on the snapshot and by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.errors import InsufficientHistory
from analytics.performance import PerformanceRow, performance
from analytics.windows import Window, resolve_window

from ._helpers import NOW, T, frame, max_drawdown, short_message

REL = 1e-12
SYMBOLS = ["NVDA", "META", "GOOGL", "MSFT", "^GSPC", "^RUT"]


def test_performance_oct_2022_low_to_2025_10_21(closes, raw_closes):
    wide = closes[SYMBOLS]
    window = resolve_window("2022-10-12", "2025-10-21", wide.dropna().index, NOW)
    assert window == Window(T("2022-10-12"), T("2025-10-21"), ())
    rows = performance(wide, window)

    expected = []
    for symbol in SYMBOLS:
        s = raw_closes[symbol]
        inside = s[(s.index >= T("2022-10-12")) & (s.index <= T("2025-10-21"))].to_numpy()
        first, last = s.loc["2022-10-12"], s.loc["2025-10-21"]
        expected.append((symbol, first, last, last / first - 1, max_drawdown(inside)))
    expected.sort(key=lambda e: -e[3])

    assert [r.symbol for r in rows] == [e[0] for e in expected]
    for row, (symbol, first, last, ret, mdd) in zip(rows, expected):
        assert isinstance(row, PerformanceRow)
        assert (row.start_close, row.end_close) == (first, last)
        assert row.return_ == pytest.approx(ret, rel=REL)
        assert row.max_drawdown == pytest.approx(mdd, rel=REL, abs=0)
    # The index legs, from an independent source.
    by = {r.symbol: r for r in rows}
    assert round(by["^RUT"].return_ * 100, 1) == 47.4 and round(by["^GSPC"].return_ * 100, 1) == 88.3
    assert rows[0].symbol == "NVDA" and rows[-1].symbol == "^RUT"
    assert [r.return_ for r in rows] == sorted((r.return_ for r in rows), reverse=True)


def test_performance_with_a_symbol_that_starts_mid_window_in_the_snapshot(closes):
    # CFG's first close is 2014-09-24: a window from 2010 cannot include it.
    wide = closes[["KRE", "CFG"]]
    window = resolve_window("2010-01-04", "2015-01-02", closes[["KRE"]].dropna().index, NOW)
    with pytest.raises(InsufficientHistory) as err:
        performance(wide, window)
    short_message(err.value, "CFG", "2010-01-04", "2014-09-24")


# ---------------------------------------------------------------- hand-built frames

DAYS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]


def test_performance_small_exact_and_sorted():
    f = frame(DAYS, A=[100.0, 80.0, 120.0, 60.0, 110.0], B=[10.0, 11.0, 12.0, 13.0, 14.0], C=[50.0] * 5)
    rows = performance(f, Window(T(DAYS[0]), T(DAYS[4])))
    assert [r.symbol for r in rows] == ["B", "A", "C"]
    b, a, c = rows
    assert (b.start_close, b.end_close, b.max_drawdown) == (10.0, 14.0, 0.0)
    assert b.return_ == pytest.approx(0.4, rel=REL)
    assert a.return_ == pytest.approx(0.1, rel=REL) and a.max_drawdown == pytest.approx(-0.5, rel=REL)
    assert (c.return_, c.max_drawdown) == (0.0, 0.0)


def test_performance_only_looks_inside_the_window():
    f = frame(DAYS, A=[200.0, 100.0, 90.0, 120.0, 300.0])
    (row,) = performance(f, Window(T(DAYS[1]), T(DAYS[3])))
    assert (row.start_close, row.end_close) == (100.0, 120.0)
    assert row.return_ == pytest.approx(0.2, rel=REL)
    assert row.max_drawdown == pytest.approx(-0.1, rel=REL)  # the 200 before the window is not its peak


def test_performance_two_rows():
    f = frame(DAYS[:2], A=[100.0, 50.0])
    assert performance(f, Window(T(DAYS[0]), T(DAYS[1]))) == [PerformanceRow("A", 100.0, 50.0, -0.5, -0.5)]


def test_performance_gap_inside_the_window_is_skipped_not_filled():
    f = frame(DAYS, A=[100.0, math.nan, 75.0, math.nan, 90.0], B=[1.0, 2.0, 3.0, 4.0, 5.0])
    rows = {r.symbol: r for r in performance(f, Window(T(DAYS[0]), T(DAYS[4])))}
    assert rows["A"].return_ == pytest.approx(-0.1, rel=REL)
    assert rows["A"].max_drawdown == pytest.approx(-0.25, rel=REL)
    assert rows["B"].return_ == pytest.approx(4.0, rel=REL)


@pytest.mark.parametrize(
    ("values", "session"),
    [
        ([math.nan, math.nan, 5.0, 6.0, 7.0], "2024-01-02"),  # starts mid-window
        ([5.0, 6.0, 7.0, math.nan, math.nan], "2024-01-08"),  # stops before the end
        ([math.nan, 6.0, 7.0, 8.0, 9.0], "2024-01-02"),  # missing only the first session
        ([math.nan] * 5, "2024-01-02"),  # no data at all
    ],
)
def test_performance_refuses_a_symbol_without_closes_at_both_ends(values, session):
    f = frame(DAYS, SPY=[1.0, 2.0, 3.0, 4.0, 5.0], NEWCO=values)
    with pytest.raises(InsufficientHistory) as err:
        performance(f, Window(T(DAYS[0]), T(DAYS[4])))
    msg = short_message(err.value, "NEWCO", session)
    assert "SPY" not in msg
    first = next((d for d, v in zip(DAYS, values) if v == v), None)
    assert (first or "no data") in msg


def test_performance_refuses_mid_window_start_through_resolve_window():
    f = frame(DAYS, SPY=[1.0, 2.0, 3.0, 4.0, 5.0], NEWCO=[math.nan, math.nan, 5.0, 6.0, 7.0])
    window = resolve_window("2024-01-02", "2024-01-08", f.index, T("2024-01-08"))
    with pytest.raises(InsufficientHistory) as err:
        performance(f, window)
    short_message(err.value, "NEWCO", "2024-01-04")


def test_performance_window_start_not_in_the_frame():
    f = frame(DAYS, A=[1.0, 2.0, 3.0, 4.0, 5.0])
    with pytest.raises(InsufficientHistory) as err:
        performance(f, Window(T("2023-12-29"), T(DAYS[4])))
    short_message(err.value, "A", "2023-12-29")


def test_performance_rows_are_plain_floats():
    f = frame(DAYS[:2], A=[np.float64(1.0), 2.0])
    (row,) = performance(f, Window(T(DAYS[0]), T(DAYS[1])))
    assert all(type(x) is float for x in (row.start_close, row.end_close, row.return_, row.max_drawdown))
