"""The bot's own state in SQLite: one file, WAL, a versioned schema.

Every method is a short transaction; callers on the event loop run them with
``asyncio.to_thread`` (see ``Storage.run``). One connection, serialised by a
lock: SQLite allows one writer at a time anyway, and our writes are tiny.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from analytics.errors import MarketbotError

T = TypeVar("T")

# Schema migrations, in order; ``PRAGMA user_version`` records how many ran.
# Append only: a released migration is never edited.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
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

    async def run(self, method: Callable[..., T], *args: object) -> T:
        """Call a storage method off the event loop."""
        return await asyncio.to_thread(method, *args)

    def close(self) -> None:
        with self._lock:
            self._db.close()

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
