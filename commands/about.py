"""/about: the data source and its freshness, the version, and the commands."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

import discord
from discord import app_commands

from analytics.errors import MarketbotError
from commands.answer import Answer
from commands.catalog import DESCRIPTIONS
from commands.footer import footer, provenance_data
from commands.limits import light_cooldown
from commands.respond import CommandCog
from commands.services import Services

PROBE = "^GSPC"  # any always-present symbol tells how fresh the data is
BASIS = "Indices are price returns; ETFs and stocks are total returns (Yahoo's dividend-adjusted closes); yields are in percent."


def _version() -> str:
    try:
        return version("marketbot")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


async def handle(services: Services) -> Answer:
    """The source's health and freshness (checked by reading the S&P 500), the version, the commands."""
    market = services.market
    now = services.clock()
    fields = [
        ("Commands", "\n".join(f"/{name}: {text}" for name, text in DESCRIPTIONS.items())),
        ("Basis", BASIS),
        ("Version", _version()),
    ]
    data = {"command": "about", "version": _version(), "commands": DESCRIPTIONS, "status": market.describe()}
    try:
        prices = await market.closes([PROBE])
    except MarketbotError as exc:  # /about must answer during an outage: that is when it is asked
        summary = f"Data: {market.describe()}. Right now: {exc}"
        return Answer("about", "About marketbot", summary, tuple(fields), f"Data: {market.describe()}", data)
    return Answer(
        command="about",
        title="About marketbot",
        summary=f"Data: {prices.provenance.describe(now)}.",
        fields=tuple(fields),
        footer=footer(prices.provenance, [PROBE], now),
        data={**data, "status": market.describe(), **provenance_data(prices.provenance)},  # after the fetch
    )


class About(CommandCog):
    @app_commands.command(name="about", description=DESCRIPTIONS["about"])
    @light_cooldown
    async def about(self, interaction: discord.Interaction) -> None:
        await self.responder.answer(interaction, handle)
