"""The alert rules, one class each: what a rule reads, what it watches, its context and its backstops.

Every rule is judged by the same triggers against the watched series' own volatility
(``analytics.alerts.evaluate``): the daily move and the first crossing over 5 sessions, at the
preset's thresholds. What a rule adds:

- ``ratio``: the ^RUT/^GSPC close ratio. From the first session on which both indexes have a close,
  the ratio of the indexes is watched; before that (or when the data has no closes for one of them
  at all) IWM/SPY stands in and the event says so. A missing index *close* on one session is bad
  data (the session is skipped), not a reason to switch series. Backstop: a close above the highest
  / below the lowest of the previous 52 weeks (the session itself excluded), with no break in the
  same direction in the previous 20 sessions -> notable.
- ``kre``: the KRE close, with the KRE/SPY move reported alongside. Backstop: KRE down 20% or more
  against its close 30 sessions earlier -> sharp, on the session it first crosses.

"N sessions earlier" counts rows of the close frame (NYSE sessions), so a missing close is never
bridged into a move. Adding a rule: a class here, its entry in ``RULES``, and its wording in
commands/alerts/messages.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
import pandas as pd

from analytics.alerts.events import BreakTrigger, DrawdownTrigger, Trigger, Watched
from analytics.series import FIFTY_TWO_WEEKS

YEAR = pd.Timedelta(**FIFTY_TWO_WEEKS.kwds)  # the same 52 weeks as a fixed span, which rolling() needs


class Rule(Protocol):
    name: str
    symbols: tuple[str, ...]  # what it reads: fetched per rule, so one rule's missing symbol leaves the others judged
    context: Watched | None  # a series whose move is reported alongside (KRE/SPY), if any
    credit_reading: bool  # its alerts after the close carry the credit-or-rates reading (analytics.credit)

    def watch_plan(self, frame: pd.DataFrame, started: dict[str, np.ndarray]) -> Iterator[tuple[Watched, np.ndarray]]:
        """Each series it watches, with the sessions on which that one is watched.

        ``started``: per symbol it reads, whether it has had a usable close by each session.
        """
        ...

    def columns(self, frame: pd.DataFrame, value: pd.Series) -> dict[str, pd.Series]:
        """Its own per-session figures beside the shared ones (``context_move``: its context series' move)."""
        ...

    def fires(self, panel: pd.DataFrame) -> np.ndarray:
        """Sessions where a backstop fires (whole columns)."""
        ...

    def backstops(self, panel: pd.DataFrame, i: int) -> list[Trigger]:
        """The backstops firing at row ``i``."""
        ...


class KreRule:
    name: str = "kre"
    symbols: tuple[str, ...] = ("KRE", "SPY")
    KRE_SPY = Watched("KRE", "SPY")
    context: Watched | None = KRE_SPY
    credit_reading: bool = True
    DRAWDOWN_SESSIONS, DRAWDOWN_LIMIT = 30, -0.20
    WATCHED = Watched("KRE")

    def watch_plan(self, frame: pd.DataFrame, started: dict[str, np.ndarray]) -> Iterator[tuple[Watched, np.ndarray]]:
        yield self.WATCHED, np.ones(len(frame), bool)

    def columns(self, frame: pd.DataFrame, value: pd.Series) -> dict[str, pd.Series]:
        move_30 = value / value.shift(self.DRAWDOWN_SESSIONS) - 1
        down = move_30 <= self.DRAWDOWN_LIMIT
        return {
            "move_30": move_30,
            "drawdown_crossed": down & ~down.shift(1, fill_value=False),
            "context_move": watched_values(frame, self.KRE_SPY).pct_change(fill_method=None),
        }

    def fires(self, panel: pd.DataFrame) -> np.ndarray:
        return panel["drawdown_crossed"].to_numpy()

    def backstops(self, panel: pd.DataFrame, i: int) -> list[Trigger]:
        if not panel["drawdown_crossed"].iat[i]:
            return []
        then = i - self.DRAWDOWN_SESSIONS
        values = panel["value"]
        return [
            DrawdownTrigger(
                "sharp",
                float(panel["move_30"].iat[i]),
                self.DRAWDOWN_SESSIONS,
                self.DRAWDOWN_LIMIT,
                float(values.iat[i]),
                float(values.iat[then]),
                panel.index[then],
            )
        ]


class RatioRule:
    name: str = "ratio"
    context: Watched | None = None
    credit_reading: bool = False
    INDEXES, STAND_INS = ("^RUT", "^GSPC"), ("IWM", "SPY")
    symbols: tuple[str, ...] = (*INDEXES, *STAND_INS)
    BREAK_MEMORY = 20  # a 52-week break counts only if the previous 20 sessions had none in its direction

    def watch_plan(self, frame: pd.DataFrame, started: dict[str, np.ndarray]) -> Iterator[tuple[Watched, np.ndarray]]:
        index_ready = started["^RUT"] & started["^GSPC"]
        yield Watched(*self.INDEXES), index_ready
        for missing in (("^RUT",), ("^GSPC",), self.INDEXES):
            lacks = np.logical_and.reduce([~started[s] if s in missing else started[s] for s in self.INDEXES])
            yield Watched(*self.STAND_INS, stands_in_for=missing), lacks

    def columns(self, frame: pd.DataFrame, value: pd.Series) -> dict[str, pd.Series]:
        """52-week highs and lows (the session excluded), and whether each is the first in 20 sessions."""
        high = value.rolling(YEAR, closed="left").max()
        low = value.rolling(YEAR, closed="left").min()
        first = value.first_valid_index()
        covered = pd.Series(first is not None and value.index - YEAR >= first, index=value.index)
        up, down = covered & (value > high), covered & (value < low)
        return {
            "break_up": up & ~_any_in_previous(up, self.BREAK_MEMORY),
            "break_down": down & ~_any_in_previous(down, self.BREAK_MEMORY),
        }

    def fires(self, panel: pd.DataFrame) -> np.ndarray:
        return (panel["break_up"] | panel["break_down"]).to_numpy()

    def backstops(self, panel: pd.DataFrame, i: int) -> list[Trigger]:
        found: list[Trigger] = []
        for up, column in ((True, "break_up"), (False, "break_down")):
            if panel[column].iat[i]:
                session, value = panel.index[i], panel["value"].iat[i]
                year = panel["value"].iloc[:i].loc[session - YEAR :]
                record_day = year.idxmax() if up else year.idxmin()
                found.append(
                    BreakTrigger(
                        "notable",
                        float(panel["move_1"].iat[i]),
                        up,
                        float(value),
                        float(year.loc[record_day]),
                        record_day,
                        self.BREAK_MEMORY,
                    )
                )
        return found


def positive(frame: pd.DataFrame, symbol: str) -> pd.Series:
    """The symbol's closes, with anything but a finite positive number as NaN: bad data is never a move."""
    if symbol not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    values = frame[symbol].astype("float64")
    return values.where(np.isfinite(values) & (values > 0))


def watched_values(frame: pd.DataFrame, watched: Watched) -> pd.Series:
    """The watched series: a symbol's usable closes, or the ratio of two."""
    values = positive(frame, watched.numerator)
    return values / positive(frame, watched.denominator) if watched.denominator else values


def _any_in_previous(flags: pd.Series, sessions: int) -> pd.Series:
    return flags.astype(int).rolling(sessions, min_periods=1).sum().shift(1, fill_value=0) > 0


RULES: dict[str, Rule] = {rule.name: rule for rule in (RatioRule(), KreRule())}
