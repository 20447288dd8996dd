"""Data-layer benchmark: snapshot load, warm lookups, single-flight under 100 concurrent asks.

Run: python bench/data.py   (offline; Yahoo is replayed from the snapshot)
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from analytics.sources.bar_store import BarStore  # noqa: E402
from analytics.sources.market_data import MarketData  # noqa: E402
from analytics.sources.snapshot import SnapshotSource, load_snapshot  # noqa: E402
from analytics.sources.yahoo import YahooSource  # noqa: E402
from tests.fakes.yahoo_replay import ReplayYahooSession, reset_yfinance_state  # noqa: E402

NOW = pd.Timestamp("2026-02-20 22:00Z")


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


async def main() -> None:
    started = time.perf_counter()
    snapshot = load_snapshot()
    print(
        f"snapshot cold load (read + pivot, {snapshot.closes.shape[1]} symbols x {len(snapshot.closes)} sessions): "
        f"{ms(time.perf_counter() - started)}"
    )

    market = MarketData(SnapshotSource(), clock=lambda: NOW)
    started = time.perf_counter()
    await market.closes(["^RUT", "^GSPC"])
    print(f"first ask through the cache (snapshot): {ms(time.perf_counter() - started)}")
    timings = []
    for _ in range(1000):
        started = time.perf_counter()
        await market.closes(["^RUT", "^GSPC"])
        timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"warm lookup, 2 symbols full history (n=1000): p50 {ms(statistics.median(timings))}, p95 {ms(timings[949])}")

    # 100 concurrent identical asks through the cache, Yahoo replayed over HTTP semantics.
    with tempfile.TemporaryDirectory() as tmp:
        reset_yfinance_state(Path(tmp) / "yf")
        replay = ReplayYahooSession(snapshot.closes, snapshot.volumes, now=NOW)
        yahoo = MarketData(
            YahooSource(Path(tmp) / "yf", session=replay), store=BarStore(Path(tmp) / "bars"), clock=lambda: NOW
        )
        started = time.perf_counter()
        await asyncio.gather(*(yahoo.closes(["KRE"]) for _ in range(100)))
        elapsed = time.perf_counter() - started
        data_calls = sum(1 for _, url in replay.requests if "/chart/KRE?" in url and "period1" in url)
        print(
            f"100 concurrent asks for KRE (cold, replayed Yahoo): {ms(elapsed)}; "
            f"source fetches {yahoo.upstream_calls}, chart data requests {data_calls}, "
            f"HTTP requests in all {len(replay.requests)} (cookie, crumb, timezone included)"
        )

        snap_market = MarketData(SnapshotSource(), clock=lambda: NOW)
        await asyncio.gather(*(snap_market.closes(["KRE"]) for _ in range(100)))
        print(f"100 concurrent asks for KRE (cold, snapshot): source fetches {snap_market.upstream_calls}")
        reset_yfinance_state(None)


if __name__ == "__main__":
    asyncio.run(main())
