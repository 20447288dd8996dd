"""analytics.credit: the credit-vs-rates split, every figure recomputed here on the real bundled files.

The expected values come from the packaged CSVs read with plain pandas, aligned with a
searchsorted loop and regressed with plain numpy least squares: nothing from ``analytics``.
"""

from __future__ import annotations

import math
from importlib import resources

import numpy as np
import pandas as pd
import pytest

from analytics import credit
from analytics.errors import InsufficientHistory

from ._helpers import T, frame, on_or_before, short_message

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


def test_bundled_fred_has_only_government_series(raw_fred):
    """The ICE high-yield OAS may not be redistributed: it must never ship."""
    assert list(raw_fred.columns) == ["DFF", "DGS2"]
    assert raw_fred.at[T("2025-10-21"), "DFF"] == 4.11 and raw_fred.at[T("2026-02-20"), "DFF"] == 3.64
    assert raw_fred.at[T("2023-03-10"), "DGS2"] == 4.60 and raw_fred.at[T("2023-03-13"), "DGS2"] == 4.03


def expected_factors(closes: pd.DataFrame, fred: pd.DataFrame, sessions: list[pd.Timestamp]) -> np.ndarray:
    """Rows (kre log return, DGS2 change bp, log HYG/IEF return) for each session after the first."""
    rows = []
    for prev, day in zip(sessions, sessions[1:]):
        kre = math.log(closes.at[day, "KRE"] / closes.at[prev, "KRE"])
        _, y1 = on_or_before(fred["DGS2"], day)
        _, y0 = on_or_before(fred["DGS2"], prev)
        cr = math.log((closes.at[day, "HYG"] / closes.at[day, "IEF"]) / (closes.at[prev, "HYG"] / closes.at[prev, "IEF"]))
        rows.append((kre, (y1 - y0) * 100, cr))
    return np.array(rows)


def expected_fit(closes: pd.DataFrame, fred: pd.DataFrame, last: pd.Timestamp) -> dict:
    sessions = list(closes["KRE"].dropna().loc[:last].index[-253:])  # 253 closes: 252 daily moves
    rows = expected_factors(closes, fred, sessions)
    assert not np.isnan(rows).any()
    y, x = rows[:, 0], np.column_stack([np.ones(len(rows)), rows[:, 1], rows[:, 2]])
    coef, rss, *_ = np.linalg.lstsq(x, y, rcond=None)
    sigma2 = rss[0] / (len(y) - 3)
    cov = sigma2 * np.linalg.inv(x.T @ x)
    tss = ((y - y.mean()) ** 2).sum()
    return {"coef": coef, "se": np.sqrt(np.diag(cov)), "r2": 1 - rss[0] / tss, "n": len(y), "first": sessions[1]}


@pytest.mark.parametrize(
    ("label", "start", "end", "moves"),
    [
        ("March 2023", "2023-03-08", "2023-03-13", 3),
        ("October 2025", "2025-10-15", "2025-10-17", 2),
        ("a day", "2025-10-15", "2025-10-16", 1),
        ("to the snapshot end", "2026-02-12", "2026-02-20", 5),
    ],
)
def test_split_matches_independent_computation(all_closes, raw_fred, label, start, end, moves):
    start, end = T(start), T(end)
    got = credit.credit_split(all_closes, raw_fred, start, end, label)
    exp = expected_fit(all_closes, raw_fred, start)
    fit = got.fit
    assert (fit.start, fit.end, fit.sessions) == (exp["first"], start, exp["n"]) and exp["n"] == 252
    assert fit.alpha == pytest.approx(exp["coef"][0], rel=1e-7)
    assert fit.beta["rates"] == pytest.approx(exp["coef"][1], rel=1e-7)
    assert fit.beta["credit"] == pytest.approx(exp["coef"][2], rel=1e-7)
    assert fit.se["rates"] == pytest.approx(exp["se"][1], rel=1e-7)
    assert fit.se["credit"] == pytest.approx(exp["se"][2], rel=1e-7)
    assert fit.alpha_se == pytest.approx(exp["se"][0], rel=1e-7)
    assert fit.r2 == pytest.approx(exp["r2"], rel=1e-9)
    assert fit.t["credit"] == pytest.approx(exp["coef"][2] / exp["se"][2], rel=1e-7)

    window = list(all_closes["KRE"].dropna().loc[start:end].index)
    assert got.sessions == len(window) - 1 == moves
    rows = expected_factors(all_closes, raw_fred, window)
    kre_move = math.log(all_closes.at[end, "KRE"] / all_closes.at[start, "KRE"])
    assert got.kre_log_move == pytest.approx(kre_move, rel=REL) == pytest.approx(rows[:, 0].sum(), rel=REL)
    assert got.kre_return == pytest.approx(all_closes.at[end, "KRE"] / all_closes.at[start, "KRE"] - 1, rel=REL)
    _, y_end = on_or_before(raw_fred["DGS2"], end)
    _, y_start = on_or_before(raw_fred["DGS2"], start)
    assert got.dgs2_change_bp == pytest.approx((y_end - y_start) * 100, rel=REL, abs=1e-9)
    assert got.credit_log_move == pytest.approx(rows[:, 2].sum(), rel=1e-8)
    ratio = lambda d: all_closes.at[d, "HYG"] / all_closes.at[d, "IEF"]  # noqa: E731
    assert got.hyg_ief_change == pytest.approx(ratio(end) / ratio(start) - 1, rel=REL)
    for symbol in ("HYG", "IEF", "SHY", "LQD", "BKLN", "BIZD"):
        assert got.context[symbol] == pytest.approx(all_closes.at[end, symbol] / all_closes.at[start, symbol] - 1, rel=REL)
    assert got.hy_oas_change_bp is None  # never bundled

    assert fit.usable  # R² about 0.42-0.43 and both |t| > 4 on these dates
    parts = got.parts
    assert parts["rates"] == pytest.approx(exp["coef"][1] * (y_end - y_start) * 100, rel=1e-7, abs=1e-12)
    assert parts["credit"] == pytest.approx(exp["coef"][2] * rows[:, 2].sum(), rel=1e-7)
    assert parts["intercept"] == pytest.approx(exp["coef"][0] * moves, rel=1e-7)
    assert sum(parts.values()) == pytest.approx(kre_move, rel=1e-12)


def test_march_2023_written_out(all_closes, raw_fred):
    """The SVB week in plain figures (PRICES.md's sanity table): Treasuries up, high yield down."""
    got = credit.credit_split(all_closes, raw_fred, T("2023-03-08"), T("2023-03-13"))
    assert got.dgs2_change_bp == pytest.approx(-102.0)  # DGS2 5.05 -> 4.03
    assert got.context["IEF"] == pytest.approx(88.98 / 85.79 - 1, abs=2e-4)
    assert got.context["HYG"] == pytest.approx(61.53 / 62.20 - 1, abs=2e-4)
    assert got.context["BIZD"] == pytest.approx(9.48 / 10.45 - 1, abs=2e-3)
    assert got.kre_return < -0.2


def test_report_puts_now_beside_the_episodes(all_closes, raw_fred):
    got = credit.credit_report(all_closes, raw_fred, T("2025-10-21"))
    assert (got.now.start, got.now.end, got.now.sessions) == (T("2025-10-14"), T("2025-10-21"), 5)
    assert [(s.label, s.start, s.end) for s in got.episodes] == [
        ("March 2023", T("2023-03-08"), T("2023-03-13")),
        ("October 2025", T("2025-10-15"), T("2025-10-17")),
    ]
    # As of 2023-03-13 October 2025 is in the future: not shown, and nothing after the as-of is used.
    early = credit.credit_report(all_closes, raw_fred, T("2023-03-13"), window=3)
    assert [s.label for s in early.episodes] == []  # "now" is the March 2023 window itself
    assert (early.now.start, early.now.end) == (T("2023-03-08"), T("2023-03-13"))


def test_session_values_never_look_ahead():
    """FRED's calendar days to NYSE sessions: the latest value dated on or before each session."""
    fred = pd.Series(
        [4.0, 4.1, 4.3, 4.6],
        index=pd.DatetimeIndex(["2023-03-09", "2023-03-11", "2023-03-14", "2023-03-16"]).as_unit("ns"),
    )
    sessions = pd.DatetimeIndex(["2023-03-08", "2023-03-10", "2023-03-13", "2023-03-14", "2023-03-15"]).as_unit("ns")
    got = credit.to_session_values(fred, sessions)
    # 03-08 precedes every value; 03-13 takes Saturday's 4.1 (not Tuesday's 4.3); 03-15 keeps 4.3, not 03-16's 4.6.
    assert got.index.equals(sessions)
    assert math.isnan(got.iloc[0])
    assert got.iloc[1:].tolist() == [4.0, 4.1, 4.3, 4.3]


def test_dff_and_dgs2_alignment_on_the_real_calendar(raw_fred):
    """DFF has every calendar day; DGS2 skips Treasury holidays (Columbus Day 2025-10-13: NYSE open)."""
    sessions = pd.DatetimeIndex(["2025-10-10", "2025-10-13", "2025-10-14"]).as_unit("ns")
    dgs2 = credit.to_session_values(raw_fred["DGS2"], sessions)
    assert T("2025-10-13") not in raw_fred["DGS2"].dropna().index
    assert dgs2.tolist() == [raw_fred.at[T("2025-10-10"), "DGS2"]] * 2 + [raw_fred.at[T("2025-10-14"), "DGS2"]]
    dff = credit.to_session_values(raw_fred["DFF"], sessions)
    assert dff.tolist() == [raw_fred.at[d, "DFF"] for d in sessions]
    # Cutting the FRED data at a session leaves that session's factors unchanged (nothing later is read).
    sessions = pd.DatetimeIndex(pd.date_range("2023-03-01", "2023-03-31", freq="B")).as_unit("ns")
    full = credit.to_session_values(raw_fred["DGS2"], sessions)
    cut = credit.to_session_values(raw_fred["DGS2"].loc[:"2023-03-13"], sessions)
    pd.testing.assert_series_equal(full.loc[:"2023-03-13"], cut.loc[:"2023-03-13"])


def _tiny(n: int, noise: np.ndarray, rates_beta: float, credit_beta: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    days = pd.bdate_range("2020-01-01", periods=n + 1)
    dy = rng.normal(0, 5, n)
    cr = rng.normal(0, 0.003, n)
    kre = rates_beta * dy + credit_beta * cr + noise
    ief = np.full(n + 1, 100.0)
    hyg = 100 * np.exp(np.concatenate([[0], np.cumsum(cr)]))
    closes = frame([d.date().isoformat() for d in days], KRE=50 * np.exp(np.concatenate([[0], np.cumsum(kre)])),
                   HYG=hyg, IEF=ief)  # fmt: skip
    fred = pd.DataFrame({"DGS2": 4 + np.concatenate([[0], np.cumsum(dy)]) / 100}, index=closes.index)
    return closes, fred


def test_refuses_to_split_a_poor_fit():
    rng = np.random.default_rng(1)
    closes, fred = _tiny(300, rng.normal(0, 0.02, 300), 0.0, 0.0)  # KRE unrelated to either factor
    got = credit.credit_split(closes, fred, closes.index[-3], closes.index[-1])
    assert got.parts is None and not got.fit.usable
    assert "R²" in got.fit.refusal or "neither beta" in got.fit.refusal


def test_exact_fit_splits_exactly():
    closes, fred = _tiny(300, np.zeros(300), -0.001, 2.0)
    start, end = closes.index[-4], closes.index[-1]
    got = credit.credit_split(closes, fred, start, end)
    assert got.fit.beta["rates"] == pytest.approx(-0.001, abs=1e-9)
    assert got.fit.beta["credit"] == pytest.approx(2.0, rel=1e-6)
    assert got.fit.r2 == pytest.approx(1.0)
    assert got.parts["residual"] == pytest.approx(0.0, abs=1e-9)
    assert got.parts["rates"] + got.parts["credit"] == pytest.approx(got.kre_log_move, rel=1e-9)


def test_short_history_is_a_clear_error():
    closes, fred = _tiny(100, np.zeros(100), 0.0, 1.0)
    with pytest.raises(InsufficientHistory) as err:
        credit.credit_split(closes, fred, closes.index[-3], closes.index[-1])
    assert short_message(err.value)
    with pytest.raises(InsufficientHistory):
        credit.credit_split(closes, fred.drop(columns="DGS2"), closes.index[-3], closes.index[-1])


def test_credit_moved_uses_the_alert_zscores(all_closes):
    from analytics.series import to_move_zscores

    day = T("2025-10-16")
    got = credit.credit_moved(all_closes, day)
    h = all_closes.loc[:day]
    assert got.kre_z == pytest.approx(float(to_move_zscores(h["KRE"]).iloc[-1]), rel=1e-12)
    assert got.hyg_ief_z == pytest.approx(float(to_move_zscores((h["HYG"] / h["IEF"]).dropna()).iloc[-1]), rel=1e-12)
    assert got.bkln_z == pytest.approx(float(to_move_zscores(h["BKLN"]).iloc[-1]), rel=1e-12)
    assert got.moved_with == any(z * got.kre_z > 0 and abs(z) >= 1 for z in (got.hyg_ief_z, got.bkln_z))


def test_digest_credit_line(all_closes, closes):
    from analytics.digest import daily_digest

    day = T("2023-03-13")
    digest = daily_digest(all_closes, day)
    assert digest.credit == credit.credit_moved(all_closes, day)
    assert digest.credit_line == (
        f"Credit moved with KRE (z {digest.credit.kre_z:+.1f}): HYG/IEF z {digest.credit.hyg_ief_z:+.1f}, "
        f"BKLN z {digest.credit.bkln_z:+.1f} (same direction and |z| ≥ 1 counts)."
    )
    assert "Credit" not in " ".join(digest.missing)
    # A frame without the credit ETFs did not ask for the line; a failed credit fetch is said.
    assert daily_digest(closes, day).credit is None
    failed = daily_digest(closes, day, unavailable={"credit": "Yahoo Finance cannot be reached right now."})
    assert failed.credit_line is None and "Credit: Yahoo Finance cannot be reached right now." in failed.missing
