"""Every command handler by name: the one list the terminal and Discord share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from commands import quote
from commands.answer import Answer

Handler = Callable[..., Awaitable[Answer]]

HANDLERS: dict[str, Handler] = {
    "quote": quote.handle,
}
