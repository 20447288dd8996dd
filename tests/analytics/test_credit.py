"""analytics.credit: credit or rates, every figure recomputed here on the real bundled files.

The expected values come from the packaged CSVs read with plain pandas, FRED values put on sessions
with a searchsorted lookup, z-scores from explicit lists of closes and numpy: nothing from
``analytics``. The table of issue 17 (rounded) is checked too, so a drift in convention shows.
How the reading is worded (the headline, the one line) is commands.kit.readings': see
tests/commands/test_readings.py.
"""

from __future__ import annotations

import math
from dataclasses import replace
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from analytics import credit as cr
from analytics.errors import InsufficientHistory, InvalidInput

from ._helpers import T, on_or_before, short_message

REL = 1e-9


def _read(name: str) -> pd.DataFrame:
    with (resources.files("analytics") / "data" / name).open("rb") as fh:
        return pd.read_csv(fh, compression="gzip")


@pytest.fixture(scope="module")
def raw_fred() -> pd.DataFrame:
    long = _read("fred_daily.csv.gz")
    wide = long.pivot(index="date", columns="series", values="value")
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index, format="%Y-%m-%d")).as_unit("ns")
    return wide.sort_index()


@pytest.fixture(scope="module")
def all_closes(raw_closes) -> pd.DataFrame:
    long = _read("credit_daily.csv.gz")
    wide = long.pivot(index="date", columns="symbol", values="close")
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index, format="%Y-%m-%d")).as_unit("ns")
    return raw_closes.join(wide, how="left")


@pytest.fixture(scope="module")
def episodes(all_closes, raw_fred) -> dict[str, cr.CreditReading]:
    return {label: cr.credit_reading(all_closes, raw_fred, s, e, label) for label, s, e in cr.EPISODES}


# ---------------------------------------------------------------- independent reference


def kre_sessions(closes: pd.DataFrame) -> list[pd.Timestamp]:
    return list(closes["KRE"].dropna().index)


def scored(values: list[float], n: int, log: bool = True) -> dict[str, float]:
    """``values``: the 253 trailing values up to the first close, then the window's ``n`` values."""
    assert len(values) == 253 + n
    x = np.log(np.array(values)) if log else np.array(values) * 100  # percent -> bp
    daily = x[1:253] - x[:252]
    sd = float(np.sqrt(((daily - daily.mean()) ** 2).sum() / (len(daily) - 1)))
    move = float(x[-1] - x[252])
    return {"move": move, "change": math.expm1(move) if log else move, "sd": sd, "z": move / (sd * math.sqrt(n))}


def expected(closes: pd.DataFrame, fred: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    sessions = kre_sessions(closes)
    i, j = sessions.index(start), sessions.index(end)
    days = sessions[i - 252 : i + 1] + sessions[i + 1 : j + 1]
    n = j - i

    def col(symbol):
        return [float(closes.at[d, symbol]) for d in days]

    kre, xlf, hyg, ief, bkln, bizd, spy = (col(s) for s in ("KRE", "XLF", "HYG", "IEF", "BKLN", "BIZD", "SPY"))
    dgs2 = [on_or_before(fred["DGS2"], d)[1] for d in days]
    out = {
        "sessions": n,
        "kre": scored(kre, n),
        "two_year": scored(dgs2, n, log=False),
        "hy_excess": scored([h / f**0.45 for h, f in zip(hyg, ief, strict=True)], n),
        "loans": scored(bkln, n),
        "private_credit": scored([b / s for b, s in zip(bizd, spy, strict=True)], n),
        "bank_vs_financials": scored([k / x for k, x in zip(kre, xlf, strict=True)], n),
    }
    y_now = on_or_before(fred["DGS2"], start)[1]
    for months in (12, 24):
        then = start - pd.DateOffset(months=months)
        out[f"dgs2_{months}m"] = (y_now - on_or_before(fred["DGS2"], then)[1]) * 100
    ief_all = closes["IEF"].dropna()
    out["ief_12m"] = ief_all.loc[start] / on_or_before(ief_all, start - pd.DateOffset(years=1))[1] - 1
    tlt = closes["TLT"].dropna()
    since = start - pd.DateOffset(years=3)
    window = [v for d, v in tlt.items() if since <= d <= start]
    out["tlt_high"] = max(window)
    out["tlt"] = tlt.loc[start] / max(window) - 1
    return out


# ---------------------------------------------------------------- the two episodes


def test_bundled_fred_has_only_government_series(raw_fred):
    """The ICE high-yield OAS may not be redistributed: it must never ship."""
    assert list(raw_fred.columns) == ["DFF", "DGS2"]
    assert raw_fred.at[T("2025-10-21"), "DFF"] == 4.11 and raw_fred.at[T("2026-02-20"), "DFF"] == 3.64
    assert raw_fred.at[T("2023-03-10"), "DGS2"] == 4.60 and raw_fred.at[T("2023-03-13"), "DGS2"] == 4.03


def test_the_backdrops_written_out(raw_fred, episodes):
    """The stock figures by hand from the file: DGS2 on the first close against 12 and 24 months before."""
    march = episodes["March 2023"].backdrop
    assert (march.as_of, march.dgs2, march.dgs2_date) == (T("2023-03-08"), 5.05, T("2023-03-08"))
    assert (march.dgs2_12m_ago, march.dgs2_12m_date, march.dgs2_24m_ago, march.dgs2_24m_date) == (
        1.63, T("2022-03-08"), 0.17, T("2021-03-08"),
    )  # fmt: skip
    assert march.dgs2_change_12m_bp == pytest.approx((5.05 - 1.63) * 100)
    assert march.dgs2_change_24m_bp == pytest.approx(488.0)
    assert march.tlt_high_date == T("2020-08-04") and march.ief_12m_date == T("2022-03-08")
    october = episodes["October 2025"].backdrop
    # 2023-10-15 is a Sunday: the 24-month value is Friday 2023-10-13's 5.04.
    assert (october.dgs2, october.dgs2_12m_ago, october.dgs2_24m_ago) == (3.50, 3.95, 5.04)
    assert (october.dgs2_12m_date, october.dgs2_24m_date) == (T("2024-10-15"), T("2023-10-13"))
    assert october.dgs2_change_24m_bp == pytest.approx(-154.0) and october.tlt_high_date == T("2023-04-06")
    # The 2-year in the windows: 5.05 -> 4.03 and 3.50 -> 3.41.
    assert episodes["March 2023"].two_year.change == pytest.approx(-102.0)
    assert episodes["October 2025"].two_year.change == pytest.approx(-9.0)


def test_a_treasury_holiday_inside_the_sample_is_a_zero_change(all_closes, raw_fred, episodes):
    """Columbus Day 2025-10-13: NYSE open, no DGS2; the session keeps Friday's 3.52 (a zero move), nothing later."""
    assert T("2025-10-13") in kre_sessions(all_closes) and math.isnan(raw_fred.at[T("2025-10-13"), "DGS2"])
    got = episodes["October 2025"].two_year
    assert got.sample_start <= T("2025-10-13") <= got.sample_end
    sessions = kre_sessions(all_closes)
    i = sessions.index(T("2025-10-15"))
    bp = np.array([on_or_before(raw_fred["DGS2"], d)[1] * 100 for d in sessions[i - 252 : i + 1]])
    daily = np.diff(bp)
    assert daily[sessions[i - 251 : i + 1].index(T("2025-10-13"))] == 0.0
    assert got.daily_sd == pytest.approx(daily.std(ddof=1), rel=1e-12)

TABLE = {
    # label: (2y 12m bp, 2y 24m bp, IEF 12m %, TLT from 3y high %, 2y window bp, z, HY excess %, z,
    #         BKLN %, z, BIZD vs SPY %, z, KRE vs XLF %, z)
    "March 2023": (342, 488, -13.2, -37.7, -102, -7.35, -2.69, -2.25, -2.05, -2.49, -6.08, -3.32, -14.85, -12.4),
    "October 2025": (-45, -154, 4.9, -7.7, -9, -1.66, -0.57, -1.64, -0.19, -0.82, -1.51, -1.59, -3.51, -3.18),
}


@pytest.mark.parametrize("label", list(TABLE))
def test_episode_figures_match_independent_computation(all_closes, raw_fred, episodes, label):
    got = episodes[label]
    _, start, end = next(e for e in cr.EPISODES if e[0] == label)
    exp = expected(all_closes, raw_fred, start, end)
    assert (got.start, got.end, got.sessions) == (start, end, exp["sessions"])
    b = got.backdrop
    assert b.as_of == start
    assert b.dgs2_change_12m_bp == pytest.approx(exp["dgs2_12m"], rel=REL)
    assert b.dgs2_change_24m_bp == pytest.approx(exp["dgs2_24m"], rel=REL)
    assert b.ief_return_12m == pytest.approx(exp["ief_12m"], rel=REL)
    assert b.tlt_from_3y_high == pytest.approx(exp["tlt"], rel=REL) and b.tlt_high == exp["tlt_high"]
    for key in ("kre", "two_year", "hy_excess", "loans", "private_credit", "bank_vs_financials"):
        move, e = getattr(got, key), exp[key]
        assert (move.start, move.end, move.sessions) == (start, end, exp["sessions"]), key
        assert move.move == pytest.approx(e["move"], rel=1e-8, abs=1e-12), key
        assert move.change == pytest.approx(e["change"], rel=1e-8, abs=1e-12), key
        assert move.daily_sd == pytest.approx(e["sd"], rel=1e-8), key
        assert move.z == pytest.approx(e["z"], rel=1e-8), key
        assert (
            move.sample_end == start
            and move.sample_start == kre_sessions(all_closes)[kre_sessions(all_closes).index(start) - 251]
        )
    assert got.hy_oas is None  # never bundled


@pytest.mark.parametrize("label", list(TABLE))
def test_episode_figures_round_to_the_issue_table(episodes, label):
    got, row = episodes[label], TABLE[label]
    b = got.backdrop
    assert round(b.dgs2_change_12m_bp) == row[0] and round(b.dgs2_change_24m_bp) == row[1]
    assert round(b.ief_return_12m * 100, 1) == row[2] and round(b.tlt_from_3y_high * 100, 1) == row[3]
    assert round(got.two_year.move) == row[4] and round(got.two_year.z, 2) == row[5]
    assert round(got.hy_excess.change * 100, 2) == row[6] and round(got.hy_excess.z, 2) == row[7]
    assert round(got.loans.change * 100, 2) == row[8] and round(got.loans.z, 2) == row[9]
    assert round(got.private_credit.change * 100, 2) == row[10] and round(got.private_credit.z, 2) == row[11]
    assert round(got.bank_vs_financials.change * 100, 2) == row[12]
    assert round(got.bank_vs_financials.z, 2 if abs(row[13]) < 10 else 1) == row[13]


def test_the_figures_dict_carries_every_input(episodes):
    got = episodes["March 2023"].figures
    assert got["dgs2_change_24m_bp"] == episodes["March 2023"].backdrop.dgs2_change_24m_bp
    assert got["hy_oas_z"] is None and got["private_credit_z"] == episodes["March 2023"].private_credit.z
    assert all(isinstance(v, float) or v is None for v in got.values())


def test_march_2023_reads_rates_with_credit_as_contagion(episodes):
    got = episodes["March 2023"]
    assert got.reading.as_dict() == {
        "primary": "rates",
        "rates_backdrop": True,
        "credit_stress": True,
        "flight_to_quality": True,
        "bank_specific": True,
    }
    # Contagion: the banks' own fall against financials is more extreme than any credit measure's.
    assert got.bank_vs_financials.z < got.worst_credit_z == got.private_credit.z
    # Every flag against its threshold, on the figures recomputed independently above.
    assert got.backdrop.dgs2_change_24m_bp >= cr.BACKDROP_2Y_RISE_BP
    assert got.backdrop.tlt_from_3y_high <= cr.BACKDROP_TLT_FROM_HIGH
    assert min(m.z for m in got.credit_moves) <= cr.CREDIT_Z
    assert got.two_year.z <= cr.FLIGHT_Z and got.bank_vs_financials.z <= cr.BANK_Z
    assert got.kre.change == pytest.approx(40.618540 / 52.726424 - 1, abs=1e-6)
    assert round(got.kre.change * 100, 1) == -23.0


def test_october_2025_reads_credit_without_a_backdrop(episodes):
    got = episodes["October 2025"]
    assert got.reading.as_dict() == {
        "primary": "credit",
        "rates_backdrop": False,
        "credit_stress": True,
        "flight_to_quality": False,
        "bank_specific": True,
    }
    # No backdrop: the 2-year fell over 24 months and TLT is far from a 20% drawdown.
    assert got.backdrop.dgs2_change_24m_bp < 0 and got.backdrop.tlt_from_3y_high > cr.BACKDROP_TLT_FROM_HIGH
    # Credit stress from high yield (z -1.64) and BDCs (z -1.59) against -1.5; loans stayed above it (z -0.82).
    assert got.hy_excess.z <= cr.CREDIT_Z and got.private_credit.z <= cr.CREDIT_Z < got.loans.z
    assert got.worst_credit_z == got.hy_excess.z
    assert got.two_year.z > cr.FLIGHT_Z and got.bank_vs_financials.z <= cr.BANK_Z
    assert got.kre.change == pytest.approx(57.778572 / 61.594701 - 1, abs=1e-6)
    assert round(got.kre.change * 100, 1) == -6.2


# ---------------------------------------------------------------- the rule by itself


def backdrop(rise_24m: float, tlt: float) -> cr.RatesBackdrop:
    d = T("2024-01-02")
    return cr.RatesBackdrop(d, 4.0, d, 3.0, d, 100.0, 4.0 - rise_24m / 100, d, rise_24m, -0.05, d, tlt, 100.0, d)


@pytest.mark.parametrize(
    ("rise", "tlt", "two_z", "bank_z", "credit_z", "oas_z", "expected"),
    [
        (200.0, -0.20, 0.0, -3.0, [-1.0], None, ("rates", True, False, False, True)),  # thresholds count at equality
        (199.9, -0.30, 0.0, -3.0, [-1.0], None, ("neither", False, False, False, True)),
        (300.0, -0.199, 0.0, -3.0, [-1.6], None, ("credit", False, True, False, True)),
        (300.0, -0.30, -2.0, -5.0, [-1.5, 0.3], None, ("rates", True, True, True, True)),  # banks led: contagion
        (300.0, -0.30, -1.9, -1.0, [-1.5], None, ("both", True, True, False, False)),  # credit worse than banks
        (300.0, -0.30, 0.0, -3.0, [-3.5, -1.0], None, ("both", True, True, False, True)),
        (0.0, -0.05, 0.0, -2.5, [-1.0, -0.5], 1.5, ("credit", False, True, False, True)),  # the OAS alone (live)
        (0.0, -0.05, 0.0, -2.5, [-1.0], 1.4, ("neither", False, False, False, True)),
        (300.0, -0.30, 0.0, -2.0, [-1.0], 2.5, ("both", True, True, False, True)),  # OAS z +2.5 counts as -2.5
    ],
)
def test_the_rule(rise, tlt, two_z, bank_z, credit_z, oas_z, expected):
    got = cr.calc_reading(-0.05, backdrop(rise, tlt), two_z, bank_z, credit_z, oas_z)
    assert (got.primary, got.rates_backdrop, got.credit_stress, got.flight_to_quality, got.bank_specific) == expected


def test_the_rule_needs_a_credit_measure():
    with pytest.raises(InsufficientHistory) as err:
        cr.calc_reading(-0.05, backdrop(300, -0.3), 0.0, -3.0, [], None)
    short_message(err.value, "credit measure")


def test_method_states_every_threshold():
    for text in ("200 bp", "24 months", "20%", "3-year high", "z ≤ -1.5", "z ≥ 1.5", "-2", "252", "0.45", "contagion"):
        assert text in cr.METHOD, text


# ---------------------------------------------------------------- the entry points


def test_session_entry_point_is_the_one_day_window(all_closes, raw_fred, episodes):
    got = cr.credit_reading_for_session(all_closes, raw_fred, T("2025-10-16"), "October 2025")
    assert got == episodes["October 2025"]
    with pytest.raises(InsufficientHistory) as err:
        cr.credit_reading_for_session(all_closes, raw_fred, T("2025-10-18"))  # a Saturday
    short_message(err.value, "2025-10-18")


def test_window_entry_point(all_closes, raw_fred, episodes):
    got = cr.credit_reading_for_window(all_closes, raw_fred, T("2023-03-13"), 3, "March 2023")
    assert got == episodes["March 2023"]
    weekend = cr.credit_reading_for_window(all_closes, raw_fred, T("2023-03-12"), 2)  # Sunday: Friday's close
    assert (weekend.start, weekend.end, weekend.sessions) == (T("2023-03-08"), T("2023-03-10"), 2)
    default = cr.credit_reading_for_window(all_closes, raw_fred, T("2026-02-20"))
    assert (default.start, default.end, default.sessions) == (T("2026-02-12"), T("2026-02-20"), cr.DEFAULT_WINDOW)
    for bad in (0, cr.MAX_WINDOW + 1):
        with pytest.raises(InvalidInput):
            cr.credit_reading_for_window(all_closes, raw_fred, T("2023-03-13"), bad)


def test_episodes_entry_point(all_closes, raw_fred, episodes):
    assert cr.credit_reading_for_episodes(all_closes, raw_fred, T("2026-02-20")) == tuple(episodes.values())
    assert [r.label for r in cr.credit_reading_for_episodes(all_closes, raw_fred, T("2024-01-02"))] == ["March 2023"]


def test_nothing_after_the_window_is_read(all_closes, raw_fred, episodes):
    end = T("2023-03-13")
    cut = cr.credit_reading(all_closes.loc[:end], raw_fred.loc[:end], T("2023-03-08"), end, "March 2023")
    assert cut == episodes["March 2023"]


def test_missing_credit_measures_are_named(all_closes, raw_fred):
    """2009: HYG has the history, BKLN (2011) and BIZD (2013) do not; the reading stands on HY alone."""
    got = cr.credit_reading_for_session(all_closes, raw_fred, T("2009-03-05"))
    assert got.hy_excess is not None and got.loans is None and got.private_credit is None
    assert any("(BKLN) has no data up to 2009-03-05" in m for m in got.missing)
    assert any("BDCs against SPY has no data up to 2009-03-05" in m for m in got.missing)
    young = cr.credit_reading_for_session(all_closes, raw_fred, T("2011-08-08"))  # BKLN listed 2011-03-03
    assert young.loans is None and any("(BKLN) starts 2011-03-03: fewer than 253" in m for m in young.missing)
    assert got.worst_credit_z == got.hy_excess.z
    without = cr.credit_reading_for_session(all_closes.drop(columns=["BKLN"]), raw_fred, T("2025-10-16"))
    assert without.loans is None and any("no BKLN closes" in m for m in without.missing)


def test_a_session_without_its_dgs2_yet_is_not_read_as_an_unchanged_2_year(all_closes, raw_fred):
    day = T("2023-03-13")  # DGS2 fell 57 bp that day; after the close FRED has it through 2023-03-10 only
    as_after_the_close = raw_fred.loc[: T("2023-03-10")]
    try:
        got = cr.credit_reading_for_session(all_closes, as_after_the_close, day)
    except InsufficientHistory as exc:
        short_message(exc, "2023-03-13")
        return
    assert any("2-year" in m or "DGS2" in m for m in got.missing), got.missing


@pytest.mark.parametrize(
    ("session", "says"),
    [("2007-11-01", "TLT's 3-year high"), ("2008-02-28", "No credit measure")],
)
def test_too_early_for_a_reading(all_closes, raw_fred, session, says):
    with pytest.raises(InsufficientHistory) as err:
        cr.credit_reading_for_session(all_closes, raw_fred, T(session))
    short_message(err.value, says)


def test_missing_required_inputs(all_closes, raw_fred):
    with pytest.raises(InsufficientHistory):
        cr.credit_reading_for_session(all_closes, raw_fred.drop(columns="DGS2"), T("2025-10-16"))
    with pytest.raises(InsufficientHistory):
        cr.credit_reading_for_session(all_closes.drop(columns="XLF"), raw_fred, T("2025-10-16"))
    gap = all_closes.copy()
    gap.loc[T("2025-06-02"), "XLF"] = np.nan  # inside the trailing year: no fill
    with pytest.raises(InsufficientHistory) as err:
        cr.credit_reading_for_session(gap, raw_fred, T("2025-10-16"))
    short_message(err.value, "2025-06-02")


def test_the_live_hy_oas_is_scored_when_present(all_closes, raw_fred):
    """A stand-in OAS series (the real one may not ship): it is scored like the 2-year, in bp on sessions."""
    days = pd.bdate_range("2024-06-01", "2025-10-20")
    rng = np.random.default_rng(3)
    oas = pd.Series(3.0 + np.cumsum(rng.normal(0, 0.03, len(days))), index=days.as_unit("ns"))
    oas.loc[T("2025-10-16")] = oas.loc[T("2025-10-15")] + 0.30  # +30 bp on the day
    fred = raw_fred.join(oas.rename("BAMLH0A0HYM2"), how="outer")
    got = cr.credit_reading_for_session(all_closes, fred, T("2025-10-16"))
    sessions = kre_sessions(all_closes)
    i = sessions.index(T("2025-10-15"))
    values = [on_or_before(oas, d)[1] for d in sessions[i - 252 : i + 2]]
    exp = scored(values, 1, log=False)
    assert got.hy_oas.move == pytest.approx(30.0, rel=1e-9)
    assert got.hy_oas.z == pytest.approx(exp["z"], rel=1e-9) and got.hy_oas.z > cr.HY_OAS_Z
    assert got.worst_credit_z == -got.hy_oas.z and got.reading.credit_stress
    assert not any("HY OAS" in m for m in got.missing)
    assert replace(got, hy_oas=None).credit_moves == tuple(
        m for m in (got.hy_excess, got.loans, got.private_credit) if m is not None
    )


# ---------------------------------------------------------------- the selloffs


def test_selloff_windows_match_a_loop(all_closes):
    kre = all_closes["KRE"].dropna()
    days, values = list(kre.index), list(kre)
    expected = []
    for k in range(1, len(values)):
        if values[k] / values[k - 1] - 1 < -0.04:
            expected.append((days[k], 1))
        if k >= 3 and values[k] / values[k - 3] - 1 < -0.08:
            expected.append((days[k], 3))
    got = cr.to_selloff_windows(all_closes)
    assert [(w.session, w.sessions) for w in got] == sorted(expected)
    assert len(got) == 242
    one = {w.session: w.kre_return for w in got if w.sessions == 1}
    assert one[T("2025-10-16")] == pytest.approx(
        values[days.index(T("2025-10-16"))] / values[days.index(T("2025-10-15"))] - 1
    )
    assert (T("2023-03-13"), 3) in [(w.session, w.sessions) for w in got]


def test_a_window_in_which_kre_rose_is_no_selloff_to_read(all_closes, raw_fred):
    """2026-02-13 → 02-20: KRE +1.7% while BDCs fell against SPY (z -2.02): credit stress all the same, no verdict."""
    kre = all_closes["KRE"].dropna()
    end = kre.index[-1]
    got = cr.credit_reading(all_closes, raw_fred, kre.index[-6], end)
    assert got.kre.change == pytest.approx(kre.iloc[-1] / kre.iloc[-6] - 1, rel=1e-12) and got.kre.change > 0
    assert got.reading.primary == "no_selloff"
    assert got.reading.credit_stress and not got.reading.rates_backdrop  # the flags still say what happened
    fell = cr.credit_reading(all_closes, raw_fred, T("2023-03-08"), T("2023-03-13"))
    assert fell.reading.primary == "rates"  # a fall is read as before
