"""Small caps against large caps over the long run."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.errors import InsufficientHistory
from analytics.sessions import nyse

SESSIONS_PER_YEAR = 252
ROLLING_YEARS = (1, 3, 5)


@dataclass(frozen=True)
class YearRow:
    year: int
    return_a: float
    return_b: float
    partial: bool  # the current year, to date

    @property
    def spread(self) -> float:
        return self.return_a - self.return_b


@dataclass(frozen=True)
class RollingShare:
    years: int
    windows: int  # how many rolling windows there are
    a_beat_b: int  # in how many of them a's return was higher

    @property
    def share(self) -> float:
        return self.a_beat_b / self.windows


@dataclass(frozen=True)
class LongRun:
    a: str
    b: str
    first: pd.Timestamp
    as_of: pd.Timestamp
    years: list[YearRow]
    rolling: list[RollingShare]


def long_run(pair: pd.DataFrame) -> LongRun:
    """``pair``: closes of a and b on common sessions.

    Calendar-year returns run from one year's last close to the next's; the
    first year, whose start is not a year-end close, is left out. Rolling
    windows are 252, 756 and 1,260 sessions, one window ending at every session.
    """
    a, b = pair.columns
    year_end = pair.groupby(pair.index.year).tail(1)
    if len(year_end) < 2:
        raise InsufficientHistory("Calendar-year returns need more than one year of closes.")
    yearly = year_end / year_end.shift(1) - 1
    as_of = pair.index[-1]
    years = [
        YearRow(int(day.year), float(row[a]), float(row[b]), partial=day == as_of and not _is_year_end(day))
        for day, row in yearly.iloc[1:].iterrows()
    ]
    rolling = []
    for n_years in ROLLING_YEARS:
        n = n_years * SESSIONS_PER_YEAR
        growth = (pair / pair.shift(n)).dropna()
        rolling.append(RollingShare(n_years, len(growth), int((growth[a] > growth[b]).sum())))
    return LongRun(a, b, pair.index[0], as_of, years, rolling)


def _is_year_end(day: pd.Timestamp) -> bool:
    """True when ``day`` is the last session of its year in the NYSE calendar."""
    sessions = nyse().sessions_in_range(day, pd.Timestamp(year=day.year, month=12, day=31))
    return len(sessions) == 1
