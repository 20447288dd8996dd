"""analytics.history.long_run: calendar years and rolling windows of ^RUT against ^GSPC."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.errors import InsufficientHistory
from analytics.history import long_run

from ._helpers import LAST_SESSION, T, frame, short_message

REL = 1e-12


@pytest.fixture(scope="module")
def rut_spx_run(closes):
    return long_run(closes[["^RUT", "^GSPC"]].dropna())


def year_end_closes(raw: pd.DataFrame, symbol: str) -> dict[int, float]:
    """The last close of each calendar year, by walking the dates."""
    out: dict[int, float] = {}
    for day, value in raw[symbol].dropna().items():
        out[day.year] = value  # later days of the same year overwrite earlier ones
    return out


def test_long_run_span(rut_spx_run):
    assert (rut_spx_run.a, rut_spx_run.b) == ("^RUT", "^GSPC")
    assert rut_spx_run.first == T("1987-09-10")
    assert rut_spx_run.as_of == LAST_SESSION


def test_calendar_year_returns(rut_spx_run, raw_closes):
    rut, spx = year_end_closes(raw_closes, "^RUT"), year_end_closes(raw_closes, "^GSPC")
    years = rut_spx_run.years
    assert [y.year for y in years] == list(range(1988, 2027))  # 1987 is partial from the start: left out
    for row in years:
        assert row.return_a == pytest.approx(rut[row.year] / rut[row.year - 1] - 1, rel=REL), row.year
        assert row.return_b == pytest.approx(spx[row.year] / spx[row.year - 1] - 1, rel=REL), row.year
        assert row.spread == pytest.approx(row.return_a - row.return_b, rel=REL)
        assert row.partial is (row.year == 2026)


def test_known_calendar_years(rut_spx_run, raw_closes):
    by = {y.year: y for y in rut_spx_run.years}
    # 2008 from the closes of 2007-12-31 and 2008-12-31, read off the raw data.
    r = raw_closes.loc[["2007-12-31", "2008-12-31"], ["^RUT", "^GSPC"]].to_numpy()
    assert by[2008].return_a == pytest.approx(r[1, 0] / r[0, 0] - 1, rel=REL)
    assert by[2008].return_b == pytest.approx(r[1, 1] / r[0, 1] - 1, rel=REL)
    assert round(by[2008].return_b * 100, 1) == -38.5  # the S&P 500's 2008 price return
    # 2026 to date: from 2025-12-31 to 2026-02-20.
    r = raw_closes.loc[["2025-12-31", "2026-02-20"], ["^RUT", "^GSPC"]].to_numpy()
    assert by[2026].return_a == pytest.approx(r[1, 0] / r[0, 0] - 1, rel=REL)
    assert by[2026].partial and not by[2025].partial


@pytest.mark.parametrize(("years", "n"), [(1, 252), (3, 756), (5, 1260)])
def test_rolling_windows_where_rut_beat_gspc(rut_spx_run, raw_closes, years, n):
    both = raw_closes[["^RUT", "^GSPC"]].dropna().to_numpy()
    growth = both[n:] / both[:-n]
    beat = int(np.count_nonzero(growth[:, 0] > growth[:, 1]))
    (share,) = [s for s in rut_spx_run.rolling if s.years == years]
    assert share.windows == len(both) - n == 9685 - n
    assert share.a_beat_b == beat
    assert share.share == pytest.approx(beat / (9685 - n), rel=REL)


def test_rolling_periods_are_1_3_5_years(rut_spx_run):
    assert [s.years for s in rut_spx_run.rolling] == [1, 3, 5]


# ---------------------------------------------------------------- hand-built


def test_long_run_small_exact_years():
    f = frame(
        ["2021-06-01", "2021-12-31", "2022-06-01", "2022-12-30", "2023-03-01", "2023-12-29"],
        A=[50.0, 100.0, 10.0, 120.0, 1.0, 60.0],
        B=[10.0, 20.0, 99.0, 20.0, 99.0, 25.0],
    )
    run = long_run(f)
    assert [(y.year, y.partial) for y in run.years] == [(2022, False), (2023, False)]  # 2023-12-29: last session of 2023
    assert run.years[0].return_a == pytest.approx(0.2, rel=REL) and run.years[0].return_b == 0.0
    assert run.years[1].return_a == pytest.approx(-0.5, rel=REL) and run.years[1].return_b == pytest.approx(0.25, rel=REL)
    assert run.years[1].spread == pytest.approx(-0.75, rel=REL)
    assert all(s.windows == 0 for s in run.rolling)  # too short for a 252-session window
    assert run.first == T("2021-06-01") and run.as_of == T("2023-12-29")


@pytest.mark.parametrize(
    ("last_day", "partial"),
    [("2023-12-29", False), ("2023-12-28", True), ("2023-06-30", True), ("2024-12-31", False), ("2024-12-30", True)],
)
def test_only_a_year_not_ending_on_its_last_session_is_partial(last_day, partial):
    f = frame(["2022-12-30", last_day], A=[1.0, 2.0], B=[1.0, 3.0])
    (row,) = long_run(f).years
    assert row.year == T(last_day).year and row.partial is partial


@pytest.mark.parametrize(
    "days",
    [["2023-03-01"], ["2023-03-01", "2023-12-29"], ["2023-01-03", "2023-06-01", "2023-12-29"]],
)
def test_long_run_needs_two_calendar_years(days):
    f = frame(days, A=[1.0] * len(days), B=[2.0] * len(days))
    with pytest.raises(InsufficientHistory) as err:
        long_run(f)
    short_message(err.value)


def test_rolling_windows_small():
    rng = np.random.default_rng(11)
    n = 1300
    idx = pd.bdate_range("2015-01-02", periods=n).as_unit("ns")
    values = 100 * np.cumprod(1 + rng.normal(0.0003, 0.01, size=(n, 2)), axis=0)
    run = long_run(pd.DataFrame(values, index=idx, columns=["A", "B"]))
    for share, k in zip(run.rolling, (252, 756, 1260)):
        g = values[k:] / values[:-k]
        assert (share.windows, share.a_beat_b) == (n - k, int((g[:, 0] > g[:, 1]).sum()))


def test_rolling_ties_do_not_count_as_beating():
    idx = pd.bdate_range("2015-06-01", periods=253).as_unit("ns")
    f = pd.DataFrame({"A": np.linspace(1, 2, 253), "B": np.linspace(1, 2, 253)}, index=idx)
    one_year = long_run(f).rolling[0]
    assert (one_year.windows, one_year.a_beat_b) == (1, 0)
