"""`marketbot snapshot export FILE`: the prices the bot sees, in the snapshot's format."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics import frames
from analytics.sources.snapshot import load_snapshot
from analytics.symbols import parse_symbol_list
from bot.settings import Settings
from bot.wiring import build_market_data


async def export(settings: Settings, path: Path, symbols: str | None) -> int:
    """Write date,symbol,close,volume rows; returns the number of rows.

    With the Yahoo source this refreshes the bundled snapshot from live data
    (volume is left empty: the close frame carries closes only).
    """
    market = build_market_data(settings)
    snapshot = load_snapshot()
    wanted = parse_symbol_list(symbols, limit=500) if symbols else list(snapshot.closes.columns)
    prices = await market.closes(wanted)
    volumes = snapshot.volumes if not prices.provenance.live else None
    long = frames.to_long(prices.closes, volumes.reindex_like(prices.closes) if volumes is not None else None)
    long["date"] = long["date"].dt.strftime("%Y-%m-%d")
    long["volume"] = pd.to_numeric(long["volume"]).round().astype("Int64")  # whole shares, never 8-digit floats
    long.to_csv(path, index=False, float_format="%.8g", compression="infer")
    return len(long)
