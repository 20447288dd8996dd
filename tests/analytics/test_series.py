"""analytics.series: golden checks on the real snapshot and exact hand-built cases."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.series import (
    RISKMETRICS_LAMBDA,
    calc_max_drawdown,
    calc_percentile_rank,
    calc_total_return,
    calc_zscore,
    to_drawdown,
    to_ewma_volatility,
    to_log_returns,
    to_move_zscores,
    to_returns,
    to_session_values,
)

from ._helpers import (
    T,
    ewma_vol_loop,
    frame,
    max_drawdown,
    move_zscores_loop,
    on_or_before,
    percentile,
    simple_returns,
    zscore,
)

REL = 1e-12
DAYS4 = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]


# ---------------------------------------------------------------- golden: real snapshot


@pytest.mark.parametrize("symbol", ["^GSPC", "^RUT", "KRE", "NVDA", "^TNX"])
def test_to_returns_matches_numpy_on_snapshot(closes, raw_closes, symbol):
    raw = raw_closes[symbol].dropna()
    got = to_returns(closes[symbol].dropna())
    expected = simple_returns(raw.to_numpy())
    assert list(got.index) == list(raw.index[1:])
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=REL, atol=0)


def test_to_returns_on_a_frame_keeps_nan_where_a_symbol_has_no_close(closes, raw_closes):
    got = to_returns(closes[["^GSPC", "KRE"]])
    assert len(got) == len(raw_closes) - 1
    kre = raw_closes["KRE"].to_numpy()
    expected_kre = kre[1:] / kre[:-1] - 1  # NaN until KRE's second close
    np.testing.assert_array_equal(np.isnan(got["KRE"].to_numpy()), np.isnan(expected_kre))
    first_kre = raw_closes["KRE"].first_valid_index()
    assert first_kre == pd.Timestamp("2006-06-22")
    assert math.isnan(got.loc[first_kre, "KRE"])  # no previous close: not filled
    i = raw_closes.index.get_loc(first_kre) + 1
    day = raw_closes.index[i]
    assert got.loc[day, "KRE"] == pytest.approx(kre[i] / kre[i - 1] - 1, rel=REL)


@pytest.mark.parametrize("symbol", ["^GSPC", "^RUT", "KRE"])
def test_to_drawdown_matches_running_peak_on_snapshot(closes, raw_closes, symbol):
    values = raw_closes[symbol].dropna().to_numpy()
    expected = values / np.maximum.accumulate(values) - 1
    got = to_drawdown(closes[symbol].dropna())
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=REL, atol=0)
    assert (got <= 0).all()


@pytest.mark.parametrize(
    ("symbol", "start", "end"),
    [("^GSPC", None, None), ("^RUT", None, None), ("^GSPC", "2007-01-01", "2009-12-31"), ("KRE", "2023-01-01", "2023-12-31")],
)
def test_calc_max_drawdown_matches_loop_on_snapshot(closes, raw_closes, symbol, start, end):
    raw = raw_closes[symbol].loc[start:end].dropna()
    got = calc_max_drawdown(closes[symbol].loc[start:end].dropna())
    assert got == pytest.approx(max_drawdown(raw.to_numpy()), rel=REL)


def test_calc_max_drawdown_gspc_global_financial_crisis(closes, raw_closes):
    # The 2007-10-09 peak to the 2009-03-09 trough, from the raw closes.
    peak, trough = raw_closes.loc["2007-10-09", "^GSPC"], raw_closes.loc["2009-03-09", "^GSPC"]
    got = calc_max_drawdown(closes["^GSPC"].loc["2007-01-01":"2009-12-31"])
    assert got == pytest.approx(trough / peak - 1, rel=REL)
    assert round(got * 100, 1) == -56.8


@pytest.mark.parametrize("symbol", ["KRE", "^GSPC"])
def test_to_ewma_volatility_matches_explicit_loop(closes, raw_closes, symbol):
    values = raw_closes[symbol].dropna().to_numpy()
    logs = np.log(values[1:] / values[:-1])
    got = to_ewma_volatility(to_log_returns(closes[symbol].dropna()))
    np.testing.assert_allclose(got.to_numpy(), ewma_vol_loop(list(logs)), rtol=REL, atol=0)


@pytest.mark.parametrize("symbol", ["KRE", "^RUT"])
def test_to_move_zscores_matches_explicit_loop(closes, raw_closes, symbol):
    raw = raw_closes[symbol].dropna()
    got = to_move_zscores(closes[symbol])  # NaN before the symbol's first close is dropped
    expected = move_zscores_loop(raw.to_numpy())
    assert list(got.index) == list(raw.index[2:])  # two closes before the first judged move
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=REL, atol=0)


def test_kre_move_zscore_on_2023_03_13(closes, raw_closes):
    raw = raw_closes["KRE"].loc[:"2023-03-13"].dropna()
    expected = move_zscores_loop(raw.to_numpy())[-1]
    assert to_move_zscores(closes["KRE"].loc[:"2023-03-13"]).iloc[-1] == pytest.approx(expected, rel=REL)
    assert expected < -3  # a shock, judged against the calm before it


@pytest.mark.parametrize(("symbol", "day"), [("^VIX", "2020-03-16"), ("^VIX", "2026-02-20"), ("^TNX", "2026-02-20")])
def test_percentile_and_zscore_on_snapshot(closes, raw_closes, symbol, day):
    raw = raw_closes[symbol].loc[:day].dropna().to_numpy()
    value = float(raw[-1])
    history = closes[symbol].loc[:day]  # with NaN before the first close: dropped
    assert calc_percentile_rank(history, value) == pytest.approx(percentile(raw, value), rel=REL)
    assert calc_zscore(history, value) == pytest.approx(zscore(raw, value), rel=REL)


def test_vix_record_close_is_at_the_100th_percentile(closes, raw_closes):
    vix = raw_closes["^VIX"].dropna()
    assert calc_percentile_rank(closes["^VIX"], float(vix.max())) == 100.0
    assert calc_percentile_rank(closes["^VIX"], float(vix.min()) - 0.01) == 0.0


# ---------------------------------------------------------------- hand-built: exact values


def test_to_returns_small():
    got = to_returns(pd.Series([100.0, 110.0, 99.0, 99.0], index=pd.to_datetime(DAYS4)))
    assert list(got.index) == list(pd.to_datetime(DAYS4[1:]))
    assert got.tolist() == pytest.approx([0.1, -0.1, 0.0], rel=REL, abs=1e-15)


@pytest.mark.parametrize(("values", "expected"), [([100.0], []), ([100.0, 125.0], [0.25])])
def test_to_returns_one_and_two_rows(values, expected):
    got = to_returns(pd.Series(values, index=pd.to_datetime(DAYS4[: len(values)])))
    assert got.tolist() == expected


def test_to_returns_does_not_fill_a_gap():
    f = frame(DAYS4, A=[100.0, math.nan, 120.0, 132.0], B=[10.0, 11.0, 12.0, 13.0])
    got = to_returns(f)
    assert np.isnan(got["A"].iloc[0]) and np.isnan(got["A"].iloc[1])  # nothing bridges the gap
    assert got["A"].iloc[2] == pytest.approx(0.1, rel=REL)
    assert got["B"].tolist() == pytest.approx([0.1, 1 / 11, 1 / 12], rel=REL)


def test_to_drawdown_small_with_gap():
    s = pd.Series([100.0, 120.0, math.nan, 90.0, 130.0, 65.0], index=pd.date_range("2024-01-01", periods=6))
    got = to_drawdown(s)
    assert np.isnan(got.iloc[2])
    assert got.drop(got.index[2]).tolist() == pytest.approx([0.0, 0.0, -0.25, 0.0, -0.5], rel=REL, abs=0)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([100.0], 0.0),
        ([100.0, 50.0], -0.5),
        ([100.0, 200.0], 0.0),
        ([100.0, 80.0, 120.0, 60.0, 200.0], -0.5),
        ([100.0, math.nan, 75.0, 150.0], -0.25),
        ([5.0, 5.0, 5.0], 0.0),
    ],
)
def test_calc_max_drawdown_small(values, expected):
    s = pd.Series(values, index=pd.date_range("2024-01-01", periods=len(values)))
    assert calc_max_drawdown(s) == pytest.approx(expected, rel=REL, abs=0)


def test_calc_total_return_small():
    assert calc_total_return(pd.Series([80.0, 90.0, 100.0])) == pytest.approx(0.25, rel=REL)


@pytest.mark.parametrize(
    ("history", "value", "expected"),
    [
        ([1.0, 2.0, 3.0, 4.0], 2.0, 50.0),  # ties count as "at or below"
        ([1.0, 2.0, 3.0, 4.0], 0.5, 0.0),
        ([1.0, 2.0, 3.0, 4.0], 4.0, 100.0),
        ([1.0, math.nan, 3.0, 4.0], 3.0, 2 / 3 * 100),  # NaN is not history
        ([7.0], 7.0, 100.0),
        ([2.0, 2.0, 2.0], 2.0, 100.0),
    ],
)
def test_calc_percentile_rank_small(history, value, expected):
    assert calc_percentile_rank(pd.Series(history), value) == pytest.approx(expected, rel=REL)


@pytest.mark.parametrize(("history", "value"), [([], 1.0), ([math.nan, math.nan], 1.0), ([1.0, 2.0], math.nan)])
def test_calc_percentile_rank_nan_without_history_or_value(history, value):
    assert math.isnan(calc_percentile_rank(pd.Series(history, dtype=float), value))


@pytest.mark.parametrize(
    ("history", "value", "expected"),
    [
        ([1.0, 2.0, 3.0], 4.0, 2.0),  # mean 2, sample std 1
        ([1.0, 2.0, 3.0], 1.0, -1.0),
        ([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0], 5.0, 0.0),
        ([1.0, math.nan, 3.0], 3.0, 1 / math.sqrt(2)),  # NaN dropped: mean 2, std sqrt(2)
    ],
)
def test_calc_zscore_small(history, value, expected):
    assert calc_zscore(pd.Series(history), value) == pytest.approx(expected, rel=REL, abs=1e-15)


@pytest.mark.parametrize(("history", "value"), [([], 1.0), ([5.0], 5.0), ([math.nan, 5.0], 6.0)])
def test_calc_zscore_nan_with_fewer_than_two_values(history, value):
    assert math.isnan(calc_zscore(pd.Series(history, dtype=float), value))


@pytest.mark.parametrize(
    ("level", "n", "value"),
    [
        (2.0, 5, 2.0),
        (2.0, 5, 3.0),
        (0.3, 7, 0.3),
        # Regression: the float std of these flat series is ~1e-17..1e-16, not 0; it gave 0.93 and 4e15.
        pytest.param(0.1, 7, 0.1, id="0.1x7"),
        pytest.param(1.1, 6, 1.2, id="1.1x6-off"),
        pytest.param(0.7, 3, 0.7, id="0.7x3"),
    ],
)
def test_calc_zscore_flat_history_is_nan(level, n, value):
    """A history with no dispersion gives no z-score, whatever its level."""
    assert math.isnan(calc_zscore(pd.Series([level] * n), value))


def test_to_ewma_volatility_small():
    lam = RISKMETRICS_LAMBDA
    assert lam == 0.94
    r = pd.Series([0.1, -0.2, 0.05])
    var0 = 0.01
    var1 = lam * var0 + (1 - lam) * 0.04
    var2 = lam * var1 + (1 - lam) * 0.0025
    assert to_ewma_volatility(r).tolist() == pytest.approx([0.1, math.sqrt(var1), math.sqrt(var2)], rel=REL)


def test_to_move_zscores_small_uses_previous_day_volatility():
    closes = pd.Series([100.0, 110.0, 99.0, 108.9], index=pd.to_datetime(DAYS4))
    r1, r2, r3 = math.log(1.1), math.log(0.9), math.log(1.1)
    v1 = abs(r1)  # seeded with the first squared return
    v2 = math.sqrt(0.94 * r1 * r1 + 0.06 * r2 * r2)
    got = to_move_zscores(closes)
    assert list(got.index) == list(pd.to_datetime(DAYS4[2:]))
    assert got.tolist() == pytest.approx([r2 / v1, r3 / v2], rel=REL)


def test_to_move_zscores_skips_missing_closes():
    closes = pd.Series([100.0, math.nan, 110.0, 99.0], index=pd.to_datetime(DAYS4))
    got = to_move_zscores(closes)
    assert list(got.index) == [pd.Timestamp(DAYS4[3])]
    assert got.iloc[0] == pytest.approx(math.log(0.9) / math.log(1.1), rel=REL)


@pytest.mark.parametrize("n", [1, 2])
def test_to_move_zscores_needs_three_closes(n):
    assert to_move_zscores(pd.Series([100.0, 101.0][:n], index=pd.to_datetime(DAYS4[:n]))).empty


# ---------------------------------------------------------------- FRED's calendar on NYSE sessions (to_session_values)


def _fred() -> pd.DataFrame:
    from importlib import resources

    with (resources.files("analytics") / "data" / "fred_daily.csv.gz").open("rb") as fh:
        long = pd.read_csv(fh, compression="gzip")
    wide = long.pivot(index="date", columns="series", values="value")
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index, format="%Y-%m-%d")).as_unit("ns")
    return wide.sort_index()


def test_session_values_never_look_ahead():
    """The latest value dated on or before each session."""
    fred = pd.Series(
        [4.0, 4.1, 4.3, 4.6],
        index=pd.DatetimeIndex(["2023-03-09", "2023-03-11", "2023-03-14", "2023-03-16"]).as_unit("ns"),
    )
    sessions = pd.DatetimeIndex(["2023-03-08", "2023-03-10", "2023-03-13", "2023-03-14", "2023-03-15"]).as_unit("ns")
    got = to_session_values(fred, sessions)
    # 03-08 precedes every value; 03-13 takes Saturday's 4.1 (not Tuesday's 4.3); 03-15 keeps 4.3, not 03-16's 4.6.
    assert got.index.equals(sessions)
    assert math.isnan(got.iloc[0])
    assert got.iloc[1:].tolist() == [4.0, 4.1, 4.3, 4.3]


def test_session_values_skip_a_missing_value_and_an_unsorted_input():
    days = pd.DatetimeIndex(["2023-03-10", "2023-03-13", "2023-03-09"]).as_unit("ns")
    fred = pd.Series([4.2, math.nan, 4.0], index=days)
    sessions = pd.DatetimeIndex(["2023-03-09", "2023-03-10", "2023-03-13"]).as_unit("ns")
    assert to_session_values(fred, sessions).tolist() == [4.0, 4.2, 4.2]  # the NaN on 03-13 is no value, not a fill


def test_dff_and_dgs2_on_the_real_calendar():
    """DFF has every calendar day; DGS2 skips Treasury holidays (Columbus Day 2025-10-13: NYSE open)."""
    raw = _fred()
    sessions = pd.DatetimeIndex(["2025-10-10", "2025-10-13", "2025-10-14"]).as_unit("ns")
    assert T("2025-10-13") not in raw["DGS2"].dropna().index
    dgs2 = to_session_values(raw["DGS2"], sessions)
    assert dgs2.tolist() == [raw.at[T("2025-10-10"), "DGS2"]] * 2 + [raw.at[T("2025-10-14"), "DGS2"]]
    dff = to_session_values(raw["DFF"], sessions)
    assert dff.tolist() == [raw.at[d, "DFF"] for d in sessions]
    # Every business day of March 2023 against a searchsorted lookup; cutting the data at 03-13 changes nothing
    # up to it.
    days = pd.DatetimeIndex(pd.date_range("2023-03-01", "2023-03-31", freq="B")).as_unit("ns")
    full = to_session_values(raw["DGS2"], days)
    assert full.tolist() == [on_or_before(raw["DGS2"], d)[1] for d in days]
    cut = to_session_values(raw["DGS2"].loc[:"2023-03-13"], days)
    pd.testing.assert_series_equal(full.loc[:"2023-03-13"], cut.loc[:"2023-03-13"])
    assert cut.loc["2023-03-14":].eq(4.03).all()  # after the cut: the last value, never a later one
