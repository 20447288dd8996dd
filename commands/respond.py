"""How every slash command answers: defer, compute off the loop, follow up.

Deferring first buys 15 minutes instead of 3 seconds; the handler's blocking
work (analytics, charts) runs off the loop (``Services.offload``: worker
processes in the bot); the rendered answer is shared
by identical asks through the answer cache, behind the global work limit.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord
from discord.ext.commands import Cog

from analytics.errors import DataUnavailable, MarketbotError
from commands.answer import Answer, Handler, check_options
from commands.answer_cache import AnswerCache
from commands.limits import WorkLimiter
from commands.render import to_embed, to_file
from commands.services import Services

# Far inside the 15-minute life of an interaction token; upstream calls time out well before.
ANSWER_TIMEOUT = 120.0

# The buttons of an answer, from its handler, options and today's date (commands.buttons).
Buttons = Callable[[Handler, dict[str, str], Any], discord.ui.View]


class Responder:
    def __init__(self, services: Services, cache: AnswerCache | None = None, limiter: WorkLimiter | None = None) -> None:
        self.services = services
        self.cache = cache or AnswerCache()
        self.limiter = limiter or WorkLimiter()
        self.closing = False  # set at shutdown: new asks are turned away, those in flight finish
        self._in_flight: set[asyncio.Task] = set()

    async def compute(self, handler: Handler, **options: str) -> Answer:
        market, fred = self.services.market, self.services.fred
        # "The same question on the same data": options as typed, each source's generation, the session.
        generations = (market.generation, fred.generation if fred is not None else None)
        key = (handler.__module__, tuple(sorted(options.items())), generations, market.last_session())
        return await self.cache.get(key, lambda: self.limiter.run(lambda: handler(self.services, **options)))

    async def answer(self, interaction: discord.Interaction, handler: Handler, /, *, buttons: Buttons | None = None,
                     **options: str) -> None:  # fmt: skip
        """Errors propagate to the command tree's error handler, the one place that explains them.

        Options are checked before deferring: bad input is then answered with a
        private message straight away, and the channel never sees a "thinking" placeholder.
        """
        self._check(handler, options)
        async with self._tracked():
            await interaction.response.defer(thinking=True)
            answer = await self._compute_in_time(handler, options)
            await interaction.followup.send(**self._message(answer, handler, options, buttons))

    async def click(self, interaction: discord.Interaction, handler: Handler, /, *, buttons: Buttons, **options: str) -> None:
        """A button or menu on an answer asks its question: the same checks, cache and limits as ``answer``.

        The person who asked edits the answer in place (a deferred update, then an edit of the
        message clicked on); anyone else's click is answered privately, so nobody changes
        someone else's answer. Errors propagate to the caller (commands.buttons), which explains them privately.
        """
        self._check(handler, options)
        in_place = owns_message(interaction)
        async with self._tracked():
            if in_place:
                await interaction.response.defer()  # type 6: acknowledged, nothing shown until the edit
            else:
                await interaction.response.defer(ephemeral=True, thinking=True)
            answer = await self._compute_in_time(handler, options)
            message = self._message(answer, handler, options, buttons)
            if in_place:
                file = message.pop("file", None)
                await interaction.edit_original_response(**message, attachments=[file] if file else [])
            else:
                await interaction.followup.send(**message, ephemeral=True)

    def _check(self, handler: Handler, options: dict[str, str]) -> None:
        if self.closing:
            raise Restarting("marketbot is restarting; ask again in a minute.")
        check_options(handler, self.services.clock(), options)

    @contextlib.asynccontextmanager
    async def _tracked(self) -> AsyncIterator[None]:
        """An answer under way, which shutdown waits for."""
        task = asyncio.current_task()
        self._in_flight.add(task)
        try:
            yield
        finally:
            self._in_flight.discard(task)

    async def _compute_in_time(self, handler: Handler, options: dict[str, str]) -> Answer:
        try:
            return await asyncio.wait_for(self.compute(handler, **options), ANSWER_TIMEOUT)
        except TimeoutError:
            raise DataUnavailable("That took too long to answer; the data source may be slow. Try again in a minute.") from None

    def _message(self, answer: Answer, handler: Handler, options: dict[str, str], buttons: Buttons | None) -> dict[str, Any]:
        message: dict[str, Any] = {"embed": to_embed(answer)}
        if file := to_file(answer):
            message["file"] = file
        if buttons is not None:
            message["view"] = buttons(handler, options, self.services.clock())
        return message

    async def drain(self, timeout: float) -> int:
        """At shutdown: turn new asks away and wait for the answers in flight; return how many were left."""
        self.closing = True
        if not self._in_flight:
            return 0
        _, pending = await asyncio.wait(set(self._in_flight), timeout=timeout)
        return len(pending)


def owns_message(interaction: discord.Interaction) -> bool:
    """Whether the clicker asked the question of the message clicked on (or it is their private copy)."""
    meta = interaction.message.interaction_metadata if interaction.message else None
    return meta is not None and meta.user.id == interaction.user.id


class Restarting(MarketbotError):
    """The bot is shutting down: asked again after the restart, the question is answered."""


class CommandCog(Cog):
    """A command family's cog: its slash commands answer through the shared Responder."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
