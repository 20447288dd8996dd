"""Yields are levels, not prices: the one place that says how a symbol's move and range are measured.

Yahoo quotes the Treasury yields (``^IRX ^FVX ^TNX ^TYX``, whose ``price_basis`` is "yield") in
percent: 4.09 is 4.09%. A yield's move is its change in basis points, (end − start) × 100; the
ratio of two yields means nothing (the spread between them, in bp, does); and a fall in a yield is
no loss, so a yield has a range where a price has a drawdown. Every other symbol moves by a
fraction, end / start − 1 (a price return, or a total return for adjusted closes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from analytics.symbols import price_basis

BP_PER_POINT = 100.0  # basis points in one percentage point of yield
Unit = Literal["fraction", "bp"]


def is_yield(symbol: str) -> bool:
    return price_basis(symbol) == "yield"


def unit(symbol: str) -> Unit:
    """How ``symbol`` moves: "bp" for a yield, "fraction" for everything priced."""
    return "bp" if is_yield(symbol) else "fraction"


@dataclass(frozen=True)
class Move:
    """A move with its unit: a fraction (0.05 = +5%) for a price, basis points for a yield. NaN: no move."""

    value: float
    unit: Unit

    @property
    def known(self) -> bool:
        return math.isfinite(self.value)


def move(symbol: str, start: float, end: float) -> Move:
    """From ``start`` to ``end`` (closes, or levels in percent for a yield); NaN in, NaN out."""
    if is_yield(symbol):
        return Move((end - start) * BP_PER_POINT, "bp")
    return Move(end / start - 1, "fraction")


def daily_moves(symbol: str, closes: pd.Series) -> pd.Series:
    """Each session's move in the symbol's unit (the first session dropped)."""
    if is_yield(symbol):
        return closes.diff().iloc[1:] * BP_PER_POINT
    return (closes / closes.shift(1) - 1).iloc[1:]


def spread_bp(a: pd.Series, b: pd.Series) -> pd.Series:
    """The spread of yield ``a`` over yield ``b`` on each session, in bp (levels in percent)."""
    return (a - b) * BP_PER_POINT


@dataclass(frozen=True)
class Range:
    """The lowest and highest value of a stretch of closes (a yield's stand-in for a drawdown)."""

    low: float
    low_date: pd.Timestamp
    high: float
    high_date: pd.Timestamp


def calc_range(closes: pd.Series) -> Range:
    values = closes.dropna()
    low, high = values.idxmin(), values.idxmax()
    return Range(float(values[low]), pd.Timestamp(low), float(values[high]), pd.Timestamp(high))


@dataclass(frozen=True)
class YieldMove:
    """A yield over a window: its first and last level (percent), the change in bp, and its range."""

    symbol: str
    start_level: float
    end_level: float
    change_bp: float
    range: Range  # lowest and highest level in the window: a yield's fall is no loss, so no drawdown


def yield_move(symbol: str, levels: pd.Series) -> YieldMove:
    """``levels``: the yield's levels inside the window (NaN dropped)."""
    levels = levels.dropna()
    first, last = float(levels.iloc[0]), float(levels.iloc[-1])
    return YieldMove(symbol, first, last, move(symbol, first, last).value, calc_range(levels))
