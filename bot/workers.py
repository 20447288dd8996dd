"""Worker processes for the CPU-heavy part of answers: analytics and charts.

pandas and matplotlib hold the GIL, so in threads a burst of chart renders
uses one core and starves the event loop (heartbeats, 3-second deferrals).
Processes use every core and leave the loop free. Arguments and results
(close frames, Answers with PNG bytes, domain errors) are pickled.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any

log = logging.getLogger(__name__)

WORKER_NICENESS = 10


def _initialize() -> None:
    # Ctrl-C reaches the whole process group: the bot shuts its workers down itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Below the bot's own process: when a burst of charts fills every core, the event loop
    # (heartbeats, 3-second deferrals) still gets the CPU first.
    os.nice(WORKER_NICENESS)
    import analytics.charts  # noqa: F401  (matplotlib: the commands import it only where they draw)
    from bot.discovery import discover

    discover()  # pandas and every command module (none imports Discord): imported once per worker


def _ready() -> int:
    return os.getpid()


class Workers:
    def __init__(self, processes: int) -> None:
        self.processes = processes
        # spawn: a fork of a process running threads and an event loop is unsafe.
        self._pool = self._new_pool()
        self._lock = asyncio.Lock()
        self.pending = 0  # calls submitted and not yet returned (queued or running): the metrics' queue depth

    def _new_pool(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=self.processes, mp_context=context, initializer=_initialize)

    async def start(self) -> None:
        """Start every worker now, so the first asks do not pay for imports."""
        await asyncio.gather(*(self.run(_ready) for _ in range(self.processes)))

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        self.pending += 1
        try:
            return await self._run(fn, *args)
        finally:
            self.pending -= 1

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, partial(fn, *args))
        except BrokenProcessPool:
            # A worker died (killed, out of memory): the pool is unusable for good. Replace it
            # once and retry, since the work is pure; a second failure reaches the user.
            async with self._lock:
                if self._pool is pool:
                    log.error("A worker process died; starting a new pool")
                    pool.shutdown(wait=False, cancel_futures=True)
                    self._pool = self._new_pool()
            return await asyncio.get_running_loop().run_in_executor(self._pool, partial(fn, *args))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
