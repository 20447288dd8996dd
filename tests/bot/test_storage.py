"""The bot's SQLite storage: schema, WAL, meta values, refusals with clear errors."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from analytics.errors import MarketbotError
from bot.storage import MIGRATIONS, Storage


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "state" / "marketbot.db"  # the folder does not exist yet


@pytest.fixture
def storage(db_path):
    storage = Storage(db_path)
    yield storage
    storage.close()


def user_version(path) -> int:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA user_version").fetchone()[0]


def test_a_new_database_is_created_migrated_and_in_wal_mode(storage, db_path):
    assert db_path.is_file()
    assert storage.schema_version == len(MIGRATIONS) == 2
    assert user_version(db_path) == len(MIGRATIONS)
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
    assert tables == ["meta", "subscriptions", "deliveries"]


def test_meta_set_get_and_overwrite(storage):
    assert storage.get_meta("k") is None
    storage.set_meta("k", "one")
    storage.set_meta("other", "x")
    assert storage.get_meta("k") == "one"
    storage.set_meta("k", "two")
    assert (storage.get_meta("k"), storage.get_meta("other")) == ("two", "x")


def test_meta_persists_across_reopening(db_path):
    first = Storage(db_path)
    first.set_meta("commands_synced:1:global", "abc")
    first.set_meta("commands_synced:1:global", "def")
    first.close()

    second = Storage(db_path)  # migrations do not run twice
    try:
        assert second.schema_version == len(MIGRATIONS)
        assert second.get_meta("commands_synced:1:global") == "def"
    finally:
        second.close()
    with closing(sqlite3.connect(db_path)) as db:
        assert db.execute("SELECT key, value FROM meta").fetchall() == [("commands_synced:1:global", "def")]


def test_a_database_from_a_newer_marketbot_is_refused(db_path):
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path)) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(MarketbotError, match="newer") as info:
        Storage(db_path)
    assert str(db_path) in str(info.value)
    assert user_version(db_path) == len(MIGRATIONS) + 1  # left as it was


def test_a_path_under_a_regular_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("I am a file")
    path = blocker / "marketbot.db"
    with pytest.raises(MarketbotError, match="Cannot open the database") as info:
        Storage(path)
    assert type(info.value) is MarketbotError
    assert not isinstance(info.value, (sqlite3.Error, OSError))
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert "MARKETBOT_DB" in str(info.value)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    path = tmp_path / "marketbot.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(MarketbotError, match="Cannot open the database") as info:
        Storage(path)
    assert not isinstance(info.value, sqlite3.Error)


def test_a_directory_as_the_database_is_a_clear_error(tmp_path):
    with pytest.raises(MarketbotError, match="Cannot open the database"):
        Storage(tmp_path)


async def test_run_calls_a_method_off_the_loop(storage):
    assert await storage.run(storage.get_meta, "k") is None
    await storage.run(storage.set_meta, "k", "v")
    assert await storage.run(storage.get_meta, "k") == "v"
    assert storage.get_meta("k") == "v"
