"""Every command: its handler (shared by Discord and the terminal) and its Discord cog.

Adding a command: one module with ``handle`` and a cog, one line here.
"""

from __future__ import annotations

from discord.ext.commands import Cog

from commands import about, alerts, banks, compare, credit, history, performance, quote, rates
from commands.answer import Handler

HANDLERS: dict[str, Handler] = {
    "compare": compare.handle,
    "performance": performance.handle,
    "quote": quote.handle,
    "history": history.handle,
    "banks": banks.handle,
    "rates": rates.handle,
    "credit": credit.handle,
    "about": about.handle,
    "alerts replay": alerts.replay,
}

# Constructed with the Responder; the alerts cog also needs storage, so the bot adds it itself.
COGS: tuple[type[Cog], ...] = (
    compare.Compare,
    performance.Performance,
    quote.Quote,
    history.History,
    banks.Banks,
    rates.Rates,
    credit.Credit,
    about.About,
)
