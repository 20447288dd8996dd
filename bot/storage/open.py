"""The store MARKETBOT_DB names: a file path (SQLite) or a postgresql:// URL."""

from __future__ import annotations

from pathlib import Path

from analytics.errors import MarketbotError
from bot.storage.protocol import Store


def is_postgres_url(db: str) -> bool:
    return db.startswith(("postgresql://", "postgres://"))


async def open_store(db: str | Path) -> Store:
    """The store for MARKETBOT_DB: a file path (SQLite) or a postgresql:// URL.

    Anything else that looks like a URL, or a database that cannot be reached, is a
    clear error here, at start (never a stray file named after a URL)."""
    db = str(db)
    if is_postgres_url(db):
        from bot.storage.postgres import PostgresStore

        return await PostgresStore.open(db)
    if "://" in db:
        scheme = db.split("://", 1)[0]
        raise MarketbotError(
            f"MARKETBOT_DB: `{scheme}://` databases are not supported; "
            "give a file path (SQLite) or a postgresql:// URL."
        )
    from bot.storage.sqlite import SqliteStore

    return await SqliteStore.open(Path(db))
