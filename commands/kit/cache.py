"""Rendered answers, shared: identical questions on the same data compute once.

Keys carry the market data's generation, so new data is never answered from
an old rendering; entries also expire after ``ttl`` so ages printed in footers
("stale for 12 min") stay right. Concurrent identical asks wait on one task
(single-flight); failures are not kept.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

from commands.kit.answer import Answer


class AnswerCache:
    def __init__(self, ttl: float = 60.0, max_entries: int = 256, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self.asked = 0  # for the logs, tests and benchmarks
        self.computed = 0
        self._done: OrderedDict[Hashable, tuple[float, Answer]] = OrderedDict()
        self._inflight: dict[Hashable, asyncio.Task[Answer]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Answer]]) -> Answer:
        self.asked += 1
        hit = self._done.get(key)
        if hit is not None and self.clock() - hit[0] < self.ttl:
            self._done.move_to_end(key)
            return hit[1]
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._compute(key, compute))
            self._inflight[key] = task
        # Shielded: one asker giving up must not cancel the answer the others wait for.
        return await asyncio.shield(task)

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[Answer]]) -> Answer:
        try:
            answer = await compute()
        finally:
            del self._inflight[key]
        self.computed += 1
        self._done[key] = (self.clock(), answer)
        self._done.move_to_end(key)
        while len(self._done) > self.max_entries:
            self._done.popitem(last=False)
        return answer
