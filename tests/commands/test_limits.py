"""The global work limit: a bounded number running, a bounded queue, a friendly refusal beyond."""

from __future__ import annotations

import asyncio

import pytest

from analytics.errors import MarketbotError
from commands.kit.respond import Busy, WorkLimiter

BUSY_MESSAGE = "marketbot is answering a lot of questions right now; try again in a few seconds."


class Work:
    """Work items that record how many run at once and wait for a gate to finish."""

    def __init__(self) -> None:
        self.active = 0
        self.max_active = 0
        self.entered = 0
        self.gate = asyncio.Event()
        self.changed = asyncio.Event()

    def item(self, result: str):
        async def run() -> str:
            self.active += 1
            self.entered += 1
            self.max_active = max(self.max_active, self.active)
            self.changed.set()
            try:
                await self.gate.wait()
                return result
            finally:
                self.active -= 1

        return run

    async def wait_until_entered(self, count: int) -> None:
        while self.entered < count:
            self.changed.clear()
            await self.changed.wait()


async def until(condition) -> None:
    """Yield to the loop until ``condition()`` holds; bounded so a bug fails instead of hanging."""
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def finished(work) -> asyncio.Task:
    """Start ``work`` and insist it finishes without waiting on anything (fails, not hangs, if not)."""
    task = asyncio.create_task(work)
    try:
        await until(task.done)
    finally:
        task.cancel()
    return task


async def test_at_most_running_at_once_and_the_rest_queue():
    limiter = WorkLimiter(running=2, waiting=3)
    work = Work()
    tasks = [asyncio.create_task(limiter.run(work.item(f"r{i}"))) for i in range(5)]
    await work.wait_until_entered(2)
    await until(lambda: limiter.pending == 5)
    assert (work.active, work.entered) == (2, 2)  # three are queued, not running
    work.gate.set()
    assert await asyncio.gather(*tasks) == ["r0", "r1", "r2", "r3", "r4"]
    assert work.max_active == 2 and work.entered == 5
    assert limiter.pending == 0


async def test_past_the_queue_an_ask_is_refused_at_once():
    limiter = WorkLimiter(running=1, waiting=2)
    work = Work()
    tasks = [asyncio.create_task(limiter.run(work.item(f"r{i}"))) for i in range(3)]
    await until(lambda: limiter.pending == 3)
    refused = await finished(limiter.run(work.item("refused")))
    error = refused.exception()
    assert type(error) is Busy and str(error) == BUSY_MESSAGE
    assert isinstance(error, MarketbotError)  # shown to the user as it is
    assert limiter.pending == 3 and work.entered == 1
    work.gate.set()
    assert await asyncio.gather(*tasks) == ["r0", "r1", "r2"]
    assert limiter.pending == 0
    assert await limiter.run(work.item("later")) == "later"  # room again


async def test_failures_release_their_place():
    limiter = WorkLimiter(running=1, waiting=0)

    async def fail() -> str:
        raise ValueError("boom")

    for _ in range(3):
        with pytest.raises(ValueError, match="boom"):
            await limiter.run(fail)
        assert limiter.pending == 0

    async def succeed() -> str:
        return "ok"

    # The one slot was released each time: this would wait for it forever if not.
    assert (await finished(limiter.run(succeed))).result() == "ok"
    assert limiter.pending == 0


async def test_a_cancelled_waiter_gives_back_its_place():
    limiter = WorkLimiter(running=1, waiting=1)
    work = Work()
    running = asyncio.create_task(limiter.run(work.item("running")))
    queued = asyncio.create_task(limiter.run(work.item("queued")))
    await until(lambda: limiter.pending == 2)
    assert type((await finished(limiter.run(work.item("refused")))).exception()) is Busy
    queued.cancel()
    with pytest.raises(asyncio.CancelledError):
        await queued
    assert limiter.pending == 1
    replacement = asyncio.create_task(limiter.run(work.item("replacement")))
    await until(lambda: limiter.pending == 2)
    work.gate.set()
    assert await asyncio.gather(running, replacement) == ["running", "replacement"]
    assert limiter.pending == 0 and work.max_active == 1
