"""The one error pipeline for slash commands (installed as the tree's ``on_error``).

Domain errors carry a message written for the user: it is sent privately.
Anything else gets a generic private message with a reference id, and the
log gets the id with the command, its options, the guild and the traceback.
"""

from __future__ import annotations

import logging
import math
import secrets
from typing import Any

import discord
from discord import app_commands

from analytics.errors import DataUnavailable, MarketbotError, UnknownSymbol

log = logging.getLogger(__name__)


class AnswerTimedOut(DataUnavailable):
    """The answer took longer than ``ANSWER_TIMEOUT``: the data source is slow or stuck."""


def outcome_of(error: BaseException) -> str:
    """How a question that raised ended, for the metrics: timed out, refused (the user's mistake, a limit,
    a check, a symbol the source lacks) or failed (an outage, a bug)."""
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, AnswerTimedOut):
        return "timed_out"
    if isinstance(cause, DataUnavailable) and not isinstance(cause, UnknownSymbol):
        return "failed"
    if isinstance(cause, (MarketbotError, app_commands.CheckFailure)):
        return "refused"
    return "failed"


def since(interaction: discord.Interaction) -> float:
    """Seconds since Discord created the interaction (its 3-second deadline counts from then)."""
    return max(0.0, (discord.utils.utcnow() - interaction.created_at).total_seconds())


# Discord's codes for an interaction we can no longer answer: unknown (expired) interaction or webhook.
EXPIRED = {10062, 10015}


class Refused(app_commands.CheckFailure):
    """A check that failed with a message written for the user (e.g. a missing permission)."""


def explain(interaction: discord.Interaction, error: Exception) -> str:
    """What to tell the user (and, for unexpected errors, log with a reference)."""
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, (MarketbotError, Refused)):
        return str(cause)
    if isinstance(cause, app_commands.CommandOnCooldown):
        return f"You are asking quickly: try /{_name(interaction)} again in {math.ceil(cause.retry_after)} s."
    if isinstance(cause, app_commands.MissingPermissions):
        needed = " and ".join(p.replace("_", " ").title() for p in cause.missing_permissions)
        return f"This needs the {needed} permission{'s' if len(cause.missing_permissions) > 1 else ''} in this server."
    if isinstance(cause, app_commands.NoPrivateMessage):
        return "This command works in a server channel, not in direct messages."
    if isinstance(cause, app_commands.TransformerError):
        return f"`{discord.utils.escape_markdown(str(cause.value))[:50]}` is not a valid value here."
    if isinstance(cause, app_commands.CheckFailure):
        return "You cannot use this command here."
    reference = secrets.token_hex(4)
    log.error(
        "Unexpected error ref=%s command=/%s options=%s guild=%s channel=%s user=%s",
        reference,
        _name(interaction),
        _options(interaction),
        interaction.guild_id,
        interaction.channel_id,
        interaction.user.id,
        exc_info=cause,
    )
    return f"Something went wrong on our side (reference `{reference}`). It has been logged; please try again later."


async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    if interaction.type is discord.InteractionType.autocomplete:
        log.error("Autocomplete for /%s failed", _name(interaction), exc_info=error)
        return
    cause = error.original if isinstance(error, app_commands.CommandInvokeError) else error
    if isinstance(cause, discord.NotFound) and cause.code in EXPIRED:
        log.warning("/%s: the interaction expired before we answered (%s)", _name(interaction), cause)
        return
    text = explain(interaction, error)
    observe(interaction, _name(interaction), error)
    try:
        await reply_privately(interaction, text)
    except Exception as exc:  # Discord down, the bot shutting down: nothing more to tell the user
        log.warning("Could not tell the user about an error in /%s: %r", _name(interaction), exc)


# Public for the instant between settling the "thinking" message and deleting it; true if the delete fails.
PLACEHOLDER = "Answered privately."


async def reply_privately(interaction: discord.Interaction, text: str) -> None:
    if not interaction.response.is_done():  # bad options are caught here, before any deferral
        await interaction.response.send_message(text, ephemeral=True)
        return
    # An error found after a public deferral. Discord gives the first follow-up the
    # deferral's visibility whatever its flags (discord-api-docs#3466), and a
    # follow-up after deleting a message still "thinking" fails (#2739). So: settle
    # the placeholder with a neutral line, delete it at once, then send the reason
    # privately as a new message.
    await interaction.edit_original_response(content=PLACEHOLDER)
    try:
        await interaction.delete_original_response()
    except discord.HTTPException as exc:  # the placeholder stays, saying only that the answer was private
        log.debug("Could not delete the placeholder of /%s: %s", _name(interaction), exc)
    await interaction.followup.send(text, ephemeral=True)


def observe(interaction: discord.Interaction, command: str, error: BaseException) -> None:
    """Tell the bot's observer (its metrics) how the question ended, when the client has one."""
    context = getattr(interaction.client, "context", None)
    if context is not None:
        context.observer.answered(command, outcome_of(error), None, since(interaction))


def _name(interaction: discord.Interaction) -> str:
    return interaction.command.qualified_name if interaction.command else "?"


def _options(interaction: discord.Interaction) -> dict[str, Any]:
    """The options as submitted, for the log (values are the user's text, never secrets)."""
    data: dict[str, Any] = dict(interaction.data or {})
    flat: dict[str, Any] = {}
    pending = list(data.get("options", []))
    while pending:
        option = pending.pop(0)
        if "options" in option:  # subcommands nest their options
            pending.extend(option["options"])
        else:
            flat[option["name"]] = option.get("value")
    return flat
