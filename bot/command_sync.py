"""Registering slash commands with Discord only when they changed.

Discord limits how many commands an application may create per day, so a
start does not sync blindly: the hash of the command set last synced (per
application and scope) is kept in the database and compared.
"""

from __future__ import annotations

import hashlib
import json
import logging

import discord
from discord import app_commands

from bot.store import Store

log = logging.getLogger(__name__)


def command_set_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree, storage: Store, guild_id: int | None, *, force: bool = False
) -> bool:
    """Sync globally, or to one guild (development: it applies at once). True if it synced."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    digest = command_set_hash(tree, guild)
    key = f"commands_synced:{tree.client.application_id}:{guild_id or 'global'}"
    if not force and await storage.get_meta(key) == digest:
        log.info("Slash commands unchanged since the last sync (%s); not syncing", guild_id or "global")
        return False
    synced = await tree.sync(guild=guild)
    await storage.set_meta(key, digest)
    log.info("Synced %d slash commands (%s)", len(synced), f"guild {guild_id}" if guild_id else "global")
    return True
