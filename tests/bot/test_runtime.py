"""The composition root: every part it builds is closed when its ``async with`` ends."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import requests

import analytics.sources.fred as fred
import analytics.sources.yahoo as yahoo
from bot.runtime import open_runtime
from bot.settings import Settings
from bot.wiring import open_services


class Session(requests.Session):
    """A real session that remembers being closed (never used for a request here)."""

    closed = False

    def close(self) -> None:
        self.closed = True
        super().close()


def sessions(monkeypatch) -> tuple[Session, Session]:
    yahoo_session, fred_session = Session(), Session()
    monkeypatch.setattr(yahoo, "_new_session", lambda: yahoo_session)
    monkeypatch.setattr(fred, "_new_session", lambda: fred_session)
    return yahoo_session, fred_session


def test_services_close_the_yahoo_and_fred_sessions_and_the_fetch_threads(monkeypatch, tmp_path):
    yahoo_session, fred_session = sessions(monkeypatch)
    with open_services(Settings(_env_file=None, data_source="auto", cache_dir=tmp_path)) as services:
        assert services.market.source._session is yahoo_session and services.fred.source._session is fred_session
        assert services.market.fallback is not None  # the bundled snapshot, for when Yahoo fails
        services.market._pool = pool = ThreadPoolExecutor(1)  # as the first live fetch makes it
        assert not (yahoo_session.closed or fred_session.closed)
    assert yahoo_session.closed and fred_session.closed
    assert services.market._pool is None and pool._shutdown


async def test_the_runtime_closes_the_market_data_and_the_store(monkeypatch, tmp_path):
    yahoo_session, fred_session = sessions(monkeypatch)
    settings = Settings(_env_file=None, data_source="auto", cache_dir=tmp_path / "cache", db=tmp_path / "m.sqlite3", workers=0)
    async with open_runtime(settings, workers=True) as runtime:
        assert runtime.workers is None  # MARKETBOT_WORKERS=0: threads
        await runtime.storage.set_meta("k", "v")
        assert runtime.alerts.delivery is None  # bound to the bot's REST connection only at login
    assert yahoo_session.closed and fred_session.closed
    async with open_runtime(settings) as again:  # the database was closed cleanly and keeps what was written
        assert await again.storage.get_meta("k") == "v"
