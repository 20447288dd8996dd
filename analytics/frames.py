"""Close frames: the one shape every computation takes.

A close frame is a DataFrame indexed by NYSE session dates (tz-naive midnight,
sorted, unique) with one float column per symbol. Missing values stay NaN:
nothing here fills them.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
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
    """The snapshot's long format (date, symbol, close, volume) as a wide frame.

    Placed by each row's (date, symbol) codes into one array: five times faster than
    ``DataFrame.pivot`` on the snapshot, which every process start reads.
    """
    rows, dates = pd.factorize(long["date"], sort=True)
    cols, symbols = pd.factorize(long["symbol"], sort=True)
    if len(long) and np.bincount(rows * len(symbols) + cols).max() > 1:
        raise ValueError("the long frame has a (date, symbol) pair twice")
    values = np.full((len(dates), len(symbols)), np.nan)
    values[rows, cols] = long[value].to_numpy(dtype="float64", na_value=np.nan)
    index = pd.DatetimeIndex(dates, name="date").as_unit("ns")
    return pd.DataFrame(values, index=index, columns=pd.Index(list(symbols), dtype=object))


def to_long(closes: pd.DataFrame, volumes: pd.DataFrame | None = None) -> pd.DataFrame:
    """A wide close frame back to the snapshot's long format, sorted by symbol then date."""
    # pandas 3's stack() keeps NaN: sessions before a symbol's first close are not rows.
    long = closes.rename_axis(index="date", columns="symbol").stack().dropna().rename("close").reset_index()
    if volumes is not None:
        vol = volumes.rename_axis(index="date", columns="symbol").stack().dropna().rename("volume")
        long = long.merge(vol.reset_index(), on=["date", "symbol"], how="left")
    else:
        long["volume"] = pd.NA
    return long.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)


def history_name(closes: pd.DataFrame) -> str:
    """Whose history limits a window over these columns: the one that starts last."""
    starts = {symbol: closes[symbol].first_valid_index() for symbol in closes.columns}
    known = {s: d for s, d in starts.items() if d is not None}
    if len(closes.columns) == 1 or not known:
        return f"{closes.columns[0]}'s history" if len(closes.columns) else "the data"
    return f"{max(known, key=lambda symbol: known[symbol])}'s history"
