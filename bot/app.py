"""The Discord side: the bot, and `marketbot run`, `marketbot sync`, `marketbot alerts check`
as small functions over the runtime (bot/runtime.py builds and closes the parts)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import discord
from discord.ext.commands import AutoShardedBot, when_mentioned

from analytics.errors import MarketbotError
from bot.alerts.cycle import CycleReport
from bot.alerts.jobs import AlertJobs
from bot.command_sync import SyncRefused, sync_commands
from bot.health import HealthServer
from bot.loop_monitor import LoopMonitor
from bot.metrics import loop_state, shard_state
from bot.runtime import Runtime, open_runtime
from bot.settings import Settings
from commands.kit.buttons import Click
from commands.kit.command import Context
from commands.kit.errors import on_error
from commands.kit.slash import slash_commands

log = logging.getLogger(__name__)

DRAIN_SECONDS = 10  # at shutdown, for answers and alerts already under way
STORE_PROBE_SECONDS = 1.0  # /readyz: a store slower than this is not ready (and the probe answers in time)


class MarketBot(AutoShardedBot):
    """Takes its parts ready-made; owns only the connection. ``shard_ids`` of ``shard_count``:
    the shards this process runs (both None: discord.py's count, every shard here)."""

    def __init__(
        self,
        context: Context,
        alerts: AlertJobs,
        *,
        shard_count: int | None = None,
        shard_ids: list[int] | None = None,
    ) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # slash commands need no privileged intent
        super().__init__(
            command_prefix=when_mentioned,  # no text commands: slash commands only
            help_command=None,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            shard_count=shard_count,
            shard_ids=shard_ids,  # type: ignore[arg-type]  # None: every shard (discord.py's default, which its hint omits)
        )
        self.context = context
        self.alerts = alerts
        self.loop_monitor = LoopMonitor()
        self.tree.error(on_error)

    @property
    def responder(self):
        return self.context.responder

    async def setup_hook(self) -> None:
        self.alerts.bind(self)  # alerts are posted over this bot's REST connection
        for command in slash_commands(self.context.responder.services.catalog, self.context):
            self.tree.add_command(command)
        self.add_dynamic_items(Click)  # clicks on answers' buttons, read from their custom_id (restarts included)
        self.loop_monitor.start()
        if self.alerts.metrics is not None:
            readers = self.alerts.metrics.state.readers
            readers["loop"] = lambda: loop_state(self.loop_monitor)
            readers["shards"] = lambda: shard_state(self.shards)

    async def readiness(self) -> tuple[bool, dict[str, Any]]:
        """Ready: every shard this process runs connected, the store answering, the alert job scheduled."""
        shards = {str(i): not info.is_closed() for i, info in self.shards.items()}
        connected = self.is_ready() and bool(shards) and all(shards.values())
        try:
            await asyncio.wait_for(self.alerts.storage.schema_version(), STORE_PROBE_SECONDS)
            store: bool | str = True
        except Exception as exc:  # down, locked, slow: not ready, and say why
            store = f"{type(exc).__name__}: {exc}"[:200] or "no answer"
        checks: dict[str, Any] = {
            "shards": shards if shards else "not connected yet",
            "gateway_ready": self.is_ready(),
            "store": store,
            "alert_job": True if self.alerts.scheduled else "not scheduled",
        }
        return connected and store is True and self.alerts.scheduled, checks

    async def on_ready(self) -> None:
        if self.context.process is not None:
            self.context.process.shard_count = self.shard_count
        log.info(
            "Connected as %s to %d guilds (shards %s of %s); data: %s",
            self.user,
            len(self.guilds),
            ",".join(map(str, sorted(self.shards))),
            self.shard_count,
            self.responder.services.market.describe(),
        )

    async def close(self) -> None:
        # Finish what is under way before the connection closes: answers people wait for, alerts being sent.
        unanswered, unsent = await asyncio.gather(self.responder.drain(DRAIN_SECONDS), self.alerts.stop(DRAIN_SECONDS))
        if unanswered:
            log.warning("%d answers still computing at shutdown were dropped", unanswered)
        if unsent:
            log.warning("%d alerts not sent before shutdown; a restart within 2 minutes resends them", unsent)
        await self.loop_monitor.stop()
        cache = self.responder.cache
        log.info("Answers: %d asked, %d computed, the rest from the cache", cache.asked, cache.computed)
        await self._cancel_pending_ready()
        await super().close()

    async def _cancel_pending_ready(self) -> None:
        """discord.py dispatches READY once no GUILD_CREATE came for ``guild_ready_timeout``, from a
        task of the connection state (per shard, plus one gathering them) that close() leaves running:
        it would dispatch on the closed client. The gathering task goes first, so that the shards'
        tasks ending (which they do quietly when cancelled) cannot let it dispatch."""
        state = self._connection
        tasks = [state._ready_task, *getattr(state, "_ready_tasks", {}).values()]
        pending = [task for task in tasks if task is not None and not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


def build_bot(runtime: Runtime) -> MarketBot:
    settings = runtime.settings
    return MarketBot(runtime.context, runtime.alerts, shard_count=settings.shard_count, shard_ids=settings.shard_ids)


def _bot(runtime: Runtime) -> MarketBot:
    bot = build_bot(runtime)
    # SIGTERM (service managers, containers) closes the connection cleanly, like Ctrl-C.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: asyncio.ensure_future(bot.close()))
    return bot


@asynccontextmanager
async def _logged_in(bot: MarketBot, settings: Settings) -> AsyncIterator[MarketBot]:
    """The bot, logged in (setup_hook done) for the ``with``; Discord's refusals as one line."""
    assert settings.discord_token is not None
    try:
        async with bot:
            await bot.login(settings.discord_token.get_secret_value())
            yield bot
    except discord.LoginFailure:
        raise MarketbotError("Discord refused the token in DISCORD_TOKEN; reset it in the developer portal.") from None
    except (aiohttp.ClientError, OSError) as exc:
        raise MarketbotError(f"Cannot reach Discord ({type(exc).__name__}); check the network and try again.") from None


async def serve(settings: Settings) -> None:
    """`marketbot run`: serve until stopped (Ctrl-C, SIGTERM).

    Slash commands Discord refuses stop the start, unless an earlier set is registered: then the
    bot runs on with those and says the new ones were not registered.
    """
    async with (
        open_runtime(settings, workers=True) as runtime,
        _logged_in(_bot(runtime), settings) as bot,
        _health(runtime, bot, settings),
    ):
        if runtime.workers is not None:
            await runtime.workers.start()  # after login: a refused token costs no processes
        if settings.syncs_commands:
            try:
                await sync_commands(bot.tree, runtime.storage, settings.dev_guild)
            except SyncRefused as refused:
                if not refused.earlier:
                    raise MarketbotError(str(refused)) from None
                log.error("%s; the commands registered earlier stay in use", refused)
            except discord.HTTPException as exc:
                # The commands registered last time keep working; the next start retries.
                log.error("Could not sync slash commands (will retry on the next start): %s", exc)
        else:
            log.info("Slash commands are registered by the process running shard 0; not syncing here")
        runtime.alerts.schedule()
        await bot.connect()


@asynccontextmanager
async def _health(runtime: Runtime, bot: MarketBot, settings: Settings) -> AsyncIterator[HealthServer | None]:
    """Metrics and health over HTTP while the bot runs, when MARKETBOT_METRICS_PORT is set."""
    if settings.metrics_port is None:
        yield None
        return
    server = HealthServer(runtime.metrics, bot.readiness, lambda: bot.loop_monitor.max_lag)
    try:
        await server.start(settings.metrics_host, settings.metrics_port)
    except OSError as exc:
        raise MarketbotError(
            f"MARKETBOT_METRICS_PORT={settings.metrics_port}: cannot listen on "
            f"{settings.metrics_host}:{settings.metrics_port} ({exc.strerror or exc})."
        ) from None
    try:
        yield server
    finally:
        await server.stop()


async def sync(settings: Settings, guild: int | None = None) -> None:
    """`marketbot sync`: log in (REST only), register the commands now, return."""
    async with open_runtime(settings) as runtime, _logged_in(_bot(runtime), settings) as bot:
        try:
            await sync_commands(bot.tree, runtime.storage, guild or settings.dev_guild, force=True)
        except SyncRefused as refused:
            raise MarketbotError(str(refused)) from None
        except discord.HTTPException as exc:
            raise MarketbotError(f"Discord refused the command sync: {exc}") from None


async def check_alerts(settings: Settings) -> CycleReport:
    """`marketbot alerts check`: log in (REST only), run one alert cycle, return when its posts are out."""
    async with open_runtime(settings) as runtime, _logged_in(_bot(runtime), settings):
        return await runtime.alerts.check_once()
