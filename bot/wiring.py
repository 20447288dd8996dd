"""Builds the long-lived services from settings. The only place sources are chosen."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from analytics.sessions import utc_now
from analytics.sources.bar_store import BarStore
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource
from bot.settings import Settings
from commands.services import Offload, Services, in_thread


def build_market_data(
    settings: Settings,
    clock: Callable[[], pd.Timestamp] = utc_now,
    yahoo_session: object | None = None,
) -> MarketData:
    """``yahoo_session`` replaces yfinance's HTTP session (tests replay Yahoo through it)."""
    source = settings.effective_source
    if source == "snapshot":
        as_of = pd.Timestamp(settings.as_of) if settings.as_of else None
        return MarketData(SnapshotSource(as_of=as_of), clock=clock)

    from analytics.sources.yahoo import YahooSource  # imports yfinance: only when used

    yahoo = YahooSource(cache_dir=settings.cache_dir / "yfinance", session=yahoo_session)
    store = BarStore(settings.cache_dir / "bars")
    fallback = MarketData(SnapshotSource(), clock=clock) if source == "auto" else None
    return MarketData(yahoo, fallback=fallback, store=store, clock=clock)


def build_services(
    settings: Settings,
    clock: Callable[[], pd.Timestamp] = utc_now,
    yahoo_session: object | None = None,
    offload: Offload = in_thread,
) -> Services:
    return Services(market=build_market_data(settings, clock, yahoo_session), clock=clock, offload=offload)
