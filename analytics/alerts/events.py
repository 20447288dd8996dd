"""What an alert is, as typed records of numbers and dates: never English (commands/alerts/messages.py words them)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

LEVELS = ("notable", "sharp")  # lowest first


@dataclass(frozen=True)
class Thresholds:
    notable: float  # |z| at or above this is notable
    sharp: float  # |z| at or above this is sharp


PRESETS = {
    "sensitive": Thresholds(notable=1.5, sharp=2.5),
    "standard": Thresholds(notable=2.0, sharp=3.0),
    "quiet": Thresholds(notable=2.5, sharp=4.0),
}


@dataclass(frozen=True)
class Watched:
    """The series a rule watches: a close, or the ratio of two; a stand-in says which symbols it replaces."""

    numerator: str
    denominator: str | None = None
    stands_in_for: tuple[str, ...] = ()  # the missing symbols whose series this one replaces

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.numerator, self.denominator) if self.denominator else (self.numerator,)

    @property
    def name(self) -> str:
        """``KRE``, ``^RUT/^GSPC``: the series as symbols."""
        return "/".join(self.symbols)


@dataclass(frozen=True)
class MoveTrigger:
    """A move judged against the series' own volatility: one session, or the first crossing over ``sessions``."""

    level: str
    move: float  # fraction, over ``sessions``
    sessions: int  # 1: the daily trigger; 5: the window trigger
    zscore: float
    limit: float  # the |z| threshold crossed


@dataclass(frozen=True)
class DrawdownTrigger:
    """A backstop: the close down ``-limit`` or more against the close ``sessions`` earlier, for the first session."""

    level: str
    move: float
    sessions: int
    limit: float  # e.g. -0.20
    close: float
    base_close: float
    base_session: pd.Timestamp


@dataclass(frozen=True)
class BreakTrigger:
    """A backstop: a close beyond the 52-week high (``up``) or low, the first in ``memory`` sessions."""

    level: str
    move: float  # the session's move
    up: bool
    value: float
    record: float  # the 52-week high or low broken
    record_session: pd.Timestamp
    memory: int


Trigger = MoveTrigger | DrawdownTrigger | BreakTrigger


@dataclass(frozen=True)
class Context:
    """How the session's one-day move compares with the series' history."""

    day_move_pct: float  # the session's simple move, percent
    day_zscore: float | None  # its daily z-score (None without volatility)
    percentile: float  # 0-100: share of |daily moves| since ``percentile_since``, this one included, at or below it
    percentile_since: pd.Timestamp  # 2015-01-01, or the series' first move for earlier sessions
    last_comparable: pd.Timestamp | None  # the latest earlier session with a |daily z| at least as large
    last_comparable_move_pct: float | None  # that session's simple move, percent
    context_move_pct: float | None  # the rule's context series' move that session (kre: KRE/SPY), percent


@dataclass(frozen=True)
class AlertEvent:
    rule: str
    session: pd.Timestamp
    level: str  # "notable" or "sharp"
    preset: str  # the sensitivity it was judged at
    watched: Watched
    triggers: tuple[Trigger, ...]  # every trigger that fired, strongest first
    context: Context

    @property
    def top(self) -> Trigger:
        return self.triggers[0]

    @property
    def move_pct(self) -> float:
        """The strongest trigger's move (over 1, 5 or 30 sessions), percent."""
        return self.top.move * 100

    @property
    def zscore(self) -> float | None:
        """The strongest trigger's z-score; None when it is a backstop."""
        return self.top.zscore if isinstance(self.top, MoveTrigger) else None

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity for delivery: one alert per rule, session and level."""
        return (self.rule, self.session.date().isoformat(), self.level)


@dataclass(frozen=True)
class Evaluation:
    rule: str
    session: pd.Timestamp
    watched: Watched | None  # None when the session was skipped before a series could be chosen
    events: tuple[AlertEvent, ...]  # at most one
    skipped: str | None  # why the session could not be judged (missing or bad closes); None when judged


@dataclass(frozen=True)
class DayMove:
    """A session's one-day move of what a rule watches, with the z-score its daily trigger uses."""

    rule: str
    session: pd.Timestamp
    watched: Watched
    part_moves_pct: tuple[float, ...]  # each of ``watched.symbols``' own move, percent
    move_pct: float
    zscore: float | None  # None without volatility
    context_move_pct: float | None  # the rule's context series (kre: KRE/SPY), percent
