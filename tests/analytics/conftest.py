"""Fixtures for the analytics tests.

The real snapshot is read here, once per session, straight from the packaged
gzip with plain pandas (never through ``analytics.sources.snapshot``), so the
expected values in the tests do not depend on the code under test.
"""

from __future__ import annotations

from importlib import resources

import pandas as pd
import pytest

SNAPSHOT = "data/prices_daily.csv.gz"


@pytest.fixture(scope="session")
def raw_long() -> pd.DataFrame:
    """The packaged CSV as it is: date, symbol, close, volume (one row per symbol and session)."""
    with (resources.files("analytics") / SNAPSHOT).open("rb") as fh:
        long = pd.read_csv(fh, compression="gzip", dtype={"symbol": str, "close": float, "volume": float})
    long["date"] = pd.to_datetime(long["date"], format="%Y-%m-%d")
    return long


@pytest.fixture(scope="session")
def raw_closes(raw_long: pd.DataFrame) -> pd.DataFrame:
    """Wide closes pivoted here by hand (one column per symbol): for expected values only."""
    wide = raw_long.pivot(index="date", columns="symbol", values="close").sort_index()
    wide.index = pd.DatetimeIndex(wide.index).as_unit("ns")
    wide.index.name = "date"
    wide.columns = list(wide.columns)
    return wide


@pytest.fixture(scope="session")
def closes(raw_closes: pd.DataFrame) -> pd.DataFrame:
    """The close frame handed to the code under test: a separate deep copy of ``raw_closes``.

    Tests that alter it take a ``.copy()`` first; test_frames checks that the code
    under test leaves its input untouched.
    """
    return raw_closes.copy(deep=True)
