"""How long a terminal answer takes, as a person waits for it: the whole `marketbot ask` process.

Each ask runs RUNS times (after one warm-up) on the bundled snapshot with a fresh cache folder; the
median, min and max wall time are printed. --tree PATH measures another checkout (for a before and
after figure). `python -X importtime -m bot ask quote symbols:KRE` shows what the start-up imports.

Run: python bench/terminal.py [--runs N] [--tree PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ASKS = {
    "quote": ["quote", "symbols:KRE"],
    "banks": ["banks"],
    "compare --chart": ["compare", "start:oct-2022-low", "--chart", "{tmp}/compare.png"],
    "credit": ["credit", "as_of:2023-03-13"],
}


def timed(tree: Path, words: list[str], runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "PYTHONPATH": str(tree),
            "MARKETBOT_DATA_SOURCE": "snapshot",
            "MARKETBOT_CACHE_DIR": tmp,
            "MARKETBOT_DB": f"{tmp}/marketbot.sqlite3",
        }
        argv = [sys.executable, "-m", "bot", "ask", *(w.format(tmp=tmp) for w in words)]
        times = []
        for i in range(runs + 1):
            started = time.perf_counter()
            done = subprocess.run(argv, env=env, cwd=tmp, capture_output=True, text=True)
            if done.returncode:
                raise SystemExit(f"{' '.join(words)} failed: {done.stderr.strip()}")
            if i:  # the first run warms the disk cache
                times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parents[1])
    args = parser.parse_args()
    print(f"marketbot ask on the snapshot, {args.runs} runs each after a warm-up ({args.tree})")
    for label, words in ASKS.items():
        times = timed(args.tree, words, args.runs)
        print(f"  {label:<16} median {statistics.median(times):5.2f} s  (min {min(times):.2f}, max {max(times):.2f})")


if __name__ == "__main__":
    main()
