"""Every command handler by name: the one list the terminal and Discord share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from commands import banks, compare, history, performance, quote, rates
from commands.answer import Answer

Handler = Callable[..., Awaitable[Answer]]

HANDLERS: dict[str, Handler] = {
    "compare": compare.handle,
    "performance": performance.handle,
    "quote": quote.handle,
    "history": history.handle,
    "banks": banks.handle,
    "rates": rates.handle,
}
