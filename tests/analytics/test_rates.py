"""analytics.rates: ^IRX and ^TNX levels, 1m/3m changes in bp and the curve.

Yahoo's ^IRX is the 13-week bill's *discount* yield; the module shows it, its changes and the curve on
the bond-equivalent yield. The expected side converts here another way: the bill's price from the
discount, then the simple annualised yield on that price (365-day year, 91 days). The policy path
and the FedWatch odds are analytics.rate_path's (tests/analytics/test_rate_path.py).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.errors import InsufficientHistory
from analytics.rates import rates, to_bond_equivalent

from ._helpers import LAST_SESSION, T, frame, months_back, on_or_before, short_message

REL = 1e-12


def bey(discount_pct: float, days: int = 91) -> float:
    """The bill's price from its discount yield, then the simple annualised yield on that price, in percent."""
    price = 100 * (1 - discount_pct / 100 * days / 360)
    return (100 - price) / price * 365 / days * 100


def expected_yield(raw, symbol, as_of):
    """Level and 1m/3m changes; the bill's on its bond-equivalent yield, its quote kept."""
    convert = bey if symbol == "^IRX" else (lambda x: x)
    session, quoted = on_or_before(raw[symbol], as_of)
    level = convert(quoted)
    out = {"session": session, "level": level, "quoted": quoted, "change": {}, "since": {}}
    for name, months in (("1m", 1), ("3m", 3)):
        since, before = on_or_before(raw[symbol], months_back(session, months))
        out["since"][name] = since
        out["change"][name] = (level - convert(before)) * 100
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
        assert (y.session, y.quoted) == (exp["session"], exp["quoted"])
        assert y.level == pytest.approx(exp["level"], rel=REL)
        assert y.since == exp["since"]
        assert y.change_bp["1m"] == pytest.approx(exp["change"]["1m"], rel=1e-9, abs=1e-9)
        assert y.change_bp["3m"] == pytest.approx(exp["change"]["3m"], rel=1e-9, abs=1e-9)
    assert got.ten_year.level == got.ten_year.quoted  # the 10-year is shown as quoted
    assert got.as_of == max(got.bill.session, got.ten_year.session)
    tnx = on_or_before(raw_closes["^TNX"], as_of)[1]
    bill = bey(on_or_before(raw_closes["^IRX"], as_of)[1])
    assert got.curve_bp == pytest.approx((tnx - bill) * 100, rel=1e-9)


def test_rates_at_the_snapshot_end_written_out(closes, raw_closes):
    got = rates(closes, LAST_SESSION)
    irx, tnx = raw_closes["^IRX"], raw_closes["^TNX"]
    # 2026-01-20 and 2025-11-20 are both sessions with yields.
    assert got.bill.since == {"1m": T("2026-01-20"), "3m": T("2025-11-20")}
    assert got.ten_year.since == {"1m": T("2026-01-20"), "3m": T("2025-11-20")}
    assert got.bill.quoted == irx.loc["2026-02-20"] == 3.595 and got.ten_year.level == tnx.loc["2026-02-20"] == 4.086
    assert got.bill.level == pytest.approx(bey(3.595), rel=REL) and round(got.bill.level, 3) == 3.678
    for y, s, f in ((got.bill, irx, bey), (got.ten_year, tnx, lambda x: x)):
        assert y.change_bp["1m"] == pytest.approx((f(s.loc["2026-02-20"]) - f(s.loc["2026-01-20"])) * 100, rel=1e-9)
        assert y.change_bp["3m"] == pytest.approx((f(s.loc["2026-02-20"]) - f(s.loc["2025-11-20"])) * 100, rel=1e-9)
    assert got.curve_bp == pytest.approx((4.086 - bey(3.595)) * 100, rel=1e-9)
    assert got.as_of == LAST_SESSION


def test_the_bill_on_2025_10_21_written_out(closes, raw_closes):
    """3.785 discount is 3.875 bond-equivalent; the curve is ^TNX minus that, 9 bp flatter than on the quote."""
    day = T("2025-10-21")
    assert (raw_closes.at[day, "^IRX"], raw_closes.at[day, "^TNX"]) == (3.785, 3.963)  # the data's premise
    got = rates(closes, day)
    assert got.bill.quoted == 3.785 and round(got.bill.level, 3) == 3.875
    assert got.bill.level == pytest.approx(365 * 0.03785 / (360 - 0.03785 * 91) * 100, rel=1e-15)
    assert got.curve_bp == pytest.approx((3.963 - bey(3.785)) * 100, rel=1e-9)
    assert round(got.curve_bp, 1) == 8.8 and round((3.963 - 3.785) * 100, 1) == 17.8
    # The changes are of the bond-equivalent yield: 2025-09-19 and 2025-07-21 converted too.
    for name, since in (("1m", "2025-09-19"), ("3m", "2025-07-21")):
        assert got.bill.since[name] == T(since)
        expected = (bey(3.785) - bey(raw_closes.at[T(since), "^IRX"])) * 100
        assert got.bill.change_bp[name] == pytest.approx(expected, rel=1e-9)
    assert round(got.bill.change_bp["3m"]) == -45
    # The day's change against the previous quote, both converted.
    before = raw_closes["^IRX"].dropna().loc[: day - pd.Timedelta(days=1)]
    assert got.bill.change_1d_bp == pytest.approx((bey(3.785) - bey(float(before.iloc[-1]))) * 100, rel=1e-9)


@pytest.mark.parametrize("discount", [0.0, 0.025, 1.0, 3.785, 5.25, 15.0])
def test_to_bond_equivalent_matches_the_price_computation(discount):
    got = to_bond_equivalent(pd.Series([discount]))
    assert got.iloc[0] == pytest.approx(bey(discount), rel=1e-12, abs=1e-15)
    assert got.iloc[0] >= discount  # the bond-equivalent yield is never below the discount yield


def test_to_bond_equivalent_keeps_the_index_and_nan(raw_closes):
    irx = raw_closes["^IRX"].loc["2016-11-09":"2016-11-14"]
    got = to_bond_equivalent(irx)
    assert got.index.equals(irx.index)
    assert np.isnan(got.loc["2016-11-11"]) and math.isnan(irx.loc["2016-11-11"])  # Veterans Day: no quote, no fill
    assert got.dropna().tolist() == pytest.approx([bey(x) for x in irx.dropna()], rel=1e-12)


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
    assert (got.bill.quoted, got.ten_year.quoted, got.ten_year.level) == (5.125, 4.5, 4.5)
    assert got.bill.level == pytest.approx(bey(5.125), rel=REL)
    assert got.bill.change_bp == pytest.approx(
        {"1m": (bey(5.125) - bey(5.5)) * 100, "3m": (bey(5.125) - bey(5.25)) * 100}, rel=1e-9
    )
    assert got.bill.change_1d_bp == pytest.approx((bey(5.125) - bey(5.25)) * 100, rel=1e-9)
    assert got.ten_year.change_bp == pytest.approx({"1m": 25.0, "3m": 0.0}, rel=REL, abs=1e-12)
    assert got.ten_year.change_1d_bp == pytest.approx(-25.0, rel=REL)
    assert got.curve_bp == pytest.approx((4.5 - bey(5.125)) * 100, rel=1e-9)
    # On the quotes it would have read -62.5 bp: the conversion takes about 14 bp more off at 5%.
    assert round(got.curve_bp, 1) == -76.4


def test_rates_ignore_later_values():
    f = frame(DAYS, **{"^IRX": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "^TNX": [2.0, 2.0, 2.0, 2.0, 2.0, 9.0]})
    got = rates(f, T("2024-04-30"))
    assert (got.bill.quoted, got.ten_year.level, got.as_of) == (4.0, 2.0, T("2024-04-30"))
    assert got.bill.level == pytest.approx(bey(4.0), rel=REL)
    # 1m back is 2024-03-30: the last value on or before it is 2024-02-01's; 3m back 2024-01-30: 2024-01-02's.
    assert got.bill.since == {"1m": T("2024-02-01"), "3m": T("2024-01-02")}
    assert got.bill.change_bp == pytest.approx(
        {"1m": (bey(4.0) - bey(2.0)) * 100, "3m": (bey(4.0) - bey(1.0)) * 100}, rel=1e-9
    )


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
