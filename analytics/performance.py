"""Several symbols over one window: start and end close, return, max drawdown."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.series import calc_max_drawdown, calc_total_return
from analytics.windows import Window


@dataclass(frozen=True)
class PerformanceRow:
    symbol: str
    start_close: float
    end_close: float
    return_: float
    max_drawdown: float


def performance(closes: pd.DataFrame, window: Window) -> list[PerformanceRow]:
    """One row per column of ``closes``, best return first.

    Every symbol needs a close on the window's first and last session: a
    symbol that starts mid-window is refused rather than quietly given a
    shorter window than the others.
    """
    rows = []
    for symbol in closes.columns:
        inside = closes[symbol].loc[window.start : window.end]
        for session in (window.start, window.end):
            if pd.isna(inside.get(session)):
                have = closes[symbol].dropna()
                since = f"its data starts {have.index[0].date()}" if not have.empty else "it has no data"
                raise InsufficientHistory(f"{symbol} has no close on {session.date()} ({since}).")
        first, last = inside[window.start], inside[window.end]
        inside = inside.dropna()
        rows.append(
            PerformanceRow(
                symbol=symbol,
                start_close=float(first),
                end_close=float(last),
                return_=calc_total_return(inside),
                max_drawdown=calc_max_drawdown(inside),
            )
        )
    return sorted(rows, key=lambda row: row.return_, reverse=True)
