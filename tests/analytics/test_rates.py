"""analytics.rates: ^IRX and ^TNX levels, 1m/3m changes in bp and the curve; the rate path (DFF, DGS2, FedWatch)."""

from __future__ import annotations

import math
from importlib import resources

import pandas as pd
import pytest

from analytics.errors import InsufficientHistory
from analytics.rates import calc_fedwatch, fomc_meetings, meeting_odds, next_meeting, rate_path, rates

from ._helpers import LAST_SESSION, T, frame, months_back, on_or_before, short_message

REL = 1e-12


def expected_yield(raw, symbol, as_of):
    session, level = on_or_before(raw[symbol], as_of)
    out = {"session": session, "level": level, "change": {}, "since": {}}
    for name, months in (("1m", 1), ("3m", 3)):
        since, before = on_or_before(raw[symbol], months_back(session, months))
        out["since"][name] = since
        out["change"][name] = (level - before) * 100
    return out


@pytest.mark.parametrize(
    "as_of",
    [
        "2026-02-20",  # the last session
        "2026-02-22",  # a Sunday after it
        "2016-11-11",  # Veterans Day: NYSE open, no Treasury yields; falls back to 2016-11-10
        "2016-12-12",  # 1m back is Saturday 2016-11-12; Friday 11-11 has no yield: 2016-11-10
        "2017-02-13",  # 3m back is 2016-11-13 (Sunday): 2016-11-10 again
        "2024-05-31",  # 3m back is 2024-02-29 (leap day), 1m back 2024-04-30
        "2025-03-31",  # 1m back clips to 2025-02-28
        "2008-12-31",  # bill yield near zero
    ],
)
def test_rates_match_independent_computation(closes, raw_closes, as_of):
    as_of = T(as_of)
    got = rates(closes, as_of)
    for y, symbol in ((got.bill, "^IRX"), (got.ten_year, "^TNX")):
        exp = expected_yield(raw_closes, symbol, as_of)
        assert y.symbol == symbol
        assert (y.session, y.level) == (exp["session"], exp["level"])
        assert y.since == exp["since"]
        assert y.change_bp["1m"] == pytest.approx(exp["change"]["1m"], rel=REL)
        assert y.change_bp["3m"] == pytest.approx(exp["change"]["3m"], rel=REL)
    assert got.as_of == max(got.bill.session, got.ten_year.session)
    assert got.curve_bp == pytest.approx((got.ten_year.level - got.bill.level) * 100, rel=REL)
    assert got.bill_steps_3m == pytest.approx(got.bill.change_bp["3m"] / 25, rel=REL)


def test_rates_at_the_snapshot_end_written_out(closes, raw_closes):
    got = rates(closes, LAST_SESSION)
    irx, tnx = raw_closes["^IRX"], raw_closes["^TNX"]
    # 2026-01-20 and 2025-11-20 are both sessions with yields.
    assert got.bill.since == {"1m": T("2026-01-20"), "3m": T("2025-11-20")}
    assert got.ten_year.since == {"1m": T("2026-01-20"), "3m": T("2025-11-20")}
    assert got.bill.level == irx.loc["2026-02-20"] and got.ten_year.level == tnx.loc["2026-02-20"]
    for y, s in ((got.bill, irx), (got.ten_year, tnx)):
        assert y.change_bp["1m"] == pytest.approx((s.loc["2026-02-20"] - s.loc["2026-01-20"]) * 100, rel=REL)
        assert y.change_bp["3m"] == pytest.approx((s.loc["2026-02-20"] - s.loc["2025-11-20"]) * 100, rel=REL)
    assert got.curve_bp == pytest.approx((tnx.loc["2026-02-20"] - irx.loc["2026-02-20"]) * 100, rel=REL)
    assert got.as_of == LAST_SESSION


def test_treasury_holiday_is_skipped_not_filled(closes, raw_closes):
    assert math.isnan(raw_closes.loc["2016-11-11", "^TNX"])  # the data's premise
    got = rates(closes, T("2016-11-11"))
    assert got.as_of == T("2016-11-10")
    assert got.ten_year.level == raw_closes.loc["2016-11-10", "^TNX"]
    got = rates(closes, T("2016-12-12"))
    assert got.ten_year.since["1m"] == T("2016-11-10")


# ---------------------------------------------------------------- hand-built

DAYS = ["2024-01-02", "2024-02-01", "2024-04-01", "2024-04-30", "2024-05-01", "2024-05-02"]


def test_rates_small_exact():
    f = frame(
        DAYS,
        **{"^IRX": [5.0, 5.25, 5.5, 5.25, 5.125, math.nan], "^TNX": [4.0, 4.5, 4.25, 4.75, 4.5, math.nan]},
    )
    got = rates(f, T("2024-05-02"))  # no yields that day: the previous session is used
    assert got.as_of == T("2024-05-01")
    assert got.bill.since == {"1m": T("2024-04-01"), "3m": T("2024-02-01")}
    assert got.bill.change_bp == pytest.approx({"1m": -37.5, "3m": -12.5}, rel=REL)
    assert got.ten_year.change_bp == pytest.approx({"1m": 25.0, "3m": 0.0}, rel=REL, abs=1e-12)
    assert got.curve_bp == pytest.approx(-62.5, rel=REL)
    assert got.bill_steps_3m == pytest.approx(-0.5, rel=REL)


def test_rates_ignore_later_values():
    f = frame(DAYS, **{"^IRX": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "^TNX": [2.0, 2.0, 2.0, 2.0, 2.0, 9.0]})
    got = rates(f, T("2024-04-30"))
    assert (got.bill.level, got.ten_year.level, got.as_of) == (4.0, 2.0, T("2024-04-30"))
    # 1m back is 2024-03-30: the last value on or before it is 2024-02-01's; 3m back 2024-01-30: 2024-01-02's.
    assert got.bill.since == {"1m": T("2024-02-01"), "3m": T("2024-01-02")}
    assert got.bill.change_bp == pytest.approx({"1m": 200.0, "3m": 300.0}, rel=REL)


@pytest.mark.parametrize(("as_of", "symbol", "named"), [("2024-04-01", "^IRX", "3m"), ("2024-01-31", "^IRX", "1m")])
def test_rates_need_three_months_of_history(as_of, symbol, named):
    f = frame(DAYS, **{"^IRX": [5.0] * 6, "^TNX": [4.0] * 6})
    with pytest.raises(InsufficientHistory) as err:
        rates(f, T(as_of))
    short_message(err.value, symbol, named)


def test_rates_without_a_yield_before_the_date():
    f = frame(DAYS, **{"^IRX": [5.0] * 6, "^TNX": [math.nan] * 6})
    with pytest.raises(InsufficientHistory) as err:
        rates(f, T("2024-05-02"))
    short_message(err.value, "^TNX", "2024-05-02")


# ---------------------------------------------------------------- the rate path

def _fred() -> pd.DataFrame:
    with (resources.files("analytics") / "data" / "fred_daily.csv.gz").open("rb") as fh:
        long = pd.read_csv(fh, compression="gzip")
    wide = long.pivot(index="date", columns="series", values="value")
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index, format="%Y-%m-%d")).as_unit("ns")
    return wide.sort_index()


def test_fedwatch_matches_cmes_worked_example():
    """CME Group, "CME Group FedWatch Tool - Fed Funds Futures Probability Tree Calculator" (J. Lao and
    A. Mirza), its example for the 2015-09-17 FOMC: FFQ5 99.8675 gives FFER(start) 0.1325, FFU5 99.805
    an implied 0.195, N = 30, M = 16, FFER(end) = 30/14 × (0.195 − 16/30 × 0.1325) = 0.26643 and
    P(hike) = (0.26643 − 0.1325)/0.25 = 53.6%. Our probability counts cuts, so a hike is negative."""
    r_end, p_cut = calc_fedwatch(100 - 99.8675, 100 - 99.805, 30, 16)
    assert r_end == pytest.approx(0.26643, abs=5e-6)
    assert p_cut == pytest.approx(-0.536, abs=5e-4)
    # Through meeting_odds: the 17th of a 30-day month leaves M = 16 days before it.
    odds = meeting_odds(T("2015-09-17"), 99.805, T("2015-09-01"), 0.1325)
    assert (odds.days_in_month, odds.days_before) == (30, 16)
    assert odds.r_end == pytest.approx(r_end, rel=1e-12) and odds.cut_probability == pytest.approx(p_cut, rel=1e-12)


def test_fedwatch_written_out_for_a_cut():
    # October 2025: meeting on the 29th (M = 28, N = 31); starting at 4.11 and a cut to 3.86 priced in full.
    implied = (28 * 4.11 + 3 * 3.86) / 31
    odds = meeting_odds(T("2025-10-29"), 100 - implied, T("2025-10-21"), 4.11)
    assert odds.r_end == pytest.approx(3.86, abs=1e-9)
    assert odds.cut_probability == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(InsufficientHistory) as err:  # the front month cannot speak for next month's meeting
        meeting_odds(T("2025-12-10"), 96.0, T("2025-11-20"), 3.87)
    short_message(err.value, "2025-12-10", limit=300)


def test_fomc_calendar():
    meetings = fomc_meetings()
    assert len(meetings) == 16 and list(meetings) == sorted(meetings)
    assert next_meeting(T("2025-10-21")) == T("2025-10-29")
    assert next_meeting(T("2025-10-29")) == T("2025-12-10")  # a decision day looks to the next one
    assert next_meeting(T("2026-12-09")) is None


def test_rate_path_as_of_2025_10_21_is_honest_about_the_data(raw_closes):
    fred = _fred()
    got = rate_path(fred, T("2025-10-21"), bills=raw_closes["^IRX"], bill_source="snapshot")
    assert (got.policy.value, got.policy.date) == (4.11, T("2025-10-21"))
    assert (got.two_year.value, got.two_year.date) == (fred.at[T("2025-10-21"), "DGS2"], T("2025-10-21"))
    assert got.bill.value == raw_closes.at[T("2025-10-21"), "^IRX"]
    assert got.steps_priced == pytest.approx((3.45 - 4.11) / 0.25, rel=1e-12)
    assert got.gap_bp == pytest.approx(-66.0, rel=1e-9)
    assert got.next_meeting == T("2025-10-29") and got.odds is None
    assert any("ZQ=F" in m for m in got.missing) and any("no dated" in m for m in got.missing)
    # What happened afterwards, from the same file: DFF 3.64 on 2026-02-20.
    assert (got.policy_later.value, got.policy_later.date) == (3.64, T("2026-02-20"))
    with_future = rate_path(fred, T("2025-10-21"), future=(96.0, T("2025-10-21")))
    assert with_future.odds.implied == pytest.approx(4.0) and with_future.bill is None


def test_rate_path_uses_nothing_after_as_of():
    fred = _fred()
    got = rate_path(fred, T("2023-03-12"))  # a Sunday: DFF has the day, DGS2 falls back to Friday
    assert got.policy.date == T("2023-03-12") and got.two_year.date == T("2023-03-10")
    assert got.two_year.value == 4.60 and got.policy.value == 4.57
    assert rate_path(fred.loc[:"2023-03-12"], T("2023-03-12")).policy_later is None
