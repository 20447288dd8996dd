"""The Store on PostgreSQL (psycopg 3, async I/O, a connection pool): several processes, one database.

Claims are single transactions that stay exactly-once under concurrency: new alerts
are taken with ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` and a dead run's
with ``SELECT ... FOR UPDATE SKIP LOCKED``, so even two evaluators by mistake
cannot both claim one alert. The evaluator itself is the holder of a session-level
advisory lock, kept on one dedicated connection (never a pooled one, which would
take the lock back to the pool with it) for the process's life, and checked before
each cycle: a dropped connection frees the lock, and a standby process takes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from analytics.errors import MarketbotError
from analytics.watchlist import MAX_SYMBOLS, WatchChange
from bot.storage.protocol import INTERRUPTED, NONCE_WINDOW, AlertKey, Claim
from commands.kit.store import Delivery, NewSubscription, StoreUnavailable, Subscription

log = logging.getLogger(__name__)

T = TypeVar("T")
P = ParamSpec("P")

CONNECT_TIMEOUT = 5  # seconds to reach the server
# Seconds to wait for a pooled connection: a fan-out's records queue for the pool (and slash
# commands defer first), so only a server that stays unreachable this long is an error.
POOL_WAIT = 30.0
# A write waits this long for a row lock; a statement runs this long at most. Slash
# commands answer after a deferral, so a stuck database means a clear message, not a hang.
SESSION_OPTIONS = "-c lock_timeout=2000 -c statement_timeout=60000 -c idle_in_transaction_session_timeout=60000"
# psycopg_pool doubles its delay between reconnection attempts without bound until it gives up
# (default: after 5 minutes), so a 20-second outage would leave the pool idle for ~30 s more after
# the server is back. Giving up early lets the next query start afresh, 1 s after the first refusal.
RECONNECT_SECONDS = 5.0
# The evaluator's connection: the server notices a vanished client within about 25 s
# (a process killed outright closes its socket at once), which frees the lock for a standby.
KEEPALIVES: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5, "keepalives_count": 3}
SERVER_KEEPALIVES = "-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3"
# The advisory locks' keys (two int4: "mktb", then which lock).
LOCK_SPACE, EVALUATOR, MIGRATING = 0x6D6B7462, 1, 2

# Schema migrations, in order; schema_migrations records which ran. Append only.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    """
    CREATE TABLE subscriptions (
        id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,  -- never reused: alert nonces derive from it
        guild_id      BIGINT NOT NULL,
        channel_id    BIGINT NOT NULL,
        rule          TEXT   NOT NULL,
        preset        TEXT   NOT NULL,
        role_id       BIGINT,
        created_by    BIGINT NOT NULL,
        created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
        paused_reason TEXT,             -- NULL while active
        UNIQUE (channel_id, rule)
    );
    CREATE INDEX subscriptions_by_guild ON subscriptions (guild_id);
    -- One row per alert and subscription: the key that makes delivery exactly-once.
    CREATE TABLE deliveries (
        subscription_id BIGINT NOT NULL REFERENCES subscriptions (id) ON DELETE CASCADE,
        rule            TEXT   NOT NULL,
        session         TEXT   NOT NULL,
        level           TEXT   NOT NULL,
        state           TEXT   NOT NULL,   -- claimed, sent, failed
        headline        TEXT   NOT NULL,
        claimed_at      TIMESTAMPTZ NOT NULL,
        claimed_by      TEXT   NOT NULL,   -- the process run that claimed it
        attempted_at    TIMESTAMPTZ,       -- the first post's time; NULL: never attempted
        finished_at     TIMESTAMPTZ,
        message_id      BIGINT,
        error           TEXT,
        PRIMARY KEY (subscription_id, rule, session, level)
    );
    CREATE INDEX deliveries_by_state ON deliveries (state) WHERE state = 'claimed';
    """,
    """
    -- Server watchlists: one row per symbol (id keeps the order they were added).
    CREATE TABLE watchlist (
        id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        guild_id BIGINT NOT NULL,
        symbol   TEXT   NOT NULL,
        added_by BIGINT NOT NULL,
        added_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (guild_id, symbol)
    );
    """,
)

# The alerts asked for: one event's (rule, session, level, headline) for many subscriptions, as a
# relation, without notables whose session already had a sharp alert for that subscription.
_INPUT = """
    SELECT t.subscription_id, %(rule)s::text AS rule, %(session)s::text AS session, %(level)s::text AS level
    FROM unnest(%(ids)s::bigint[]) AS t (subscription_id)
    WHERE NOT (%(level)s::text = 'notable' AND EXISTS (
        SELECT 1 FROM deliveries s
        WHERE s.subscription_id = t.subscription_id AND s.rule = %(rule)s
          AND s.session = %(session)s AND s.level = 'sharp'))
"""
_CLAIM_NEW = f"""
    INSERT INTO deliveries (subscription_id, rule, session, level, state, headline, claimed_at, claimed_by)
    SELECT subscription_id, rule, session, level, 'claimed', %(headline)s, now(), %(run)s FROM ({_INPUT}) AS input
    ON CONFLICT DO NOTHING
    RETURNING subscription_id
"""
# A dead run's unfinished claims: resent if never attempted or attempted within the nonce window, else failed.
_CLAIM_STALE = f"""
    WITH stale AS (
        SELECT d.subscription_id, (d.attempted_at IS NULL OR d.attempted_at > now() - %(window)s) AS resend
        FROM deliveries d JOIN ({_INPUT}) AS input USING (subscription_id, rule, session, level)
        WHERE d.state = 'claimed' AND d.claimed_by <> %(run)s
        FOR UPDATE OF d SKIP LOCKED
    )
    UPDATE deliveries d SET
        claimed_by  = CASE WHEN stale.resend THEN %(run)s ELSE d.claimed_by END,
        state       = CASE WHEN stale.resend THEN 'claimed' ELSE 'failed' END,
        finished_at = CASE WHEN stale.resend THEN NULL ELSE now() END,
        error       = CASE WHEN stale.resend THEN NULL ELSE %(interrupted)s END
    FROM stale
    WHERE d.subscription_id = stale.subscription_id
      AND d.rule = %(rule)s AND d.session = %(session)s AND d.level = %(level)s
    RETURNING d.subscription_id, stale.resend
"""
_KEY_MATCH = "subscription_id = %s AND rule = %s AND session = %s AND level = %s"
# Times as the ISO text the records carry (the same as SQLite's), made by the server: no per-row Python.
_ISO = """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"')"""
SUBSCRIPTION_COLUMNS = (
    f"id, guild_id, channel_id, rule, preset, role_id, created_by, {_ISO.format('created_at')}, paused_reason"
)
DELIVERY_COLUMNS = (
    f"subscription_id, rule, session, level, state, headline, {_ISO.format('claimed_at')}, "
    f"{_ISO.format('finished_at')}, message_id, error"
)

# What a database can be expected to say (down, restarting, full, read-only, locked, slow); not bugs.
_UNAVAILABLE = (psycopg.OperationalError, psycopg.InternalError, psycopg.errors.ReadOnlySqlTransaction, PoolTimeout)


def _translated(
    method: Callable[Concatenate[PostgresStore, P], Awaitable[T]],
) -> Callable[Concatenate[PostgresStore, P], Coroutine[Any, Any, T]]:
    @functools.wraps(method)
    async def call(self: PostgresStore, *args: P.args, **kwargs: P.kwargs) -> T:
        try:
            result = await method(self, *args, **kwargs)
        except _UNAVAILABLE as exc:
            self.observe(method.__name__, "unavailable")
            log.error("PostgreSQL %s: %s: %s", self.description, type(exc).__name__, str(exc).strip())
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None
        except StoreUnavailable:  # said inside (the evaluator lock's own connection)
            self.observe(method.__name__, "unavailable")
            raise
        except Exception:
            self.observe(method.__name__, "error")
            raise
        self.observe(method.__name__, "ok")
        return result

    return call


def _first(row: tuple[Any, ...] | None) -> Any:
    """The first column of a row a query always returns (an aggregate, a lock function)."""
    assert row is not None
    return row[0]


class PostgresStore:
    observe: Callable[[str, str], None] = staticmethod(lambda operation, outcome: None)  # the bot's metrics

    def __init__(self, url: str, pool: AsyncConnectionPool) -> None:
        self.url = url
        self.description = describe(url)
        self.run_id = uuid.uuid4().hex  # tells this run's in-flight claims from a dead run's
        self.taken_over = 0  # alerts a dead run claimed and did not finish, claimed again here to resend
        self._pool = pool
        self._evaluator: psycopg.AsyncConnection | None = None  # holds the advisory lock while we evaluate
        self._evaluator_guard = asyncio.Lock()
        self._closed = False

    @classmethod
    async def open(cls, url: str) -> PostgresStore:
        """Connect, migrate, and open the pool; an unreachable database is a clear error here."""
        where = describe(url)
        try:
            async with await psycopg.AsyncConnection.connect(url, connect_timeout=CONNECT_TIMEOUT) as conn:
                await migrate(conn)
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise MarketbotError(f"Cannot use the database {where}: {reason}. Check MARKETBOT_DB.") from None
        pool = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=10,
            open=False,
            timeout=POOL_WAIT,
            check=AsyncConnectionPool.check_connection,  # a server restart leaves dead connections behind
            reconnect_timeout=RECONNECT_SECONDS,
            kwargs={"connect_timeout": CONNECT_TIMEOUT, "options": SESSION_OPTIONS},
            name="marketbot",
        )
        try:
            await pool.open(wait=True, timeout=CONNECT_TIMEOUT * 2)
        except PoolTimeout:
            await pool.close()
            raise MarketbotError(
                f"Cannot use the database {where}: no connection within {CONNECT_TIMEOUT * 2} s."
            ) from None
        return cls(url, pool)

    async def close(self) -> None:
        async with self._evaluator_guard:
            if self._closed:
                return
            self._closed = True
            await self._drop_evaluator()
        await self._pool.close()

    @_translated
    async def schema_version(self) -> int:
        return await self._one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")

    async def is_evaluator(self) -> bool:
        async with self._evaluator_guard:
            if self._closed:
                return False
            if self._evaluator is not None:
                if await self._still_held(self._evaluator):
                    return True
                log.warning(
                    "Lost the alert evaluator lock on %s (the connection dropped); taking it again", self.description
                )
                await self._drop_evaluator()
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self.url, autocommit=True, connect_timeout=CONNECT_TIMEOUT, options=SERVER_KEEPALIVES, **KEEPALIVES
                )
            except psycopg.Error as exc:
                raise StoreUnavailable(f"cannot connect for the evaluator lock: {exc}") from None
            try:
                row = await (
                    await conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (LOCK_SPACE, EVALUATOR))
                ).fetchone()
            except psycopg.Error as exc:
                await conn.close()
                raise StoreUnavailable(f"cannot take the evaluator lock: {exc}") from None
            if not _first(row):
                await conn.close()  # a standby holds no connection: it asks again next cycle
                return False
            self._evaluator = conn
            return True

    async def _still_held(self, conn: psycopg.AsyncConnection) -> bool:
        """Asked on the lock's own connection: a dropped connection has lost it (a half-open one that
        does not answer in time is given up too; the server frees its lock once it notices)."""
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT):
                return await self._holds(conn)
        except (psycopg.Error, TimeoutError):
            return False

    @staticmethod
    async def _holds(conn: psycopg.AsyncConnection) -> bool:
        row = await (
            await conn.execute(
                """
                SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()
                               AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 2 AND granted)
                """,
                (LOCK_SPACE, EVALUATOR),
            )
        ).fetchone()
        return bool(_first(row))

    async def _drop_evaluator(self) -> None:
        if self._evaluator is not None:
            conn, self._evaluator = self._evaluator, None
            with contextlib.suppress(psycopg.Error):
                await conn.close()  # closing the session releases the lock

    # -- meta ------------------------------------------------------------------------

    @_translated
    async def get_meta(self, key: str) -> str | None:
        return await self._one("SELECT value FROM meta WHERE key = %s", (key,))

    @_translated
    async def set_meta(self, key: str, value: str) -> None:
        await self._execute(
            "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    # -- subscriptions ---------------------------------------------------------------

    @_translated
    async def subscribe(self, subs: Sequence[NewSubscription]) -> list[tuple[Subscription, bool]]:
        saved = []
        async with self._pool.connection() as conn, conn.transaction():
            for sub in subs:
                row = await (
                    await conn.execute(
                        f"""
                    INSERT INTO subscriptions (guild_id, channel_id, rule, preset, role_id, created_by)
                    VALUES (%s, %s, %s, %s, %s, %s)
                    ON CONFLICT (channel_id, rule) DO UPDATE SET
                        preset = excluded.preset, role_id = excluded.role_id, paused_reason = NULL
                    RETURNING {SUBSCRIPTION_COLUMNS}, xmax = 0
                    """,  # xmax is 0 on a row this statement inserted, not updated
                        (sub.guild_id, sub.channel_id, sub.rule, sub.preset, sub.role_id, sub.created_by),
                    )
                ).fetchone()
                assert row is not None  # INSERT ... RETURNING gives the row
                saved.append((Subscription(*row[:-1]), row[-1]))
        return saved

    @_translated
    async def unsubscribe(self, guild_id: int, channel_id: int, rules: Iterable[str]) -> int:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                "DELETE FROM subscriptions WHERE guild_id = %s AND channel_id = %s AND rule = ANY(%s)",
                (guild_id, channel_id, list(rules)),
            )
            return cursor.rowcount

    @_translated
    async def subscriptions(self, guild_id: int | None = None, *, active_only: bool = False) -> list[Subscription]:
        where, args = [], []
        if guild_id is not None:
            where.append("guild_id = %s")
            args.append(guild_id)
        if active_only:
            where.append("paused_reason IS NULL")
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        rows = await self._all(f"SELECT {SUBSCRIPTION_COLUMNS} FROM subscriptions {clause} ORDER BY id", args)
        return [Subscription(*row) for row in rows]

    @_translated
    async def pause(self, subscription_id: int, reason: str) -> None:
        await self._execute("UPDATE subscriptions SET paused_reason = %s WHERE id = %s", (reason, subscription_id))

    # -- deliveries --------------------------------------------------------------------

    async def claim(self, claims: Sequence[Claim], resend_within: dt.timedelta = NONCE_WINDOW) -> list[AlertKey]:
        if not claims or not await self.is_evaluator():
            return []
        return await self._claim(claims, resend_within)

    @_translated
    async def _claim(self, claims: Sequence[Claim], resend_within: dt.timedelta) -> list[AlertKey]:
        # A cycle claims one event for many subscriptions: one statement per event, its ids as one array.
        events: dict[tuple[str, str, str, str], list[int]] = {}
        for claim in claims:
            key = claim.key
            events.setdefault((key.rule, key.session, key.level, claim.headline), []).append(key.subscription_id)
        taken: set[AlertKey] = set()
        async with self._pool.connection() as conn, conn.transaction():
            cursor = conn.cursor()
            for (rule, session, level, headline), ids in events.items():
                args = {
                    "run": self.run_id,
                    "window": resend_within,
                    "interrupted": INTERRUPTED,
                    "rule": rule,
                    "session": session,
                    "level": level,
                    "headline": headline,
                    "ids": ids,
                }
                await cursor.execute(_CLAIM_NEW, args)
                new = {row[0] for row in await cursor.fetchall()}
                rest = [i for i in ids if i not in new]
                if rest:
                    await cursor.execute(_CLAIM_STALE, {**args, "ids": rest})
                    resent = {row[0] for row in await cursor.fetchall() if row[1]}
                    self.taken_over += len(resent)
                    new.update(resent)
                taken.update(AlertKey(i, rule, session, level) for i in new)
        return [c.key for c in claims if c.key in taken]  # in the order asked

    @_translated
    async def attempt(self, key: AlertKey) -> bool:
        # The first attempt's time: Discord's nonce window runs from the first post.
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                f"""UPDATE deliveries SET attempted_at = COALESCE(attempted_at, now())
                    WHERE {_KEY_MATCH} AND state = 'claimed' AND claimed_by = %s""",
                (*key, self.run_id),
            )
            return cursor.rowcount == 1

    @_translated
    async def finish(self, key: AlertKey, *, message_id: int | None = None, error: str | None = None) -> None:
        await self._execute(
            f"UPDATE deliveries SET state = %s, finished_at = now(), message_id = %s, error = %s WHERE {_KEY_MATCH}",
            ("failed" if error else "sent", message_id, error, *key),
        )

    @_translated
    async def unfinished_elsewhere(self, session: str) -> int:
        return await self._one(
            "SELECT COUNT(*) FROM deliveries WHERE session = %s AND state = 'claimed' AND claimed_by <> %s",
            (session, self.run_id),
        )

    @_translated
    async def last_deliveries(self, subscription_ids: Iterable[int]) -> dict[int, Delivery]:
        ids = list(subscription_ids)
        if not ids:
            return {}
        rows = await self._all(
            f"""
            SELECT DISTINCT ON (subscription_id) {DELIVERY_COLUMNS} FROM deliveries
            WHERE subscription_id = ANY(%s) ORDER BY subscription_id, claimed_at DESC
            """,
            (ids,),
        )
        return {row[0]: Delivery(*row) for row in rows}

    # -- watchlists ----------------------------------------------------------------------

    @_translated
    async def watchlist(self, guild_id: int) -> list[str]:
        return [
            row[0]
            for row in await self._all("SELECT symbol FROM watchlist WHERE guild_id = %s ORDER BY id", (guild_id,))
        ]

    @_translated
    async def watch(self, guild_id: int, symbols: Sequence[str], added_by: int) -> WatchChange:
        change = WatchChange([], [], [])
        async with self._pool.connection() as conn, conn.transaction():
            # One add per server at a time, so the count below stays true until commit (a transaction lock
            # on the one-bigint key space, apart from the evaluator's two-int4 keys).
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (guild_id,))
            rows = await (
                await conn.execute("SELECT symbol FROM watchlist WHERE guild_id = %s", (guild_id,))
            ).fetchall()
            have = {row[0] for row in rows}
            for symbol in dict.fromkeys(symbols):
                if symbol in have:
                    change.already.append(symbol)
                elif len(have) >= MAX_SYMBOLS:
                    change.refused.append(symbol)
                else:
                    await conn.execute(
                        "INSERT INTO watchlist (guild_id, symbol, added_by) VALUES (%s, %s, %s)",
                        (guild_id, symbol, added_by),
                    )
                    have.add(symbol)
                    change.added.append(symbol)
        return change

    @_translated
    async def unwatch(self, guild_id: int, symbols: Iterable[str]) -> list[str]:
        wanted = list(dict.fromkeys(symbols))
        removed = await self._all(
            "DELETE FROM watchlist WHERE guild_id = %s AND symbol = ANY(%s) RETURNING symbol", (guild_id, wanted)
        )
        found = {row[0] for row in removed}
        return [s for s in wanted if s in found]

    @_translated
    async def watchlists(self) -> dict[int, list[str]]:
        found: dict[int, list[str]] = {}
        for guild_id, symbol in await self._all("SELECT guild_id, symbol FROM watchlist ORDER BY guild_id, id"):
            found.setdefault(guild_id, []).append(symbol)
        return found

    # -- helpers -------------------------------------------------------------------------

    async def _execute(self, sql: str, args: Sequence[Any]) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(sql, args)

    async def _all(self, sql: str, args: Sequence[Any] = ()) -> list[tuple]:
        async with self._pool.connection() as conn:
            return await (await conn.execute(sql, args)).fetchall()

    async def _one(self, sql: str, args: Sequence[Any] = ()) -> Any:
        rows = await self._all(sql, args)
        return rows[0][0] if rows else None


async def migrate(conn: psycopg.AsyncConnection) -> None:
    """Run the migrations not yet run, each in a transaction; processes starting together take turns."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK_SPACE, MIGRATING))
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        version = _first(
            await (await conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")).fetchone()
        )
        if version > len(MIGRATIONS):
            raise MarketbotError(
                f"The database was written by a newer marketbot (schema {version}); upgrade marketbot."
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            await conn.execute(script)
            await conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (number,))


def describe(url: str) -> str:
    """Where the database is, without its password."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "PostgreSQL (an unreadable MARKETBOT_DB URL)"
    return f"PostgreSQL {parts.get('dbname', '')} on {parts.get('host', 'localhost')}:{parts.get('port', 5432)}"
