"""Watches the event loop for blocking: a blocked loop misses heartbeats and interaction deadlines."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)


class LoopMonitor:
    def __init__(self, interval: float = 0.05, warn_after: float = 0.1) -> None:
        self.interval = interval
        self.warn_after = warn_after
        self.max_lag = 0.0  # seconds a wake-up came late, at worst
        self.checks = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="loop-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
            log.info("Event loop: worst lag %.1f ms over %d checks", self.max_lag * 1000, self.checks)

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await asyncio.sleep(self.interval)
            lag = loop.time() - started - self.interval
            self.checks += 1
            self.max_lag = max(self.max_lag, lag)
            if lag > self.warn_after:
                log.warning("The event loop was blocked for %.0f ms", lag * 1000)
