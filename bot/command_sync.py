"""Registering slash commands with Discord: checked first against Discord's limits, synced only when changed.

Discord refuses a whole registration for one bad field, and limits how many commands an
application may create per day, so a start does not sync blindly: the set is checked offline
(``commands.kit.check``), and the hash of the set last synced (per application and scope) is kept
in the database and compared.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

from bot.storage.protocol import Store
from commands.kit.check import command_problems
from commands.kit.command import Catalog, Context
from commands.kit.slash import slash_commands

log = logging.getLogger(__name__)


class SyncRefused(Exception):
    """Discord would refuse (or refused) the slash commands; says which command and field.

    ``earlier``: commands from an earlier successful sync are registered, and stay in use."""

    def __init__(self, problems: list[str], earlier: bool) -> None:
        super().__init__("Discord refused the slash commands: " + "; ".join(problems))
        self.problems = problems
        self.earlier = earlier


def command_set_hash(tree: app_commands.CommandTree, guild: discord.abc.Snowflake | None) -> str:
    payload = [command.to_dict(tree) for command in tree.get_commands(guild=guild)]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


async def sync_commands(
    tree: app_commands.CommandTree, storage: Store, guild_id: int | None, *, force: bool = False
) -> bool:
    """Sync globally, or to one guild (development: it applies at once). True if it synced.

    Raises SyncRefused when the set breaks Discord's limits (checked before sending) or Discord refuses it."""
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    key = f"commands_synced:{tree.client.application_id}:{guild_id or 'global'}"
    digest = command_set_hash(tree, guild)
    earlier = await storage.get_meta(key)
    if not force and earlier == digest:
        log.info("Slash commands unchanged since the last sync (%s); not syncing", guild_id or "global")
        return False
    if problems := command_problems([c.to_dict(tree) for c in tree.get_commands(guild=guild)]):
        raise SyncRefused(problems, earlier is not None)
    try:
        synced = await tree.sync(guild=guild)
    except app_commands.CommandSyncFailure as exc:  # Discord's reasons, which our check did not foresee
        raise SyncRefused([str(exc).replace("\n", " ")], earlier is not None) from None
    await storage.set_meta(key, digest)
    log.info("Synced %d slash commands (%s)", len(synced), f"guild {guild_id}" if guild_id else "global")
    return True


def command_payload(catalog: Catalog) -> list[dict[str, Any]]:
    """The registration discord.py would send for ``catalog``, built offline (no token, no network)."""
    tree: app_commands.CommandTree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    for command in slash_commands(catalog, Context(responder=None, store=None, post_sample=None)):  # type: ignore[arg-type]
        tree.add_command(command)
    return [command.to_dict(tree) for command in tree.get_commands()]
