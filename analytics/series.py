"""Small pure transforms of close series: ``to_*`` return series, ``calc_*`` scalars.

Input contract everywhere: a Series (or frame) of settled daily closes indexed
by session date, NaN where there is no close. Nothing here fills NaN.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.errors import InsufficientHistory

RISKMETRICS_LAMBDA = 0.94
FIFTY_TWO_WEEKS = pd.DateOffset(weeks=52)


def to_returns(closes: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
    """Simple daily returns (fractions); the first row is dropped."""
    return (closes / closes.shift(1) - 1).iloc[1:]


def to_log_returns(closes: pd.Series) -> pd.Series:
    return np.log(closes / closes.shift(1)).iloc[1:]


def to_drawdown(closes: pd.Series) -> pd.Series:
    """Each close relative to the highest close so far, minus one (<= 0)."""
    return closes / closes.cummax() - 1


def trailing_52_weeks(closes: pd.Series) -> pd.Series:
    """The closes of the 52 weeks ending at the last one (both ends included)."""
    end = closes.index[-1]
    return closes.loc[end - FIFTY_TWO_WEEKS : end]


def calc_total_return(closes: pd.Series) -> float:
    return float(closes.iloc[-1] / closes.iloc[0] - 1)


def calc_max_drawdown(closes: pd.Series) -> float:
    """The deepest peak-to-trough fall within ``closes`` (a fraction <= 0)."""
    return float(to_drawdown(closes).min())


def to_ewma_volatility(log_returns: pd.Series, lam: float = RISKMETRICS_LAMBDA) -> pd.Series:
    """RiskMetrics volatility: var_t = lam * var_{t-1} + (1 - lam) * r_t**2.

    Seeded with the first squared return; the seed's weight decays as lam**n.
    The value at t includes r_t: shift by one to judge r_t against it.
    """
    return np.sqrt((log_returns**2).ewm(alpha=1 - lam, adjust=False).mean())


def to_move_zscores(closes: pd.Series, lam: float = RISKMETRICS_LAMBDA) -> pd.Series:
    """Each day's log move over the previous day's EWMA volatility.

    Using the previous day's volatility keeps a shock from diluting itself.
    """
    closes = closes.dropna()
    returns = to_log_returns(closes)
    previous_vol = to_ewma_volatility(returns, lam).shift(1)
    # A zero volatility (a flat start) cannot judge a move: no z-score rather than infinity.
    return (returns / previous_vol).replace([np.inf, -np.inf], np.nan).dropna()


def calc_percentile_rank(history: pd.Series, value: float) -> float:
    """Share of ``history`` at or below ``value``, in percent (0-100)."""
    values = history.dropna().to_numpy()
    if values.size == 0 or math.isnan(value):
        return math.nan
    return float((values <= value).mean() * 100)


def calc_zscore(history: pd.Series, value: float) -> float:
    """(value - mean) / sample standard deviation of ``history``."""
    values = history.dropna()
    # A flat history has no spread; its float std is rounding noise, not zero.
    if values.size < 2 or values.max() == values.min():
        return math.nan
    return float((value - values.mean()) / values.std(ddof=1))


def to_session_values(series: pd.Series, sessions: pd.DatetimeIndex) -> pd.Series:
    """Each session gets the latest value dated on or before it (FRED's calendar to NYSE sessions).

    Sessions before the series' first value stay NaN; a later value is never used.
    """
    values = series.dropna().sort_index()
    return values.reindex(values.index.union(sessions)).ffill().reindex(sessions)


def latest_on_or_before(series: pd.Series, day: pd.Timestamp, what: str) -> tuple[pd.Timestamp, float]:
    """The last value dated on or before ``day`` and its date; ``what`` names it when there is none."""
    values = series.dropna().loc[:day]
    if values.empty:
        raise InsufficientHistory(f"No {what} on or before {day.date()}.")
    return values.index[-1], float(values.iloc[-1])
