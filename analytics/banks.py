"""Regional-bank stress: KRE against the market, breadth across the banks, a stated rule."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.series import FIFTY_TWO_WEEKS, calc_percentile_rank, to_move_zscores, trailing_52_weeks

KRE, SPY, XLF = "KRE", "SPY", "XLF"
# The 27 regional banks in the snapshot (FLG carries New York Community Bancorp's history).
BANK_BASKET = (
    "ZION",
    "WAL",
    "KEY",
    "TFC",
    "FITB",
    "HBAN",
    "RF",
    "CFG",
    "MTB",
    "PNFP",
    "EWBC",
    "FHN",
    "WBS",
    "OZK",
    "VLY",
    "BPOP",
    "UMBF",
    "WTFC",
    "ONB",
    "FNB",
    "SSB",
    "GBCI",
    "BOKF",
    "FLG",
    "BANC",
    "HOMB",
    "BKU",
)
SYMBOLS = (KRE, SPY, XLF, *BANK_BASKET)
RANK_SINCE = pd.Timestamp("2015-01-01")
MARCH_2023 = (pd.Timestamp("2023-03-01"), pd.Timestamp("2023-03-31"))
AVERAGE_SESSIONS = 200
BIG_FALL = -0.02


@dataclass(frozen=True)
class RatioCheck:
    """KRE against a benchmark: the ratio's recent change and place in its history."""

    benchmark: str
    change_20d: float  # fraction over 20 sessions
    percentile: float  # 0-100 within the ratio's history to date
    vs_record_low: float  # ratio / its lowest value to date - 1 (>= 0)
    record_low_date: pd.Timestamp


@dataclass(frozen=True)
class Breadth:
    banks: int  # names with a close that session and the one before
    down_2pct: int  # fell more than 2% that session
    below_200d: int  # closed below their 200-session average
    at_52w_low: int  # closed at their lowest close of the trailing 52 weeks


@dataclass(frozen=True)
class RulePart:
    """One line of the stress rule: what was measured and the points it earned."""

    label: str
    value: float
    one_point: float  # the threshold worth one point
    two_points: float | None  # the threshold worth two, if any
    points: int


@dataclass(frozen=True)
class BankStress:
    session: pd.Timestamp
    kre_close: float
    kre_return_1d: float
    kre_return_5d: float
    kre_return_20d: float
    move_zscore: float  # today's log move over the previous session's EWMA volatility
    move_rank: int  # 1 = the biggest move in its direction since move_rank_since
    move_rank_of: int  # how many daily moves were ranked
    move_rank_since: pd.Timestamp  # 2015-01-01, or KRE's first move for earlier sessions
    move_direction: str  # "fall" or "rise"
    kre_drawdown_52w: float
    vs_spy: RatioCheck
    vs_xlf: RatioCheck
    breadth: Breadth
    rule: tuple[RulePart, ...]

    @property
    def points(self) -> int:
        return sum(part.points for part in self.rule)

    @property
    def level(self) -> str:
        return stress_level(self.points)


@dataclass(frozen=True)
class BankReport:
    now: BankStress
    march_2023: BankStress | None  # KRE's largest one-day fall in March 2023; None if the data ends before


LEVELS = ((6, "severe"), (4, "high"), (2, "elevated"), (0, "calm"))
RULE_TEXT = (
    "Points: KRE's move z-score ≤ -2 (1) or ≤ -3 (2); KRE 52-week drawdown ≤ -15% (1) or ≤ -25% (2); "
    "KRE/SPY 20-session change ≤ -5% (1) or ≤ -10% (2); half or more of the banks down over 2% (1); "
    "a quarter or more at 52-week lows (1). Level: 0-1 calm, 2-3 elevated, 4-5 high, 6+ severe."
)


def stress_level(points: int) -> str:
    return next(name for floor, name in LEVELS if points >= floor)


def bank_stress(closes: pd.DataFrame, session: pd.Timestamp) -> BankStress:
    """Figures at ``session`` from ``closes`` (KRE, SPY, XLF and the basket), history to date only."""
    missing = [s for s in (KRE, SPY, XLF) if s not in closes.columns]
    if missing:
        raise InsufficientHistory(f"Bank stress needs {', '.join(missing)}.")
    history = closes.loc[:session]
    kre = history[KRE].dropna()
    if kre.empty or kre.index[-1] != session or len(kre) < 21:
        raise InsufficientHistory(f"KRE has no close on {session.date()} or too little history before it.")

    zscores = to_move_zscores(kre)
    if zscores.empty or zscores.index[-1] != session:
        raise InsufficientHistory(f"Not enough KRE history to judge the move on {session.date()}.")
    move_z = float(zscores.iloc[-1])
    daily = kre.pct_change().dropna()
    today = float(daily.iloc[-1])
    # Ranked against moves since 2015 (the post-crisis regime); before 2015, against all of KRE's history.
    since = daily.loc[RANK_SINCE:] if session >= RANK_SINCE else daily
    direction = "fall" if today < 0 else "rise" if today > 0 else "unchanged"
    # 1 = the largest move in its direction; an unchanged day has no rank (0).
    rank = int((since < today).sum() if today < 0 else (since > today).sum()) + 1 if today != 0 else 0

    vs_spy = _ratio_check(kre, history[SPY], SPY)
    vs_xlf = _ratio_check(kre, history[XLF], XLF)
    drawdown = float(kre.iloc[-1] / trailing_52_weeks(kre).max() - 1)
    breadth = _breadth(history, session)

    rule = (
        _part("KRE move z-score", move_z, -2, -3),
        _part("KRE drawdown from 52-week high", drawdown, -0.15, -0.25),
        _part("KRE/SPY 20-session change", vs_spy.change_20d, -0.05, -0.10),
        _part("Share of banks down over 2%", _share(breadth.down_2pct, breadth.banks), 0.5),
        _part("Share of banks at 52-week lows", _share(breadth.at_52w_low, breadth.banks), 0.25),
    )
    return BankStress(
        session=session,
        kre_close=float(kre.iloc[-1]),
        kre_return_1d=today,
        kre_return_5d=float(kre.iloc[-1] / kre.iloc[-6] - 1),
        kre_return_20d=float(kre.iloc[-1] / kre.iloc[-21] - 1),
        move_zscore=move_z,
        move_rank=rank,
        move_rank_of=len(since),
        move_rank_since=since.index[0],
        move_direction=direction,
        kre_drawdown_52w=drawdown,
        vs_spy=vs_spy,
        vs_xlf=vs_xlf,
        breadth=breadth,
        rule=rule,
    )


def march_2023_worst_session(closes: pd.DataFrame) -> pd.Timestamp | None:
    """The session of KRE's largest one-day fall in March 2023 (None if the data ends before it)."""
    daily = closes[KRE].dropna().pct_change()
    march = daily.loc[MARCH_2023[0] : MARCH_2023[1]].dropna()
    if march.empty or daily.index[-1] < MARCH_2023[1]:
        return None
    return march.idxmin()


def bank_report(closes: pd.DataFrame, session: pd.Timestamp) -> BankReport:
    """``session``'s figures, and March 2023's if it lies before ``session`` (no look-ahead)."""
    reference = march_2023_worst_session(closes.loc[:session])
    return BankReport(bank_stress(closes, session), bank_stress(closes, reference) if reference is not None else None)


def _part(label: str, value: float, one: float, two: float | None = None) -> RulePart:
    """Negative thresholds are crossed falling (moves), positive ones rising (shares); NaN scores 0."""

    def crossed(threshold: float) -> bool:
        return value <= threshold if threshold < 0 else value >= threshold

    points = 2 if two is not None and crossed(two) else 1 if crossed(one) else 0
    return RulePart(label, value, one, two, points)


def _share(count: int, total: int) -> float:
    return count / total if total else math.nan


def _ratio_check(kre: pd.Series, benchmark: pd.Series, name: str) -> RatioCheck:
    ratio = (kre / benchmark).dropna()
    if len(ratio) < 21:
        raise InsufficientHistory(f"Too little common history of KRE and {name}.")
    end = float(ratio.iloc[-1])
    return RatioCheck(
        benchmark=name,
        change_20d=end / float(ratio.iloc[-21]) - 1,
        percentile=calc_percentile_rank(ratio, end),
        vs_record_low=end / float(ratio.min()) - 1,
        record_low_date=ratio.idxmin(),
    )


def _breadth(history: pd.DataFrame, session: pd.Timestamp) -> Breadth:
    """Counts across the basket, one vectorised pass (``history`` ends at ``session``)."""
    basket = history[[s for s in BANK_BASKET if s in history.columns]]
    last = basket.iloc[-1]
    # Each name's previous close (the last one before this session, wherever it is).
    previous = basket.iloc[:-1].ffill().iloc[-1] if len(basket) > 1 else last * math.nan
    trading = last.notna() & previous.notna()
    # Each name's own last 200 closes, wherever its gaps are.
    averages = pd.Series(
        {s: _mean_of_last(basket[s].to_numpy(), AVERAGE_SESSIONS) for s in basket.columns}, dtype="float64"
    )
    year_low = basket.loc[session - FIFTY_TWO_WEEKS : session].min()
    return Breadth(
        banks=int(trading.sum()),
        down_2pct=int((trading & (last / previous - 1 < BIG_FALL)).sum()),
        below_200d=int((trading & (last < averages)).sum()),
        at_52w_low=int((trading & (last <= year_low)).sum()),
    )


def _mean_of_last(values: np.ndarray, count: int) -> float:
    """Mean of the last ``count`` non-NaN values; NaN when there are fewer."""
    present = values[~np.isnan(values)]
    return float(present[-count:].mean()) if present.size >= count else math.nan
