"""Analytics benchmark: each analysis and chart on the snapshot, cold (first call) and warm.

Run: python bench/analytics.py
Targets (2-core machine): every analysis under 20 ms warm, every chart under 150 ms.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from analytics import banks, charts, history, performance, quote, rates  # noqa: E402
from analytics.compare import aligned_pair, compare  # noqa: E402
from analytics.sources.snapshot import load_snapshot  # noqa: E402
from analytics.windows import resolve_window  # noqa: E402

TODAY = pd.Timestamp("2026-11-24")
WARM_RUNS = 30


def timed(name: str, fn: Callable[[], object], runs: int = WARM_RUNS) -> None:
    started = time.perf_counter()
    fn()
    cold = time.perf_counter() - started
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    samples.sort()
    p95 = samples[max(int(len(samples) * 0.95) - 1, 0)]
    print(
        f"{name:<44} cold {cold * 1000:8.1f} ms   warm p50 {statistics.median(samples) * 1000:7.1f} ms"
        f"   p95 {p95 * 1000:7.1f} ms"
    )


def main() -> None:
    closes = load_snapshot().closes
    last = closes.index[-1]
    pair = aligned_pair(closes, "^RUT", "^GSPC")
    three_years = resolve_window("3y", "", pair.index, TODAY)
    window = resolve_window("oct-2022-low", "2025-10-21", pair.index, TODAY)
    result = compare(pair, three_years)
    perf_symbols = ["NVDA", "META", "GOOGL", "MSFT", "AAPL", "AMZN", "AVGO", "TSLA", "^GSPC", "^RUT"]
    rows = performance.performance(closes[perf_symbols], window)
    bank_frame = closes[list(banks.SYMBOLS)]

    print(f"snapshot: {closes.shape[1]} symbols x {len(closes)} sessions, last {last.date()}")
    timed(
        "compare ^RUT/^GSPC (3y window, full history)",
        lambda: compare(aligned_pair(closes, "^RUT", "^GSPC"), resolve_window("3y", "", pair.index, TODAY)),
    )
    timed(
        "performance (10 symbols)",
        lambda: performance.performance(
            closes[perf_symbols], resolve_window("oct-2022-low", "", closes[perf_symbols].dropna().index, TODAY)
        ),
    )
    timed("history (calendar years + rolling shares)", lambda: history.long_run(pair))
    timed("banks (today + March 2023)", lambda: banks.bank_report(bank_frame, last))
    timed("rates", lambda: rates.rates(closes[list(rates.SYMBOLS)], last))
    timed("quote (10 symbols)", lambda: [quote.quote(s, closes[s]) for s in perf_symbols])
    timed("chart: compare (2 panels, 3 years)", lambda: charts.compare_chart(pair, result), runs=10)
    timed("chart: performance (10 bars)", lambda: charts.performance_chart(rows, window.label()), runs=10)
    timed(
        "chart: banks (2 panels, 1 year)",
        lambda: charts.banks_chart(closes, last - pd.DateOffset(years=1), last),
        runs=10,
    )


if __name__ == "__main__":
    main()
