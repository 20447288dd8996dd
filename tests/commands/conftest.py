from __future__ import annotations

import pandas as pd
import pytest

from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource, load_fred_snapshot
from bot.discovery import discover
from commands.kit.command import Services

NOW = pd.Timestamp("2026-11-24 15:00Z")


@pytest.fixture
def services() -> Services:
    fred = MarketData(SnapshotSource(snapshot=load_fred_snapshot(), name="bundled FRED (DFF, DGS2)"), clock=lambda: NOW)
    return Services(market=MarketData(SnapshotSource(), clock=lambda: NOW), clock=lambda: NOW, fred=fred, catalog=discover())


@pytest.fixture(scope="session")
def raw_closes() -> pd.DataFrame:
    """The packaged CSV read with plain pandas: the independent side of each check."""
    from importlib import resources

    with resources.files("analytics").joinpath("data/prices_daily.csv.gz").open("rb") as fh:
        long = pd.read_csv(fh, compression="gzip", parse_dates=["date"])
    return long.pivot(index="date", columns="symbol", values="close")
