"""Chart render times on the snapshot, for the charts exactly as the commands build them.

Each case runs the command's own answer function once on the bundled snapshot, captures
the arguments it passes to its chart function, then renders that chart N more times:
wall-clock median and p95 per case, the median CPU time of this process (what the render
costs when other processes compete for the cores), the PNG's size and pixels, and the
load average (the machine is shared: wall times grow with it).

Run: python bench/charts.py [--runs N] [--only TEXT]
Target (2-core machine): a two-panel chart (compare, banks, history) under 60 ms median;
credit draws three panels.
"""

from __future__ import annotations

import argparse
import os
import statistics
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from analytics import charts  # noqa: E402
from analytics.alerts.evaluate import evaluate  # noqa: E402
from analytics.alerts.rules import watched_values  # noqa: E402
from analytics.sources.base import Prices, Provenance  # noqa: E402
from analytics.sources.snapshot import load_fred_snapshot, load_snapshot  # noqa: E402
from commands import banks, compare, credit, history, performance  # noqa: E402
from commands.alerts import messages as alerts  # noqa: E402

NOW = pd.Timestamp("2026-02-23 15:00", tz="UTC")
TEN = "NVDA META GOOGL MSFT AAPL AMZN AVGO TSLA ^GSPC ^RUT"
NO_READING = "not read in this benchmark"  # /banks' credit-or-rates field: the chart does not use it


def captured(name: str, answer: Callable[[], object]) -> tuple[Callable[..., bytes], tuple, dict]:
    """Run ``answer`` with the chart function ``analytics.charts.name`` recording its arguments (the commands
    import it where they draw, so they find the recorder there)."""
    module = charts
    chart = getattr(module, name)
    calls: list[tuple[tuple, dict]] = []

    def record(*args: Any, **kwargs: Any) -> bytes:
        calls.append((args, kwargs))
        return chart(*args, **kwargs)

    setattr(module, name, record)
    try:
        answer()
    finally:
        setattr(module, name, chart)
    ((args, kwargs),) = calls
    return chart, args, kwargs


def png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


def cases(prices: Prices) -> dict[str, Callable[[], tuple[Callable[..., bytes], tuple, dict]]]:
    def ask(module: Any, name: str, *options: str) -> Callable[[], tuple[Callable[..., bytes], tuple, dict]]:
        return lambda: captured(name, lambda: module._answer(prices, *options, NOW, True))

    def alert() -> tuple[Callable[..., bytes], tuple, dict]:
        (event,) = evaluate(prices.closes, "kre", pd.Timestamp("2023-03-13")).events  # at the standard preset
        values = watched_values(prices.closes, event.watched)
        return captured("alert_chart", lambda: alerts.alert_answer(event, values, prices.provenance, NOW))

    def credit_at(day: str) -> Callable[[], tuple[Callable[..., bytes], tuple, dict]]:
        fred_closes = load_fred_snapshot().closes
        fred = Prices(fred_closes, Provenance("bundled FRED (DFF, DGS2)", fred_closes.index[-1], NOW, live=False))
        session = pd.Timestamp(day) if day else None
        return lambda: captured("credit_chart", lambda: credit._answer(prices, fred, "", session, 5, NOW, True))

    return {
        "compare ^RUT ^GSPC 1y (2 panels)": ask(compare, "compare_chart", "^RUT", "^GSPC", "1y", ""),
        "compare NVDA ^GSPC max (2 panels)": ask(compare, "compare_chart", "NVDA", "^GSPC", "max", ""),
        "compare ^RUT ^GSPC 1m (2 panels)": ask(compare, "compare_chart", "^RUT", "^GSPC", "1m", ""),
        "performance default 1y (6 bars)": ask(
            performance, "performance_chart", ["NVDA", "META", "GOOGL", "MSFT", "^GSPC", "^RUT"], "1y", ""),
        "performance 10 symbols oct-2022-low": ask(performance, "performance_chart", TEN.split(), "oct-2022-low", ""),
        "banks last close (2 panels)": lambda: captured("banks_chart", lambda: banks._answer(prices, "", NOW, NO_READING, True)),
        "banks as_of 2023-03-13 (2 panels)": lambda: captured(
            "banks_chart", lambda: banks._answer(prices, "2023-03-13", NOW, NO_READING, True)),
        "history ^RUT ^GSPC (2 panels)": lambda: captured("history_chart", lambda: history._answer(prices, NOW, True)),
        "alert KRE 2023-03-13 (1 panel)": alert,
        "credit last close (3 panels)": credit_at(""),
        "credit as_of 2023-03-13 (3 panels)": credit_at("2023-03-13"),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="renders per chart after the first (default 30)")
    parser.add_argument("--only", default="", help="only the charts whose name contains this text")
    options = parser.parse_args()
    runs = options.runs
    closes = load_snapshot().closes
    prices = Prices(closes, Provenance("snapshot", closes.index[-1], NOW, live=False))
    print(f"{runs} renders per chart after a first (cold) one; snapshot through {closes.index[-1].date()}")
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"{'chart':<40} {'cold':>8} {'median':>8} {'p95':>8} {'cpu p50':>8} {'PNG':>8}  pixels")
    for name, build in cases(prices).items():
        if options.only not in name:
            continue
        chart, args, kwargs = build()  # the first render happens inside the answer (cold)
        started = time.perf_counter()
        png = chart(*args, **kwargs)
        cold = time.perf_counter() - started
        samples, cpu = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            png = chart(*args, **kwargs)
            samples.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        samples.sort()
        p95 = samples[min(int(round(len(samples) * 0.95)), len(samples)) - 1]
        width, height = png_size(png)
        print(
            f"{name:<40} {cold * 1000:6.1f}ms {statistics.median(samples) * 1000:6.1f}ms {p95 * 1000:6.1f}ms "
            f"{statistics.median(cpu) * 1000:6.1f}ms "
            f"{len(png) / 1024:6.0f}kB  {width}x{height}"
        )


if __name__ == "__main__":
    main()
