"""Buttons on answers: other windows, swap, another pair, alert me; they keep working after a restart.

A button's ``custom_id`` is the whole question it asks, versioned:
``mb1:compare:^RUT:^GSPC:ytd:`` is ``marketbot ask compare a:^RUT b:^GSPC start:ytd end:``
(the handler's options in the order of its signature, ``%``-escaped). The bot registers
the item classes below (``Client.add_dynamic_items``), so a click is read from its
``custom_id`` alone, whatever happened since the answer was sent.

Who sees what: the person who asked edits their answer in place; anyone else's click
is answered privately, with buttons of its own, so nobody changes someone else's answer.
``alert me`` (on /compare ^RUT ^GSPC and /banks) subscribes the channel clicked in to the
matching rule at the standard sensitivity, for people who may change alerts (Manage Server
or Manage Channels, checked here); others get the reason privately.

When buttons are disabled: a button asks the answer's question with one option changed,
on the data of the moment of the click (an answer without an end date is refreshed to the
last close; one with an end date keeps it, so its buttons answer the same forever). A
button is disabled where that question could not be answered: it fails the command's
option check (since Oct-2022 low on an answer ending before it), or it is the question
shown. A button this version cannot read (an older ``mbN:``, a garbled id) is answered
privately with what to type instead, never with a traceback.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

import discord
import pandas as pd
from discord import app_commands

from analytics.errors import InvalidSymbol, MarketbotError
from analytics.symbols import normalize_symbol
from commands.alerts import RULE_HELP, SubscriptionStore, can_manage_alerts
from commands.answer import Handler, check_options
from commands.errors import EXPIRED, explain
from commands.subscriptions import NewSubscription

log = logging.getLogger(__name__)

VERSION = "mb1"
MAX_CUSTOM_ID = 100  # Discord's limit
# Each command's options, in the order of its handler's signature (a test holds them to it).
OPTIONS: dict[str, tuple[str, ...]] = {
    "compare": ("a", "b", "start", "end"),
    "performance": ("symbols", "start", "end"),
    "banks": ("as_of",),
}
# Characters kept as they are in a custom_id; ":" separates values and "%" escapes.
_SAFE = "^ .-_/=,$!*()"

WINDOWS = (("1m", "1m"), ("YTD", "ytd"), ("1y", "1y"), ("since Oct-2022 low", "oct-2022-low"), ("max", "max"))
# /banks has one option, the day judged (as_of), so its row is days rather than windows:
# the last close, KRE's worst day of March 2023, the eve of SVB's failure, the Oct-2022 low.
BANK_DAYS = (("latest", ""), ("March 2023 (13th)", "2023-03-13"), ("eve of SVB", "svb"), ("Oct-2022 low", "oct-2022-low"))
PAIRS = (("^RUT", "^GSPC"), ("IWM", "SPY"), ("KRE", "SPY"), ("KRE", "XLF"), ("QQQ", "SPY"))
ALERT_PAIR = ("^RUT", "^GSPC")  # the pair the ratio rule watches
ALERT_PRESET = "standard"


class Unreadable(MarketbotError):
    """A custom_id this version of marketbot cannot read: its message says what to type instead."""


@dataclass(frozen=True)
class Question:
    """A command and all of its options, as ``marketbot ask`` takes them."""

    command: str
    options: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, command: str, options: Mapping[str, str]) -> Question:
        return cls(command, tuple((name, options[name]) for name in OPTIONS[command]))

    @property
    def kwargs(self) -> dict[str, str]:
        return dict(self.options)

    def with_(self, **changes: str) -> Question:
        return Question.of(self.command, {**self.kwargs, **changes})

    def to_custom_id(self) -> str:
        return ":".join([VERSION, self.command, *(quote(value, safe=_SAFE) for _, value in self.options)])

    @classmethod
    def from_custom_id(cls, custom_id: str) -> Question:
        version, command, *values = custom_id.split(":")
        if version != VERSION or command not in OPTIONS or len(values) != len(OPTIONS[command]):
            raise Unreadable(_outdated(command))
        return cls(command, tuple(zip(OPTIONS[command], map(unquote, values), strict=True)))

    def to_terminal(self) -> str:
        return " ".join(["marketbot ask", self.command, *(f'{name}:"{value}"' for name, value in self.options)])


def _outdated(command: str = "") -> str:
    ask = f"/{command}" if command in OPTIONS else "the command"
    return f"This button is from an older marketbot and can no longer be read; ask {ask} again for fresh buttons."


# -- the views on answers (built by Responder.answer and Responder.click) ----------------------------


def compare_view(handler: Handler, options: dict[str, str], today: pd.Timestamp) -> discord.ui.View:
    """Windows; swap; another pair (keeping the window)."""
    shown = Question.of("compare", options)
    a, b = shown.kwargs["a"], shown.kwargs["b"]
    items: list[discord.ui.Item] = _windows(handler, shown, today)
    items.append(_ask(handler, shown.with_(a=b, b=a), today, "swap", row=1))
    if _pair(a, b) == ALERT_PAIR:
        items.append(AlertButton.make("ratio"))
    items.append(PairMenu.make(shown, _pair(a, b)))
    return _view(items)


def performance_view(handler: Handler, options: dict[str, str], today: pd.Timestamp) -> discord.ui.View:
    return _view(_windows(handler, Question.of("performance", options), today))


def banks_view(handler: Handler, options: dict[str, str], today: pd.Timestamp) -> discord.ui.View:
    shown = Question.of("banks", options)
    current = shown.kwargs["as_of"].strip().lower()
    days = [_ask(handler, shown.with_(as_of=value), today, label, current=value == current) for label, value in BANK_DAYS]
    return _view([*days, AlertButton.make("kre")])


VIEWS = {"compare": compare_view, "performance": performance_view, "banks": banks_view}


def _windows(handler: Handler, shown: Question, today: pd.Timestamp) -> list[discord.ui.Item]:
    current = shown.kwargs["start"].strip().lower()
    return [_ask(handler, shown.with_(start=start), today, label, current=start == current) for label, start in WINDOWS]


def _ask(handler: Handler, question: Question, today: pd.Timestamp, label: str, *, current: bool = False,
         row: int = 0) -> AskButton:  # fmt: skip
    style = discord.ButtonStyle.primary if current else discord.ButtonStyle.secondary
    return AskButton(discord.ui.Button(label=label, style=style, custom_id=question.to_custom_id(), row=row,
                                       disabled=current or not _answerable(handler, question, today)))  # fmt: skip


def _answerable(handler: Handler, question: Question, today: pd.Timestamp) -> bool:
    try:
        check_options(handler, today, question.kwargs)
    except MarketbotError:
        return False
    return True


def _pair(a: str, b: str) -> tuple[str, str] | None:
    try:
        return normalize_symbol(a), normalize_symbol(b)
    except InvalidSymbol:
        return None


def _view(items: list[discord.ui.Item]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        if len(item.custom_id) <= MAX_CUSTOM_ID:  # type: ignore[attr-defined]  # a question too long to encode gets no button
            view.add_item(item)
    # Clicks are dispatched by the registered item classes, not by this object. Stopped, the view
    # is sent as plain components and never stored: discord.py times out stored ephemeral views
    # after 15 minutes and would then unregister the item classes for every message.
    view.stop()
    return view


# -- the items (registered in the bot's setup_hook: ITEMS) -----------------------------------------


class AskButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"{VERSION}:(?:{'|'.join(OPTIONS)}):.*"):
    """Asks the question its custom_id holds."""

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str], /) -> AskButton:  # type: ignore[override]
        return cls(item)  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await ask(interaction, Question.from_custom_id(self.custom_id))
        except Exception as error:
            await explain_privately(interaction, error, self.custom_id)


class PairMenu(discord.ui.DynamicItem[discord.ui.Select], template=rf"{VERSION}:pair:.*"):
    """/compare of the pair chosen, over the window of the answer it is on: ``mb1:pair:<start>:<end>``."""

    @classmethod
    def make(cls, shown: Question, current: tuple[str, str] | None) -> PairMenu:
        window = [quote(shown.kwargs[name], safe=_SAFE) for name in ("start", "end")]
        options = [discord.SelectOption(label=f"{a} vs {b}", value=f"{a}/{b}", default=(a, b) == current) for a, b in PAIRS]
        menu = discord.ui.Select(custom_id=":".join([VERSION, "pair", *window]), options=options, placeholder="Another pair", row=2)
        return cls(menu)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str], /) -> PairMenu:  # type: ignore[override]
        return cls(item)  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            await ask(interaction, self.question(interaction.data.get("values", [])))  # type: ignore[union-attr]
        except Exception as error:
            await explain_privately(interaction, error, self.custom_id)

    def question(self, values: list[str]) -> Question:
        _, _, *window = self.custom_id.split(":")
        pair = values[0].split("/") if len(values) == 1 else []
        if len(window) != 2 or len(pair) != 2:
            raise Unreadable(_outdated("compare"))
        start, end = map(unquote, window)
        return Question.of("compare", {"a": pair[0], "b": pair[1], "start": start, "end": end})


class AlertButton(discord.ui.DynamicItem[discord.ui.Button], template=rf"{VERSION}:alert:.*"):
    """Subscribes the channel clicked in to a rule (``mb1:alert:ratio``), for those who may change alerts."""

    @classmethod
    def make(cls, rule: str) -> AlertButton:
        return cls(discord.ui.Button(label="alert me", emoji="🔔", custom_id=f"{VERSION}:alert:{rule}", row=1))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str], /) -> AlertButton:  # type: ignore[override]
        return cls(item)  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction) -> None:
        try:
            rule = self.custom_id.removeprefix(f"{VERSION}:alert:")
            if rule not in ("ratio", "kre"):
                raise Unreadable(_outdated())
            can_manage_alerts(interaction)  # raises the reason, answered privately
            # Deferred first: Discord's 3 s cannot depend on the database.
            await interaction.response.defer(ephemeral=True, thinking=True)
            store: SubscriptionStore = interaction.client.storage  # type: ignore[attr-defined]  # the bot's Store
            text = await subscribe(store, interaction.guild_id, interaction.channel_id, rule, interaction.user.id)  # type: ignore[arg-type]
            await interaction.followup.send(text, ephemeral=True)
        except Exception as error:
            await explain_privately(interaction, error, self.custom_id)


async def subscribe(store: SubscriptionStore, guild_id: int, channel_id: int, rule: str, user_id: int) -> str:
    """The channel's subscription to ``rule`` at the standard sensitivity; one already there is left as it is."""
    for sub in await store.subscriptions(guild_id):
        if (sub.channel_id, sub.rule) == (channel_id, rule):
            return f"<#{channel_id}> already gets {rule} alerts ({sub.preset}); `/alerts subscribe` changes them."
    await store.subscribe([NewSubscription(guild_id, channel_id, rule, ALERT_PRESET, None, user_id)])
    return (f"Subscribed: <#{channel_id}> gets {rule} alerts ({RULE_HELP[rule]}), {ALERT_PRESET} sensitivity. "
            "`/alerts list` shows them, `/alerts unsubscribe` stops them, `/alerts test` checks I can post here.")  # fmt: skip


class Outdated(discord.ui.DynamicItem[discord.ui.Button], template=rf"mb(?!1:(?:{'|'.join(OPTIONS)}|pair|alert):).*"):
    """Any other marketbot custom_id: an older (or newer) version's, or garbled."""

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item, match: re.Match[str], /) -> Outdated:  # type: ignore[override]
        return cls(item)  # type: ignore[arg-type]

    async def callback(self, interaction: discord.Interaction) -> None:
        await explain_privately(interaction, Unreadable(_outdated()), self.custom_id)


ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (AskButton, PairMenu, AlertButton, Outdated)


# -- a click: the same path as the slash command ---------------------------------------------------


async def ask(interaction: discord.Interaction, question: Question) -> None:
    """Through the command's cooldown, then ``Responder.click`` (checks, cache, limiter, the answer)."""
    await spend_cooldown(interaction, question.command)
    responder = interaction.client.responder  # type: ignore[attr-defined]  # the bot's (bot.app.MarketBot)
    await responder.click(interaction, _handler(question.command), buttons=VIEWS[question.command], **question.kwargs)


async def spend_cooldown(interaction: discord.Interaction, command: str) -> None:
    """A click counts against the slash command's own per-user cooldown (commands.limits)."""
    interaction.extras["command"] = command  # the cooldown's key for an interaction that is not a command
    app_command = interaction.client.tree.get_command(command)  # type: ignore[attr-defined]
    for check in getattr(app_command, "checks", []):
        await discord.utils.maybe_coroutine(check, interaction)


def _handler(command: str) -> Handler:
    from commands.registry import HANDLERS  # the registry imports every command, and three of them import this module

    return HANDLERS[command]


async def explain_privately(interaction: discord.Interaction, error: Exception, custom_id: str) -> None:
    """The slash commands' error pipeline, for a click: the reason privately, to the clicker only."""
    if isinstance(error, discord.NotFound) and error.code in EXPIRED:
        log.warning("Click %s: the interaction expired before we answered (%s)", custom_id, error)
        return
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
