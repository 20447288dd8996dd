"""What a command handler may use, handed in by the bot (never imported globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from analytics.sources.market_data import MarketData


@dataclass(frozen=True)
class Services:
    market: MarketData
    clock: Callable[[], pd.Timestamp]
