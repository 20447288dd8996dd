"""Two symbols side by side: returns, spread, their ratio and where it stands; two yields by their spread.

Two yields (``analytics.yields``) are compared by what means something for them: each one's
change in bp and its range, and the spread between them in bp (``compare_yields``), never by
returns, a ratio or drawdowns. A yield against a price is not compared at all (the command
refuses it before fetching).

Each series is taken as it comes: an ETF's or a stock's closes are total
returns (Yahoo's dividend-adjusted closes), an index's are price only. The
figures here are exact for those series; saying that a spread between the two
kinds is partly dividends is the answer's job (commands.compare.basis_note).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.series import (
    calc_max_drawdown,
    calc_percentile_rank,
    calc_total_return,
    calc_zscore,
    to_returns,
    trailing_52_weeks,
)
from analytics.windows import Window
from analytics.yields import YieldMove, daily_moves, is_yield, spread_bp, yield_move

ROLLING_SESSIONS = 63  # about three months of sessions
FIVE_YEARS = pd.DateOffset(years=5)


@dataclass(frozen=True)
class Leg:
    symbol: str
    start_close: float
    end_close: float
    return_: float  # fraction over the window
    max_drawdown: float  # deepest fall inside the window (<= 0)
    drawdown_52w: float  # end close against the 52-week high (<= 0)


@dataclass(frozen=True)
class RatioStanding:
    """Where a value of the ratio sits within a stretch of its history."""

    since: pd.Timestamp
    percentile: float  # 0-100, share of closes at or below the current one
    zscore: float


@dataclass(frozen=True)
class Comparison:
    a: Leg
    b: Leg
    window: Window
    spread: float  # a's return minus b's, as a fraction (x100 = percentage points)
    ratio_start: float
    ratio_end: float
    ratio_change: float  # fraction
    ratio_all: RatioStanding
    ratio_5y: RatioStanding
    ratio_vs_52w_high: float  # end ratio / 52-week high - 1
    ratio_vs_52w_low: float  # end ratio / 52-week low - 1
    ratio_vs_record: float  # end ratio / highest ratio in the history - 1
    ratio_record_date: pd.Timestamp
    correlation_63d: float  # of daily returns, the last 63 ending at the window's end
    beta_63d: float  # of a against b, same returns
    streak: int  # sessions in a row to the end that a beat b (>0) or b beat a (<0)

    @property
    def as_of(self) -> pd.Timestamp:
        return self.window.end


def aligned_pair(closes: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """The sessions on which both have a close: the history a comparison can use."""
    pair = closes[[a, b]].dropna()
    if len(pair) < 2:
        raise InsufficientHistory(f"{a} and {b} have fewer than two common closes.")
    return pair


def compare(pair: pd.DataFrame, window: Window) -> Comparison:
    """``pair``: two columns (a, b) of closes on common sessions, all history to date (prices: for two yields,
    ``compare_yields``)."""
    a, b = pair.columns
    if is_yield(a) or is_yield(b):
        raise ValueError(f"{a} and {b}: a yield moves in bp and has no ratio; compare two yields with compare_yields.")
    history = pair.loc[: window.end]
    inside = history.loc[window.start :]
    ratio = history[a] / history[b]
    ratio_end = float(ratio.iloc[-1])
    ratio_start = float(ratio.loc[window.start])

    year = trailing_52_weeks(ratio)
    returns = to_returns(history).iloc[-ROLLING_SESSIONS:]
    if len(returns) == ROLLING_SESSIONS:
        correlation = float(returns[a].corr(returns[b]))
        beta = float(returns[a].cov(returns[b]) / returns[b].var())
    else:
        correlation = beta = math.nan

    def leg(symbol: str) -> Leg:
        closes = history[symbol]
        return Leg(
            symbol=symbol,
            start_close=float(inside[symbol].iloc[0]),
            end_close=float(inside[symbol].iloc[-1]),
            return_=calc_total_return(inside[symbol]),
            max_drawdown=calc_max_drawdown(inside[symbol]),
            drawdown_52w=float(closes.iloc[-1] / trailing_52_weeks(closes).max() - 1),
        )

    leg_a, leg_b = leg(a), leg(b)
    recent = ratio.loc[window.end - FIVE_YEARS :]
    return Comparison(
        a=leg_a,
        b=leg_b,
        window=window,
        spread=leg_a.return_ - leg_b.return_,
        ratio_start=ratio_start,
        ratio_end=ratio_end,
        ratio_change=ratio_end / ratio_start - 1,
        ratio_all=calc_standing(ratio, ratio_end),
        ratio_5y=calc_standing(recent, ratio_end),
        ratio_vs_52w_high=ratio_end / float(year.max()) - 1,
        ratio_vs_52w_low=ratio_end / float(year.min()) - 1,
        ratio_vs_record=ratio_end / float(ratio.max()) - 1,
        ratio_record_date=ratio.idxmax(),
        correlation_63d=correlation,
        beta_63d=beta,
        streak=calc_streak(to_returns(history)),
    )


def calc_standing(history: pd.Series, value: float) -> RatioStanding:
    return RatioStanding(history.index[0], calc_percentile_rank(history, value), calc_zscore(history, value))


@dataclass(frozen=True)
class YieldComparison:
    """Two yields: their changes in bp, and the spread a − b (bp) where a ratio would be for prices."""

    a: YieldMove
    b: YieldMove
    window: Window
    spread_start: float  # bp, at the window's first session
    spread_end: float
    spread_all: RatioStanding  # the end spread in the spread's whole history
    spread_5y: RatioStanding
    spread_vs_52w_high: float  # bp: end spread minus its 52-week high (<= 0)
    spread_vs_52w_low: float  # bp (>= 0)
    spread_vs_record: float  # bp: end spread minus its highest (<= 0)
    spread_record: float  # bp
    spread_record_date: pd.Timestamp
    correlation_63d: float  # of daily changes in bp, the last 63 ending at the window's end
    streak: int  # sessions in a row to the end that a rose more than b (>0) or b more than a (<0)

    @property
    def spread_change(self) -> float:
        return self.spread_end - self.spread_start

    @property
    def as_of(self) -> pd.Timestamp:
        return self.window.end


def compare_yields(pair: pd.DataFrame, window: Window) -> YieldComparison:
    """``pair``: two yields' levels (percent) on common sessions, all history to date."""
    a, b = pair.columns
    history = pair.loc[: window.end]
    inside = history.loc[window.start :]
    spread = spread_bp(history[a], history[b])
    end = float(spread.iloc[-1])
    year = trailing_52_weeks(spread)
    changes = pd.DataFrame({s: daily_moves(s, history[s]) for s in (a, b)})
    recent = changes.iloc[-ROLLING_SESSIONS:]
    correlation = float(recent[a].corr(recent[b])) if len(recent) == ROLLING_SESSIONS else math.nan

    return YieldComparison(
        a=yield_move(a, inside[a]),
        b=yield_move(b, inside[b]),
        window=window,
        spread_start=float(spread.loc[window.start]),
        spread_end=end,
        spread_all=calc_standing(spread, end),
        spread_5y=calc_standing(spread.loc[window.end - FIVE_YEARS :], end),
        spread_vs_52w_high=end - float(year.max()),
        spread_vs_52w_low=end - float(year.min()),
        spread_vs_record=end - float(spread.max()),
        spread_record=float(spread.max()),
        spread_record_date=spread.idxmax(),
        correlation_63d=correlation,
        streak=calc_streak(changes),
    )


def calc_streak(returns: pd.DataFrame) -> int:
    """Sessions in a row, ending at the last, on which column 0 beat column 1.

    Positive: the first column outperformed that many sessions running;
    negative: the second did. A tie ends a streak (and gives 0 if it is last).
    """
    diff = (returns.iloc[:, 0] - returns.iloc[:, 1]).to_numpy()
    if diff.size == 0 or diff[-1] == 0:
        return 0
    sign = 1 if diff[-1] > 0 else -1
    count = 0
    for value in diff[::-1]:
        if value * sign <= 0:
            break
        count += 1
    return sign * count
