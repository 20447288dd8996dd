"""How every question is answered on Discord: check, defer, compute off the loop, follow up.

Options are parsed before anything is shown: a mistake is answered privately at once (a type-4
response), and so is a symbol the data source does not have, when the lookup takes less than
``LOOKUP_BUDGET`` of Discord's 3 seconds. Then the answer is deferred (15 minutes instead of 3
seconds), computed off the loop (``Services.offload``: worker processes in the bot), shared by
identical questions through the answer cache behind the global work limit, and sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, TypeVar

import discord

from analytics.errors import MarketbotError, UnknownSymbol
from commands.kit.answer import Answer
from commands.kit.buttons import view_for
from commands.kit.cache import AnswerCache
from commands.kit.command import Command, Observer, Question, Services, Unobserved
from commands.kit.errors import AnswerTimedOut, since
from commands.kit.render import to_embed, to_file

T = TypeVar("T")

# Far inside the 15-minute life of an interaction token; upstream calls time out well before.
ANSWER_TIMEOUT = 120.0
# Of Discord's 3 seconds to acknowledge, what a lookup of the symbols may take before deferring:
# the rest covers the gateway's delivery and the acknowledgement's own round trip.
LOOKUP_BUDGET = 1.5


class Busy(MarketbotError):
    """Too much work queued: refused at once rather than answered late."""


class Restarting(MarketbotError):
    """The bot is shutting down: asked again after the restart, the question is answered."""


class WorkLimiter:
    """At most ``running`` answers computed at once, at most ``waiting`` queued behind them.

    The machine has few cores and each answer is CPU work (in worker processes); past the queue
    an ask is refused with a friendly message instead of timing out.
    """

    # An answer holds its slot while it waits for market data too (I/O, not CPU: the worker
    # processes bound the CPU work), so a few slots would queue the upstream fetches one ask at a time.
    def __init__(self, running: int = 16, waiting: int = 200) -> None:
        self.capacity = running + waiting
        self.pending = 0
        self._slots = asyncio.Semaphore(running)

    async def run(self, work: Callable[[], Awaitable[T]]) -> T:
        if self.pending >= self.capacity:
            raise Busy("marketbot is answering a lot of questions right now; try again in a few seconds.")
        self.pending += 1
        try:
            async with self._slots:
                return await work()
        finally:
            self.pending -= 1


class Responder:
    def __init__(
        self,
        services: Services,
        cache: AnswerCache | None = None,
        limiter: WorkLimiter | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.services = services
        self.observer = observer or Unobserved()
        self.cache = cache or AnswerCache()
        self.limiter = limiter or WorkLimiter()
        self.lookup_budget = LOOKUP_BUDGET
        self.closing = False  # set at shutdown: new asks are turned away, those in flight finish
        self._in_flight: set[asyncio.Task[Any]] = set()

    def question(self, command: Command, raw: Mapping[str, Any]) -> Question:
        """The options as typed, parsed with today's date (a mistake raises the user's error)."""
        if self.closing:
            raise Restarting("marketbot is restarting; ask again in a minute.")
        return self.services.catalog.question(command, raw, self.services.clock())

    async def compute(self, question: Question) -> Answer:
        """The answer, shared by every spelling of the question on the same data."""
        market, fred = self.services.market, self.services.fred
        # "The same data": each source's generation and the session.
        data = (market.generation, fred.generation if fred is not None else None, market.last_session())
        command, options = question.command, question.options
        assert command.answer is not None, f"/{command.name} does not answer"
        answer = await self.cache.get(
            (*question.key, *data),
            lambda: self.limiter.run(lambda: command.answer(self.services, options)),  # type: ignore[misc]
        )
        return question.reading.apply(answer) if question.reading else answer

    async def answer(self, interaction: discord.Interaction, command: Command, raw: Mapping[str, Any]) -> None:
        """Errors propagate to the command tree's error handler, the one place that explains them."""
        question = self.question(command, raw)
        await self.refuse_unavailable(question, self.lookup_budget - since(interaction))
        async with self._tracked():
            await interaction.response.defer(thinking=True)
            acknowledged = since(interaction)
            answer = await self._compute_in_time(question)
            await interaction.followup.send(**self._message(answer, question))
        self.observer.answered(command.name, "answered", acknowledged, since(interaction))
        interaction.extras["observed"] = True  # an act answering through here (/watchlist show) is counted once

    async def click(self, interaction: discord.Interaction, question: Question) -> None:
        """A button or menu on an answer asks its question: the same checks, cache and limits as ``answer``.

        The person who asked edits the answer in place (a deferred update, then an edit of the
        message clicked on); anyone else's click is answered privately, so nobody changes
        someone else's answer. Errors propagate to the caller (commands.kit.buttons), which explains them privately.
        """
        if self.closing:
            raise Restarting("marketbot is restarting; ask again in a minute.")
        await self.refuse_unavailable(question, self.lookup_budget - since(interaction))
        in_place = owns_message(interaction)
        async with self._tracked():
            if in_place:
                await interaction.response.defer()  # type 6: acknowledged, nothing shown until the edit
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
            acknowledged = since(interaction)
            answer = await self._compute_in_time(question)
            message = self._message(answer, question)
            if in_place:
                file = message.pop("file", None)
                await interaction.edit_original_response(**message, attachments=[file] if file else [])
            else:
                await interaction.followup.send(**message, ephemeral=True)
        self.observer.answered(question.command.name, "answered", acknowledged, since(interaction))

    async def send_private(self, interaction: discord.Interaction, answer: Answer) -> None:
        """A command's own answer (/status) to the person who asked only; the interaction is deferred already."""
        await interaction.followup.send(embed=to_embed(answer), ephemeral=True)

    async def refuse_unavailable(self, question: Question, budget: float) -> None:
        """Raise, before anything is shown, the error the answer would give for a symbol the source lacks.

        The lookup is the answer's own fetch (shared and cached): in the snapshot, or for a symbol
        the source already said it has not, it is done at once; a slower one goes on after the
        deferral. Only a definite "no such symbol" is refused here; an outage is the answer's to say.
        ``budget``: the seconds left for it of ``LOOKUP_BUDGET``, counted from the interaction's creation.
        """
        fields = question.options.symbol_fields()
        wanted = list(dict.fromkeys(s for _, symbols, _ in fields for s in symbols))
        if not wanted:
            return
        lookup = asyncio.ensure_future(self.services.market.closes(wanted, partial=True))
        lookup.add_done_callback(_quietly)
        done, _ = await asyncio.wait({lookup}, timeout=max(0.0, budget))
        if not done:
            return
        try:
            missing: Mapping[str, Exception] = lookup.result().missing
        except MarketbotError as exc:  # none of them could be had
            missing = {s: exc for s in wanted}
        for name, symbols, single in fields:
            lacking = [missing[s] for s in symbols if isinstance(missing.get(s), UnknownSymbol)]
            if single and lacking:
                raise MarketbotError(f"{name}: {lacking[0]}")  # as the answer says it: which option
            if not single and len(lacking) == len(symbols):
                raise lacking[0]

    @contextlib.asynccontextmanager
    async def _tracked(self) -> AsyncIterator[None]:
        """An answer under way, which shutdown waits for."""
        task = asyncio.current_task()
        assert task is not None
        self._in_flight.add(task)
        try:
            yield
        finally:
            self._in_flight.discard(task)

    async def _compute_in_time(self, question: Question) -> Answer:
        try:
            return await asyncio.wait_for(self.compute(question), ANSWER_TIMEOUT)
        except TimeoutError:
            raise AnswerTimedOut(
                "That took too long to answer; the data source may be slow. Try again in a minute."
            ) from None

    def _message(self, answer: Answer, question: Question) -> dict[str, Any]:
        message: dict[str, Any] = {"embed": to_embed(answer)}
        if file := to_file(answer):
            message["file"] = file
        if question.reading is None and question.command.buttons is not None:  # /ask's answers carry none
            message["view"] = view_for(question, self.services.catalog, self.services.clock())
        return message

    async def drain(self, timeout: float) -> int:
        """At shutdown: turn new asks away and wait for the answers in flight; return how many were left."""
        self.closing = True
        if not self._in_flight:
            return 0
        _, pending = await asyncio.wait(set(self._in_flight), timeout=timeout)
        return len(pending)


def _quietly(task: asyncio.Future[Any]) -> None:
    """A lookup nobody waits for any more: its error is the answer's to report, not the loop's."""
    if not task.cancelled():
        task.exception()


def owns_message(interaction: discord.Interaction) -> bool:
    """Whether the clicker asked the question of the message clicked on (or it is their private copy)."""
    meta = interaction.message.interaction_metadata if interaction.message else None
    return meta is not None and meta.user.id == interaction.user.id
