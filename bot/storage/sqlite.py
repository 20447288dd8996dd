"""The Store on SQLite: one file, WAL, a versioned schema (the embedded default).

Every method is a short transaction run off the event loop (``asyncio.to_thread``).
One connection, serialised by a lock: SQLite allows one writer at a time anyway,
and our writes are tiny. The file's identity is checked before each write, so a
database deleted or replaced under the running bot is refused, not written into
an unlinked file whose data would vanish at the next start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import logging
import os
import sqlite3
import threading
import uuid
from collections.abc import Callable, Coroutine, Iterable, Sequence
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from filelock import FileLock, Timeout

from analytics.errors import MarketbotError
from analytics.watchlist import MAX_SYMBOLS, WatchChange
from bot.storage.protocol import INTERRUPTED, NONCE_WINDOW, AlertKey, Claim
from commands.kit.store import Delivery, NewSubscription, StoreUnavailable, Subscription

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

BUSY_TIMEOUT = 2.0  # seconds a write waits for another process's write lock before giving up

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
    """
    -- When the post first went out (NULL: never attempted, so always safe to send after a crash).
    ALTER TABLE deliveries ADD COLUMN attempted_at TEXT;
    """,
    """
    -- Server watchlists: one row per symbol (id keeps the order they were added).
    CREATE TABLE watchlist (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        guild_id INTEGER NOT NULL,
        symbol   TEXT    NOT NULL,
        added_by INTEGER NOT NULL,
        added_at TEXT    NOT NULL,
        UNIQUE (guild_id, symbol)
    );
    """,
)


def _in_thread(
    method: Callable[Concatenate[SqliteStore, P], T],
) -> Callable[Concatenate[SqliteStore, P], Coroutine[Any, Any, T]]:
    """Run a blocking method off the event loop; the database's expected failures become StoreUnavailable."""

    @functools.wraps(method)
    async def call(self: SqliteStore, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            result = await asyncio.to_thread(method, self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:  # full, locked, read-only, gone
            self.observe(method.__name__, "unavailable")
            log.error("SQLite database %s: %s: %s", self.path, type(exc).__name__, exc)
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None
        except StoreUnavailable:  # said inside
            self.observe(method.__name__, "unavailable")
            raise
        except Exception:
            self.observe(method.__name__, "error")
            raise
        self.observe(method.__name__, "ok")
        return result

    return call


class SqliteStore:
    observe: Callable[[str, str], None] = staticmethod(lambda operation, outcome: None)  # the bot's metrics

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"SQLite {path}"
        self.taken_over = 0  # alerts a dead run claimed and did not finish, claimed again here to resend
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=BUSY_TIMEOUT)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL keeps it consistent
            self._db.execute("PRAGMA foreign_keys=ON")
            self._identity = _identity(path)
        except (OSError, sqlite3.Error) as exc:
            raise MarketbotError(f"Cannot open the database {path}: {exc}. Check MARKETBOT_DB.") from None
        self._lock = threading.Lock()
        self.run_id = uuid.uuid4().hex  # tells this run's in-flight claims from a crashed run's
        # One alert evaluator per database: an OS lock on a file beside it, which the OS
        # releases when the holding process dies (see is_evaluator).
        self._evaluator = FileLock(path.with_name(path.name + ".alerts.lock"), thread_local=False)
        self._closed = False
        self._migrate()

    @classmethod
    async def open(cls, path: Path) -> SqliteStore:
        return await asyncio.to_thread(cls, path)

    def _version(self) -> int:
        return self._db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self._version()
        if version > len(MIGRATIONS):
            self._db.close()
            raise MarketbotError(
                f"The database {self.path} was written by a newer marketbot (schema {version}); upgrade marketbot."
            )
        try:
            with self._lock:
                for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                    # executescript commits first, so run each migration in its own explicit transaction.
                    self._db.executescript(f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.Error as exc:
            self._db.close()
            raise MarketbotError(f"Cannot prepare the database {self.path}: {exc}. Check MARKETBOT_DB.") from None

    def _check_identity(self) -> None:
        """Refuse to write into a database deleted or replaced under us: its writes would be lost."""
        try:
            same = _identity(self.path) == self._identity
        except FileNotFoundError:
            same = False
        if not same:
            raise sqlite3.OperationalError(
                f"the database file {self.path} was deleted or replaced while the bot ran; restart it"
            )

    def _transaction(self, work: Callable[[sqlite3.Connection], T]) -> T:
        with self._lock:
            self._check_identity()
            self._db.execute("BEGIN IMMEDIATE")
            try:
                result = work(self._db)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            return result

    def _read(self, sql: str, args: Sequence[object] = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    @_in_thread
    def schema_version(self) -> int:
        with self._lock:
            return self._version()

    @_in_thread
    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._db.close()
            self._evaluator.release(force=True)

    @_in_thread
    def is_evaluator(self) -> bool:
        # The first to ask takes the lock and keeps it until it closes. While it lives,
        # another process on the same database evaluates nothing; when it dies, the OS
        # frees the lock and the next one takes over. So a claim left by another run
        # can only be a dead run's.
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

    # -- meta ----------------------------------------------------------------------

    @_in_thread
    def get_meta(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return rows[0][0] if rows else None

    @_in_thread
    def set_meta(self, key: str, value: str) -> None:
        self._transaction(
            lambda db: db.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )
        )

    # -- alert subscriptions ------------------------------------------------------

    @_in_thread
    def subscribe(self, subs: Sequence[NewSubscription]) -> list[tuple[Subscription, bool]]:
        return self._transaction(lambda db: [self._subscribe(db, sub) for sub in subs])

    @staticmethod
    def _subscribe(db: sqlite3.Connection, sub: NewSubscription) -> tuple[Subscription, bool]:
        existing = db.execute(
            "SELECT id FROM subscriptions WHERE channel_id = ? AND rule = ?", (sub.channel_id, sub.rule)
        ).fetchone()
        row = db.execute(
            f"""
            INSERT INTO subscriptions (guild_id, channel_id, rule, preset, role_id, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (channel_id, rule) DO UPDATE SET
                preset = excluded.preset, role_id = excluded.role_id, paused_reason = NULL
            RETURNING {SUBSCRIPTION_COLUMNS}
            """,
            (sub.guild_id, sub.channel_id, sub.rule, sub.preset, sub.role_id, sub.created_by, _now()),
        ).fetchone()
        return Subscription(*row), existing is None

    @_in_thread
    def unsubscribe(self, guild_id: int, channel_id: int, rules: Iterable[str]) -> int:
        rules = list(rules)
        marks = ",".join("?" * len(rules))
        return self._transaction(
            lambda db: (
                db.execute(
                    f"DELETE FROM subscriptions WHERE guild_id = ? AND channel_id = ? AND rule IN ({marks})",
                    (guild_id, channel_id, *rules),
                ).rowcount
            )
        )

    @_in_thread
    def subscriptions(self, guild_id: int | None = None, *, active_only: bool = False) -> list[Subscription]:
        where, args = [], []
        if guild_id is not None:
            where.append("guild_id = ?")
            args.append(guild_id)
        if active_only:
            where.append("paused_reason IS NULL")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = self._read(f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions {clause} ORDER BY id", args)
        return [Subscription(*row) for row in rows]

    @_in_thread
    def pause(self, subscription_id: int, reason: str) -> None:
        self._transaction(
            lambda db: db.execute("UPDATE subscriptions SET paused_reason = ? WHERE id = ?", (reason, subscription_id))
        )

    # -- deliveries: claim, attempt, finish ------------------------------------------

    async def claim(self, claims: Sequence[Claim], resend_within: dt.timedelta = NONCE_WINDOW) -> list[AlertKey]:
        if not await self.is_evaluator():
            return []
        return await self._claim(claims, resend_within)

    @_in_thread
    def _claim(self, claims: Sequence[Claim], resend_within: dt.timedelta) -> list[AlertKey]:
        def work(db: sqlite3.Connection) -> list[AlertKey]:
            claimed, now = [], dt.datetime.now(dt.UTC)
            stamp = now.isoformat(timespec="milliseconds")
            for claim in claims:
                key = claim.key
                if (
                    key.level == "notable"
                    and db.execute(
                        "SELECT 1 FROM deliveries"
                        " WHERE subscription_id = ? AND rule = ? AND session = ? AND level = 'sharp'",
                        key[:3],
                    ).fetchone()
                ):
                    continue
                inserted = db.execute(
                    """
                    INSERT OR IGNORE INTO deliveries
                        (subscription_id, rule, session, level, state, headline, claimed_at, claimed_by)
                    VALUES (?, ?, ?, ?, 'claimed', ?, ?, ?)
                    """,
                    (*key, claim.headline, stamp, self.run_id),
                ).rowcount
                if inserted:
                    claimed.append(key)
                    continue
                state, claimed_by, attempted_at = db.execute(
                    f"SELECT state, claimed_by, attempted_at FROM deliveries WHERE {_KEY_MATCH}", key
                ).fetchone()
                if state != "claimed" or claimed_by == self.run_id:
                    continue
                if attempted_at is None or now - dt.datetime.fromisoformat(attempted_at) < resend_within:
                    db.execute(f"UPDATE deliveries SET claimed_by = ? WHERE {_KEY_MATCH}", (self.run_id, *key))
                    claimed.append(key)
                    self.taken_over += 1
                else:
                    db.execute(
                        f"UPDATE deliveries SET state = 'failed', finished_at = ?, error = ? WHERE {_KEY_MATCH}",
                        (stamp, INTERRUPTED, *key),
                    )
            return claimed

        return self._transaction(work)

    @_in_thread
    def attempt(self, key: AlertKey) -> bool:
        # The first attempt's time: Discord's nonce window runs from the first post.
        return self._transaction(
            lambda db: (
                db.execute(
                    f"""UPDATE deliveries SET attempted_at = COALESCE(attempted_at, ?)
                    WHERE {_KEY_MATCH} AND state = 'claimed' AND claimed_by = ?""",
                    (_now(), *key, self.run_id),
                ).rowcount
                == 1
            )
        )

    @_in_thread
    def finish(self, key: AlertKey, *, message_id: int | None = None, error: str | None = None) -> None:
        state = "failed" if error else "sent"
        self._transaction(
            lambda db: db.execute(
                f"UPDATE deliveries SET state = ?, finished_at = ?, message_id = ?, error = ? WHERE {_KEY_MATCH}",
                (state, _now(), message_id, error, *key),
            )
        )

    @_in_thread
    def unfinished_elsewhere(self, session: str) -> int:
        rows = self._read(
            "SELECT COUNT(*) FROM deliveries WHERE session = ? AND state = 'claimed' AND claimed_by != ?",
            (session, self.run_id),
        )
        return rows[0][0]

    @_in_thread
    def last_deliveries(self, subscription_ids: Iterable[int]) -> dict[int, Delivery]:
        ids = list(subscription_ids)
        found: dict[int, Delivery] = {}
        for start in range(0, len(ids), 500):  # SQLite's limit on bound parameters
            chunk = ids[start : start + 500]
            rows = self._read(
                f"""
                SELECT {DELIVERY_COLUMNS} FROM deliveries d
                WHERE subscription_id IN ({",".join("?" * len(chunk))}) AND claimed_at = (
                    SELECT MAX(claimed_at) FROM deliveries WHERE subscription_id = d.subscription_id)
                """,
                chunk,
            )
            found.update((row[0], Delivery(*row)) for row in rows)
        return found

    # -- watchlists ---------------------------------------------------------------------

    @_in_thread
    def watchlist(self, guild_id: int) -> list[str]:
        return [
            row[0] for row in self._read("SELECT symbol FROM watchlist WHERE guild_id = ? ORDER BY id", (guild_id,))
        ]

    @_in_thread
    def watch(self, guild_id: int, symbols: Sequence[str], added_by: int) -> WatchChange:
        # BEGIN IMMEDIATE takes the write lock before the count: concurrent adds queue behind it.
        def work(db: sqlite3.Connection) -> WatchChange:
            change = WatchChange([], [], [])
            have = {row[0] for row in db.execute("SELECT symbol FROM watchlist WHERE guild_id = ?", (guild_id,))}
            for symbol in dict.fromkeys(symbols):
                if symbol in have:
                    change.already.append(symbol)
                elif len(have) >= MAX_SYMBOLS:
                    change.refused.append(symbol)
                else:
                    db.execute(
                        "INSERT INTO watchlist (guild_id, symbol, added_by, added_at) VALUES (?, ?, ?, ?)",
                        (guild_id, symbol, added_by, _now()),
                    )
                    have.add(symbol)
                    change.added.append(symbol)
            return change

        return self._transaction(work)

    @_in_thread
    def unwatch(self, guild_id: int, symbols: Iterable[str]) -> list[str]:
        wanted = list(dict.fromkeys(symbols))
        marks = ",".join("?" * len(wanted))
        removed = self._transaction(
            lambda db: db.execute(
                f"DELETE FROM watchlist WHERE guild_id = ? AND symbol IN ({marks}) RETURNING symbol",
                (guild_id, *wanted),
            ).fetchall()
        )
        found = {row[0] for row in removed}
        return [s for s in wanted if s in found]

    @_in_thread
    def watchlists(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for guild_id, symbol in self._read("SELECT guild_id, symbol FROM watchlist ORDER BY guild_id, id"):
            found.setdefault(guild_id, []).append(symbol)
        return found


SUBSCRIPTION_COLUMNS = "id, guild_id, channel_id, rule, preset, role_id, created_by, created_at, paused_reason"
DELIVERY_COLUMNS = "subscription_id, rule, session, level, state, headline, claimed_at, finished_at, message_id, error"
_KEY_MATCH = "subscription_id = ? AND rule = ? AND session = ? AND level = ?"


def _identity(path: Path) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_dev, stat.st_ino


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
