"""Embed fields made of lines, and the permission check for what changes a server's settings."""

from __future__ import annotations

from typing import Any

from analytics.errors import MarketbotError
from commands.kit.limits import FIELD_VALUE_MAX


class NotAllowed(MarketbotError):
    """The person may not do this here; the message says why (sent privately)."""


def chunk_lines(lines: list[str], limit: int = FIELD_VALUE_MAX) -> list[str]:
    """Whole lines in order, grouped into texts of at most ``limit`` characters (one per field)."""
    chunks: list[str] = []
    for line in lines:
        line = line[:limit]
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


def numbered(name: str, chunks: list[str], more: str = "") -> list[tuple[str, str]]:
    """Fields of one name: "Events (1/2)", "Events (2/2)"; or, with ``more``, "Commands", "Commands (more)"."""
    if more:
        return [(name if i == 0 else f"{name} {more}", chunk) for i, chunk in enumerate(chunks)]
    if len(chunks) == 1:
        return [(name, chunks[0])]
    return [(f"{name} ({i}/{len(chunks)})", chunk) for i, chunk in enumerate(chunks, 1)]


def require_manager(interaction: Any, what: str, elsewhere: str, also: str = "") -> None:
    """Checked in our code: Discord's default_permissions can be changed by any server admin.

    ``what`` needs the permission ("Changing alerts"); ``elsewhere``: what to say outside a server;
    ``also``: a hint after the reason.
    """
    if interaction.guild_id is None:
        raise NotAllowed(elsewhere)
    perms = interaction.permissions
    if not (perms.manage_guild or perms.manage_channels):
        raise NotAllowed(
            f"{what} needs the Manage Server or Manage Channels permission" + (f"; {also}." if also else ".")
        )
