"""What every price source provides, and what it hands back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from analytics.errors import MarketbotError
from analytics.sessions import last_settled_session, sessions_between, to_session_date


@dataclass(frozen=True)
class LatestPrice:
    """The live price of a session that has not settled yet (intraday)."""

    symbol: str
    price: float
    session: pd.Timestamp
    at: pd.Timestamp  # when the price was observed (UTC)


@dataclass(frozen=True)
class Fetched:
    """One upstream answer: settled closes, live prices, per-symbol failures."""

    closes: dict[str, pd.Series] = field(default_factory=dict)
    latest: dict[str, LatestPrice] = field(default_factory=dict)
    errors: dict[str, MarketbotError] = field(default_factory=dict)


class PriceSource(Protocol):
    """A blocking source of daily closes. ``MarketData`` calls it off the loop."""

    name: str  # shown to users: "Yahoo Finance", "snapshot"
    live: bool  # False for data that will never update (the bundled snapshot)
    replay: bool  # a deliberate replay of the past (MARKETBOT_AS_OF): old, but never stale

    def last_session(self, now: pd.Timestamp) -> pd.Timestamp:
        """The latest settled session this source can have at ``now``."""
        ...

    def fetch(self, symbols: list[str], start: pd.Timestamp | None, now: pd.Timestamp) -> Fetched:
        """Closes from ``start`` (None: all history) through the last settled session."""
        ...


@dataclass(frozen=True)
class Provenance:
    """Where an answer's data came from, and how old it is, in words a user can check.

    Staleness is judged against the NYSE calendar, not the fetch: data whose
    last session is older than the last settled session at ``checked_at`` is
    stale, whatever the source (the bundled snapshot, or Yahoo data cached from
    before an outage). A replay (``MARKETBOT_AS_OF``) is old on purpose: never stale.
    """

    source: str
    last_session: pd.Timestamp
    fetched_at: pd.Timestamp  # UTC time the data was last confirmed upstream
    live: bool = True
    stale: bool = False
    note: str = ""  # why the primary source did not answer, if it did not
    replay: bool = False
    age_sessions: int = 0  # settled NYSE sessions after ``last_session``
    age: str = ""  # the same in words ("9 months"), '' when not stale

    @classmethod
    def judged(
        cls,
        source: str,
        last_session: pd.Timestamp,
        fetched_at: pd.Timestamp,
        now: pd.Timestamp,
        *,
        live: bool = True,
        note: str = "",
        replay: bool = False,
        expected: pd.Timestamp | None = None,
    ) -> Provenance:
        """A provenance whose staleness and age are judged against the calendar at ``now``.

        ``expected``: the last session the source can have at ``now``, if it publishes later
        than the NYSE settles (FRED: a session later); default the last settled NYSE session.
        """
        expected = last_settled_session(now) if expected is None else min(expected, last_settled_session(now))
        behind = 0 if replay else sessions_behind(last_session, expected)
        age = age_text(last_session, now) if behind else ""
        return cls(source, last_session, fetched_at, live, bool(behind), note, replay, behind, age)

    def describe(self, now: pd.Timestamp | None = None) -> str:
        """E.g. ``snapshot, last session 2026-02-20, 9 months old (Yahoo Finance cannot be reached right now)``."""
        day = self.last_session.date().isoformat()
        text = f"{self.source}, replay as of {day}" if self.replay else f"{self.source}, last session {day}"
        if self.stale:
            text += f", {self.age} old"
        if self.note:
            text += f" ({self.note})"
        return text


def sessions_behind(last_session: pd.Timestamp, expected: pd.Timestamp) -> int:
    """How many NYSE sessions after ``last_session`` there are up to ``expected`` (0: up to date)."""
    if last_session >= expected:
        return 0
    return len(sessions_between(last_session, expected)) - 1


def age_text(last_session: pd.Timestamp, now: pd.Timestamp) -> str:
    """How long ago ``last_session`` was, in the largest unit that fits: 3 days, 5 weeks, 9 months, 2 years."""
    today = to_session_date(now)
    days = max((today - last_session).days, 1)
    months = (today.year - last_session.year) * 12 + today.month - last_session.month - (today.day < last_session.day)
    if days < 14:
        value, unit = days, "day"
    elif months < 2:
        value, unit = days // 7, "week"
    elif months < 24:
        value, unit = months, "month"
    else:
        value, unit = months // 12, "year"
    return f"{value} {unit}{'s' if value != 1 else ''}"


@dataclass(frozen=True)
class Prices:
    """A close frame, where it came from, and the symbols asked for but not delivered.

    ``missing`` maps each such symbol to the error saying why (only with
    ``MarketData.closes(..., partial=True)``; otherwise a failure raises).
    """

    closes: pd.DataFrame
    provenance: Provenance
    missing: Mapping[str, MarketbotError] = field(default_factory=dict)
