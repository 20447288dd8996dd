"""The Discord side: the bot, its lifetime, and `marketbot run` / `marketbot sync`."""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Literal

import aiohttp
import discord
from discord.ext.commands import Bot, when_mentioned

from analytics.errors import MarketbotError
from analytics.sessions import is_regular_hours
from bot.alert_cycle import AlertCycle, CycleReport
from bot.alert_delivery import AlertDelivery
from bot.alert_schedule import AlertScheduler
from bot.command_sync import sync_commands
from bot.loop_monitor import LoopMonitor
from bot.settings import Settings
from bot.store import Store, open_store
from bot.wiring import build_services
from bot.workers import Workers
from commands.alerts import Alerts
from commands.buttons import ITEMS as ANSWER_BUTTONS
from commands.errors import on_error
from commands.registry import COGS
from commands.respond import Responder
from commands.services import Services, in_thread
from commands.watchlist import Watchlist

log = logging.getLogger(__name__)

Job = Literal["serve", "sync", "check"]
DRAIN_SECONDS = 10  # at shutdown, for answers and alerts already under way


class MarketBot(Bot):
    def __init__(
        self,
        services: Services,
        storage: Store,
        *,
        sync_guild: int | None,
        job: Job = "serve",
        workers: Workers | None = None,
        alert_interval: float = 300,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # slash commands need no privileged intent
        super().__init__(
            command_prefix=when_mentioned,  # no text commands: slash commands only
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
        )
        self.services = services
        self.storage = storage
        self.sync_guild = sync_guild
        self.job = job
        self.workers = workers
        self.responder = Responder(services)
        self.loop_monitor = LoopMonitor()
        self.tree.error(on_error)
        self.delivery = AlertDelivery(self, storage, services)
        self.alert_cycle = AlertCycle(services.market, storage, self.delivery.deliver)
        self.alert_scheduler = AlertScheduler(self.alert_cycle, storage, services.market, alert_interval, services.clock)

    async def setup_hook(self) -> None:
        for cog in COGS:
            await self.add_cog(cog(self.responder))
        await self.add_cog(Alerts(self.responder, self.storage, self.delivery.post_sample))
        await self.add_cog(Watchlist(self.responder, self.storage))
        self.add_dynamic_items(*ANSWER_BUTTONS)  # clicks on answers' buttons, read from their custom_id (restarts included)
        self.loop_monitor.start()
        if self.job == "check":
            return  # REST only: one alert cycle, run by check_alerts()
        if self.workers is not None:
            await self.workers.start()  # after login: a refused token costs no processes
        try:
            await sync_commands(self.tree, self.storage, self.sync_guild, force=self.job == "sync")
        except discord.HTTPException as exc:
            if self.job == "sync":
                raise MarketbotError(f"Discord refused the command sync: {exc}") from None
            # The commands registered last time keep working; the next start retries.
            log.error("Could not sync slash commands (will retry on the next start): %s", exc)
        if self.job == "serve":
            self.alert_scheduler.start()

    async def on_ready(self) -> None:
        log.info("Connected as %s to %d guilds; data: %s", self.user, len(self.guilds), self.services.market.describe())

    async def close(self) -> None:
        await self.alert_scheduler.shutdown()
        # Finish what is under way before the connection closes: answers people wait for, alerts being sent.
        unanswered, unsent = await asyncio.gather(self.responder.drain(DRAIN_SECONDS), self.delivery.drain(DRAIN_SECONDS))
        if unanswered:
            log.warning("%d answers still computing at shutdown were dropped", unanswered)
        if unsent:
            log.warning("%d alerts not sent before shutdown; a restart within 2 minutes resends them", unsent)
        await self.loop_monitor.stop()
        cache = self.responder.cache
        log.info("Answers: %d asked, %d computed, the rest from the cache", cache.asked, cache.computed)
        await super().close()


async def run(settings: Settings, job: Job = "serve", guild: int | None = None) -> CycleReport | None:
    """``serve``: until stopped. ``sync``: log in, force a command sync, return.
    ``check``: log in (REST only), run one alert cycle, return its report."""
    assert settings.discord_token is not None
    token = settings.discord_token.get_secret_value()
    storage = await open_store(settings.db)
    log.info("Storage: %s", storage.description)
    workers = Workers(settings.workers) if settings.workers and job == "serve" else None
    services = build_services(settings, offload=workers.run if workers else in_thread)
    bot = MarketBot(
        services,
        storage,
        sync_guild=guild or settings.dev_guild,
        job=job,
        workers=workers,
        alert_interval=settings.alert_interval_seconds,
    )
    # SIGTERM (service managers, containers) closes the connection cleanly, like Ctrl-C.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
    try:
        async with bot:
            if job == "serve":
                await bot.start(token)
                return None
            await bot.login(token)  # runs setup_hook
            if job == "check":
                live = services.market.source.live and is_regular_hours(services.clock())
                report = await bot.alert_cycle.run("intraday" if live else "settled")
                await bot.delivery.drain()  # retries included: a check ends when its alerts are out
                return report
            return None
    except discord.LoginFailure:
        raise MarketbotError("Discord refused the token in DISCORD_TOKEN; reset it in the developer portal.") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise MarketbotError(f"Cannot reach Discord ({type(exc).__name__}); check the network and try again.") from None
    finally:
        if workers is not None:
            await asyncio.to_thread(workers.close)
        await storage.close()
