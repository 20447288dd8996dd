"""The bot's own state behind one async interface, on SQLite (embedded) or PostgreSQL (shared).

Everything that touches storage (the /alerts cog, the alert cycle, delivery, the
schedule, command sync) awaits a ``Store``; each engine keeps its blocking or
async I/O inside. Both keep the same tables under versioned migrations, and both
make delivery exactly-once: an alert is claimed in a transaction before it is sent,
its attempt is recorded before the request goes out, and its result after.

Errors the database can be expected to have (full, locked, read-only, gone,
restarting) are raised as ``StoreUnavailable``, whose message is the user's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from analytics.watchlist import WatchChange
from commands.kit.store import CommandStore, Delivery, NewSubscription, Subscription

# Discord refuses a second message with the same nonce from the same author for a few
# minutes: an alert attempted but not confirmed is resent only within this window.
NONCE_WINDOW = dt.timedelta(minutes=2)
INTERRUPTED = "interrupted while sending; not resent, it may have been posted"


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


class Store(CommandStore, Protocol):
    description: str  # where the data lives, for logs (never a password)
    observe: Callable[[str, str], None]  # told each operation and its outcome (ok, unavailable, error): metrics
    taken_over: int  # alerts a dead run claimed and did not finish, claimed again by this one (resent)

    async def close(self) -> None: ...
    async def schema_version(self) -> int: ...

    async def is_evaluator(self) -> bool:
        """Whether this process is the database's one alert evaluator (the only one that claims).

        The first to ask takes a lock held for the process's life (a file lock for SQLite,
        an advisory lock on a dedicated connection for PostgreSQL); it is checked on every
        call, and a standby takes it over when the holder dies.
        """
        ...

    # meta: small named values (the hash of the last synced command set, the last judged session)
    async def get_meta(self, key: str) -> str | None: ...
    async def set_meta(self, key: str, value: str) -> None: ...

    # subscriptions
    async def subscribe(self, subs: Sequence[NewSubscription]) -> list[tuple[Subscription, bool]]:
        """Add, or update the preset and role of, each channel's subscription to a rule, in one transaction.

        Returns each and whether it is new. Re-subscribing resumes a paused one."""
        ...

    async def unsubscribe(self, guild_id: int, channel_id: int, rules: Iterable[str]) -> int: ...
    async def subscriptions(self, guild_id: int | None = None, *, active_only: bool = False) -> list[Subscription]: ...
    async def pause(self, subscription_id: int, reason: str) -> None: ...

    # deliveries: claim, record the attempt, record the result
    async def claim(self, claims: Sequence[Claim], resend_within: dt.timedelta = NONCE_WINDOW) -> list[AlertKey]:
        """Claim alerts; return the keys to send now (only the evaluator claims; others get nothing).

        Not returned: one already sent or failed, or claimed by this run (in flight), so
        overlapping cycles never both send it; a notable alert when its session already
        had a sharp one for that subscription. One claimed by another (so a dead) run and
        never finished is returned again if it was never attempted, whatever the delay, or
        if its attempt is recent enough for Discord to refuse a duplicate of its nonce;
        otherwise it is recorded as failed, since it may have been posted.
        """
        ...

    async def attempt(self, key: AlertKey) -> bool:
        """Record that the alert's post is about to go out (before each request; the first one's time is kept).

        False if this run no longer holds the claim (another evaluator took it over before
        any post went out): then it must not be sent from here."""
        ...

    async def finish(self, key: AlertKey, *, message_id: int | None = None, error: str | None = None) -> None: ...

    async def unfinished_elsewhere(self, session: str) -> int:
        """Alerts of ``session`` claimed by another (so a dead) run and never finished."""
        ...

    async def last_deliveries(self, subscription_ids: Iterable[int]) -> dict[int, Delivery]:
        """Each subscription's most recent alert, for /alerts list."""
        ...

    # server watchlists (at most analytics.watchlist.MAX_SYMBOLS symbols per server)
    async def watchlist(self, guild_id: int) -> list[str]:
        """The server's symbols, in the order they were added."""
        ...

    async def watch(self, guild_id: int, symbols: Sequence[str], added_by: int) -> WatchChange:
        """Add symbols in one transaction, in order, until the list is full; concurrent adds never exceed the limit."""
        ...

    async def unwatch(self, guild_id: int, symbols: Iterable[str]) -> list[str]:
        """Remove symbols; returns those that were on the list."""
        ...

    async def watchlists(self) -> dict[int, list[str]]:
        """Every server's non-empty watchlist (for the digest)."""
        ...
