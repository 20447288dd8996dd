"""The SQLite store's own behaviour (the contract both engines share is in test_storage_contract):
its file, WAL, migrations from older files, and clear errors for files it cannot use."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing

import pytest

from analytics.errors import MarketbotError
from bot.storage.open import open_store
from bot.storage.protocol import AlertKey, Claim
from bot.storage.sqlite import MIGRATIONS, SqliteStore
from commands.kit.store import NewSubscription, StoreUnavailable


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "state" / "marketbot.db"  # the folder does not exist yet


@pytest.fixture
async def storage(db_path):
    storage = await open_store(db_path)
    yield storage
    await storage.close()


def user_version(path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


async def test_a_new_database_is_created_migrated_and_in_wal_mode(storage, db_path):
    assert isinstance(storage, SqliteStore) and storage.description == f"SQLite {db_path}"
    assert db_path.is_file()
    assert await storage.schema_version() == len(MIGRATIONS) == 4
    assert user_version(db_path) == len(MIGRATIONS)
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        columns = [row[1] for row in db.execute("PRAGMA table_info(deliveries)")]
    assert tables == ["meta", "subscriptions", "deliveries", "watchlist"]
    assert columns[-1] == "attempted_at"


async def test_a_version_1_database_is_migrated_and_keeps_its_meta(db_path):
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path)) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO meta (key, value) VALUES ('commands_synced:1:global', 'abc')")
        db.commit()

    storage = await open_store(db_path)
    try:
        assert await storage.schema_version() == len(MIGRATIONS)
        assert await storage.get_meta("commands_synced:1:global") == "abc"
        ((sub, created),) = await storage.subscribe([NewSubscription(1, 2, "kre", "standard", None, 3)])
        assert created and await storage.subscriptions() == [sub]
        key = AlertKey(sub.id, "kre", "2023-03-13", "sharp")
        assert await storage.claim([Claim(key, "h")]) == [key] and await storage.attempt(key)
    finally:
        await storage.close()
    assert user_version(db_path) == len(MIGRATIONS)


async def test_a_version_2_database_with_deliveries_in_flight_gets_the_attempt_column(db_path):
    """A release-2 database upgraded mid-flight: its unfinished claims count as never attempted."""
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path)) as db:
        db.executescript(MIGRATIONS[0] + MIGRATIONS[1])
        db.execute("PRAGMA user_version = 2")
        db.execute("INSERT INTO subscriptions VALUES (1, 1, 2, 'kre', 'standard', NULL, 3, '2023-03-13', NULL)")
        db.execute("INSERT INTO deliveries VALUES (1, 'kre', '2023-03-13', 'sharp', 'claimed', 'h', "
                   "'2023-03-13T21:00:00+00:00', 'old-run', NULL, NULL, NULL)")  # fmt: skip
        db.commit()
    storage = await open_store(db_path)
    try:
        key = AlertKey(1, "kre", "2023-03-13", "sharp")
        assert await storage.claim([Claim(key, "h")]) == [key]  # resent, whatever the delay
    finally:
        await storage.close()


async def test_a_database_from_a_newer_marketbot_is_refused(db_path):
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path)) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(MarketbotError, match="newer") as info:
        await open_store(db_path)
    assert str(db_path) in str(info.value)
    assert user_version(db_path) == len(MIGRATIONS) + 1  # left as it was


async def test_a_path_under_a_regular_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("I am a file")
    with pytest.raises(MarketbotError, match="Cannot open the database") as info:
        await open_store(blocker / "marketbot.db")
    assert type(info.value) is MarketbotError
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert "MARKETBOT_DB" in str(info.value)


async def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "marketbot.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(MarketbotError, match="Cannot open the database") as info:
        await open_store(path)
    assert not isinstance(info.value, sqlite3.Error)


async def test_a_directory_as_the_database_is_a_clear_error(tmp_path):
    with pytest.raises(MarketbotError, match="Cannot open the database"):
        await open_store(tmp_path)


@pytest.mark.parametrize("url", ["mysql://user:secret@host/db", "sqlite:///x.db", "https://example.com/db"])
async def test_an_unsupported_url_is_refused_and_no_file_is_made(url, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MarketbotError, match="not supported; give a file path") as info:
        await open_store(url)
    assert "secret" not in str(info.value)
    assert list(tmp_path.rglob("*")) == []


async def test_an_unreachable_postgres_is_a_clear_error_at_start(tmp_path, monkeypatch):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MarketbotError, match=f"Cannot use the database PostgreSQL marketbot on 127.0.0.1:{port}") as info:
        await open_store(f"postgresql://bot:secret@127.0.0.1:{port}/marketbot")
    assert "secret" not in str(info.value) and "MARKETBOT_DB" in str(info.value)
    assert list(tmp_path.rglob("*")) == []  # never a stray file named after the URL


async def test_a_deleted_database_is_refused_not_written_into(storage, db_path, caplog):
    """Files deleted under the running bot: writes would go to an unlinked file and vanish at the next start."""
    ((sub, _),) = await storage.subscribe([NewSubscription(1, 2, "kre", "standard", None, 3)])
    for suffix in ("", "-wal", "-shm"):
        db_path.with_name(db_path.name + suffix).unlink(missing_ok=True)
    with pytest.raises(StoreUnavailable, match="cannot be saved or read right now; nothing was changed") as info:
        await storage.subscribe([NewSubscription(1, 3, "kre", "standard", None, 3)])
    assert "deleted or replaced" in info.value.detail
    assert "deleted or replaced" in caplog.text
    with pytest.raises(StoreUnavailable):
        await storage.pause(sub.id, "x")
    assert not db_path.exists()


async def test_a_replaced_database_is_refused(storage, db_path):
    await storage.set_meta("k", "v")
    replacement = db_path.with_name("other.db")
    with closing(sqlite3.connect(replacement)) as db:
        db.execute("CREATE TABLE x (y)")
    replacement.replace(db_path)
    with pytest.raises(StoreUnavailable):
        await storage.set_meta("k", "w")


async def test_a_write_locked_by_another_process_gives_up_quickly_with_a_clear_error(storage, db_path):
    with closing(sqlite3.connect(db_path, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(StoreUnavailable, match="nothing was changed") as info:
            await storage.subscribe([NewSubscription(1, 2, "kre", "standard", None, 3)])
        assert loop.time() - started < 3  # within Discord's interaction window
        assert "locked" in info.value.detail
        other.execute("ROLLBACK")
    assert await storage.subscriptions() == []  # nothing was changed



def test_marketbot_db_keeps_a_url_as_a_url_and_a_path_as_a_path(monkeypatch, tmp_path):
    from pathlib import Path

    from bot.settings import Settings

    monkeypatch.setenv("MARKETBOT_DB", "postgresql://bot:secret@db.internal:5433/marketbot")
    assert Settings().db == "postgresql://bot:secret@db.internal:5433/marketbot"  # never Path("postgresql:/...")
    monkeypatch.setenv("MARKETBOT_DB", str(tmp_path / "x.sqlite3"))
    assert Settings().db == tmp_path / "x.sqlite3" and isinstance(Settings().db, Path)
