"""What a command's answer may use, handed in by the bot (never imported globals)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.sources.market_data import MarketData
from commands.kit.command import Catalog

# Runs a blocking, picklable ``fn(*args)`` off the event loop: in a thread by
# default; the Discord bot uses worker processes (see bot/workers.py).
Offload = Callable[..., Awaitable[Any]]


async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


@dataclass(frozen=True)
class Services:
    market: MarketData
    clock: Callable[[], pd.Timestamp]
    offload: Offload = in_thread
    # FRED series (DFF, DGS2, live: the HY OAS); None where a caller needs no rates data.
    fred: MarketData | None = None
    # Every command the bot serves (/about lists them, /ask reads questions onto them).
    catalog: Catalog = Catalog()
