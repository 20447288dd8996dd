"""analytics.compare: ^RUT vs ^GSPC on the real snapshot, and exact hand-built pairs."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.compare import aligned_pair, calc_streak, compare
from analytics.errors import InsufficientHistory
from analytics.windows import Window, resolve_window

from ._helpers import LAST_SESSION, NOW, T, frame, max_drawdown, short_message

REL = 1e-12
WEEKS_52 = pd.Timedelta(weeks=52)


def independent(raw: pd.DataFrame, a: str, b: str, start: str, end: str) -> dict:
    """Every figure of a comparison, from the raw closes with numpy and explicit loops."""
    start, end = T(start), T(end)
    both = raw[[a, b]].dropna()
    both = both[both.index <= end]
    dates = both.index
    A, B = both[a].to_numpy(), both[b].to_numpy()
    i0 = int(np.flatnonzero(dates == start)[0])
    assert dates[-1] == end
    ratio = A / B
    r_end, r_start = ratio[-1], ratio[i0]

    def standing(values, since):
        return {
            "since": since,
            "percentile": np.count_nonzero(values <= r_end) * 100 / len(values),
            "zscore": (r_end - values.mean()) / values.std(ddof=1),
        }

    five = dates >= end - pd.DateOffset(years=5)  # 5 calendar years, inclusive
    year = dates >= end - WEEKS_52
    ra, rb = A[1:] / A[:-1] - 1, B[1:] / B[:-1] - 1
    ra63, rb63 = ra[-63:], rb[-63:]
    streak = 0
    diffs = ra - rb
    sign = 0 if diffs[-1] == 0 else (1 if diffs[-1] > 0 else -1)
    if sign:
        for d in diffs[::-1]:
            if d * sign <= 0:
                break
            streak += sign

    def leg(x):
        return {
            "start": x[i0],
            "end": x[-1],
            "return": x[-1] / x[i0] - 1,
            "max_drawdown": max_drawdown(x[i0:]),
            "drawdown_52w": x[-1] / x[year].max() - 1,
        }

    return {
        "a": leg(A),
        "b": leg(B),
        "ratio_start": r_start,
        "ratio_end": r_end,
        "ratio_change": r_end / r_start - 1,
        "all": standing(ratio, dates[0]),
        "5y": standing(ratio[five], dates[five][0]),
        "vs_52w_high": r_end / ratio[year].max() - 1,
        "vs_52w_low": r_end / ratio[year].min() - 1,
        "vs_record": r_end / ratio.max() - 1,
        "record_date": dates[int(np.argmax(ratio))],
        "corr": np.corrcoef(ra63, rb63)[0, 1],
        "beta": np.cov(ra63, rb63, ddof=1)[0, 1] / np.var(rb63, ddof=1),
        "streak": streak,
    }


def assert_matches(result, exp):
    for leg, key in ((result.a, "a"), (result.b, "b")):
        e = exp[key]
        assert leg.start_close == e["start"] and leg.end_close == e["end"]
        assert leg.return_ == pytest.approx(e["return"], rel=REL)
        assert leg.max_drawdown == pytest.approx(e["max_drawdown"], rel=REL, abs=0)
        assert leg.drawdown_52w == pytest.approx(e["drawdown_52w"], rel=REL, abs=0)
    assert result.spread == pytest.approx(exp["a"]["return"] - exp["b"]["return"], rel=REL)
    assert result.ratio_start == pytest.approx(exp["ratio_start"], rel=REL)
    assert result.ratio_end == pytest.approx(exp["ratio_end"], rel=REL)
    assert result.ratio_change == pytest.approx(exp["ratio_change"], rel=REL)
    for standing, key in ((result.ratio_all, "all"), (result.ratio_5y, "5y")):
        assert standing.since == exp[key]["since"]
        assert standing.percentile == pytest.approx(exp[key]["percentile"], rel=REL)
        assert standing.zscore == pytest.approx(exp[key]["zscore"], rel=REL)
    assert result.ratio_vs_52w_high == pytest.approx(exp["vs_52w_high"], rel=REL, abs=0)
    assert result.ratio_vs_52w_low == pytest.approx(exp["vs_52w_low"], rel=REL, abs=0)
    assert result.ratio_vs_record == pytest.approx(exp["vs_record"], rel=REL, abs=0)
    assert result.ratio_record_date == exp["record_date"]
    assert result.correlation_63d == pytest.approx(exp["corr"], rel=REL)
    assert result.beta_63d == pytest.approx(exp["beta"], rel=REL)
    assert result.streak == exp["streak"]


# ---------------------------------------------------------------- golden: ^RUT vs ^GSPC


@pytest.fixture(scope="module")
def rut_spx(closes):
    return aligned_pair(closes, "^RUT", "^GSPC")


@pytest.fixture(scope="module")
def main_window(rut_spx):
    return resolve_window("2022-10-12", "2025-10-21", rut_spx.index, NOW)


def test_aligned_pair_is_every_common_session(rut_spx, raw_closes):
    assert list(rut_spx.columns) == ["^RUT", "^GSPC"]
    assert len(rut_spx) == 9685
    assert rut_spx.index[0] == T("1987-09-10") and rut_spx.index[-1] == LAST_SESSION
    np.testing.assert_array_equal(rut_spx.to_numpy(), raw_closes[["^RUT", "^GSPC"]].to_numpy())


def test_oct_2022_low_to_2025_10_21_headline(rut_spx, main_window):
    assert main_window == Window(T("2022-10-12"), T("2025-10-21"), ())
    result = compare(rut_spx, main_window)
    # From an independent source: ^RUT 1687.76 -> 2487.69, ^GSPC 3577.03 -> 6735.35.
    assert (result.a.symbol, result.a.start_close, result.a.end_close) == ("^RUT", 1687.76, 2487.69)
    assert (result.b.symbol, result.b.start_close, result.b.end_close) == ("^GSPC", 3577.03, 6735.35)
    assert round(result.a.return_ * 100, 1) == 47.4
    assert round(result.b.return_ * 100, 1) == 88.3
    assert result.a.return_ == pytest.approx(2487.69 / 1687.76 - 1, rel=REL)
    assert result.b.return_ == pytest.approx(6735.35 / 3577.03 - 1, rel=REL)
    assert result.spread == pytest.approx((2487.69 / 1687.76) - (6735.35 / 3577.03), rel=REL)
    assert result.ratio_start == pytest.approx(1687.76 / 3577.03, rel=REL)
    assert result.ratio_end == pytest.approx(2487.69 / 6735.35, rel=REL)
    assert result.ratio_change == pytest.approx((2487.69 / 6735.35) / (1687.76 / 3577.03) - 1, rel=REL)
    assert result.as_of == T("2025-10-21")


def test_oct_2022_low_to_2025_10_21_every_figure(rut_spx, main_window, raw_closes):
    assert_matches(compare(rut_spx, main_window), independent(raw_closes, "^RUT", "^GSPC", "2022-10-12", "2025-10-21"))


def test_ratio_standing_windows(rut_spx, main_window, raw_closes):
    result = compare(rut_spx, main_window)
    assert result.ratio_all.since == T("1987-09-10")
    assert result.ratio_5y.since == T("2020-10-21")  # 2025-10-21 minus 5 years, a session, included
    # Percentile by counting, written out: closes up to the end at or below the end ratio.
    both = raw_closes[["^RUT", "^GSPC"]].loc[:"2025-10-21"]
    ratios = [x / y for x, y in zip(both["^RUT"], both["^GSPC"])]
    end = ratios[-1]
    assert result.ratio_all.percentile == pytest.approx(100 * sum(r <= end for r in ratios) / len(ratios), rel=REL)


@pytest.mark.parametrize(
    ("a", "b", "start", "end", "expected_start", "expected_end"),
    [
        ("^RUT", "^GSPC", "oct-2022-low", "2025-10-21", "2022-10-12", "2025-10-21"),
        ("^RUT", "^GSPC", "svb", None, "2023-03-08", "2026-02-20"),
        ("^RUT", "^GSPC", "ytd", None, "2025-12-31", "2026-02-20"),
        ("^RUT", "^GSPC", "1y", None, "2025-02-20", "2026-02-20"),
        ("^RUT", "^GSPC", "max", None, "1987-09-10", "2026-02-20"),
        ("^RUT", "^GSPC", "ytd", "2025-10-21", "2024-12-31", "2025-10-21"),
        ("^RUT", "^GSPC", "oct-2022-low", "svb", "2022-10-12", "2023-03-08"),
        ("^GSPC", "^RUT", "2020-03-23", "2020-06-08", "2020-03-23", "2020-06-08"),
        ("KRE", "SPY", "max", None, "2006-06-22", "2026-02-20"),  # NaN before KRE starts is not a common session
        ("KRE", "XLF", "svb", "2023-05-04", "2023-03-08", "2023-05-04"),
    ],
)
def test_compare_windows_through_resolve_window(closes, raw_closes, a, b, start, end, expected_start, expected_end):
    pair = aligned_pair(closes, a, b)
    window = resolve_window(start, end, pair.index, NOW)
    assert (window.start, window.end) == (T(expected_start), T(expected_end))
    assert_matches(compare(pair, window), independent(raw_closes, a, b, expected_start, expected_end))


def test_compare_ignores_closes_after_the_window(rut_spx, main_window):
    """Figures as of the end are the same whether or not later closes are in the pair."""
    full = compare(rut_spx, main_window)
    cut = compare(rut_spx.loc[:"2025-10-21"], main_window)
    assert full == cut


# ---------------------------------------------------------------- hand-built pairs

DAYS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09"]


def test_aligned_pair_drops_sessions_where_either_has_no_close():
    f = frame(DAYS[:4], A=[1.0, math.nan, 3.0, 4.0], B=[10.0, 20.0, math.nan, 40.0], C=[7.0] * 4)
    pair = aligned_pair(f, "A", "B")
    assert list(pair.index) == [T(DAYS[0]), T(DAYS[3])]
    assert pair.to_numpy().tolist() == [[1.0, 10.0], [4.0, 40.0]]
    assert list(pair.columns) == ["A", "B"]


@pytest.mark.parametrize(
    "columns",
    [
        {"A": [1.0], "B": [2.0]},  # one row
        {"A": [1.0, math.nan], "B": [math.nan, 2.0]},  # two rows, no common session
        {"A": [1.0, 2.0], "B": [math.nan, 2.0]},  # one common session
    ],
)
def test_aligned_pair_needs_two_common_closes(columns):
    f = frame(DAYS[: len(columns["A"])], **columns)
    with pytest.raises(InsufficientHistory) as err:
        aligned_pair(f, "A", "B")
    short_message(err.value, "A", "B")


def test_compare_two_rows_exact():
    pair = frame(DAYS[:2], A=[100.0, 110.0], B=[50.0, 50.0])
    result = compare(pair, Window(T(DAYS[0]), T(DAYS[1])))
    assert (result.a.start_close, result.a.end_close, result.b.start_close, result.b.end_close) == (100, 110, 50, 50)
    assert result.a.return_ == pytest.approx(0.1, rel=REL)
    assert result.b.return_ == 0.0
    assert result.spread == pytest.approx(0.1, rel=REL)
    assert (result.ratio_start, result.ratio_end) == (2.0, 2.2)
    assert result.ratio_change == pytest.approx(0.1, rel=REL)
    assert result.ratio_all.percentile == 100.0 and result.ratio_5y.percentile == 100.0
    assert result.ratio_all.zscore == pytest.approx(1 / math.sqrt(2), rel=1e-9)  # (2.2 - 2.1) / std(2, 2.2)
    assert result.ratio_vs_52w_high == 0.0
    assert result.ratio_vs_52w_low == pytest.approx(0.1, rel=REL)
    assert result.ratio_vs_record == 0.0 and result.ratio_record_date == T(DAYS[1])
    assert result.a.max_drawdown == 0.0 and result.a.drawdown_52w == 0.0
    assert math.isnan(result.correlation_63d) and math.isnan(result.beta_63d)  # fewer than 63 returns
    assert result.streak == 1


def test_compare_window_inside_history_uses_history_for_standing():
    pair = frame(DAYS, A=[10.0, 12.0, 9.0, 6.0, 8.0, 7.0], B=[1.0] * 6)
    result = compare(pair, Window(T(DAYS[2]), T(DAYS[4])))
    assert (result.a.start_close, result.a.end_close) == (9.0, 8.0)
    assert result.a.max_drawdown == pytest.approx(6 / 9 - 1, rel=REL)  # the 12 before the window is not a peak
    assert result.a.drawdown_52w == pytest.approx(8 / 12 - 1, rel=REL)  # but it is within 52 weeks
    assert result.ratio_all.percentile == pytest.approx(100 * 2 / 5, rel=REL)  # 6 and 8 of 10,12,9,6,8
    assert result.ratio_vs_record == pytest.approx(8 / 12 - 1, rel=REL)
    assert result.ratio_record_date == T(DAYS[1])
    assert result.streak == 1  # A +33% vs B 0% on the last session in the window


def _daily(n: int, end: str) -> pd.DatetimeIndex:
    return pd.bdate_range(end=end, periods=n).as_unit("ns")


@pytest.mark.parametrize(("n", "has_corr"), [(63, False), (64, True), (200, True)])
def test_63_session_correlation_and_beta(n, has_corr):
    rng = np.random.default_rng(7)
    ra, rb = rng.normal(0, 0.01, n - 1), rng.normal(0, 0.01, n - 1)
    ra = 0.5 * rb + ra
    A = 100 * np.cumprod(np.r_[1.0, 1 + ra])
    B = 100 * np.cumprod(np.r_[1.0, 1 + rb])
    idx = _daily(n, "2024-06-28")
    pair = pd.DataFrame({"A": A, "B": B}, index=idx)
    result = compare(pair, Window(idx[0], idx[-1]))
    if not has_corr:
        assert math.isnan(result.correlation_63d) and math.isnan(result.beta_63d)
        return
    xa, xb = A[1:] / A[:-1] - 1, B[1:] / B[:-1] - 1
    xa, xb = xa[-63:], xb[-63:]
    assert result.correlation_63d == pytest.approx(np.corrcoef(xa, xb)[0, 1], rel=REL)
    assert result.beta_63d == pytest.approx(np.cov(xa, xb)[0, 1] / np.var(xb, ddof=1), rel=REL)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")  # B is flat: beta 0/0
@pytest.mark.parametrize(
    ("peak_day", "included"),
    [("2023-01-03", True), ("2023-01-02", False), ("2022-12-30", False)],
)
def test_52_week_window_is_inclusive_of_end_minus_52_weeks(peak_day, included):
    end = T("2024-01-02")  # minus 52 weeks = 2023-01-03
    idx = pd.bdate_range("2022-12-01", end).as_unit("ns")
    a = pd.Series(100.0, index=idx)
    a[T(peak_day)] = 200.0
    pair = pd.DataFrame({"A": a, "B": 1.0})
    result = compare(pair, Window(idx[0], end))
    high = 200.0 if included else 100.0
    assert result.ratio_vs_52w_high == pytest.approx(100.0 / high - 1, rel=REL, abs=0)
    assert result.a.drawdown_52w == pytest.approx(100.0 / high - 1, rel=REL, abs=0)
    assert result.ratio_vs_record == -0.5  # the record is over all history either way


@pytest.mark.parametrize(("first_day", "since"), [("2019-01-02", "2019-01-02"), ("2018-12-31", "2019-01-02")])
def test_five_year_standing_starts_at_end_minus_five_years(first_day, since):
    end = T("2024-01-02")  # minus 5 years = 2019-01-02, included
    idx = pd.DatetimeIndex([T("2018-12-31"), T("2019-01-02"), T("2021-06-01"), end]).as_unit("ns")
    pair = pd.DataFrame({"A": [1.0, 3.0, 2.0, 4.0], "B": 1.0}, index=idx).loc[first_day:]
    result = compare(pair, Window(T("2021-06-01"), end))
    recent = np.array([3.0, 2.0, 4.0])
    assert result.ratio_5y.since == T(since)
    assert result.ratio_5y.zscore == pytest.approx((4 - recent.mean()) / recent.std(ddof=1), rel=REL)
    assert result.ratio_5y.percentile == 100.0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0.5, 0.25, 0.5, 0.5], [0.25, 0.25, 0.25, 0.25], 2),  # a tie two sessions back ends the streak
        ([0.5, 0.5, 0.25], [0.25, 0.25, 0.25], 0),  # a tie on the last session: no streak
        ([0.0, -0.5, -0.25], [0.0, 0.25, 0.25], -2),  # b beat a twice, after a tie
        ([0.5, -0.5, 0.5, 0.5, 0.5], [0.25, 0.25, 0.25, 0.25, 0.25], 3),
        ([0.5], [0.25], 1),
        ([], [], 0),
    ],
)
def test_calc_streak(a, b, expected):
    returns = pd.DataFrame({"A": a, "B": b}, dtype=float)
    assert calc_streak(returns) == expected


def test_compare_streak_ended_by_a_tie():
    # Daily returns: A +100%, +100%, 0%, +50%, +50%; B +100%, 0%, 0%, 0%, 0%: A - B = 0, +1, 0, +.5, +.5
    pair = frame(DAYS, A=[1.0, 2.0, 4.0, 4.0, 6.0, 9.0], B=[1.0, 2.0, 2.0, 2.0, 2.0, 2.0])
    assert compare(pair, Window(T(DAYS[0]), T(DAYS[5]))).streak == 2  # the tie on day 3 stops the count
    assert compare(pair, Window(T(DAYS[0]), T(DAYS[3]))).streak == 0  # ends on the tie
    assert compare(pair, Window(T(DAYS[0]), T(DAYS[2]))).streak == 1  # the tie on day 1 stops it
    assert compare(pair, Window(T(DAYS[0]), T(DAYS[1]))).streak == 0  # both +100%
    flipped = compare(pair[["B", "A"]], Window(T(DAYS[0]), T(DAYS[5])))
    assert flipped.streak == -2 and flipped.a.symbol == "B"


def test_compare_flat_pair_has_nan_zscore():
    pair = frame(DAYS, A=[50.0] * 6, B=[25.0] * 6)
    result = compare(pair, Window(T(DAYS[0]), T(DAYS[5])))
    assert math.isnan(result.ratio_all.zscore) and math.isnan(result.ratio_5y.zscore)
    assert result.ratio_all.percentile == 100.0
    assert result.a.return_ == 0.0 and result.spread == 0.0 and result.streak == 0


def test_compare_flat_pair_at_ratio_1_1_has_nan_zscore():
    """Regression: a flat ratio of 1.1 has a float std of ~2e-16, which gave a z-score of 0.93."""
    pair = frame(DAYS, A=[110.0] * 6, B=[100.0] * 6)
    result = compare(pair, Window(T(DAYS[0]), T(DAYS[5])))
    assert math.isnan(result.ratio_all.zscore)
