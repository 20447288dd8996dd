"""What commands keep in the bot's database, and what they ask of it (bot/storage implements it).

Records are plain frozen dataclasses; a store's failures are ``StoreUnavailable``, an expected
event whose message is the user's ("... nothing was changed").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from analytics.errors import MarketbotError
from analytics.watchlist import WatchChange


class StoreUnavailable(MarketbotError):
    """The database cannot be used right now (full, locked, read-only, gone, restarting).

    An expected event, not a bug: its str() is the user's message, and nothing was changed.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(
            "Alert settings cannot be saved or read right now; nothing was changed. Try again in a minute."
        )
        self.detail = detail  # for the log: what the database said


@dataclass(frozen=True)
class NewSubscription:
    guild_id: int
    channel_id: int
    rule: str  # an alert rule's name, or "digest"
    preset: str  # sensitive, standard or quiet
    role_id: int | None
    created_by: int


@dataclass(frozen=True)
class Subscription:
    id: int
    guild_id: int
    channel_id: int
    rule: str
    preset: str
    role_id: int | None
    created_by: int
    created_at: str
    paused_reason: str | None

    @property
    def active(self) -> bool:
        return self.paused_reason is None


@dataclass(frozen=True)
class Delivery:
    """One alert (or digest) for one subscription, and what became of it."""

    subscription_id: int
    rule: str
    session: str  # ISO date
    level: str  # notable, sharp or digest
    state: str  # claimed, sent, failed
    headline: str
    claimed_at: str
    finished_at: str | None
    message_id: int | None
    error: str | None


class CommandStore(Protocol):
    """The part of the bot's Store the commands use."""

    async def subscribe(self, subs: Sequence[NewSubscription]) -> list[tuple[Subscription, bool]]: ...
    async def unsubscribe(self, guild_id: int, channel_id: int, rules: Iterable[str]) -> int: ...
    async def subscriptions(self, guild_id: int | None = None, *, active_only: bool = False) -> list[Subscription]: ...
    async def last_deliveries(self, subscription_ids: Iterable[int]) -> dict[int, Delivery]: ...
    async def watchlist(self, guild_id: int) -> list[str]: ...
    async def watch(self, guild_id: int, symbols: Sequence[str], added_by: int) -> WatchChange: ...
    async def unwatch(self, guild_id: int, symbols: Iterable[str]) -> list[str]: ...
