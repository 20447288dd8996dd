"""Builds the long-lived services from settings. The only place sources are chosen."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING

import pandas as pd

from analytics import prepared
from analytics.errors import InvalidInput
from analytics.sessions import snap_to_session, utc_now
from analytics.sources.bar_store import BarStore
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import FRED_SNAPSHOT_NAME, SnapshotSource, load_fred_snapshot, load_snapshot
from bot.settings import SettingError, Settings
from commands.kit.command import Catalog, Offload, Services, in_thread

if TYPE_CHECKING:
    import requests


def replay_day(settings: Settings) -> pd.Timestamp | None:
    """MARKETBOT_AS_OF, refused (``SettingError``) unless it falls within the bundled prices and FRED series:
    past their end a replay would silently be of their last session, before their start it has nothing."""
    if settings.as_of is None:
        return None
    day = pd.Timestamp(settings.as_of)
    try:
        session = snap_to_session(day).session  # a weekend after the last session replays that session
    except InvalidInput:  # outside the exchange calendar: outside the snapshot too
        session = day
    indexes = [load_snapshot().closes.index, load_fred_snapshot().closes.index]
    first, last = max(i[0] for i in indexes), min(i[-1] for i in indexes)
    if session > last:
        raise SettingError(
            f"MARKETBOT_AS_OF={settings.as_of} is after the snapshot's last session, {last.date()}: "
            "pick a date up to it."
        )
    if session < first:
        raise SettingError(
            f"MARKETBOT_AS_OF={settings.as_of} is before the snapshot starts ({first.date()}): pick a later date."
        )
    return day


def build_market_data(
    settings: Settings,
    clock: Callable[[], pd.Timestamp] = utc_now,
    yahoo_session: object | None = None,
) -> MarketData:
    """``yahoo_session`` replaces yfinance's HTTP session (tests replay Yahoo through it)."""
    source = settings.effective_source
    if source == "snapshot":
        return MarketData(SnapshotSource(as_of=replay_day(settings)), clock=clock)

    from analytics.sources.yahoo import YahooSource  # imports yfinance: only when used

    yahoo = YahooSource(cache_dir=settings.cache_dir / "yfinance", session=yahoo_session)
    store = BarStore(settings.cache_dir / "bars")
    fallback = MarketData(SnapshotSource(), clock=clock) if source == "auto" else None
    return MarketData(yahoo, fallback=fallback, store=store, clock=clock)


def build_fred_data(
    settings: Settings,
    clock: Callable[[], pd.Timestamp] = utc_now,
    fred_session: requests.Session | None = None,
) -> MarketData:
    """FRED by the same ``data_source`` setting: ``auto`` falls back to the bundled DFF and DGS2,
    ``snapshot`` (or ``MARKETBOT_AS_OF``) serves only them; ``fred_session`` replays FRED in tests."""
    source = settings.effective_source

    def bundled(as_of: pd.Timestamp | None = None) -> MarketData:
        snapshot = SnapshotSource(as_of=as_of, snapshot=load_fred_snapshot(), name=FRED_SNAPSHOT_NAME)
        return MarketData(snapshot, clock=clock)

    if source == "snapshot":
        return bundled(replay_day(settings))

    from analytics.sources.fred import FredSource  # imports requests: only when used

    fallback = bundled() if source == "auto" else None
    return MarketData(FredSource(session=fred_session), fallback=fallback, clock=clock)


@contextmanager
def open_services(settings: Settings, offload: Offload = in_thread, catalog: Catalog = Catalog()) -> Iterator[Services]:
    """The services for as long as the ``with`` lasts; then the market data's and FRED's thread
    pools and HTTP sessions are closed, in reverse order."""
    prepared.keep_in(settings.cache_dir / "prepared")  # the snapshot's frames and the calendar, between runs
    with ExitStack() as stack:
        clock = utc_now
        market = build_market_data(settings, clock)
        stack.callback(market.close)
        fred = build_fred_data(settings, clock)
        stack.callback(fred.close)
        yield Services(market=market, clock=clock, offload=offload, fred=fred, catalog=catalog)
