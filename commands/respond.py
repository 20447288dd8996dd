"""How every slash command answers: defer, compute off the loop, follow up.

Deferring first buys 15 minutes instead of 3 seconds; the handler's blocking
work (analytics, charts) runs off the loop (``Services.offload``: worker
processes in the bot); the rendered answer is shared
by identical asks through the answer cache, behind the global work limit.
"""

from __future__ import annotations

import asyncio

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


class Responder:
    def __init__(self, services: Services, cache: AnswerCache | None = None, limiter: WorkLimiter | None = None) -> None:
        self.services = services
        self.cache = cache or AnswerCache()
        self.limiter = limiter or WorkLimiter()
        self.closing = False  # set at shutdown: new asks are turned away, those in flight finish
        self._in_flight: set[asyncio.Task] = set()

    async def compute(self, handler: Handler, **options: str) -> Answer:
        market = self.services.market
        # "The same question on the same data": options as typed, the data's generation and session.
        key = (handler.__module__, tuple(sorted(options.items())), market.generation, market.last_session())
        return await self.cache.get(key, lambda: self.limiter.run(lambda: handler(self.services, **options)))

    async def answer(self, interaction: discord.Interaction, handler: Handler, **options: str) -> None:
        """Errors propagate to the command tree's error handler, the one place that explains them.

        Options are checked before deferring: bad input is then answered with a
        private message straight away, and the channel never sees a "thinking" placeholder.
        """
        if self.closing:
            raise Restarting("marketbot is restarting; ask again in a minute.")
        check_options(handler, self.services.clock(), options)
        task = asyncio.current_task()
        self._in_flight.add(task)
        try:
            await interaction.response.defer(thinking=True)
            try:
                answer = await asyncio.wait_for(self.compute(handler, **options), ANSWER_TIMEOUT)
            except TimeoutError:
                raise DataUnavailable("That took too long to answer; the data source may be slow. Try again in a minute.") from None
            file = to_file(answer)
            await interaction.followup.send(embed=to_embed(answer), **({"file": file} if file else {}))
        finally:
            self._in_flight.discard(task)

    async def drain(self, timeout: float) -> int:
        """At shutdown: turn new asks away and wait for the answers in flight; return how many were left."""
        self.closing = True
        if not self._in_flight:
            return 0
        _, pending = await asyncio.wait(set(self._in_flight), timeout=timeout)
        return len(pending)


class Restarting(MarketbotError):
    """The bot is shutting down: asked again after the restart, the question is answered."""


class CommandCog(Cog):
    """A command family's cog: its slash commands answer through the shared Responder."""

    def __init__(self, responder: Responder) -> None:
        self.responder = responder
