"""Several symbols over one window: start and end close, return, max drawdown; a yield's move in bp and its range.

Yields are not ranked with returns (``analytics.yields``): ``performance`` takes priced symbols,
``yield_performance`` the yields, over the same window.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.series import calc_max_drawdown, calc_total_return
from analytics.windows import Window
from analytics.yields import YieldMove, is_yield, yield_move


@dataclass(frozen=True)
class PerformanceRow:
    symbol: str
    start_close: float
    end_close: float
    return_: float
    max_drawdown: float


def performance(closes: pd.DataFrame, window: Window) -> list[PerformanceRow]:
    """One row per column of ``closes`` (prices, not yields), best return first.

    Every symbol needs a close on the window's first and last session: a
    symbol that starts mid-window is refused rather than quietly given a
    shorter window than the others.
    """
    rows = []
    for symbol in closes.columns:
        if is_yield(symbol):
            raise ValueError(f"{symbol} is a yield: its move is in bp (yield_performance), not a return.")
        inside = _inside(closes, symbol, window)
        rows.append(
            PerformanceRow(
                symbol=symbol,
                start_close=float(inside.iloc[0]),
                end_close=float(inside.iloc[-1]),
                return_=calc_total_return(inside),
                max_drawdown=calc_max_drawdown(inside),
            )
        )
    return sorted(rows, key=lambda row: row.return_, reverse=True)


def yield_performance(closes: pd.DataFrame, window: Window) -> list[YieldMove]:
    """One row per column of ``closes`` (yields), in their order: levels, change in bp, range in the window."""
    return [yield_move(symbol, _inside(closes, symbol, window)) for symbol in closes.columns]


def _inside(closes: pd.DataFrame, symbol: str, window: Window) -> pd.Series:
    """The symbol's closes in the window, which must have a close on its first and last session."""
    inside = closes[symbol].loc[window.start : window.end]
    for session in (window.start, window.end):
        if pd.isna(inside.get(session)):
            have = closes[symbol].dropna()
            since = f"its data starts {have.index[0].date()}" if not have.empty else "it has no data"
            raise InsufficientHistory(f"{symbol} has no close on {session.date()} ({since}).")
    return inside.dropna()
