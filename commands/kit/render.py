"""An Answer as a Discord message: one embed, the chart attached and shown in it."""

from __future__ import annotations

import io

import discord

from commands.kit.answer import Answer
from commands.kit.limits import (
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
    TITLE_MAX,
)

COLOUR = discord.Colour(0x5865F2)
CAUTION = discord.Colour(0xF0B232)  # snapshot or stale data


def data_notice(answer: Answer) -> str:
    """A plain sentence when the figures are not today's live Yahoo data, else ''."""
    data = answer.data
    if "source" not in data:
        return ""
    last = data["last_session"]
    note = f" ({data['note']})" if data.get("note") else ""
    if data.get("replay"):
        return f"Replay of the {data['source']} as of {last}: not today's market."
    if data.get("stale"):
        age = f", {data['age']} old" if data.get("age") else ""
        if not data.get("live", True):
            return f"⚠️ Offline {data['source']} data, last session {last}{age}{note}: not today's market."
        return f"⚠️ Stale data: last session {last}{age}{note}."
    if not data.get("live", True):
        return f"Offline {data['source']} data{note}, last session {last}: not today's market."
    return ""


def to_embed(answer: Answer) -> discord.Embed:
    notice = data_notice(answer)
    title = _cut(answer.title, TITLE_MAX)
    footer = _cut(answer.footer, FOOTER_MAX)
    # The footer (provenance) and title always fit; the description and fields share the rest of 6000.
    budget = EMBED_TOTAL_MAX - len(title) - len(footer)
    description = _cut(answer.summary + (f"\n\n{notice}" if notice else ""), min(DESCRIPTION_MAX, budget))
    budget -= len(description)
    embed = discord.Embed(title=title, description=description, colour=CAUTION if notice else COLOUR)
    for name, value in answer.fields[:FIELDS_MAX]:
        name, value = _cut(name, FIELD_NAME_MAX), _cut(value, FIELD_VALUE_MAX)
        budget -= len(name) + len(value)
        if budget < 0:
            break  # never with today's answers, which stay far below 6000 characters
        embed.add_field(name=name, value=value, inline=False)
    if footer:
        embed.set_footer(text=footer)
    if answer.chart is not None:
        embed.set_image(url=f"attachment://{answer.chart_name}")
    return embed


def to_file(answer: Answer) -> discord.File | None:
    """A fresh File each time: discord.py consumes it when sending."""
    if answer.chart is None:
        return None
    return discord.File(io.BytesIO(answer.chart), filename=answer.chart_name)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
