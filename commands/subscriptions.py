"""Alert subscriptions and their deliveries as plain records (stored by bot.storage)."""

from __future__ import annotations

from dataclasses import dataclass

RULE_CHOICES = ("ratio", "kre", "digest")


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


@dataclass(frozen=True)
class Delivery:
    subscription_id: int
    rule: str
    session: str
    level: str
    state: str
    headline: str
    claimed_at: str
    finished_at: str | None
    message_id: int | None
    error: str | None

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.subscription_id, self.rule, self.session, self.level)
