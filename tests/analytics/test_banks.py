"""analytics.banks: regional-bank stress on the real snapshot, recomputed here by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.banks import BANK_BASKET, RULE_TEXT, SYMBOLS, bank_report, bank_stress, march_2023_worst_session, stress_level
from analytics.errors import InsufficientHistory

from ._helpers import LAST_SESSION, T, move_zscores_loop, percentile, short_message

REL = 1e-12
# The 27 regional banks of the snapshot (PRICES.md), written out here rather than imported.
BANKS = (
    "ZION", "WAL", "KEY", "TFC", "FITB", "HBAN", "RF", "CFG", "MTB", "PNFP", "EWBC", "FHN", "WBS", "OZK",
    "VLY", "BPOP", "UMBF", "WTFC", "ONB", "FNB", "SSB", "GBCI", "BOKF", "FLG", "BANC", "HOMB", "BKU",
)  # fmt: skip
WEEKS_52 = pd.Timedelta(weeks=52)


def upto(raw: pd.DataFrame, symbol: str, session: pd.Timestamp) -> pd.Series:
    s = raw[symbol].dropna()
    return s[s.index <= session]


def expected_ratio(raw, session, bench):
    kre, b = upto(raw, "KRE", session), upto(raw, bench, session)
    common = kre.index.intersection(b.index)
    ratio = kre.loc[common].to_numpy() / b.loc[common].to_numpy()
    low = int(np.argmin(ratio))
    return {
        "change_20d": ratio[-1] / ratio[-21] - 1,
        "percentile": percentile(ratio, ratio[-1]),
        "vs_record_low": ratio[-1] / ratio[low] - 1,
        "record_low_date": common[low],
    }


def expected_stress(raw: pd.DataFrame, session: pd.Timestamp) -> dict:
    kre = upto(raw, "KRE", session)
    assert kre.index[-1] == session
    v = kre.to_numpy()
    daily = v[1:] / v[:-1] - 1
    today = daily[-1]
    # Ranked among the daily moves since 2015-01-01; a session before 2015 among all of KRE's moves.
    ranked = kre.index[1:] >= T("2015-01-01") if session >= T("2015-01-01") else np.ones(len(daily), bool)
    since = np.sort(daily[ranked])
    since_day = kre.index[1:][ranked][0]
    if today < 0:  # 1 = the biggest fall: how many falls were bigger, plus one
        rank = int(np.searchsorted(since, today, side="left")) + 1
    else:
        rank = len(since) - int(np.searchsorted(since, today, side="right")) + 1
    in_year = kre.index >= session - WEEKS_52
    drawdown = v[-1] / v[in_year].max() - 1

    banks = down = below = lows = 0
    for bank in BANKS:
        s = upto(raw, bank, session)
        if len(s) < 2 or s.index[-1] != session:
            continue
        x = s.to_numpy()
        banks += 1
        down += x[-1] / x[-2] - 1 < -0.02
        below += len(x) >= 200 and x[-1] < x[-200:].sum() / 200
        lows += x[-1] <= x[s.index >= session - WEEKS_52].min()

    z = move_zscores_loop(v)[-1]
    spy, xlf = expected_ratio(raw, session, "SPY"), expected_ratio(raw, session, "XLF")
    points = [
        2 if z <= -3 else 1 if z <= -2 else 0,
        2 if drawdown <= -0.25 else 1 if drawdown <= -0.15 else 0,
        2 if spy["change_20d"] <= -0.10 else 1 if spy["change_20d"] <= -0.05 else 0,
        1 if banks and down / banks >= 0.5 else 0,
        1 if banks and lows / banks >= 0.25 else 0,
    ]
    total = sum(points)
    level = "calm" if total <= 1 else "elevated" if total <= 3 else "high" if total <= 5 else "severe"
    return {
        "close": v[-1],
        "r1": today,
        "r5": v[-1] / v[-6] - 1,
        "r20": v[-1] / v[-21] - 1,
        "z": z,
        "rank": rank,
        "rank_of": len(since),
        "rank_since": since_day,
        "direction": "fall" if today < 0 else "rise",
        "drawdown": drawdown,
        "spy": spy,
        "xlf": xlf,
        "breadth": (banks, down, below, lows),
        "values": [z, drawdown, spy["change_20d"], down / banks, lows / banks],
        "points": points,
        "total": total,
        "level": level,
    }


def assert_stress(got, exp, session):
    assert got.session == session
    assert got.kre_close == exp["close"]
    assert got.kre_return_1d == pytest.approx(exp["r1"], rel=REL)
    assert got.kre_return_5d == pytest.approx(exp["r5"], rel=REL)
    assert got.kre_return_20d == pytest.approx(exp["r20"], rel=REL)
    assert got.move_zscore == pytest.approx(exp["z"], rel=REL)
    assert (got.move_rank, got.move_rank_of, got.move_direction) == (exp["rank"], exp["rank_of"], exp["direction"])
    assert got.move_rank_since == exp["rank_since"]
    assert got.kre_drawdown_52w == pytest.approx(exp["drawdown"], rel=REL, abs=0)
    for check, key, name in ((got.vs_spy, "spy", "SPY"), (got.vs_xlf, "xlf", "XLF")):
        e = exp[key]
        assert check.benchmark == name
        assert check.change_20d == pytest.approx(e["change_20d"], rel=REL)
        assert check.percentile == pytest.approx(e["percentile"], rel=REL)
        assert check.vs_record_low == pytest.approx(e["vs_record_low"], rel=REL, abs=0)
        assert check.record_low_date == e["record_low_date"]
    b = got.breadth
    assert (b.banks, b.down_2pct, b.below_200d, b.at_52w_low) == exp["breadth"]
    assert [p.value for p in got.rule] == pytest.approx(exp["values"], rel=REL)
    assert [p.points for p in got.rule] == exp["points"]
    assert got.points == exp["total"] and got.level == exp["level"]


def test_basket_is_the_27_regional_banks():
    assert len(BANK_BASKET) == 27 and set(BANK_BASKET) == set(BANKS)
    assert set(SYMBOLS) == {"KRE", "SPY", "XLF", *BANKS}


def test_march_2023_reference_session_is_2023_03_13(closes, raw_closes):
    kre = raw_closes["KRE"].dropna()
    daily = kre / kre.shift(1) - 1
    march = daily[(daily.index >= T("2023-03-01")) & (daily.index <= T("2023-03-31"))]
    worst = march.index[int(np.argmin(march.to_numpy()))]
    assert worst == T("2023-03-13")
    assert march_2023_worst_session(closes) == T("2023-03-13")


@pytest.mark.parametrize(
    "session",
    [
        "2023-03-13", "2026-02-20", "2023-03-09", "2023-05-04", "2020-03-16", "2024-02-06", "2025-04-09",
        "2015-01-02",  # the first ranked session: rank 1 of 1
        "2014-12-31", "2008-09-29", "2006-07-24",  # before 2015: ranked among all of KRE's moves
    ],
)  # fmt: skip
def test_bank_stress_matches_independent_computation(closes, raw_closes, session):
    session = T(session)
    assert_stress(bank_stress(closes, session), expected_stress(raw_closes, session), session)


def test_bank_stress_march_13_2023_is_severe(closes, raw_closes):
    s = bank_stress(closes, T("2023-03-13"))
    kre = raw_closes["KRE"]
    assert s.kre_return_1d == pytest.approx(kre.loc["2023-03-13"] / kre.loc["2023-03-10"] - 1, rel=REL)
    assert round(s.kre_return_1d * 100, 1) == -12.3
    assert s.move_direction == "fall" and s.move_rank <= 3
    assert s.breadth.banks == 27
    assert s.level == "severe"


def test_bank_report_now_and_march_2023(closes, raw_closes):
    report = bank_report(closes, LAST_SESSION)
    assert_stress(report.now, expected_stress(raw_closes, LAST_SESSION), LAST_SESSION)
    assert_stress(report.march_2023, expected_stress(raw_closes, T("2023-03-13")), T("2023-03-13"))


def test_bank_stress_uses_no_closes_after_the_session(closes):
    session = T("2023-03-13")
    assert bank_stress(closes, session) == bank_stress(closes.loc[:session], session)


def test_breadth_counts_only_banks_with_a_close_that_session(closes, raw_closes):
    edited = raw_closes.copy()
    edited.loc[LAST_SESSION, ["ZION", "FLG"]] = math.nan
    got = bank_stress(edited.copy(), LAST_SESSION)
    assert got.breadth.banks == 25
    assert_stress(got, expected_stress(edited, LAST_SESSION), LAST_SESSION)


def test_breadth_without_a_basket():
    idx = pd.bdate_range("2024-01-01", periods=30).as_unit("ns")
    values = np.linspace(100, 129, 30)
    f = pd.DataFrame({"KRE": values, "SPY": values[::-1], "XLF": 50.0}, index=idx)
    s = bank_stress(f, idx[-1])
    assert (s.breadth.banks, s.breadth.down_2pct, s.breadth.below_200d, s.breadth.at_52w_low) == (0, 0, 0, 0)
    assert math.isnan(s.rule[3].value) and s.rule[3].points == 0 and s.rule[4].points == 0
    assert s.kre_return_20d == pytest.approx(129 / 109 - 1, rel=REL)
    assert s.vs_spy.change_20d == pytest.approx((129 / 100) / (109 / 120) - 1, rel=REL)


# ---------------------------------------------------------------- refusals and the level scale


@pytest.mark.parametrize(
    ("points", "level"),
    [(0, "calm"), (1, "calm"), (2, "elevated"), (3, "elevated"), (4, "high"), (5, "high"), (6, "severe"), (8, "severe")],
)
def test_stress_level(points, level):
    assert stress_level(points) == level


def test_rule_text_states_the_thresholds():
    for part in ("-2 (1)", "-3 (2)", "-15% (1)", "-25% (2)", "-5% (1)", "-10% (2)", "0-1 calm", "6+ severe"):
        assert part in RULE_TEXT


@pytest.mark.parametrize("missing", [["XLF"], ["SPY", "XLF"], ["KRE"]])
def test_bank_stress_needs_kre_spy_and_xlf(closes, missing):
    with pytest.raises(InsufficientHistory) as err:
        bank_stress(closes.drop(columns=missing), LAST_SESSION)
    short_message(err.value, *missing)


@pytest.mark.parametrize("session", ["2026-02-21", "2023-03-11", "2006-06-21"])
def test_bank_stress_refuses_a_session_without_a_kre_close(closes, session):
    with pytest.raises(InsufficientHistory) as err:
        bank_stress(closes, T(session))
    short_message(err.value, session)


@pytest.mark.parametrize("n", [1, 2, 20])
def test_bank_stress_needs_21_kre_closes(n):
    idx = pd.bdate_range("2024-01-01", periods=n).as_unit("ns")
    f = pd.DataFrame({"KRE": np.arange(1.0, n + 1), "SPY": 1.0, "XLF": 1.0}, index=idx)
    with pytest.raises(InsufficientHistory) as err:
        bank_stress(f, idx[-1])
    short_message(err.value, idx[-1].date().isoformat())


def test_bank_stress_needs_20_sessions_of_common_history_with_spy():
    idx = pd.bdate_range("2024-01-01", periods=30).as_unit("ns")
    spy = np.r_[[math.nan] * 15, np.ones(15)]
    f = pd.DataFrame({"KRE": np.linspace(10, 12, 30), "SPY": spy, "XLF": 1.0}, index=idx)
    with pytest.raises(InsufficientHistory) as err:
        bank_stress(f, idx[-1])
    short_message(err.value, "SPY")


@pytest.mark.parametrize("last_day", ["2023-02-28", "2023-03-10", "2023-03-30"])
def test_march_2023_reference_needs_all_of_march(closes, raw_closes, last_day):
    """Data ending before 2023-03-31 has no March 2023 reference (not a partial month's worst day)."""
    cut = closes.loc[:last_day]
    assert march_2023_worst_session(cut) is None
    session = raw_closes.loc[:last_day, "KRE"].dropna().index[-1]
    report = bank_report(cut, session)
    assert report.march_2023 is None
    assert_stress(report.now, expected_stress(raw_closes, session), session)


def test_march_2023_reference_when_the_data_ends_on_march_31(closes):
    assert march_2023_worst_session(closes.loc[:"2023-03-31"]) == T("2023-03-13")
    report = bank_report(closes.loc[:"2023-03-31"], T("2023-03-31"))
    assert report.march_2023 is not None and report.march_2023.session == T("2023-03-13")


def test_bank_report_before_march_2023_has_no_reference_from_the_future(closes, raw_closes):
    report = bank_report(closes, T("2020-03-16"))
    assert report.now.session == T("2020-03-16")
    assert report.march_2023 is None  # no look-ahead: March 2023 lies after the session reported on
    later = bank_report(closes, T("2023-05-04"))
    assert later.march_2023 is not None and later.march_2023.session == T("2023-03-13")


def test_march_2023_reference_when_the_data_starts_after_march_2023(closes):
    recent = closes.loc["2024-01-02":]
    assert march_2023_worst_session(recent) is None
    assert bank_report(recent, LAST_SESSION).march_2023 is None


@pytest.mark.parametrize("session", ["2026-02-20", "2023-03-13", "2015-01-02", "2014-12-31", "2008-09-29"])
def test_move_rank_is_within_the_moves_ranked(closes, session):
    """Regression: before 2015 the move was ranked among no moves ('#1 of 0')."""
    s = bank_stress(closes, T(session))
    assert 1 <= s.move_rank <= s.move_rank_of
    assert s.move_rank_since <= T(session)


# ---------------------------------------------------------------- hand-built: exact thresholds and breadth


def _base(n: int = 300) -> tuple[pd.DatetimeIndex, np.ndarray]:
    idx = pd.bdate_range("2023-01-02", periods=n).as_unit("ns")
    kre = np.where(np.arange(n) % 2 == 0, 90.0, 91.0)  # a little volatility, so the move z-score is finite
    return idx, kre


def test_rule_thresholds_are_inclusive():
    idx, kre = _base()
    kre[250] = 100.0  # the 52-week high, 49 sessions before the end
    kre[-1] = 75.0  # 75 / 100 - 1 = -0.25 exactly: worth two points
    n = len(idx)
    alternating = np.where(np.arange(n) % 2 == 0, 90.0, 100.0)
    alternating[-2] = 100.0
    falls = alternating.copy()
    falls[-1] = 97.0  # -3%, not a 52-week low (90 is lower)
    f = pd.DataFrame(
        {
            "KRE": kre, "SPY": 50.0, "XLF": 30.0,
            "ZION": falls, "WAL": falls,  # 2 of 4 down over 2%: a share of exactly 0.5
            "KEY": 50.0,  # flat: its close is its 52-week low, 1 of 4 = 0.25 exactly
            "TFC": np.linspace(10.0, 20.0, n),  # rising
        },
        index=idx,
    )  # fmt: skip
    s = bank_stress(f, idx[-1])
    assert s.kre_drawdown_52w == -0.25
    assert (s.breadth.banks, s.breadth.down_2pct, s.breadth.at_52w_low) == (4, 2, 1)
    values = [p.value for p in s.rule]
    assert values[1:] == [-0.25, (75 / 50) / (kre[-21] / 50) - 1, 0.5, 0.25]
    assert values[0] < -3
    assert [p.points for p in s.rule] == [2, 2, 2, 1, 1]
    assert (s.points, s.level) == (8, "severe")


def test_breadth_200_session_average_and_52_week_low():
    idx, kre = _base()
    n = len(idx)
    spike = np.full(n, 10.0)
    spike[-200] = 1000.0  # the oldest close of the 200: it lifts the average to 14.96
    spike[-1] = 12.0  # above the other 199 closes' average, below the 200's
    short = np.full(n, math.nan)
    short[-199:] = 50.0  # only 199 closes: no 200-session average
    short[-1] = 40.0  # -20%, a 52-week low
    exactly_200 = np.full(n, math.nan)
    exactly_200[-200:] = spike[-200:]
    f = pd.DataFrame(
        {"KRE": kre, "SPY": 50.0, "XLF": 30.0, "ZION": spike, "WAL": short, "KEY": exactly_200}, index=idx
    )
    s = bank_stress(f, idx[-1])
    assert (s.breadth.banks, s.breadth.down_2pct, s.breadth.below_200d, s.breadth.at_52w_low) == (3, 1, 2, 1)
    assert s.rule[3].value == pytest.approx(1 / 3, rel=REL) and s.rule[3].points == 0
    assert s.rule[4].value == pytest.approx(1 / 3, rel=REL) and s.rule[4].points == 1


def test_breadth_200_session_average_with_a_missing_close():
    idx, kre = _base()
    bank = np.full(len(idx), 10.0)
    bank[-50] = math.nan  # one session without a close, well inside the last 200
    bank[-1] = 9.0  # below any average of the closes before it
    f = pd.DataFrame({"KRE": kre, "SPY": 50.0, "XLF": 30.0, "ZION": bank}, index=idx)
    closes_200 = bank[~np.isnan(bank)][-200:]
    assert 9.0 < closes_200.mean()
    s = bank_stress(f, idx[-1])
    assert (s.breadth.banks, s.breadth.below_200d) == (1, 1)
