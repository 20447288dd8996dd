"""The bundled snapshot of real daily prices: the offline default source.

Three files ship with the package: the Yahoo closes (``prices_daily``), the credit and
Treasury ETFs on the same basis (``credit_daily``), and FRED's DFF and DGS2
(``fred_daily``, US government data; the ICE high-yield OAS may not be redistributed
and is only fetched live).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from analytics import frames
from analytics.errors import InvalidInput, MarketbotError, NotInSnapshot
from analytics.prepared import prepared
from analytics.sessions import snap_to_session
from analytics.sources.base import Fetched
from analytics.symbols import closest_symbols

SNAPSHOT_FILE = "data/prices_daily.csv.gz"
CREDIT_FILE = "data/credit_daily.csv.gz"
FRED_FILE = "data/fred_daily.csv.gz"
# Closes on Yahoo's adjustment basis of 2026-08-03, not re-anchored to 2026-02-20:
# returns are exact, levels are a few percent low (distributions ex-dated after 2026-02-20).
LATER_BASIS = frozenset(
    {
        "ZION",
        "WAL",
        "PNFP",
        "EWBC",
        "FHN",
        "WBS",
        "OZK",
        "VLY",
        "BPOP",
        "UMBF",
        "WTFC",
        "ONB",
        "FNB",
        "SSB",
        "GBCI",
        "BOKF",
        "FLG",
        "BANC",
        "HOMB",
        "BKU",
        "TSLA",
        "AVGO",
        "JNK",
        "BKLN",
        "SRLN",
        "BIZD",
    }
)
# The footer's words for them: why a date after the snapshot's end, and what it changes.
FRED_SNAPSHOT_NAME = "bundled FRED (DFF, DGS2)"  # the bundled FRED series, as answers name their source
LATER_BASIS_NOTE = "closes downloaded 2026-08-03, so payouts after 2026-02-20 lower their levels a few %; returns exact"


@dataclass(frozen=True)
class Snapshot:
    closes: pd.DataFrame
    volumes: pd.DataFrame


@functools.cache
def load_snapshot() -> Snapshot:
    """The bundled price and credit CSVs as frames, once per process (read in 0.2 s, or prepared)."""
    files = (SNAPSHOT_FILE, CREDIT_FILE)
    data = b"".join(resources.files("analytics").joinpath(name).read_bytes() for name in files)

    def read() -> Snapshot:
        long = pd.concat([_read(name) for name in files], ignore_index=True)
        return Snapshot(frames.from_long(long, "close"), frames.from_long(long, "volume"))

    return prepared("snapshot", data, (__file__, frames.__file__), read)


@functools.cache
def load_fred_snapshot() -> Snapshot:
    """FRED's DFF (every calendar day) and DGS2 (business days), each on its own dates."""
    with resources.files("analytics").joinpath(FRED_FILE).open("rb") as fh:
        long = pd.read_csv(fh, compression="gzip", parse_dates=["date"], dtype={"series": str, "value": "float64"})
    closes = frames.from_long(long.rename(columns={"series": "symbol"}), "value")
    return Snapshot(closes, closes.iloc[:0])


def _read(name: str) -> pd.DataFrame:
    with resources.files("analytics").joinpath(name).open("rb") as fh:
        return pd.read_csv(
            fh,
            compression="gzip",
            parse_dates=["date"],
            dtype={"symbol": str, "close": "float64", "volume": "float64"},
        )


class SnapshotSource:
    """Serves the snapshot, optionally cut off at ``as_of`` (a replay of the past)."""

    name = "snapshot"
    live = False

    def __init__(
        self, as_of: pd.Timestamp | None = None, snapshot: Snapshot | None = None, name: str | None = None
    ) -> None:
        if name is not None:
            self.name = name
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
        closes: dict[str, pd.Series] = {}
        errors: dict[str, MarketbotError] = {}
        for symbol in symbols:
            if symbol not in self._closes.columns:
                errors[symbol] = NotInSnapshot(symbol, suggestions=closest_symbols(symbol, self._closes.columns))
                continue
            series = self._closes[symbol].loc[start:].dropna()
            closes[symbol] = series
        return Fetched(closes=closes, errors=errors)
