"""Alert subscriptions and their deliveries as plain records (stored by the bot's Store)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from analytics.errors import MarketbotError

RULE_CHOICES = ("ratio", "kre", "digest")


class StoreUnavailable(MarketbotError):
    """The database cannot be used right now (full, locked, read-only, gone, restarting).

    An expected event, not a bug: its str() is the user's message, and nothing was changed.
    """

    def __init__(self, detail: str) -> None:
        super().__init__("Alert settings cannot be saved or read right now; nothing was changed. Try again in a minute.")
        self.detail = detail  # for the log: what the database said


@dataclass(frozen=True)
class NewSubscription:
    guild_id: int
    channel_id: int
    rule: str  # ratio, kre or digest
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


class AlertKey(NamedTuple):
    """One alert for one subscription: sent at most once (its nonce derives from it)."""

    subscription_id: int
    rule: str
    session: str  # ISO date
    level: str  # notable, sharp or digest


@dataclass(frozen=True)
class Claim:
    """An alert the cycle wants to send, with the headline recorded beside it."""

    key: AlertKey
    headline: str


@dataclass(frozen=True)
class Delivery:
    subscription_id: int
    rule: str
    session: str
    level: str
    state: str  # claimed, sent, failed
    headline: str
    claimed_at: str
    finished_at: str | None
    message_id: int | None
    error: str | None

    @property
    def key(self) -> AlertKey:
        return AlertKey(self.subscription_id, self.rule, self.session, self.level)
