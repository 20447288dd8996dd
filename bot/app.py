"""The Discord side: the client, its lifetime, and `marketbot run`.

Slash commands are registered by the Discord issue's cogs; this module owns the
connection and the resources every command shares.
"""

from __future__ import annotations

import logging

import aiohttp
import discord

from analytics.errors import MarketbotError
from bot.settings import Settings
from bot.wiring import build_services
from commands.services import Services

log = logging.getLogger(__name__)


class MarketBot(discord.Client):
    def __init__(self, services: Services) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # slash commands need no privileged intent
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none())
        self.services = services
        self.tree = discord.app_commands.CommandTree(self)

    async def on_ready(self) -> None:
        log.info("Connected as %s to %d guilds; data: %s", self.user, len(self.guilds), self.services.market.describe())


async def run(settings: Settings) -> None:
    assert settings.discord_token is not None
    bot = MarketBot(build_services(settings))
    async with bot:
        try:
            await bot.start(settings.discord_token.get_secret_value())
        except discord.LoginFailure:
            raise MarketbotError("Discord refused the token in DISCORD_TOKEN; reset it in the developer portal.") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise MarketbotError(f"Cannot reach Discord ({type(exc).__name__}); check the network and try again.") from None
