"""Posting alerts to channels: rendered once per event, one independent task per channel.

discord.py already waits out 429s and retries 5xx a few times; on top of that a
channel whose send still fails with a 5xx, a 429 or a network error is retried
with backoff without holding up the others (any other 4xx would answer the same).
A channel that is gone or forbidden pauses its subscription with the reason
(repeated 403/404s count toward Discord's IP ban), shown by /alerts list.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import aiohttp
import discord
from aiolimiter import AsyncLimiter

from analytics.alerts.evaluate import evaluate
from analytics.alerts.rules import watched_values
from analytics.digest import Digest
from analytics.errors import MarketbotError
from analytics.sources.base import Prices
from bot.alerts.cycle import Due, Post, post_key
from bot.metrics import Metrics
from bot.storage.protocol import Store
from commands.alerts.messages import alert_answer, digest_answer
from commands.kit.answer import Answer
from commands.kit.command import Services
from commands.kit.logged import about
from commands.kit.render import to_embed, to_file
from commands.kit.store import StoreUnavailable

log = logging.getLogger(__name__)

RETRY_PAUSES = (5.0, 30.0, 90.0)  # seconds before each resend after a transient failure
CONCURRENT_SENDS = 50  # requests in flight at most
# Discord allows a bot 50 requests a second in all. discord.py paces each route's bucket
# but meets the global limit only by its 429s, and one channel's bucket never runs short:
# so alert posts start evenly spaced, leaving room for the bot's few other requests
# (interaction replies are webhooks, outside the global limit). Each start lags its
# slot by the loop's latency, so 48 a second nominal gives about 46 in practice.
POSTS_PER_SECOND = 48


class AlertDelivery:
    def __init__(
        self, client: discord.Client, storage: Store, services: Services, metrics: Metrics | None = None
    ) -> None:
        self.client = client
        self.metrics = metrics
        self.storage = storage
        self.services = services
        self.retry_pauses = RETRY_PAUSES
        self._slots = asyncio.Semaphore(CONCURRENT_SENDS)
        self._pace = AsyncLimiter(1, 1 / POSTS_PER_SECOND)  # one start per slot: no burst
        self._sending: set[asyncio.Task[None]] = set()

    async def deliver(self, post: Post, prices: Prices, dues: list[Due]) -> None:
        now = self.services.clock()
        try:
            if isinstance(post, Digest):
                answer = await self.services.offload(digest_answer, post, prices.provenance, now)
            else:
                values = watched_values(prices.closes, post.event.watched)
                answer = await self.services.offload(
                    alert_answer, post.event, values, prices.provenance, now, post.credit
                )
        except Exception as exc:  # nothing was posted: record why, rather than leave the claims hanging
            log.exception("Could not render the alert %s; not sent", post_key(post))
            for due in dues:
                await self.storage.finish(due.key, error=f"could not render the alert: {exc}")
            return
        # Posting to many channels takes minutes (the global rate limit): the cycle only
        # hands the claimed alerts over, and is free for the next tick.
        for due in dues:
            task = asyncio.create_task(self._send(answer, due), name=f"alert {due.nonce}")
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    @property
    def in_flight(self) -> int:
        return len(self._sending)

    async def drain(self, timeout: float | None = None) -> int:
        """Wait for the alerts being sent; cancel those left at ``timeout`` and return how many.

        A cancelled alert stays claimed: a restart within Discord's nonce window resends it.
        """
        if not self._sending:
            return 0
        _, pending = await asyncio.wait(set(self._sending), timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)  # let their storage calls finish before it closes
        return len(pending)

    async def post_sample(self, channel_id: int, role_id: int | None) -> None:
        """/alerts test: the March 2023 KRE alert, marked as a sample, posted like a real one."""
        prices = await self.services.market.closes(["KRE", "SPY"])
        event = evaluate(prices.closes, "kre", prices.closes.loc[:"2023-03-13"].index[-1]).events[0]
        values = watched_values(prices.closes, event.watched)
        answer = await self.services.offload(alert_answer, event, values, prices.provenance, self.services.clock())
        answer = Answer(**{**answer.__dict__, "title": f"SAMPLE (a test of /alerts) · {answer.title}"})
        try:
            await self._post(channel_id, role_id, answer, nonce=None)
        except discord.Forbidden:
            raise MarketbotError(
                f"I cannot post in <#{channel_id}>: "
                "give me View Channel, Send Messages, Embed Links and Attach Files there."
            ) from None
        except discord.NotFound:
            raise MarketbotError(f"<#{channel_id}> does not exist any more, or I cannot see it.") from None

    async def _send(self, answer: Answer, due: Due) -> None:
        key, sub = due.key, due.subscription
        alert = f"{key.rule}/{key.level}/{key.session}/subscription {key.subscription_id}"
        with about(alert=alert, guild=sub.guild_id, channel=sub.channel_id):  # for structured logs
            await self._send_logged(answer, due)

    async def _send_logged(self, answer: Answer, due: Due) -> None:
        try:
            await self._send_with_retries(answer, due)
        except StoreUnavailable as exc:  # an expected event (the store logged what the database said)
            log.warning(
                "Alert %s to channel %d: its outcome could not be recorded (%s); a restart settles it",
                due.key,
                due.subscription.channel_id,
                exc.detail,
            )
        except Exception as exc:  # a task of its own: nobody else would see it
            log.exception("Alert %s to channel %d failed unexpectedly", due.key, due.subscription.channel_id)
            with contextlib.suppress(Exception):  # record it, so it does not stay claimed (in flight) for good
                await self.storage.finish(due.key, error=f"failed unexpectedly: {exc!r}")

    async def _send_with_retries(self, answer: Answer, due: Due) -> None:
        sub = due.subscription
        last_error: Exception | None = None
        for pause in (0.0, *self.retry_pauses):
            await asyncio.sleep(pause)
            try:
                async with self._slots:
                    # Recorded before the request goes out: after a crash, an alert never attempted is
                    # sent whatever the delay; one attempted is resent only while its nonce protects it.
                    if not await self.storage.attempt(due.key):
                        log.warning(
                            "Alert %s was taken over by another evaluator before it went out; not sent here", due.key
                        )
                        return
                    message = await self._post(sub.channel_id, sub.role_id, answer, due.nonce)
            except StoreUnavailable as exc:  # the attempt could not be recorded, so nothing went out: try again later
                last_error = exc
                log.warning("Alert to channel %d not sent yet: the database is unavailable; will retry", sub.channel_id)
                continue
            except (discord.Forbidden, discord.NotFound) as exc:
                what = "no permission to post there" if isinstance(exc, discord.Forbidden) else "the channel is gone"
                reason = f"{what} (Discord {exc.status}, {due.post.session.date()}); fix it and subscribe again"
                log.warning("Pausing subscription %d in channel %d: %s", sub.id, sub.channel_id, reason)
                self._count_refused(str(exc.status))
                await self.storage.pause(sub.id, reason)
                await self.storage.finish(due.key, error=reason)
                return
            except (discord.HTTPException, aiohttp.ClientError, TimeoutError) as exc:
                if isinstance(exc, discord.HTTPException) and exc.status < 500 and exc.status != 429:
                    # a 400 or 401 would answer the same again: not retried
                    log.error("Alert to channel %d refused (%s); not retried", sub.channel_id, exc)
                    self._count_refused(str(exc.status))
                    await self.storage.finish(due.key, error=f"refused by Discord: {exc}")
                    return
                last_error = exc
                log.warning("Alert to channel %d failed (%s); will retry", sub.channel_id, exc)
                continue
            if self.metrics is not None:
                self.metrics.alerts_posted.inc()
            await self.storage.finish(due.key, message_id=message.id)
            return
        if isinstance(last_error, discord.HTTPException):
            self._count_refused("429" if last_error.status == 429 else "5xx")
        elif not isinstance(last_error, StoreUnavailable):  # no answer at all (a network error, a timeout)
            self._count_refused("unreachable")
        await self.storage.finish(due.key, error=f"gave up after retries: {last_error}")

    def _count_refused(self, status: str) -> None:
        """An alert Discord did not take, by its status (403, 404, 429, 5xx, ...; unreachable: no answer)."""
        if self.metrics is not None:
            self.metrics.alerts_refused.labels(status).inc()

    async def _post(self, channel_id: int, role_id: int | None, answer: Answer, nonce: str | None) -> discord.Message:
        await self._pace.acquire()
        channel = self.client.get_partial_messageable(channel_id)  # no cache lookup: works with minimal intents
        if role_id:
            content = f"<@&{role_id}>"
            mentions = discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role_id)])
        else:
            content, mentions = None, discord.AllowedMentions.none()
        extra: dict[str, Any] = {}
        if file := to_file(answer):
            extra["file"] = file
        if nonce:
            extra["nonce"] = nonce
        return await channel.send(content=content, embed=to_embed(answer), allowed_mentions=mentions, **extra)
