"""The bundled snapshot of real daily prices: the offline default source."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from analytics import frames
from analytics.errors import InvalidInput, NotInSnapshot
from analytics.sessions import snap_to_session
from analytics.sources.base import Fetched
from analytics.symbols import closest_symbols

SNAPSHOT_FILE = "data/prices_daily.csv.gz"


@dataclass(frozen=True)
class Snapshot:
    closes: pd.DataFrame
    volumes: pd.DataFrame


@functools.cache
def load_snapshot() -> Snapshot:
    """Read the bundled CSV once per process (about 0.2 s)."""
    with resources.files("analytics").joinpath(SNAPSHOT_FILE).open("rb") as fh:
        long = pd.read_csv(
            fh,
            compression="gzip",
            parse_dates=["date"],
            dtype={"symbol": str, "close": "float64", "volume": "float64"},
        )
    closes = frames.from_long(long, "close")
    volumes = frames.from_long(long, "volume")
    return Snapshot(closes, volumes)


class SnapshotSource:
    """Serves the snapshot, optionally cut off at ``as_of`` (a replay of the past)."""

    name = "snapshot"
    live = False

    def __init__(self, as_of: pd.Timestamp | None = None, snapshot: Snapshot | None = None) -> None:
        self.replay = as_of is not None  # a deliberate look at the past: old, but never stale
        self._snapshot = snapshot or load_snapshot()
        closes = self._snapshot.closes
        if as_of is not None:
            cutoff = snap_to_session(as_of).session
            if cutoff < closes.index[0]:
                raise InvalidInput(
                    f"MARKETBOT_AS_OF {cutoff.date()} is before the snapshot starts ({closes.index[0].date()})."
                )
            closes = closes.loc[:cutoff]
        self._closes = closes

    @property
    def closes(self) -> pd.DataFrame:
        """Everything this source can see, as one close frame."""
        return self._closes

    def last_session(self, now: pd.Timestamp) -> pd.Timestamp:
        return self._closes.index[-1]

    def fetch(self, symbols: list[str], start: pd.Timestamp | None, now: pd.Timestamp) -> Fetched:
        closes, errors = {}, {}
        for symbol in symbols:
            if symbol not in self._closes.columns:
                errors[symbol] = NotInSnapshot(symbol, suggestions=closest_symbols(symbol, self._closes.columns))
                continue
            series = self._closes[symbol].loc[start:].dropna()
            closes[symbol] = series
        return Fetched(closes=closes, errors=errors)
