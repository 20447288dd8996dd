"""analytics.rate_path: the bill's bond-equivalent yield, the fitted path, the 2-year's day move, the
FedWatch odds from the front-month fed funds future, and the policy rate afterwards.

The expected values are computed here another way: the BEY from the bill's price, the path by a
bisection on the speed k = 1/τ of the two equations written out (not the module's ratio form),
the averages by numerical integration, the 2-year's z by an explicit loop. Real inputs come
from the packaged CSVs read with plain pandas.
"""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from analytics import rate_path as rp
from analytics.errors import InsufficientHistory, InvalidInput

from ._helpers import T, on_or_before, short_message

BP = 1e-4  # one basis point, in percent
CUT_BP = BP / 0.25  # one basis point of rate, in cuts


@pytest.fixture(scope="module")
def fred() -> pd.DataFrame:
    with (resources.files("analytics") / "data" / "fred_daily.csv.gz").open("rb") as fh:
        long = pd.read_csv(fh, compression="gzip")
    wide = long.pivot(index="date", columns="series", values="value")
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index, format="%Y-%m-%d")).as_unit("ns")
    return wide.sort_index()


@pytest.fixture(scope="module")
def irx(raw_closes) -> pd.Series:
    return raw_closes["^IRX"].dropna()


# ---------------------------------------------------------------- hand computations


def bey_from_price(discount_pct: float, days: int = 91) -> float:
    """The bill's price from its discount yield, then the simple annualised yield on that price."""
    price = 100 * (1 - discount_pct / 100 * days / 360)
    return (100 - price) / price * 365 / days * 100


def share(horizon: float, k: float) -> float:
    return (1 - math.exp(-k * horizon)) / (k * horizon)


def solve_by_speed(r0: float, bill: float, two: float) -> tuple[float, float]:
    """(terminal, tau): bisection on k = 1/τ in [0.1, 365] per year of the bill equation, r_T from the 2-year's."""

    def terminal(k: float) -> float:
        g = share(2.0, k)
        return (two - r0 * g) / (1 - g)

    def miss(k: float) -> float:
        r_t = terminal(k)
        return r_t + (r0 - r_t) * share(0.25, k) - bill

    lo, hi = 0.1, 365.0
    assert miss(lo) * miss(hi) < 0, "no root in the bracket"
    for _ in range(300):
        mid = (lo + hi) / 2
        if miss(lo) * miss(mid) <= 0:
            hi = mid
        else:
            lo = mid
    k = (lo + hi) / 2
    return terminal(k), 1 / k


def average_by_integration(r0: float, terminal: float, tau: float, horizon: float, n: int = 200_001) -> float:
    t = np.linspace(0, horizon, n)
    r = terminal + (r0 - terminal) * np.exp(-t / tau)
    return float(np.sum((r[1:] + r[:-1]) / 2 * np.diff(t)) / horizon)


def path(r0: float, terminal: float, tau: float, day0: pd.Timestamp, day: pd.Timestamp) -> float:
    t = (day - day0).days / 365.25
    return terminal + (r0 - terminal) * math.exp(-t / tau)


# ---------------------------------------------------------------- the bill


@pytest.mark.parametrize("discount", [3.785, 0.025, 1.0, 5.25, 15.0])
def test_bond_equivalent_yield(discount):
    assert rp.calc_bond_equivalent_yield(discount) == pytest.approx(bey_from_price(discount), rel=1e-12)


def test_bond_equivalent_yield_written_out(irx):
    assert irx.loc["2025-10-21"] == 3.785  # the data's premise
    got = rp.calc_bond_equivalent_yield(3.785)
    assert round(got, 3) == 3.875
    assert got == pytest.approx(365 * 0.03785 / (360 - 0.03785 * 91) * 100, rel=1e-15)
    assert rp.calc_bond_equivalent_yield(3.785, days=182) == pytest.approx(bey_from_price(3.785, 182), rel=1e-12)
    with pytest.raises(ValueError):
        rp.calc_bond_equivalent_yield(3.785, days=364)


def test_curve_uses_the_converted_bill(raw_closes):
    day = T("2025-10-21")
    tnx, bill = raw_closes.at[day, "^TNX"], raw_closes.at[day, "^IRX"]
    got = rp.calc_curve_bp(tnx, bill)
    assert got == pytest.approx((tnx - bey_from_price(bill)) * 100, rel=1e-12)
    assert (tnx - bill) * 100 - got == pytest.approx((bey_from_price(bill) - bill) * 100, rel=1e-9)  # ~9 bp flatter


# ---------------------------------------------------------------- the fit


@pytest.mark.parametrize(
    ("r0", "bill", "two"),
    [
        (4.11, 3.874640606592547, 3.45),  # 2025-10-21
        (4.33, 4.13, 3.66),  # cuts, a slower path
        (0.83, 1.5245785416009432, 3.40),  # hikes (2022-06-13)
        (5.00, 4.92, 4.40),  # a slow path: τ of years
    ],
)
def test_fit_matches_a_hand_solution(r0, bill, two):
    got = rp.fit_path(r0, bill, two)
    terminal, tau = solve_by_speed(r0, bill, two)
    assert got.terminal == pytest.approx(terminal, abs=1e-8)
    assert got.tau == pytest.approx(tau, rel=1e-8)
    # The fitted path's averages are the two yields, by numerical integration of the path itself.
    assert average_by_integration(r0, got.terminal, got.tau, 0.25) == pytest.approx(bill, abs=1e-8)
    assert average_by_integration(r0, got.terminal, got.tau, 2.0) == pytest.approx(two, abs=1e-8)
    assert got.rate_at(0) == pytest.approx(r0, abs=1e-12)
    assert got.cuts_by(1.0) == pytest.approx((r0 - (terminal + (r0 - terminal) * math.exp(-1 / tau))) / 0.25, abs=1e-7)


def test_the_path_ratio_falls_from_one_to_an_eighth():
    taus = np.geomspace(rp.TAU_MIN, rp.TAU_MAX, 4001)
    ratios = np.array([rp.calc_path_ratio(t) for t in taus])
    assert (np.diff(ratios) < 0).all()
    assert 0.99 < ratios[0] < 1 and 0.125 < ratios[-1] < 0.133
    assert rp.calc_path_ratio(1e6) == pytest.approx(0.125, rel=1e-5)


def test_rate_path_2025_10_21(fred, irx):
    """The column's date: DFF 4.11, bill 3.785 discount (3.875 BEY), 2-year 3.45."""
    day = T("2025-10-21")
    got = rp.rate_path_reading(fred, irx, day)
    assert (got.policy, got.policy_date) == (4.11, day)
    assert (got.two_year, got.two_year_date) == (3.45, day)
    assert (got.bill_discount, got.bill_date) == (3.785, day)
    assert got.bill == pytest.approx(bey_from_price(3.785), rel=1e-12)
    terminal, tau = solve_by_speed(4.11, bey_from_price(3.785), 3.45)
    assert got.terminal == pytest.approx(terminal, abs=BP)
    assert round(got.terminal, 2) == 3.32 and round(got.fit.tau, 2) == 0.33  # about 4 months
    # Cuts along the path, each against the hand path to a basis point of rate.
    assert got.next_decision.date == T("2025-10-29")
    by_meeting = (4.11 - path(4.11, terminal, tau, day, T("2025-10-29"))) / 0.25
    by_feb = (4.11 - path(4.11, terminal, tau, day, T("2026-02-20"))) / 0.25
    by_end_2026 = (4.11 - path(4.11, terminal, tau, day, T("2026-12-31"))) / 0.25
    assert got.cuts_by_next_decision == pytest.approx(by_meeting, abs=CUT_BP)
    assert got.cuts_by(T("2026-02-20")) == pytest.approx(by_feb, abs=CUT_BP)
    assert got.end_of_next_year == T("2026-12-31")
    assert got.cuts_by_end_of_next_year == pytest.approx(by_end_2026, abs=CUT_BP)
    assert round(by_meeting, 2) == 0.20 and round(by_feb, 1) == 2.0 and round(by_end_2026, 1) == 3.1
    # What happened: DFF 3.64 on 2026-02-20, two cuts (4.11 → 3.64 is 47 bp).
    assert fred.at[T("2026-02-20"), "DFF"] == 3.64
    # The old figure, kept as what it is: the average gap over two years in 25 bp steps.
    assert got.gap_steps == pytest.approx((3.45 - 4.11) / 0.25, rel=1e-12)
    assert not got.no_fit and got.two_year_day is not None and not got.two_year_day.distorted
    assert got.notes == (rp.NO_FUTURES,)
    assert "no term premium" in got.assumptions and "cheap or rich" in got.assumptions


def test_two_year_level_for_five_cuts_by_end_2026():
    r0, bill = 4.11, bey_from_price(3.785)
    t = (T("2026-12-31") - T("2025-10-21")).days / 365.25
    level = rp.calc_two_year_for_cuts(r0, bill, 5.0, t)
    terminal, tau = solve_by_speed(r0, bill, level)  # the hand fit at that 2-year level
    cuts = (r0 - (terminal + (r0 - terminal) * math.exp(-t / tau))) / 0.25
    assert cuts == pytest.approx(5.0, abs=CUT_BP)
    assert round(level, 2) == 3.09  # 36 bp below the 3.45 observed
    # And the observed 3.45 gives about three.
    terminal, tau = solve_by_speed(r0, bill, 3.45)
    assert (r0 - (terminal + (r0 - terminal) * math.exp(-t / tau))) / 0.25 == pytest.approx(3.08, abs=0.005)
    with pytest.raises(rp.NoPathFit) as err:  # no 2-year level makes the path cut 40 times
        rp.calc_two_year_for_cuts(r0, bill, 40.0, t)
    short_message(err.value, limit=300)


@pytest.mark.parametrize(
    ("r0", "bill", "two", "says"),
    [
        (4.58, 4.779, 4.03, "not on the same side"),  # 2023-03-13: hikes priced for 3 months, cuts over 2 years
        (0.09, 0.025, 0.39, "not on the same side"),  # 2014: bills under the policy rate, hikes later
        (5.33, 5.197, 3.89, "start slowly"),  # 2024-08-05: on hold for now, deep cuts later
        (4.00, 3.50, 3.55, "within days"),  # the bill further from the policy rate than the 2-year
        (4.00, 3.90, 4.00, "not on the same side"),  # the 2-year at the policy rate, the bill not
    ],
)
def test_no_fit_is_said_never_a_number(r0, bill, two, says):
    with pytest.raises(rp.NoPathFit) as err:
        rp.fit_path(r0, bill, two)
    short_message(err.value, says, limit=300)


def test_flat_rates_fit_a_flat_path():
    got = rp.fit_path(4.0, 4.0, 4.0)
    assert got.terminal == 4.0 and got.cuts_by(1.5) == 0.0


def test_reading_without_a_fit_has_no_cuts(fred, irx):
    day = T("2023-03-13")
    got = rp.rate_path_reading(fred, irx, day)
    assert got.fit is None and got.terminal is None
    assert got.cuts_by_next_decision is None and got.cuts_by_end_of_next_year is None and got.cuts_by(day) is None
    assert "not on the same side" in got.no_fit
    assert got.next_decision.date == T("2023-03-22")  # from the full calendar, not 2025-01-29
    assert got.two_year_day.distorted and got.two_year_day.change_bp == pytest.approx(-57.0)
    assert any("flight to quality" in n for n in got.notes)


def test_reading_before_the_calendar(fred, irx):
    got = rp.rate_path_reading(fred, irx, T("2008-12-16"))
    assert got.next_decision is None and got.cuts_by_next_decision is None
    assert any("does not reach back" in n for n in got.notes)


def test_reading_uses_nothing_after_as_of(fred, irx):
    day = T("2023-03-12")  # a Sunday: DFF has the day, DGS2 and the bill fall back to Friday
    got = rp.rate_path_reading(fred, irx, day)
    cut = rp.rate_path_reading(fred.loc[:day], irx.loc[:day], day)
    assert got == cut
    assert (got.policy_date, got.two_year_date, got.bill_date) == (day, T("2023-03-10"), T("2023-03-10"))
    assert any("different days" in n for n in got.notes)
    with pytest.raises(InsufficientHistory):
        rp.rate_path_reading(fred.drop(columns="DGS2"), irx, day)


# ---------------------------------------------------------------- the 2-year's day move


def expected_day_z(dgs2: pd.Series, as_of: pd.Timestamp) -> tuple[pd.Timestamp, float, float]:
    values = dgs2.dropna()
    values = values[values.index <= as_of]
    v = values.to_numpy()
    changes = [(v[i] - v[i - 1]) * 100 for i in range(1, len(v))]
    today, before = changes[-1], changes[-253:-1]
    mean = sum(before) / len(before)
    sd = math.sqrt(sum((c - mean) ** 2 for c in before) / (len(before) - 1))
    return values.index[-1], today, today / sd


@pytest.mark.parametrize(
    ("as_of", "distorted"),
    [("2023-03-13", True), ("2008-09-29", True), ("2025-10-21", False), ("2022-06-13", True), ("2016-11-11", False)],
)
def test_two_year_day_move(fred, as_of, distorted):
    as_of = T(as_of)
    got = rp.calc_two_year_day(fred, as_of)
    date, change, z = expected_day_z(fred["DGS2"], as_of)
    assert got.date == date == on_or_before(fred["DGS2"], as_of)[0]
    assert got.change_bp == pytest.approx(change, abs=1e-9)
    assert got.z == pytest.approx(z, rel=1e-9)
    assert got.distorted is distorted and bool(abs(z) > 3) is distorted
    assert bool(got.note) is distorted


def test_a_slow_path_gives_cuts_but_no_terminal_rate(fred, irx):
    got = rp.fit_path(5.00, 4.92, 4.40)
    terminal, tau = solve_by_speed(5.00, 4.92, 4.40)
    assert got.tau == pytest.approx(tau, rel=1e-8) and tau > 2 / math.log(2)  # under half the move within 2 years
    assert not got.terminal_identified and terminal < 0  # an extrapolated straight line, not a forecast
    assert rp.fit_path(4.11, bey_from_price(3.785), 3.45).terminal_identified
    # 2026-01-02: DFF 3.64, bill 3.533 discount (3.614 BEY), 2-year 3.47: τ 2.9 years, just over the limit.
    reading = rp.rate_path_reading(fred, irx, T("2026-01-02"))
    assert reading.fit is not None and reading.terminal is None and reading.cuts_by_end_of_next_year is not None
    assert any("no terminal rate" in n for n in reading.notes)


def test_reading_before_a_march_2020_emergency_cut(fred, irx):
    """2020-03-10: the next decision is the unscheduled one of Sunday 03-15; the bill already priced
    most of the cut, so no smooth path fits (a jump within days), and that is said, not a number."""
    got = rp.rate_path_reading(fred, irx, T("2020-03-10"))
    assert (got.next_decision.date, got.next_decision.kind) == (T("2020-03-15"), "unscheduled")
    assert (got.policy, got.bill_discount, got.two_year) == (1.09, 0.39, 0.50)
    assert got.bill == pytest.approx(bey_from_price(0.39), rel=1e-12)
    assert got.fit is None and "within days" in got.no_fit and got.cuts_by_next_decision is None
    # The ratio (r0 − bill)/(r0 − 2-year) is above what any path of the stated shape can give.
    ratio = (1.09 - bey_from_price(0.39)) / (1.09 - 0.50)
    assert ratio > rp.calc_path_ratio(rp.TAU_MIN)


def test_reading_in_2008_where_the_calendar_does_not_reach(fred, irx):
    got = rp.rate_path_reading(fred, irx, T("2008-06-02"))
    assert got.next_decision is None and got.cuts_by_next_decision is None
    assert any("does not reach back to 2008-06-02" in n for n in got.notes)
    assert (got.policy, got.two_year, got.bill_discount) == (2.06, 2.51, 1.79)
    assert got.fit is None and "not on the same side" in got.no_fit  # bill below DFF, 2-year above
    assert got.end_of_next_year == T("2009-12-31")


# ---------------------------------------------------------------- what happened afterwards


@pytest.mark.parametrize(
    ("as_of", "until", "expected"),
    [
        ("2025-10-21", "2026-12-31", ("2026-02-20", 3.64)),  # the data ends before the horizon: its last value
        ("2023-03-13", "2024-12-31", ("2024-12-31", 4.33)),  # the horizon inside the data: the value on it
        ("2020-03-10", "2021-12-31", ("2021-12-31", 0.07)),
        ("2008-06-02", "2009-12-31", ("2009-12-31", 0.05)),
    ],
)
def test_policy_afterwards(fred, as_of, until, expected):
    got = rp.policy_afterwards(fred, T(as_of), T(until))
    later = fred["DFF"].dropna()
    later = later[(later.index > T(as_of)) & (later.index <= T(until))]
    assert got == (later.index[-1], float(later.iloc[-1])) == (T(expected[0]), expected[1])


def test_policy_afterwards_reads_nothing_when_the_data_ends_at_as_of(fred):
    assert rp.policy_afterwards(fred.loc[:"2025-10-21"], T("2025-10-21"), T("2026-12-31")) is None
    assert rp.policy_afterwards(fred, T("2026-02-20"), T("2027-12-31")) is None  # the snapshot's last day


# ---------------------------------------------------------------- FedWatch (the front-month future, live only)


def test_fedwatch_matches_cmes_worked_example():
    """CME Group, "CME Group FedWatch Tool - Fed Funds Futures Probability Tree Calculator" (J. Lao and
    A. Mirza), its example for the 2015-09-17 FOMC: FFQ5 99.8675 gives FFER(start) 0.1325, FFU5 99.805
    an implied 0.195, N = 30, M = 16, FFER(end) = 30/14 × (0.195 − 16/30 × 0.1325) = 0.26643 and
    P(hike) = (0.26643 − 0.1325)/0.25 = 53.6%. Our probability counts cuts, so a hike is negative."""
    r_end, p_cut = rp.calc_fedwatch(100 - 99.8675, 100 - 99.805, 30, 16)
    assert r_end == pytest.approx(0.26643, abs=5e-6)
    assert p_cut == pytest.approx(-0.536, abs=5e-4)
    # Through meeting_odds: the 17th of a 30-day month leaves M = 16 days before it.
    odds = rp.meeting_odds(T("2015-09-17"), 99.805, T("2015-09-01"), 0.1325)
    assert (odds.days_in_month, odds.days_before) == (30, 16)
    assert odds.implied == pytest.approx(0.195, abs=1e-12)
    assert odds.r_end == pytest.approx(r_end, rel=1e-12) and odds.cut_probability == pytest.approx(p_cut, rel=1e-12)


def test_fedwatch_written_out_for_a_cut():
    # October 2025: meeting on the 29th (M = 28, N = 31); starting at 4.11 and a cut to 3.86 priced in full.
    implied = (28 * 4.11 + 3 * 3.86) / 31
    odds = rp.meeting_odds(T("2025-10-29"), 100 - implied, T("2025-10-21"), 4.11)
    assert (odds.meeting, odds.future_session, odds.r_start) == (T("2025-10-29"), T("2025-10-21"), 4.11)
    assert odds.r_end == pytest.approx(3.86, abs=1e-9)
    assert odds.cut_probability == pytest.approx(1.0, abs=1e-9)
    # Half a cut priced: the month's average halfway between.
    half = rp.meeting_odds(T("2025-10-29"), 100 - (28 * 4.11 + 3 * 3.985) / 31, T("2025-10-21"), 4.11)
    assert half.cut_probability == pytest.approx(0.5, abs=1e-9)


def test_fedwatch_refuses_another_months_meeting_and_impossible_days():
    with pytest.raises(InsufficientHistory) as err:  # the front month cannot speak for next month's meeting
        rp.meeting_odds(T("2025-12-10"), 96.0, T("2025-11-20"), 3.87)
    short_message(err.value, "2025-12-10", "front month", limit=300)
    for days_before in (-1, 31):
        with pytest.raises(InvalidInput):
            rp.calc_fedwatch(4.11, 4.0, 31, days_before)


def test_fedwatch_states_its_method():
    assert rp.FED_FUNDS_FUTURE == "ZQ=F"
    assert "100 − price" in rp.FUTURE_ASSUMPTION and "CME FedWatch" in rp.FUTURE_ASSUMPTION
