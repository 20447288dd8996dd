"""Credit or rates? How much of KRE's move lines up with credit and how much with the 2-year yield.

The method (stated in every answer, never tuned to an episode):

- Daily factors on NYSE sessions: KRE's log return; the 2-year Treasury yield's change in basis
  points (FRED DGS2, each session taking the latest value dated on or before it: no look-ahead,
  and a Treasury-market holiday counts as no change); the credit proxy, the log return of
  HYG/IEF (high yield against Treasuries of similar duration, so the rate part of HYG largely
  cancels).
- Plain OLS with an intercept, KRE on the two factors, over the ``TRAILING`` sessions ending at
  the window's first close (the session before the window's first move): nothing inside the window
  is used to fit it.
- Log returns add over days, so a window's KRE move splits exactly into beta x each factor's move
  over the window, the intercept times the number of sessions, and a residual.
- No split when the fit means too little: R² below ``MIN_R2`` or neither beta significant
  (|t| below ``MIN_T``, classical OLS standard errors).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.series import to_move_zscores

KRE, HYG, IEF, SHY, LQD, BKLN, BIZD = "KRE", "HYG", "IEF", "SHY", "LQD", "BKLN", "BIZD"
CONTEXT = (HYG, IEF, SHY, LQD, BKLN, BIZD)
SYMBOLS = (KRE, *CONTEXT)
DGS2, DFF, HY_OAS = "DGS2", "DFF", "BAMLH0A0HYM2"
TRAILING = 252
MIN_FIT_SESSIONS = 200  # complete rows needed within the trailing window
MIN_R2 = 0.10
MIN_T = 2.0
DEFAULT_WINDOW = 5
MAX_WINDOW = 60
EPISODES = (
    ("March 2023", pd.Timestamp("2023-03-08"), pd.Timestamp("2023-03-13")),
    ("October 2025", pd.Timestamp("2025-10-15"), pd.Timestamp("2025-10-17")),
)
FACTORS = ("rates", "credit")
METHOD = (
    f"KRE daily log returns regressed (OLS with intercept) on the 2-year yield's daily change (FRED DGS2, bp, "
    f"latest value on or before each session) and the credit proxy (daily log return of HYG/IEF), over the "
    f"{TRAILING} sessions ending the session before the window. The window's KRE log move = rates beta × yield "
    f"change + credit beta × HYG/IEF log move + intercept × sessions + residual. No split when R² < {MIN_R2:.2f} "
    f"or neither beta has |t| ≥ {MIN_T:g}."
)


@dataclass(frozen=True)
class Fit:
    """The trailing regression: KRE log return = alpha + beta_rates·Δy(bp) + beta_credit·credit + e."""

    start: pd.Timestamp  # first and last return sessions used
    end: pd.Timestamp
    sessions: int
    alpha: float
    alpha_se: float
    beta: dict[str, float]  # "rates": per bp of DGS2; "credit": per unit of HYG/IEF log return
    se: dict[str, float]
    r2: float
    refusal: str  # why the fit is too poor to split a move ("" when usable)

    @property
    def t(self) -> dict[str, float]:
        return {k: self.beta[k] / self.se[k] for k in FACTORS}

    @property
    def usable(self) -> bool:
        return not self.refusal


@dataclass(frozen=True)
class Split:
    """A window's KRE move and what lines up with each factor (log-return units, fractions)."""

    label: str
    start: pd.Timestamp  # the close the window is measured from
    end: pd.Timestamp
    sessions: int  # daily moves in the window
    kre_log_move: float
    kre_return: float
    dgs2_change_bp: float
    credit_log_move: float  # log(HYG/IEF) change
    fit: Fit
    parts: dict[str, float] | None  # rates, credit, intercept, residual; None when the fit is refused
    context: dict[str, float]  # simple returns of CONTEXT over the window (symbols with data)
    hyg_ief_change: float  # simple change of the HYG/IEF ratio
    hy_oas_change_bp: float | None  # ICE BofA HY OAS, only when the live FRED series is at hand


@dataclass(frozen=True)
class CreditReport:
    as_of: pd.Timestamp
    now: Split
    episodes: tuple[Split, ...]  # March 2023, October 2025: those that end on or before as_of


def to_session_values(series: pd.Series, sessions: pd.DatetimeIndex) -> pd.Series:
    """Each session gets the latest value dated on or before it (FRED's calendar to NYSE sessions).

    Sessions before the series' first value stay NaN; a later value is never used.
    """
    values = series.dropna().sort_index()
    return values.reindex(values.index.union(sessions)).ffill().reindex(sessions)


def to_factors(closes: pd.DataFrame, fred: pd.DataFrame) -> pd.DataFrame:
    """Daily factors on KRE's sessions: ``kre`` and ``credit`` log returns, ``rates`` DGS2 change in bp."""
    for symbol in (KRE, HYG, IEF):
        if symbol not in closes.columns:
            raise InsufficientHistory(f"The credit split needs {symbol} closes.")
    if DGS2 not in fred.columns:
        raise InsufficientHistory("The credit split needs the 2-year yield (FRED DGS2).")
    sessions = closes[KRE].dropna().index
    kre = np.log(closes[KRE].reindex(sessions))
    credit = np.log(closes[HYG].reindex(sessions) / closes[IEF].reindex(sessions))
    dgs2 = to_session_values(fred[DGS2], sessions)
    return pd.DataFrame({"kre": kre.diff(), "rates": dgs2.diff() * 100, "credit": credit.diff()}, index=sessions)


def calc_fit(factors: pd.DataFrame, last: pd.Timestamp) -> Fit:
    """OLS over the ``TRAILING`` sessions ending at ``last`` (rows with every factor only)."""
    window = factors.loc[:last].iloc[-TRAILING:].dropna()
    if len(window) < MIN_FIT_SESSIONS:
        raise InsufficientHistory(
            f"Only {len(window)} sessions with KRE, HYG, IEF and the 2-year yield before {last.date()}; "
            f"the fit needs {MIN_FIT_SESSIONS}."
        )
    y = window["kre"].to_numpy()
    x = np.column_stack([np.ones(len(window)), window["rates"].to_numpy(), window["credit"].to_numpy()])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    dof = len(y) - x.shape[1]
    sigma2 = float(resid @ resid) / dof
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(x.T @ x)))
    r2 = 1 - float(resid @ resid) / float(((y - y.mean()) ** 2).sum())
    beta = {"rates": float(coef[1]), "credit": float(coef[2])}
    ses = {"rates": float(se[1]), "credit": float(se[2])}
    refusal = ""
    if r2 < MIN_R2:
        refusal = f"the fit explains too little of KRE's daily moves (R² {r2:.2f} < {MIN_R2:.2f})"
    elif all(abs(beta[k] / ses[k]) < MIN_T for k in FACTORS):
        refusal = f"neither beta is significant (|t| < {MIN_T:g})"
    return Fit(window.index[0], window.index[-1], len(window), float(coef[0]), float(se[0]), beta, ses, r2, refusal)


def credit_split(
    closes: pd.DataFrame, fred: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, label: str = ""
) -> Split:
    """KRE's move from the close of ``start`` to the close of ``end`` (sessions), split by the fit."""
    factors = to_factors(closes, fred)
    sessions = factors.index
    if start not in sessions or end not in sessions or start >= end:
        raise InsufficientHistory(f"No KRE window from {start.date()} to {end.date()} in the data.")
    moves = factors.loc[start:end].iloc[1:]
    if moves.isna().any().any():
        raise InsufficientHistory(
            f"KRE, HYG, IEF or the 2-year yield is missing between {start.date()} and {end.date()}."
        )
    fit = calc_fit(factors, start)
    kre_move, rates_move, credit_move = (float(moves[k].sum()) for k in ("kre", "rates", "credit"))
    parts = None
    if fit.usable:
        parts = {
            "rates": fit.beta["rates"] * rates_move,
            "credit": fit.beta["credit"] * credit_move,
            "intercept": fit.alpha * len(moves),
        }
        parts["residual"] = kre_move - sum(parts.values())
    context = {
        s: float(closes.at[end, s] / closes.at[start, s] - 1)
        for s in CONTEXT
        if s in closes.columns and not math.isnan(closes.at[end, s] / closes.at[start, s])
    }
    ratio = closes[HYG] / closes[IEF]
    hy_oas = None
    if HY_OAS in fred.columns and fred[HY_OAS].notna().any():
        oas = to_session_values(fred[HY_OAS], pd.DatetimeIndex([start, end]))
        if oas.notna().all():
            hy_oas = float(oas.iloc[1] - oas.iloc[0]) * 100
    return Split(
        label=label,
        start=start,
        end=end,
        sessions=len(moves),
        kre_log_move=kre_move,
        kre_return=math.expm1(kre_move),
        dgs2_change_bp=rates_move,
        credit_log_move=credit_move,
        fit=fit,
        parts=parts,
        context=context,
        hyg_ief_change=float(ratio.at[end] / ratio.at[start] - 1),
        hy_oas_change_bp=hy_oas,
    )


def window_start(closes: pd.DataFrame, end: pd.Timestamp, sessions: int) -> pd.Timestamp:
    """The KRE session ``sessions`` moves before ``end``."""
    kre = closes[KRE].dropna().loc[:end].index
    if len(kre) <= sessions:
        raise InsufficientHistory(f"KRE has fewer than {sessions + 1} sessions up to {end.date()}.")
    return kre[-sessions - 1]


def credit_report(
    closes: pd.DataFrame, fred: pd.DataFrame, as_of: pd.Timestamp, window: int = DEFAULT_WINDOW
) -> CreditReport:
    """The window of ``window`` sessions ending at ``as_of``, beside the episodes that end by then."""
    fred = fred.loc[:as_of]
    closes = closes.loc[:as_of]
    now = credit_split(closes, fred, window_start(closes, as_of, window), as_of, "now")
    episodes = tuple(
        credit_split(closes, fred, start, end, label)
        for label, start, end in EPISODES
        if end <= as_of and (end, start) != (now.end, now.start)
    )
    return CreditReport(as_of, now, episodes)


@dataclass(frozen=True)
class CreditMove:
    """Did credit move with KRE on a session? Each move over its own EWMA volatility (as alerts judge KRE)."""

    session: pd.Timestamp
    kre_z: float
    hyg_ief_z: float  # log move of HYG/IEF
    bkln_z: float | None  # None where BKLN has no history
    moved_with: bool  # a credit z of the same sign as KRE's and at least ``CREDIT_WITH_Z`` in size


CREDIT_WITH_Z = 1.0
CREDIT_MOVE_SYMBOLS = (KRE, HYG, IEF, BKLN)


def credit_moved(closes: pd.DataFrame, session: pd.Timestamp) -> CreditMove:
    """The session's z-scores of KRE, HYG/IEF and BKLN (log move over the previous session's EWMA vol)."""
    history = closes.loc[:session]

    def z(series: pd.Series) -> float | None:
        scores = to_move_zscores(series.dropna())
        return float(scores.iloc[-1]) if not scores.empty and scores.index[-1] == session else None

    kre = z(history[KRE])
    ratio = z(history[HYG] / history[IEF])
    if kre is None or ratio is None:
        raise InsufficientHistory(f"No KRE or HYG/IEF move to judge on {session.date()}.")
    bkln = z(history[BKLN]) if BKLN in history.columns else None
    same = [c for c in (ratio, bkln) if c is not None and c * kre > 0 and abs(c) >= CREDIT_WITH_Z]
    return CreditMove(session, kre, ratio, bkln, bool(same))


def credit_line(move: CreditMove) -> str:
    """One line for an alert or the digest, e.g. ``Credit moved with KRE (z -4.9): HYG/IEF z -2.6, BKLN z -5.9.``"""
    parts = f"HYG/IEF z {move.hyg_ief_z:+.1f}" + (f", BKLN z {move.bkln_z:+.1f}" if move.bkln_z is not None else "")
    verb = "moved with" if move.moved_with else "did not move with"
    return f"Credit {verb} KRE (z {move.kre_z:+.1f}): {parts} (same direction and |z| ≥ {CREDIT_WITH_Z:g} counts)."
