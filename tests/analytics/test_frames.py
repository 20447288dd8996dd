"""analytics.frames, checked against a pivot done by hand; and the code under test leaves its input alone."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.banks import bank_report
from analytics.compare import aligned_pair, compare
from analytics.frames import close_frame, from_long, to_long
from analytics.history import long_run
from analytics.performance import performance
from analytics.quote import quote
from analytics.rates import rates
from analytics.windows import Window

from ._helpers import LAST_SESSION, T


def test_snapshot_shape(raw_long, raw_closes):
    assert len(raw_long) == 261_621
    assert raw_closes.shape == (9685, 47)
    assert raw_closes.index[0] == T("1987-09-10") and raw_closes.index[-1] == LAST_SESSION
    assert raw_closes.index.is_unique and raw_closes.index.is_monotonic_increasing
    assert not raw_closes.index.day_of_week.isin([5, 6]).any()


def test_from_long_is_the_plain_pivot(raw_long, raw_closes):
    wide = from_long(raw_long, "close")
    assert list(wide.columns) == sorted(raw_closes.columns)
    assert wide.index.equals(raw_closes.index) and wide.index.name == "date"
    assert str(wide.index.dtype) == "datetime64[ns]" and wide.index.tz is None
    assert (wide.dtypes == "float64").all()
    np.testing.assert_array_equal(wide[raw_closes.columns].to_numpy(), raw_closes.to_numpy())


def test_from_long_volume_column(raw_long):
    volumes = from_long(raw_long, "volume")
    row = raw_long[(raw_long.symbol == "KRE") & (raw_long.date == T("2023-03-13"))].iloc[0]
    assert volumes.loc["2023-03-13", "KRE"] == row.volume
    assert volumes["^GSPC"].isna().all()  # no volume for indices


def test_close_frame_aligns_on_the_union_without_filling():
    a = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-02", "2024-01-04"]))
    b = pd.Series([10, 30], index=pd.to_datetime(["2024-01-03", "2024-01-04"]))
    f = close_frame({"A": a, "B": b}, symbols=["B", "A"])
    assert list(f.columns) == ["B", "A"]
    assert list(f.index) == [T("2024-01-02"), T("2024-01-03"), T("2024-01-04")]
    assert str(f.index.dtype) == "datetime64[ns]" and f.index.name == "date"
    assert (f.dtypes == "float64").all()
    assert math.isnan(f.loc["2024-01-02", "B"]) and math.isnan(f.loc["2024-01-03", "A"])
    assert f.loc["2024-01-04"].tolist() == [30.0, 2.0]


def test_close_frame_empty():
    assert close_frame({}).empty


def test_to_long_then_from_long_gives_the_frame_back(raw_closes):
    part = raw_closes[["KRE", "^GSPC", "^TNX"]].loc["2006-06-01":"2006-07-31"]
    long = to_long(part)
    assert list(long.columns) == ["date", "symbol", "close", "volume"]
    assert list(long.symbol.unique()) == ["KRE", "^GSPC", "^TNX"]  # sorted by symbol, then date
    assert long.groupby("symbol", sort=False).date.apply(lambda d: d.is_monotonic_increasing).all()
    back = from_long(long)
    np.testing.assert_array_equal(back[["KRE", "^GSPC", "^TNX"]].to_numpy(), part.to_numpy())


def test_to_long_of_the_snapshot_is_the_csv(raw_long, raw_closes):
    """Regression: pandas 3's stack() keeps NaN, which made 455,195 rows (193,574 without a close)."""
    volumes = raw_long.pivot(index="date", columns="symbol", values="volume").reindex_like(raw_closes)
    long = to_long(raw_closes, volumes)
    assert len(long) == len(raw_long) == 261_621
    assert not long.close.isna().any()
    expected = raw_long.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    assert long.symbol.tolist() == expected.symbol.tolist()
    np.testing.assert_array_equal(long.close.to_numpy(), expected.close.to_numpy())


def test_the_code_under_test_does_not_mutate_its_input(raw_closes):
    frame = raw_closes.copy(deep=True)
    pair = aligned_pair(frame, "^RUT", "^GSPC")
    compare(pair, Window(T("2022-10-12"), T("2025-10-21")))
    long_run(pair)
    performance(frame[["NVDA", "^GSPC"]], Window(T("2022-10-12"), T("2025-10-21")))
    bank_report(frame, LAST_SESSION)
    rates(frame, LAST_SESSION)
    quote("KRE", frame["KRE"])
    pd.testing.assert_frame_equal(frame, raw_closes)
    pd.testing.assert_frame_equal(pair, raw_closes[["^RUT", "^GSPC"]].dropna())
