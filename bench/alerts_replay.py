"""Alert replay benchmark: alerts per year 2015-2025 for each rule and preset, and the replay time.

Run: python bench/alerts_replay.py
Target: all six replays (2 rules x 3 presets, 11 years each) well under a few seconds in total.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd  # noqa: E402

from analytics.alerts.evaluate import replay  # noqa: E402
from analytics.alerts.events import PRESETS, AlertEvent  # noqa: E402
from analytics.alerts.rules import RULES  # noqa: E402
from analytics.sources.snapshot import load_snapshot  # noqa: E402

START, END = pd.Timestamp("2015-01-01"), pd.Timestamp("2025-12-31")
YEARS = range(START.year, END.year + 1)


def alerts_per_year(events: list[AlertEvent]) -> dict[int, int]:
    """Event counts by calendar year of the session (years without events are absent)."""
    return dict(sorted(Counter(event.session.year for event in events).items()))


def main() -> None:
    closes = load_snapshot().closes
    runs, timings = {}, {}
    for rule in RULES:
        for preset in PRESETS:
            started = time.perf_counter()
            runs[rule, preset] = replay(closes, rule, START, END, preset)
            timings[rule, preset] = time.perf_counter() - started

    names = [f"{rule}/{preset}" for rule, preset in runs]
    width = max(len(name) for name in names) + 2
    print(f"alerts per year, {START.date()} to {END.date()} (events; sharp in brackets)")
    print("year " + "".join(f"{name:>{width}}" for name in names))
    per_year = {key: alerts_per_year(events) for key, events in runs.items()}
    sharp = {key: alerts_per_year([e for e in events if e.level == "sharp"]) for key, events in runs.items()}
    for year in YEARS:
        cells = [f"{per_year[key].get(year, 0)} ({sharp[key].get(year, 0)})" for key in runs]
        print(f"{year} " + "".join(f"{cell:>{width}}" for cell in cells))
    totals = [f"{len(events)} ({sum(e.level == 'sharp' for e in events)})" for events in runs.values()]
    print("all  " + "".join(f"{cell:>{width}}" for cell in totals))
    print()
    for (rule, preset), seconds in timings.items():
        print(f"replay {rule:<6} {preset:<10} {seconds * 1000:7.1f} ms  ({len(runs[rule, preset])} events)")
    print(f"total replay time {sum(timings.values()) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
