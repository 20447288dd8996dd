"""Rates context: the 13-week bill and the 10-year note, their changes and the curve.

Yahoo's ``^IRX`` quotes the 13-week bill as a *discount* yield; it is converted to its
bond-equivalent yield (``rate_path.calc_bond_equivalent_yield``) before it is shown beside the
10-year or subtracted from it, so the curve compares like with like. The policy path the bill and
the 2-year imply is ``analytics.rate_path``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.rate_path import BILL, BILL_DAYS, TEN_YEAR, calc_bond_equivalent_yield

SYMBOLS = (BILL, TEN_YEAR)
CHANGES = {"1m": pd.DateOffset(months=1), "3m": pd.DateOffset(months=3)}


@dataclass(frozen=True)
class Yield:
    symbol: str
    session: pd.Timestamp
    level: float  # percent, e.g. 3.963; the bill's bond-equivalent yield
    change_bp: dict[str, float]  # "1m", "3m" -> basis points
    since: dict[str, pd.Timestamp]  # the session each change is measured from
    change_1d_bp: float | None  # against the previous quote (None for the first)
    quoted: float  # as Yahoo quotes it: the bill's discount yield; the 10-year's yield (= level)


@dataclass(frozen=True)
class Rates:
    bill: Yield  # bond-equivalent
    ten_year: Yield
    as_of: pd.Timestamp
    curve_bp: float  # 10-year minus the 13-week bill (bond-equivalent), basis points


def to_bond_equivalent(discount: pd.Series, days: int = BILL_DAYS) -> pd.Series:
    """A bill's discount yields (percent) as bond-equivalent yields (rate_path's formula, on every date)."""
    return calc_bond_equivalent_yield(discount, days)  # the arithmetic holds for a Series


def rates(closes: pd.DataFrame, as_of: pd.Timestamp) -> Rates:
    """Yields are in percent; Treasury-market holidays have no row and are skipped, not filled."""

    def one(symbol: str, quoted: pd.Series) -> Yield:
        quoted = quoted.loc[:as_of].dropna()
        if quoted.empty:
            raise InsufficientHistory(f"No {symbol} yield on or before {as_of.date()}.")
        series = to_bond_equivalent(quoted) if symbol == BILL else quoted
        session, level = series.index[-1], float(series.iloc[-1])
        change, since = {}, {}
        for name, offset in CHANGES.items():
            before = series.loc[: session - offset]
            if before.empty:
                raise InsufficientHistory(f"Not enough {symbol} history for its {name} change.")
            since[name] = before.index[-1]
            change[name] = (level - float(before.iloc[-1])) * 100
        previous = (level - float(series.iloc[-2])) * 100 if len(series) > 1 else None
        return Yield(symbol, session, level, change, since, previous, float(quoted.iloc[-1]))

    bill, ten = one(BILL, closes[BILL]), one(TEN_YEAR, closes[TEN_YEAR])
    return Rates(bill, ten, as_of=max(bill.session, ten.session), curve_bp=(ten.level - bill.level) * 100)
