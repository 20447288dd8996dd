"""Independent reference computations for the analytics tests.

Plain numpy / pandas / Python only: nothing here imports ``analytics``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

NOW = pd.Timestamp("2026-02-21")  # the day after the snapshot's last session
LAST_SESSION = pd.Timestamp("2026-02-20")
T = pd.Timestamp


def frame(days: list[str], **columns: list[float]) -> pd.DataFrame:
    """A tiny close frame on the given ISO dates (tz-naive midnight, ns) with float columns."""
    index = pd.DatetimeIndex(pd.to_datetime(days, format="%Y-%m-%d")).as_unit("ns")
    index.name = "date"
    return pd.DataFrame({k: np.asarray(v, dtype="float64") for k, v in columns.items()}, index=index)


def on_or_before(series: pd.Series, day: pd.Timestamp) -> tuple[pd.Timestamp, float]:
    """The last (date, value) of ``series`` (NaN dropped) dated on or before ``day``."""
    s = series.dropna()
    dates = s.index.to_numpy()
    i = int(np.searchsorted(dates, np.datetime64(day), side="right")) - 1
    assert i >= 0
    return pd.Timestamp(dates[i]), float(s.to_numpy()[i])


def simple_returns(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[1:] / values[:-1] - 1


def max_drawdown(values) -> float:
    """Deepest fall from a running peak, by an explicit loop (NaN skipped)."""
    peak, worst = -math.inf, 0.0
    for v in values:
        if v != v:  # NaN
            continue
        peak = max(peak, v)
        worst = min(worst, v / peak - 1)
    return worst


def percentile(values, value: float) -> float:
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    return float(np.count_nonzero(arr <= value) / arr.size * 100)


def zscore(values, value: float) -> float:
    arr = np.asarray(values, dtype=float)
    arr = arr[~np.isnan(arr)]
    return float((value - arr.mean()) / arr.std(ddof=1))


def ewma_vol_loop(log_returns, lam: float = 0.94) -> list[float]:
    """RiskMetrics volatility with an explicit loop, variance seeded with the first squared return."""
    out, var = [], None
    for r in log_returns:
        var = r * r if var is None else lam * var + (1 - lam) * r * r
        out.append(math.sqrt(var))
    return out


def move_zscores_loop(values, lam: float = 0.94) -> list[float]:
    """Each log return over the previous return's EWMA volatility (first return has none)."""
    values = [float(v) for v in values]
    logs = [math.log(values[i] / values[i - 1]) for i in range(1, len(values))]
    vols = ewma_vol_loop(logs, lam)
    return [logs[i] / vols[i - 1] for i in range(1, len(logs))]


def months_back(day: pd.Timestamp, months: int) -> pd.Timestamp:
    """The same day ``months`` calendar months earlier, clipped to the month's length."""
    import calendar

    y, m = divmod(day.year * 12 + (day.month - 1) - months, 12)
    m += 1
    return pd.Timestamp(year=y, month=m, day=min(day.day, calendar.monthrange(y, m)[1]))


def short_message(err: BaseException, *must_contain: str, limit: int = 200) -> str:
    """Assert the message is one short line that names each of ``must_contain``."""
    msg = str(err)
    assert "\n" not in msg and 0 < len(msg) <= limit, msg
    assert "Traceback" not in msg and "pandas" not in msg.lower(), msg
    for part in must_contain:
        assert part in msg, f"{part!r} not in {msg!r}"
    return msg
