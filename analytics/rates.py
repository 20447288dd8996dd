"""Rates context: the 13-week bill and the 10-year note, their changes and the curve."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.errors import InsufficientHistory

BILL, TEN_YEAR = "^IRX", "^TNX"
SYMBOLS = (BILL, TEN_YEAR)
STEP_BP = 25
CHANGES = {"1m": pd.DateOffset(months=1), "3m": pd.DateOffset(months=3)}


@dataclass(frozen=True)
class Yield:
    symbol: str
    session: pd.Timestamp
    level: float  # percent, e.g. 3.963
    change_bp: dict[str, float]  # "1m", "3m" -> basis points
    since: dict[str, pd.Timestamp]  # the session each change is measured from
    change_1d_bp: float | None  # against the previous quote (None for the first)


@dataclass(frozen=True)
class Rates:
    bill: Yield
    ten_year: Yield
    as_of: pd.Timestamp
    curve_bp: float  # 10-year minus 13-week bill, basis points

    @property
    def bill_steps_3m(self) -> float:
        """The bill yield's 3-month change in 25 bp steps (a cut or hike is usually 25 bp)."""
        return self.bill.change_bp["3m"] / STEP_BP


def rates(closes: pd.DataFrame, as_of: pd.Timestamp) -> Rates:
    """Yields are in percent; Treasury-market holidays have no row and are skipped, not filled."""

    def one(symbol: str) -> Yield:
        series = closes[symbol].loc[:as_of].dropna()
        if series.empty:
            raise InsufficientHistory(f"No {symbol} yield on or before {as_of.date()}.")
        session, level = series.index[-1], float(series.iloc[-1])
        change, since = {}, {}
        for name, offset in CHANGES.items():
            before = series.loc[: session - offset]
            if before.empty:
                raise InsufficientHistory(f"Not enough {symbol} history for its {name} change.")
            since[name] = before.index[-1]
            change[name] = (level - float(before.iloc[-1])) * 100
        previous = (level - float(series.iloc[-2])) * 100 if len(series) > 1 else None
        return Yield(symbol, session, level, change, since, previous)

    bill, ten = one(BILL), one(TEN_YEAR)
    return Rates(bill, ten, as_of=max(bill.session, ten.session), curve_bp=(ten.level - bill.level) * 100)
