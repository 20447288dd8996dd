"""Close frames: the one shape every computation takes.

A close frame is a DataFrame indexed by NYSE session dates (tz-naive midnight,
sorted, unique) with one float column per symbol. Missing values stay NaN:
nothing here fills them.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd


def close_frame(series: Mapping[str, pd.Series], symbols: list[str] | None = None) -> pd.DataFrame:
    """Align per-symbol close series on the union of their sessions."""
    order = symbols if symbols is not None else list(series)
    frame = pd.concat({s: series[s] for s in order}, axis=1, sort=True) if order else pd.DataFrame()
    frame.index = pd.DatetimeIndex(frame.index).as_unit("ns")
    frame.index.name = "date"
    frame.columns = pd.Index(list(frame.columns), dtype=object)
    return frame.astype("float64")


def from_long(long: pd.DataFrame, value: str = "close") -> pd.DataFrame:
    """The snapshot's long format (date, symbol, close, volume) as a wide frame."""
    wide = long.pivot(index="date", columns="symbol", values=value)
    wide.index = pd.DatetimeIndex(wide.index).as_unit("ns")
    wide.index.name = "date"
    wide.columns = wide.columns.astype(object)
    wide.columns.name = None
    return wide.sort_index().astype("float64")


def to_long(closes: pd.DataFrame, volumes: pd.DataFrame | None = None) -> pd.DataFrame:
    """A wide close frame back to the snapshot's long format, sorted by symbol then date."""
    long = closes.rename_axis(index="date", columns="symbol").stack().rename("close").reset_index()
    if volumes is not None:
        vol = volumes.rename_axis(index="date", columns="symbol").stack().rename("volume")
        long = long.merge(vol.reset_index(), on=["date", "symbol"], how="left")
    else:
        long["volume"] = pd.NA
    return long.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
