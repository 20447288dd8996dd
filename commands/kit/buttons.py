"""Buttons on answers, drawn from the commands' declarations; they keep working after a restart.

A button's ``custom_id`` is the whole question it asks, versioned:
``mb1:compare:^RUT:^GSPC:ytd:`` is ``marketbot ask compare a:^RUT b:^GSPC start:ytd end:``
(the options in declaration order, ``%``-escaped). A select menu's id holds the question's other
options (``mb1:pair:<start>:<end>``) and each choice the ones it sets (``IWM/SPY``); an action
button names the action and its argument (``mb1:alert:ratio``). The bot registers one dynamic
item (``Click``) for every id starting with ``mb``, so a click is read from its ``custom_id``
alone, whatever happened since the answer was sent.

Who sees what: the person who asked edits their answer in place; anyone else's click is answered
privately, with buttons of its own, so nobody changes someone else's answer.

When buttons are disabled: a button asks the answer's question with options changed, on the
data of the moment of the click (an answer without an end date is refreshed to the last close;
one with an end date keeps it). A button is disabled where that question could not be answered
(its options fail to parse: since Oct-2022 low on an answer ending before it) or it is the
question shown. An id this version cannot read (an older ``mbN:``, a garbled id) is answered
privately with what to type instead, never with a traceback.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

import discord
import pandas as pd
from discord import app_commands

from analytics.errors import MarketbotError
from commands.kit import logged
from commands.kit.command import Act, Ask, Catalog, Command, Pick, Question, Unreadable
from commands.kit.errors import EXPIRED, explain, observe, since
from commands.kit.limits import CUSTOM_ID_MAX

log = logging.getLogger(__name__)

VERSION = "mb1"
# Characters kept as they are in a custom_id; ":" separates values and "%" escapes.
_SAFE = "^ .-_/=,$!*()"
PICKED = "/"  # joins the values a menu choice sets


def custom_id(name: str, values: list[str]) -> str:
    return ":".join([VERSION, name, *(quote(value, safe=_SAFE) for value in values)])


def terminal_line(command: Command, raw: Mapping[str, str]) -> str:
    """The question as the terminal takes it: ``marketbot ask compare a:"^RUT" ...``."""
    return " ".join(["marketbot ask", command.name, *(f'{name}:"{value}"' for name, value in raw.items())])


# -- drawing the buttons of an answer -------------------------------------------------------


def view_for(question: Question, catalog: Catalog, today: pd.Timestamp) -> discord.ui.View:
    """The answer's buttons, as the command declares them for its options."""
    command, shown = question.command, question.options.encode()
    assert command.buttons is not None
    items: list[discord.ui.Item[Any]] = []
    for spec in command.buttons(question.options):
        if isinstance(spec, Ask):
            items.append(_ask_button(command, {**shown, **spec.changes}, spec, catalog, today))
        elif isinstance(spec, Pick):
            items.append(_menu(command, shown, spec))
        elif catalog.action(spec.action) is not None:  # an action no group declares is left out
            items.append(_action_button(spec))
    view = discord.ui.View(timeout=None)
    for item in items:
        if len(getattr(item, "custom_id", "")) <= CUSTOM_ID_MAX:  # a question too long to encode gets no button
            view.add_item(item)
    # Clicks are dispatched by the registered Click item, not by this object. Stopped, the view
    # is sent as plain components and never stored: discord.py times out stored ephemeral views
    # after 15 minutes and would then unregister the item classes for every message.
    view.stop()
    return view


def _ask_button(
    command: Command, raw: dict[str, str], spec: Ask, catalog: Catalog, today: pd.Timestamp
) -> discord.ui.Button[Any]:
    style = discord.ButtonStyle.primary if spec.current else discord.ButtonStyle.secondary
    answerable = _answerable(command, raw, catalog, today)
    return discord.ui.Button(
        label=spec.label,
        style=style,
        custom_id=custom_id(command.name, list(raw.values())),
        row=spec.row,
        disabled=spec.current or not answerable,
    )


def _answerable(command: Command, raw: Mapping[str, str], catalog: Catalog, today: pd.Timestamp) -> bool:
    try:
        catalog.question(command, raw, today)
    except MarketbotError:
        return False
    return True


def _menu(command: Command, shown: dict[str, str], spec: Pick) -> discord.ui.Select[Any]:
    kept = [value for name, value in shown.items() if name not in command.picks[spec.name]]
    options = [
        discord.SelectOption(label=label, value=PICKED.join(values), default=values == spec.current)
        for label, values in spec.choices
    ]
    return discord.ui.Select(
        custom_id=custom_id(spec.name, kept), options=options, placeholder=spec.placeholder, row=spec.row
    )


def _action_button(spec: Act) -> discord.ui.Button[Any]:
    return discord.ui.Button(
        label=spec.label, emoji=spec.emoji or None, custom_id=f"{VERSION}:{spec.action}:{spec.argument}", row=spec.row
    )


# -- reading a click ----------------------------------------------------------------------------


def read_click(custom_id: str, values: list[str], catalog: Catalog, today: pd.Timestamp) -> Question | tuple[str, str]:
    """What a click asks: a question, or (action, argument) for an action button; else ``Unreadable``.

    An id of another version, or that names nothing with buttons, says to ask "the command" again;
    a garbled id of a command with buttons names it."""
    version, _, rest = custom_id.partition(":")
    name, *parts = rest.split(":")
    if version != VERSION:
        raise Unreadable(_outdated())
    if catalog.action(name) is not None and len(parts) == 1:
        return name, parts[0]
    command = catalog.get(name)
    if command is not None and command.buttons is not None:
        fields = list(command.options.declared())
        if len(parts) != len(fields):
            raise Unreadable(_outdated(command.name))
        return catalog.question(command, dict(zip(fields, map(unquote, parts), strict=True)), today)
    if (menu := catalog.pick(name)) is not None:
        command, picked = menu
        kept = [f for f in command.options.declared() if f not in picked]
        chosen = values[0].split(PICKED) if len(values) == 1 else []
        if len(parts) != len(kept) or len(chosen) != len(picked):
            raise Unreadable(_outdated(command.name))
        raw = {**dict(zip(kept, map(unquote, parts), strict=True)), **dict(zip(picked, chosen, strict=True))}
        return catalog.question(command, {f: raw[f] for f in command.options.declared()}, today)
    raise Unreadable(_outdated())


def _outdated(command: str = "") -> str:
    ask = f"/{command}" if command else "the command"
    return f"This button is from an older marketbot and can no longer be read; ask {ask} again for fresh buttons."


class Click(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mb.*"):
    """Every marketbot button and menu: read from its custom_id (restarts included) and answered."""

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> Click:
        return cls(item)  # type: ignore[arg-type]  # a select menu too: the id is what is read

    async def callback(self, interaction: discord.Interaction) -> None:
        context = interaction.client.context  # type: ignore[attr-defined]  # the bot's (bot.app.MarketBot)
        catalog = context.responder.services.catalog
        with logged.about(**logged.interaction_fields(interaction, "button")):
            try:
                data: dict[str, Any] = dict(interaction.data or {})
                clock = context.responder.services.clock
                asked = read_click(self.custom_id, list(data.get("values", [])), catalog, clock())
                if isinstance(asked, Question):
                    await spend_cooldown(interaction, asked.command.name)
                    await context.responder.click(interaction, asked)
                else:
                    interaction.extras["command"] = f"button {asked[0]}"
                    action = catalog.action(asked[0])
                    assert action is not None  # read_click returns only declared actions
                    await action(interaction, asked[1], context)
                    context.observer.answered(interaction.extras["command"], "answered", None, since(interaction))
            except Exception as error:
                await explain_privately(interaction, error, self.custom_id)


async def spend_cooldown(interaction: discord.Interaction, command: str) -> None:
    """A click counts against the slash command's own per-user cooldown."""
    interaction.extras["command"] = command  # the cooldown's key for an interaction that is not a command
    app_command = interaction.client.tree.get_command(command)  # type: ignore[attr-defined]
    for check in getattr(app_command, "checks", []):
        await discord.utils.maybe_coroutine(check, interaction)


async def explain_privately(interaction: discord.Interaction, error: Exception, custom_id: str) -> None:
    """The slash commands' error pipeline, for a click: the reason privately, to the clicker only."""
    if isinstance(error, discord.NotFound) and error.code in EXPIRED:
        log.warning("Click %s: the interaction expired before we answered (%s)", custom_id, error)
        return
    observe(interaction, interaction.extras.get("command") or "button", error)
    if isinstance(error, app_commands.CommandOnCooldown):
        command = interaction.extras.get("command", "")
        text = f"You are asking quickly: try /{command} again in {math.ceil(error.retry_after)} s."
    else:
        if not isinstance(error, MarketbotError):
            log.warning("Click %s by user %s failed", custom_id, interaction.user.id)
        text = explain(interaction, error)
    try:
        if interaction.response.is_done():  # after a deferral: a new private message, never an edit of the answer
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except Exception as exc:  # Discord down, the bot shutting down: nothing more to tell the user
        log.warning("Could not tell the user about a failed click on %s: %r", custom_id, exc)
