"""What a log line is about: the question being answered, or the alert being sent (structured logs read it).

Set where an interaction or an alert is handled; asyncio copies it into the tasks started from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

ABOUT: ContextVar[dict[str, Any]] = ContextVar("marketbot_log_about", default={})  # noqa: B039 (never mutated)


@contextmanager
def about(**fields: Any) -> Iterator[None]:
    """Log lines within the ``with`` carry ``fields`` (interaction, guild, shard, command, alert)."""
    token = ABOUT.set({**ABOUT.get(), **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        ABOUT.reset(token)


def interaction_fields(interaction: Any, command: str) -> dict[str, Any]:
    """An interaction's ids for the log: its own, its server's and shard (Discord's rule), the command."""
    guild, count = interaction.guild_id, getattr(interaction.client, "shard_count", None)
    shard = (guild >> 22) % count if guild is not None and count else None
    return {"interaction": interaction.id, "guild": guild, "shard": shard, "command": command}
