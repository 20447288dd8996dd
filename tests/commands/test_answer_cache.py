"""The shared answer cache: single flight, expiry, LRU bound, failures, cancellation."""

from __future__ import annotations

import asyncio

import pytest

from commands.kit.answer import Answer
from commands.kit.buttons import read_click
from commands.kit.cache import AnswerCache
from commands.kit.respond import Responder


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Computation:
    """A compute function that counts its calls and, if gated, waits for the gate."""

    def __init__(self, name: str = "answer", gated: bool = False, fail_times: int = 0) -> None:
        self.name = name
        self.calls = 0
        self.started = asyncio.Event()
        self.gate = asyncio.Event()
        if not gated:
            self.gate.set()
        self.fail_times = fail_times
        self.cancelled = False

    async def __call__(self) -> Answer:
        self.calls += 1
        self.started.set()
        try:
            await self.gate.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        if self.calls <= self.fail_times:
            raise ValueError(f"{self.name} failed (call {self.calls})")
        return Answer(command=self.name, title=f"{self.name} #{self.calls}", summary="s")


async def settle() -> None:
    """Let every ready task run until it blocks (no wall-clock time involved)."""
    for _ in range(10):
        await asyncio.sleep(0)


async def test_concurrent_identical_keys_compute_once():
    cache = AnswerCache(clock=FakeClock())
    compute = Computation(gated=True)
    waiters = [asyncio.create_task(cache.get("key", compute)) for _ in range(5)]
    await compute.started.wait()
    await settle()
    compute.gate.set()
    answers = await asyncio.gather(*waiters)
    assert compute.calls == 1
    assert cache.computed == 1
    assert all(answer is answers[0] for answer in answers)
    assert answers[0].title == "answer #1"


async def test_a_later_identical_ask_is_served_from_the_cache():
    cache = AnswerCache(clock=FakeClock())
    compute = Computation()
    first = await cache.get(("compare", "KRE"), compute)
    second = await cache.get(("compare", "KRE"), compute)
    assert second is first
    assert compute.calls == 1 and cache.computed == 1


async def test_different_keys_compute_separately():
    cache = AnswerCache(clock=FakeClock())
    one, two = Computation("one", gated=True), Computation("two", gated=True)
    waiters = [asyncio.create_task(cache.get("a", one)), asyncio.create_task(cache.get("b", two))]
    await one.started.wait()
    await two.started.wait()
    one.gate.set()
    two.gate.set()
    a, b = await asyncio.gather(*waiters)
    assert (one.calls, two.calls, cache.computed) == (1, 1, 2)
    assert (a.command, b.command) == ("one", "two")


async def test_entries_expire_after_ttl():
    clock = FakeClock()
    cache = AnswerCache(ttl=60.0, clock=clock)
    compute = Computation()
    first = await cache.get("key", compute)
    clock.now += 59.9
    assert await cache.get("key", compute) is first
    assert compute.calls == 1
    clock.now += 0.1  # exactly ttl after it was computed: expired
    renewed = await cache.get("key", compute)
    assert renewed is not first and renewed.title == "answer #2"
    assert compute.calls == 2 and cache.computed == 2
    clock.now += 30
    assert await cache.get("key", compute) is renewed  # the new entry has its own ttl


async def test_least_recently_used_entry_is_evicted():
    cache = AnswerCache(max_entries=2, clock=FakeClock())
    computations = {key: Computation(key) for key in "abc"}
    a = await cache.get("a", computations["a"])
    await cache.get("b", computations["b"])
    assert await cache.get("a", computations["a"]) is a  # a is now the most recently used
    await cache.get("c", computations["c"])  # evicts b, not a
    assert await cache.get("a", computations["a"]) is a
    assert computations["a"].calls == 1
    await cache.get("b", computations["b"])
    assert computations["b"].calls == 2
    assert cache.computed == 4


async def test_a_failure_is_not_cached():
    cache = AnswerCache(clock=FakeClock())
    compute = Computation(fail_times=1)
    with pytest.raises(ValueError, match=r"answer failed \(call 1\)"):
        await cache.get("key", compute)
    assert cache.computed == 0
    answer = await cache.get("key", compute)
    assert answer.title == "answer #2"
    assert compute.calls == 2 and cache.computed == 1


async def test_a_failure_reaches_every_concurrent_waiter():
    cache = AnswerCache(clock=FakeClock())
    compute = Computation(gated=True, fail_times=1)
    waiters = [asyncio.create_task(cache.get("key", compute)) for _ in range(3)]
    await compute.started.wait()
    await settle()
    compute.gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert compute.calls == 1
    assert all(isinstance(r, ValueError) and str(r) == "answer failed (call 1)" for r in results)
    assert cache.computed == 0


async def test_cancelling_one_waiter_does_not_cancel_the_computation():
    cache = AnswerCache(clock=FakeClock())
    compute = Computation(gated=True)
    quitter = asyncio.create_task(cache.get("key", compute))
    patient = asyncio.create_task(cache.get("key", compute))
    await compute.started.wait()
    await settle()
    quitter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await quitter
    compute.gate.set()
    answer = await patient
    assert answer.title == "answer #1"
    assert compute.calls == 1 and not compute.cancelled
    assert cache.computed == 1


async def test_an_abandoned_computation_still_fills_the_cache():
    cache = AnswerCache(clock=FakeClock())
    compute = Computation(gated=True)
    only = asyncio.create_task(cache.get("key", compute))
    await compute.started.wait()
    only.cancel()
    with pytest.raises(asyncio.CancelledError):
        await only
    compute.gate.set()
    await settle()
    assert not compute.cancelled and cache.computed == 1
    answer = await cache.get("key", compute)
    assert answer.title == "answer #1" and compute.calls == 1


# -- the Responder's key: the parsed question
# (issue 18: any spelling, /ask, a button and the slash command share an answer)


async def test_every_spelling_of_a_question_is_computed_once(services):
    responder = Responder(services)
    catalog, today = services.catalog, services.clock()
    compare = catalog.get("compare")
    questions = [
        catalog.question(compare, {"a": "^rut", "b": "spx", "start": "YTD"}, today),  # a slash command as typed
        catalog.question(compare, {"a": "RUT", "b": "^GSPC", "start": "ytd", "end": ""}, today),
        catalog.question(catalog.get("ask"), {"question": "small caps vs large caps ytd"}, today),  # /ask
        read_click("mb1:compare:^RUT:^GSPC:ytd:", [], catalog, today),  # a button
    ]
    answers = []
    for question in questions:  # as Responder.answer and .click do: the symbols looked up, then the answer
        await responder.refuse_unavailable(question, responder.lookup_budget)
        answers.append(await responder.compute(question))
    assert responder.cache.computed == 1 and responder.cache.asked == 4
    assert answers[0] is answers[1] is answers[3]
    # /ask's reading, said first on the shared answer
    assert answers[2].summary == f"Read as /compare a:^RUT b:^GSPC start:ytd\n{answers[0].summary}"
    assert answers[2].fields == answers[0].fields
    another = catalog.question(compare, {"start": "1y"}, today)  # another question: its own answer
    await responder.refuse_unavailable(another, responder.lookup_budget)
    other = await responder.compute(another)
    assert responder.cache.computed == 2 and other is not answers[0]
