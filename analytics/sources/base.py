"""What every price source provides, and what it hands back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from analytics.errors import MarketbotError


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

    def last_session(self, now: pd.Timestamp) -> pd.Timestamp:
        """The latest settled session this source can have at ``now``."""
        ...

    def fetch(self, symbols: list[str], start: pd.Timestamp | None, now: pd.Timestamp) -> Fetched:
        """Closes from ``start`` (None: all history) through the last settled session."""
        ...


@dataclass(frozen=True)
class Provenance:
    """Where an answer's data came from, in words a user can check."""

    source: str
    last_session: pd.Timestamp
    fetched_at: pd.Timestamp  # UTC time the data was last confirmed upstream
    live: bool = True
    stale: bool = False  # served from cache because the upstream failed
    note: str = ""

    def describe(self, now: pd.Timestamp | None = None) -> str:
        """E.g. ``snapshot data, last session 2026-02-20``."""
        day = self.last_session.date().isoformat()
        if not self.live:
            text = f"{self.source} data, last session {day}"
        else:
            text = f"{self.source}, last session {day}"
        if self.stale and now is not None:
            text += f", STALE: last updated {_age(now - self.fetched_at)} ago"
        if self.note:
            text += f" ({self.note})"
        return text


def _age(delta: pd.Timedelta) -> str:
    minutes = max(int(delta.total_seconds() // 60), 0)
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes // (24 * 60)} days"


@dataclass(frozen=True)
class Prices:
    """A close frame, where it came from, and the symbols asked for but not delivered.

    ``missing`` maps each such symbol to the error saying why (only with
    ``MarketData.closes(..., partial=True)``; otherwise a failure raises).
    """

    closes: pd.DataFrame
    provenance: Provenance
    missing: Mapping[str, MarketbotError] = field(default_factory=dict)
