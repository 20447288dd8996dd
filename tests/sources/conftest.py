from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.sources.snapshot import Snapshot, load_snapshot
from analytics.sources.yahoo import YahooSource
from tests.fakes.yahoo_replay import ReplayYahooSession, reset_yfinance_state

# Friday 2026-02-20, 17:00 New York: the snapshot's last session has settled.
AFTER_CLOSE = pd.Timestamp("2026-02-20 22:00Z")


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: pd.Timestamp) -> None:
        self.now = now

    def __call__(self) -> pd.Timestamp:
        return self.now


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    return load_snapshot()


@pytest.fixture
def yf_cache(tmp_path: Path) -> Path:
    path = tmp_path / "yfinance"
    reset_yfinance_state(path)
    yield path
    reset_yfinance_state(None)


@pytest.fixture
def replay(snapshot: Snapshot, yf_cache: Path) -> ReplayYahooSession:
    return ReplayYahooSession(snapshot.closes, snapshot.volumes, now=AFTER_CLOSE)


@pytest.fixture
def yahoo(replay: ReplayYahooSession, yf_cache: Path) -> YahooSource:
    return YahooSource(yf_cache, session=replay)


def data_requests(replay: ReplayYahooSession, symbol: str) -> list[str]:
    """Chart requests for ``symbol`` that ask for a date range (not timezone lookups)."""
    return [url for _, url in replay.requests if f"/chart/{symbol.replace('^', '%5E')}?" in url and "period1" in url]
