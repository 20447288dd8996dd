"""Last close, day change, 52-week range and year-to-date change of one symbol (a yield's in bp)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.series import trailing_52_weeks
from analytics.yields import Move, move


@dataclass(frozen=True)
class Quote:
    symbol: str
    as_of: pd.Timestamp  # the last session in the data
    close: float  # a yield's level, in percent
    previous_close: float  # NaN with a single session
    day: Move  # from the previous close; NaN without one
    high_52w: float
    low_52w: float
    ytd_base: pd.Timestamp | None  # the last session of the previous year
    ytd: Move  # from the last close of the previous year; NaN when the history starts this year


def quote(symbol: str, closes: pd.Series) -> Quote:
    """``closes``: settled daily closes of one symbol, NaN allowed (dropped)."""
    closes = closes.dropna()
    if closes.empty:
        raise InsufficientHistory(f"No closes for {symbol} in the data.")
    as_of = closes.index[-1]
    last = float(closes.iloc[-1])
    previous = float(closes.iloc[-2]) if len(closes) > 1 else math.nan
    year = trailing_52_weeks(closes)
    before_year = closes.loc[: pd.Timestamp(year=as_of.year, month=1, day=1) - pd.Timedelta(days=1)]
    ytd_base = before_year.index[-1] if not before_year.empty else None
    return Quote(
        symbol=symbol,
        as_of=as_of,
        close=last,
        previous_close=previous,
        day=move(symbol, previous, last),
        high_52w=float(year.max()),
        low_52w=float(year.min()),
        ytd_base=ytd_base,
        ytd=move(symbol, float(before_year.iloc[-1]) if ytd_base is not None else math.nan, last),
    )
