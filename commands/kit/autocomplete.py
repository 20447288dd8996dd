"""Autocomplete from local data only: Discord gives 3 seconds and no deferral.

Choices are suggestions; the handlers validate whatever is finally submitted.
"""

from __future__ import annotations

import re

import discord
from discord import app_commands

from analytics.symbols import search_symbols
from analytics.windows import ANCHORS, SPECIAL
from commands.kit.limits import AUTOCOMPLETE_CHOICES_MAX as MAX_CHOICES  # discord.py does not truncate
from commands.kit.limits import CHOICE_TEXT_MAX as MAX_CHOICE_TEXT


def symbol_suggestions(current: str) -> list[tuple[str, str]]:
    """(label, value) pairs completing the last symbol typed; earlier ones are kept.

    "NVDA met" suggests "NVDA META", labelled "NVDA META — Meta Platforms".
    """
    typed = re.split(r"[\s,]+", current.strip())
    done, last = (typed, "") if current[-1:] in (" ", ",") else (typed[:-1], typed[-1])
    prefix = "".join(f"{symbol} " for symbol in done if symbol)
    suggestions = []
    for known in search_symbols(last, MAX_CHOICES):
        value = f"{prefix}{known.symbol}"
        if len(value) <= MAX_CHOICE_TEXT:
            suggestions.append((f"{value} — {known.name}"[:MAX_CHOICE_TEXT], value))
    return suggestions


def one_symbol_suggestions(current: str) -> list[tuple[str, str]]:
    """(label, value) pairs for an option that takes a single symbol."""
    return [
        (f"{k.symbol} — {k.name}"[:MAX_CHOICE_TEXT], k.symbol) for k in search_symbols(current.strip(), MAX_CHOICES)
    ]


def anchor_suggestions(current: str, *, for_end: bool = False) -> list[tuple[str, str]]:
    """Named anchors whose name or description contains what was typed.

    ``ytd`` and ``max`` only make sense as a start, so an end is not offered them.
    """
    typed = current.strip().lower()
    return [
        (f"{name} — {meaning}"[:MAX_CHOICE_TEXT], name)
        for name, meaning in ANCHORS.items()
        if (typed in name or typed in meaning.lower()) and not (for_end and name in SPECIAL)
    ][:MAX_CHOICES]


async def symbol_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=value) for label, value in symbol_suggestions(current)]


async def one_symbol_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=value) for label, value in one_symbol_suggestions(current)]


async def anchor_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=value) for label, value in anchor_suggestions(current)]


async def end_anchor_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=label, value=value) for label, value in anchor_suggestions(current, for_end=True)]
