"""Bounds on work: per-user cooldowns and a global cap on concurrent answers."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from discord import app_commands

from analytics.errors import MarketbotError

T = TypeVar("T")



def _per_user_and_command(interaction) -> tuple[str, int]:
    # A click on an answer's button names its command in extras (commands.buttons): the same bucket.
    command = interaction.command.qualified_name if interaction.command else interaction.extras.get("command", "")
    return (command, interaction.user.id)


# Per user and command: heavy commands (history, charts) 4 per 30 s; light ones 10 per 30 s.
heavy_cooldown = app_commands.checks.cooldown(4, 30.0, key=_per_user_and_command)
light_cooldown = app_commands.checks.cooldown(10, 30.0, key=_per_user_and_command)


class Busy(MarketbotError):
    """Too much work queued: refused at once rather than answered late."""


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
