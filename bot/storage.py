"""The bot's own state in SQLite: one file, WAL, a versioned schema.

Every method is a short transaction; callers on the event loop run them with
``asyncio.to_thread`` (see ``Storage.run``). One connection, serialised by a
lock: SQLite allows one writer at a time anyway, and our writes are tiny.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from filelock import FileLock, Timeout

from analytics.errors import MarketbotError
from commands.subscriptions import Delivery, NewSubscription, Subscription

T = TypeVar("T")

# Discord refuses a second message with the same nonce from the same author for
# a few minutes; an interrupted delivery is resent only within this window.
NONCE_WINDOW = dt.timedelta(minutes=2)

# Schema migrations, in order; ``PRAGMA user_version`` records how many ran.
# Append only: a released migration is never edited.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE subscriptions (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused: alert nonces derive from it
        guild_id      INTEGER NOT NULL,
        channel_id    INTEGER NOT NULL,
        rule          TEXT    NOT NULL,
        preset        TEXT    NOT NULL,
        role_id       INTEGER,
        created_by    INTEGER NOT NULL,
        created_at    TEXT    NOT NULL,
        paused_reason TEXT,             -- NULL while active
        UNIQUE (channel_id, rule)
    );
    CREATE INDEX subscriptions_by_guild ON subscriptions (guild_id);
    -- One row per alert and subscription: the key that makes delivery exactly-once.
    CREATE TABLE deliveries (
        subscription_id INTEGER NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
        rule            TEXT    NOT NULL,
        session         TEXT    NOT NULL,
        level           TEXT    NOT NULL,
        state           TEXT    NOT NULL,   -- claimed, sent, failed
        headline        TEXT    NOT NULL,
        claimed_at      TEXT    NOT NULL,
        claimed_by      TEXT    NOT NULL,   -- the Storage (process run) that claimed it
        finished_at     TEXT,
        message_id      INTEGER,
        error           TEXT,
        PRIMARY KEY (subscription_id, rule, session, level)
    );
    CREATE INDEX deliveries_by_state ON deliveries (state);
    """,
)


class Storage:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL keeps it consistent
            self._db.execute("PRAGMA foreign_keys=ON")
        except (OSError, sqlite3.Error) as exc:
            raise MarketbotError(f"Cannot open the database {path}: {exc}. Check MARKETBOT_DB.") from None
        self._lock = threading.Lock()
        self.run_id = uuid.uuid4().hex  # tells this run's in-flight claims from a crashed run's
        # One alert evaluator per database: an OS lock on a file beside it, which the OS
        # releases when the holding process dies (see is_evaluator).
        self._evaluator = FileLock(path.with_name(path.name + ".alerts.lock"), thread_local=False)
        self._closed = False
        self._migrate()

    @property
    def schema_version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version
        if version > len(MIGRATIONS):
            self._db.close()
            raise MarketbotError(
                f"The database {self.path} was written by a newer marketbot (schema {version}); upgrade marketbot."
            )
        with self._lock:
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                # executescript commits first, so run each migration in its own explicit transaction.
                self._db.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

    async def run(self, method: Callable[..., T], *args: object, **kwargs: object) -> T:
        """Call a storage method off the event loop."""
        return await asyncio.to_thread(method, *args, **kwargs)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._db.close()
            self._evaluator.release(force=True)

    def is_evaluator(self) -> bool:
        """Whether this Storage is the database's one alert evaluator (the only one that claims alerts).

        The first to ask takes the lock and keeps it until it closes. While it lives,
        another process on the same database evaluates nothing; when it dies, the OS
        frees the lock and the next one takes over. So a claim left by another run
        can only be a dead run's.
        """
        with self._lock:  # two threads of this run asking at once must not both try the file
            if self._closed:
                return False
            if not self._evaluator.is_locked:
                try:
                    self._evaluator.acquire(timeout=0)
                except Timeout:
                    return False
                except OSError as exc:
                    raise MarketbotError(
                        f"Cannot use the alert lock file {self._evaluator.lock_file}: {exc.strerror or exc}. "
                        "Check that MARKETBOT_DB's folder is writable."
                    ) from None
            return True

    # -- meta: small named values (e.g. the hash of the last synced command set) --

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._transaction(
            lambda db: db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        )

    # -- alert subscriptions ------------------------------------------------------

    def subscribe(self, sub: NewSubscription) -> tuple[Subscription, bool]:
        """Add, or update the preset and role of, the channel's subscription to a rule.

        Returns it and whether it is new. Re-subscribing resumes a paused one.
        """

        def work(db: sqlite3.Connection) -> tuple[Subscription, bool]:
            existing = db.execute(
                "SELECT id FROM subscriptions WHERE channel_id = ? AND rule = ?", (sub.channel_id, sub.rule)
            ).fetchone()
            db.execute(
                """
                INSERT INTO subscriptions (guild_id, channel_id, rule, preset, role_id, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (channel_id, rule) DO UPDATE SET
                    preset = excluded.preset, role_id = excluded.role_id, paused_reason = NULL
                """,
                (sub.guild_id, sub.channel_id, sub.rule, sub.preset, sub.role_id, sub.created_by, _now()),
            )
            row = db.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions WHERE channel_id = ? AND rule = ?",
                (sub.channel_id, sub.rule),
            ).fetchone()
            return Subscription(*row), existing is None

        return self._transaction(work)

    def unsubscribe(self, guild_id: int, channel_id: int, rules: Iterable[str]) -> int:
        """Remove the channel's subscriptions to ``rules``; their delivery history goes with them."""
        rules = list(rules)
        marks = ",".join("?" * len(rules))
        return self._transaction(
            lambda db: db.execute(
                f"DELETE FROM subscriptions WHERE guild_id = ? AND channel_id = ? AND rule IN ({marks})",
                (guild_id, channel_id, *rules),
            ).rowcount
        )

    def subscriptions(self, guild_id: int | None = None, *, active_only: bool = False) -> list[Subscription]:
        where, args = [], []
        if guild_id is not None:
            where.append("guild_id = ?")
            args.append(guild_id)
        if active_only:
            where.append("paused_reason IS NULL")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_SUBSCRIPTION_COLUMNS} FROM subscriptions {clause} ORDER BY id", args
            ).fetchall()
        return [Subscription(*row) for row in rows]

    def pause(self, subscription_id: int, reason: str) -> None:
        self._transaction(
            lambda db: db.execute("UPDATE subscriptions SET paused_reason = ? WHERE id = ?", (reason, subscription_id))
        )

    # -- deliveries: claim before sending, record after --------------------------------

    def claim(
        self, alerts: Iterable[tuple[int, str, str, str, str]], resend_within: dt.timedelta = NONCE_WINDOW
    ) -> list[tuple[int, str, str, str, str]]:
        """Claim (subscription, rule, session, level, headline) alerts; return those to send now.

        Only the evaluator claims (``is_evaluator``): any other Storage gets nothing.
        An alert already sent or failed, or claimed by this run (in flight), is
        not returned, so overlapping cycles never both send it. One claimed by
        another run, which can only be a dead one, and never finished (a crash
        came between claiming and recording) is returned again while Discord
        still refuses a duplicate of its nonce; after that it is recorded as
        failed, since it may have been posted. Nor is a notable alert returned
        when its session already had a sharp one for that subscription.
        """
        if not self.is_evaluator():
            return []

        def work(db: sqlite3.Connection) -> list[tuple[int, str, str, str, str]]:
            claimed, now = [], dt.datetime.now(dt.UTC)
            for alert in alerts:
                sub_id, rule, session, level, headline = alert
                if level == "notable" and db.execute(
                    "SELECT 1 FROM deliveries WHERE subscription_id = ? AND rule = ? AND session = ? AND level = 'sharp'",
                    (sub_id, rule, session),
                ).fetchone():
                    continue
                inserted = db.execute(
                    """
                    INSERT OR IGNORE INTO deliveries
                        (subscription_id, rule, session, level, state, headline, claimed_at, claimed_by)
                    VALUES (?, ?, ?, ?, 'claimed', ?, ?, ?)
                    """,
                    (sub_id, rule, session, level, headline, now.isoformat(timespec="milliseconds"), self.run_id),
                ).rowcount
                if inserted:
                    claimed.append(alert)
                    continue
                row = db.execute(
                    """
                    SELECT state, claimed_at, claimed_by FROM deliveries
                    WHERE subscription_id = ? AND rule = ? AND session = ? AND level = ?
                    """,
                    (sub_id, rule, session, level),
                ).fetchone()
                if row[0] != "claimed" or row[2] == self.run_id:
                    continue
                if now - dt.datetime.fromisoformat(row[1]) < resend_within:
                    db.execute(
                        """
                        UPDATE deliveries SET claimed_by = ?
                        WHERE subscription_id = ? AND rule = ? AND session = ? AND level = ?
                        """,
                        (self.run_id, sub_id, rule, session, level),
                    )
                    claimed.append(alert)
                else:
                    db.execute(
                        """
                        UPDATE deliveries SET state = 'failed', finished_at = ?, error = ?
                        WHERE subscription_id = ? AND rule = ? AND session = ? AND level = ?
                        """,
                        (now.isoformat(), "interrupted while sending; not resent, it may have been posted",
                         sub_id, rule, session, level),
                    )  # fmt: skip
            return claimed

        return self._transaction(work)

    def finish(self, key: tuple[int, str, str, str], *, message_id: int | None = None, error: str | None = None) -> None:
        state = "failed" if error else "sent"
        self._transaction(
            lambda db: db.execute(
                """
                UPDATE deliveries SET state = ?, finished_at = ?, message_id = ?, error = ?
                WHERE subscription_id = ? AND rule = ? AND session = ? AND level = ?
                """,
                (state, _now(), message_id, error, *key),
            )
        )

    def unfinished_elsewhere(self, session: str) -> int:
        """Alerts of ``session`` claimed by another (so a dead) run and never finished: a crash
        came after they were handed to delivery. Judging the session again resends them."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM deliveries WHERE session = ? AND state = 'claimed' AND claimed_by != ?",
                (session, self.run_id),
            ).fetchone()
        return row[0]

    def last_deliveries(self, subscription_ids: Iterable[int]) -> dict[int, Delivery]:
        """Each subscription's most recent alert, for /alerts list."""
        ids = list(subscription_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                f"""
                SELECT {_DELIVERY_COLUMNS} FROM deliveries d
                WHERE subscription_id IN ({marks}) AND claimed_at = (
                    SELECT MAX(claimed_at) FROM deliveries WHERE subscription_id = d.subscription_id)
                """,
                ids,
            ).fetchall()
        return {row[0]: Delivery(*row) for row in rows}


_SUBSCRIPTION_COLUMNS = "id, guild_id, channel_id, rule, preset, role_id, created_by, created_at, paused_reason"
_DELIVERY_COLUMNS = "subscription_id, rule, session, level, state, headline, claimed_at, finished_at, message_id, error"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
