"""Alert subscriptions and deliveries in SQLite: migration, subscribe/unsubscribe, exactly-once claims."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from contextlib import closing

import pytest

from bot.storage import MIGRATIONS, NONCE_WINDOW, Storage
from commands.subscriptions import NewSubscription

GUILD, OTHER_GUILD = 100, 200
CHANNEL, OTHER_CHANNEL, FOREIGN_CHANNEL = 10, 11, 20
USER = 7
LONG_AGO = dt.timedelta(days=365)  # resend_within: every claimed row is young
NEVER = dt.timedelta(0)  # resend_within: every claimed row is too old to resend


@pytest.fixture
def db_path(tmp_path):
    return tmp_path / "state" / "marketbot.db"


@pytest.fixture
def storage(db_path):
    storage = Storage(db_path)
    yield storage
    storage.close()


def new(rule: str = "kre", channel: int = CHANNEL, guild: int = GUILD, preset: str = "standard",
        role: int | None = None) -> NewSubscription:  # fmt: skip
    return NewSubscription(guild, channel, rule, preset, role, USER)


def alert(sub_id: int, level: str = "sharp", session: str = "2023-03-13", rule: str = "kre"):
    return (sub_id, rule, session, level, f"KRE {level} on {session}")


def rows(db_path, sql: str, *args) -> list[tuple]:
    with closing(sqlite3.connect(db_path)) as db:
        return db.execute(sql, args).fetchall()


def delivery_states(db_path) -> list[tuple]:
    return rows(db_path, "SELECT subscription_id, rule, session, level, state, error FROM deliveries ORDER BY 1, 2, 3, 4")


# ---------------------------------------------------------------- migration


def test_a_version_1_database_is_migrated_and_keeps_its_meta(db_path):
    db_path.parent.mkdir(parents=True)
    with closing(sqlite3.connect(db_path)) as db:
        db.executescript(MIGRATIONS[0])
        db.execute("PRAGMA user_version = 1")
        db.execute("INSERT INTO meta (key, value) VALUES ('commands_synced:1:global', 'abc')")
        db.commit()
    assert rows(db_path, "PRAGMA user_version") == [(1,)]

    storage = Storage(db_path)
    try:
        assert storage.schema_version == len(MIGRATIONS)
        assert storage.get_meta("commands_synced:1:global") == "abc"
        sub, created = storage.subscribe(new())  # the new tables work
        assert created and storage.subscriptions() == [sub]
        assert storage.claim([alert(sub.id)]) == [alert(sub.id)]
    finally:
        storage.close()
    assert rows(db_path, "PRAGMA user_version") == [(len(MIGRATIONS),)]
    assert rows(db_path, "SELECT key, value FROM meta") == [("commands_synced:1:global", "abc")]
    tables = [r[0] for r in rows(db_path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    assert tables == ["deliveries", "meta", "subscriptions"]


# ---------------------------------------------------------------- subscriptions


def test_subscribe_creates_then_updates_the_same_channel_and_rule(storage):
    first, created = storage.subscribe(new(preset="standard"))
    assert created
    assert (first.guild_id, first.channel_id, first.rule, first.preset, first.role_id, first.created_by) == (
        GUILD, CHANNEL, "kre", "standard", None, USER)
    assert first.active and first.paused_reason is None and first.created_at

    again, created = storage.subscribe(new(preset="quiet", role=55))
    assert not created
    assert again.id == first.id and (again.preset, again.role_id) == ("quiet", 55)
    assert again.created_at == first.created_at  # an update, not a new row
    assert storage.subscriptions() == [again]

    other_rule, created = storage.subscribe(new(rule="ratio"))
    other_channel, created_too = storage.subscribe(new(channel=OTHER_CHANNEL))
    assert created and created_too and len({first.id, other_rule.id, other_channel.id}) == 3


def test_resubscribing_resumes_a_paused_subscription(storage):
    sub, _ = storage.subscribe(new())
    storage.pause(sub.id, "no permission to post there (Discord 403, 2023-03-13); fix it and subscribe again")
    (paused,) = storage.subscriptions()
    assert not paused.active and paused.paused_reason.startswith("no permission")
    assert storage.subscriptions(active_only=True) == []

    resumed, created = storage.subscribe(new(preset="sensitive"))
    assert not created and resumed.id == sub.id
    assert resumed.active and resumed.preset == "sensitive"
    assert storage.subscriptions(active_only=True) == [resumed]


def test_subscriptions_by_guild_and_active_only(storage):
    a, _ = storage.subscribe(new("kre", CHANNEL))
    b, _ = storage.subscribe(new("ratio", CHANNEL))
    c, _ = storage.subscribe(new("kre", FOREIGN_CHANNEL, guild=OTHER_GUILD))
    storage.pause(b.id, "the channel is gone")
    b = storage.subscriptions(GUILD)[1]

    assert storage.subscriptions() == [a, b, c]  # ordered by id
    assert storage.subscriptions(GUILD) == [a, b]
    assert storage.subscriptions(OTHER_GUILD) == [c]
    assert storage.subscriptions(GUILD, active_only=True) == [a]
    assert storage.subscriptions(active_only=True) == [a, c]
    assert storage.subscriptions(999) == []


def test_pause_touches_only_that_subscription(storage):
    a, _ = storage.subscribe(new("kre"))
    b, _ = storage.subscribe(new("ratio"))
    storage.pause(a.id, "why")
    assert [(s.id, s.paused_reason) for s in storage.subscriptions()] == [(a.id, "why"), (b.id, None)]


def test_unsubscribe_counts_and_leaves_other_guilds_alone(storage):
    kre, _ = storage.subscribe(new("kre", CHANNEL))
    ratio, _ = storage.subscribe(new("ratio", CHANNEL))
    elsewhere, _ = storage.subscribe(new("kre", OTHER_CHANNEL))
    foreign, _ = storage.subscribe(new("kre", FOREIGN_CHANNEL, guild=OTHER_GUILD))

    # Another guild cannot remove this guild's subscription, even naming its channel.
    assert storage.unsubscribe(OTHER_GUILD, CHANNEL, ["kre", "ratio"]) == 0
    assert storage.unsubscribe(GUILD, FOREIGN_CHANNEL, ["kre"]) == 0
    assert storage.unsubscribe(GUILD, CHANNEL, ["nothing"]) == 0
    assert len(storage.subscriptions()) == 4

    assert storage.unsubscribe(GUILD, CHANNEL, ["kre", "ratio"]) == 2
    assert storage.subscriptions() == [elsewhere, foreign]
    assert storage.unsubscribe(GUILD, CHANNEL, ["kre", "ratio"]) == 0
    assert storage.unsubscribe(GUILD, OTHER_CHANNEL, ["kre"]) == 1
    assert storage.subscriptions() == [foreign]
    assert {kre.id, ratio.id}.isdisjoint(s.id for s in storage.subscriptions())


def test_unsubscribe_removes_the_delivery_history(storage, db_path):
    gone, _ = storage.subscribe(new("kre", CHANNEL))
    kept, _ = storage.subscribe(new("kre", OTHER_CHANNEL))
    storage.claim([alert(gone.id), alert(kept.id), alert(gone.id, "notable", "2023-03-09")])
    storage.finish(alert(gone.id)[:4], message_id=1)
    assert len(delivery_states(db_path)) == 3

    assert storage.unsubscribe(GUILD, CHANNEL, ["kre"]) == 1
    assert [r[0] for r in delivery_states(db_path)] == [kept.id]
    assert storage.last_deliveries([gone.id]) == {}
    assert set(storage.last_deliveries([gone.id, kept.id])) == {kept.id}


# ---------------------------------------------------------------- claims: exactly once


@pytest.fixture
def sub(storage):
    sub, _ = storage.subscribe(new())
    return sub


def test_a_new_alert_is_claimed(storage, sub, db_path):
    a = alert(sub.id)
    assert storage.claim([a]) == [a]
    assert delivery_states(db_path) == [(sub.id, "kre", "2023-03-13", "sharp", "claimed", None)]
    (headline, claimed_at, finished_at) = rows(db_path, "SELECT headline, claimed_at, finished_at FROM deliveries")[0]
    assert headline == a[4] and finished_at is None
    assert abs(dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(claimed_at)) < dt.timedelta(minutes=1)


def test_a_claim_of_several_alerts_returns_each_new_one(storage, sub):
    other, _ = storage.subscribe(new(channel=OTHER_CHANNEL))
    batch = [alert(sub.id), alert(other.id), alert(sub.id, session="2023-03-09")]
    assert storage.claim(iter(batch)) == batch  # any iterable
    assert storage.claim([]) == []


def test_the_same_alert_claimed_twice_is_returned_once(storage, sub, db_path):
    """An overlapping cycle of the same run does not get an alert that is in flight, whatever the window."""
    a = alert(sub.id)
    assert storage.claim([a]) == [a]
    for within in (NONCE_WINDOW, LONG_AGO, NEVER):
        assert storage.claim([a], resend_within=within) == []
    assert delivery_states(db_path) == [(sub.id, "kre", "2023-03-13", "sharp", "claimed", None)]  # still in flight


def _claim_from_two_threads(stores: list[Storage], sub_id: int, **claim_kwargs) -> list[list[tuple]]:
    """Two threads claim the same alert at once (a barrier lines them up)."""
    barrier = threading.Barrier(2)
    results: list[list[tuple] | Exception] = [[], []]

    def claim(i: int) -> None:
        try:
            barrier.wait(timeout=5)
            results[i] = stores[i].claim([alert(sub_id)], **claim_kwargs)
        except Exception as exc:  # reported below, not lost in the thread
            results[i] = exc

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    for r in results:
        if isinstance(r, Exception):
            raise r
    return results


def test_concurrent_claims_from_two_threads_of_one_run_exactly_one_wins(storage, sub, db_path):
    results = _claim_from_two_threads([storage, storage], sub.id)
    assert sorted(len(r) for r in results) == [0, 1]
    assert [r[:5] for r in delivery_states(db_path)] == [(sub.id, "kre", "2023-03-13", "sharp", "claimed")]


@pytest.fixture
def two_stores(db_path, storage):
    """Two more Storage objects on the same file: two processes."""
    stores = [Storage(db_path), Storage(db_path)]
    yield stores
    for s in stores:
        s.close()


def test_concurrent_claims_from_two_storages_insert_the_row_once(sub, db_path, two_stores):
    results = _claim_from_two_threads(two_stores, sub.id, resend_within=NEVER)
    assert sorted(len(r) for r in results) == [0, 1]
    assert [r[:4] for r in delivery_states(db_path)] == [(sub.id, "kre", "2023-03-13", "sharp")]


def test_concurrent_claims_from_two_storages_exactly_one_wins(sub, two_stores):
    results = _claim_from_two_threads(two_stores, sub.id)
    assert sorted(len(r) for r in results) == [0, 1]


def test_escalation_notable_then_sharp_are_both_claimed(storage, sub):
    notable, sharp = alert(sub.id, "notable"), alert(sub.id, "sharp")
    assert storage.claim([notable]) == [notable]
    storage.finish(notable[:4], message_id=1)
    assert storage.claim([sharp]) == [sharp]


def test_after_a_sharp_alert_a_notable_one_the_same_session_is_not_claimed(storage, sub, db_path):
    sharp, notable = alert(sub.id, "sharp"), alert(sub.id, "notable")
    assert storage.claim([sharp]) == [sharp]
    assert storage.claim([notable]) == []
    storage.finish(sharp[:4], message_id=1)
    assert storage.claim([notable]) == []
    assert [r[3] for r in delivery_states(db_path)] == ["sharp"]  # nothing recorded for the notable
    # Another session, or another subscription, is not affected.
    assert storage.claim([alert(sub.id, "notable", "2023-03-14")]) == [alert(sub.id, "notable", "2023-03-14")]
    other, _ = storage.subscribe(new(channel=OTHER_CHANNEL))
    assert storage.claim([alert(other.id, "notable")]) == [alert(other.id, "notable")]


def test_a_sent_alert_is_never_claimed_again(storage, sub, db_path):
    a = alert(sub.id)
    storage.claim([a])
    storage.finish(a[:4], message_id=1234)
    for within in (NONCE_WINDOW, LONG_AGO, NEVER):
        assert storage.claim([a], resend_within=within) == []
    assert delivery_states(db_path) == [(sub.id, "kre", "2023-03-13", "sharp", "sent", None)]
    assert rows(db_path, "SELECT message_id FROM deliveries") == [(1234,)]


def test_a_failed_alert_is_never_claimed_again(storage, sub, db_path):
    a = alert(sub.id)
    storage.claim([a])
    storage.finish(a[:4], error="gave up after retries: 503")
    assert storage.claim([a], resend_within=LONG_AGO) == []
    assert delivery_states(db_path) == [(sub.id, "kre", "2023-03-13", "sharp", "failed", "gave up after retries: 503")]


def test_a_young_unfinished_claim_is_returned_again_for_resending(storage, sub, db_path):
    """A crash between sending and recording: the next run resends while Discord still refuses a duplicate nonce."""
    a = alert(sub.id)
    assert storage.claim([a]) == [a]
    first_run = rows(db_path, "SELECT claimed_by FROM deliveries")[0][0]
    storage.close()  # the crash: the OS frees the dead process's evaluator lock
    restarted = Storage(db_path)
    try:
        assert restarted.run_id != storage.run_id
        assert restarted.claim([a], resend_within=LONG_AGO) == [a]
        assert rows(db_path, "SELECT claimed_by FROM deliveries")[0][0] == restarted.run_id != first_run
        assert restarted.claim([a], resend_within=LONG_AGO) == []  # now in flight in this run
    finally:
        restarted.close()  # crashed again
    again = Storage(db_path)
    try:
        assert again.claim([a], resend_within=LONG_AGO) == [a]  # still young: resent again
    finally:
        again.close()
    assert delivery_states(db_path) == [(sub.id, "kre", "2023-03-13", "sharp", "claimed", None)]


@pytest.mark.parametrize("resend_within", [NEVER, -LONG_AGO])
def test_an_old_unfinished_claim_is_recorded_as_interrupted_and_not_resent(storage, sub, db_path, resend_within):
    a = alert(sub.id)
    assert storage.claim([a]) == [a]
    storage.close()  # the crash
    restarted = Storage(db_path)
    try:
        assert restarted.claim([a], resend_within=resend_within) == []
        ((state, error, finished_at),) = rows(db_path, "SELECT state, error, finished_at FROM deliveries")
        assert state == "failed" and "interrupted" in error and finished_at is not None
        assert restarted.claim([a], resend_within=LONG_AGO) == []  # failed stays failed
        assert restarted.last_deliveries([sub.id])[sub.id].state == "failed"
    finally:
        restarted.close()


def test_the_default_resend_window_is_the_nonce_window(storage, sub, db_path):
    a = alert(sub.id)
    storage.claim([a])
    storage.close()  # the crash
    with closing(sqlite3.connect(db_path)) as db:  # claimed long enough ago, without waiting
        old = dt.datetime.now(dt.UTC) - NONCE_WINDOW - dt.timedelta(seconds=5)
        db.execute("UPDATE deliveries SET claimed_at = ?", (old.isoformat(timespec="milliseconds"),))
        db.commit()
    restarted = Storage(db_path)
    try:
        assert restarted.claim([a]) == []
    finally:
        restarted.close()
    assert delivery_states(db_path)[0][4] == "failed"


def test_one_evaluator_per_database_until_it_ends(storage, sub, db_path):
    """A second process on the same database claims nothing while the first lives, and takes over when it ends."""
    a, b = alert(sub.id, session="2023-03-09"), alert(sub.id, session="2023-03-13")
    assert storage.claim([a]) == [a] and storage.is_evaluator()
    second = Storage(db_path)
    try:
        assert not second.is_evaluator()
        assert second.claim([a, b], resend_within=LONG_AGO) == []  # not even the first's in-flight claim
        assert storage.is_evaluator() and storage.claim([b]) == [b]  # the first keeps its role
        storage.close()
        assert second.is_evaluator()
        assert second.claim([b], resend_within=LONG_AGO) == [b]  # the dead run's claim, resent
    finally:
        second.close()
    assert (db_path.parent / "marketbot.db.alerts.lock").exists()


def test_finish_records_the_outcome(storage, sub, db_path):
    sent, failed = alert(sub.id, session="2023-03-09"), alert(sub.id, session="2023-03-13")
    storage.claim([sent, failed])
    storage.finish(sent[:4], message_id=99)
    storage.finish(failed[:4], error="no permission to post there")
    got = rows(db_path, "SELECT session, state, message_id, error, finished_at IS NOT NULL FROM deliveries ORDER BY session")
    assert got == [("2023-03-09", "sent", 99, None, 1), ("2023-03-13", "failed", None, "no permission to post there", 1)]


def test_last_deliveries_gives_each_subscriptions_latest_alert(storage, sub, db_path):
    other, _ = storage.subscribe(new(channel=OTHER_CHANNEL))
    quiet, _ = storage.subscribe(new(rule="ratio"))
    assert storage.last_deliveries([]) == {}
    assert storage.last_deliveries([sub.id, other.id, quiet.id]) == {}

    storage.claim([alert(sub.id, "notable", "2023-03-09")])
    storage.finish((sub.id, "kre", "2023-03-09", "notable"), message_id=1)
    with closing(sqlite3.connect(db_path)) as db:  # an older claim time, without waiting
        db.execute("UPDATE deliveries SET claimed_at = '2023-03-09T21:00:00.000+00:00'")
        db.commit()
    storage.claim([alert(sub.id, "sharp", "2023-03-13")])
    storage.claim([alert(other.id, "sharp", "2023-03-13")])
    storage.finish((other.id, "kre", "2023-03-13", "sharp"), error="the channel is gone")

    last = storage.last_deliveries([sub.id, other.id, quiet.id])
    assert set(last) == {sub.id, other.id}
    d = last[sub.id]
    assert (d.subscription_id, d.rule, d.session, d.level, d.state) == (sub.id, "kre", "2023-03-13", "sharp", "claimed")
    assert d.key == (sub.id, "kre", "2023-03-13", "sharp") and d.headline == "KRE sharp on 2023-03-13"
    assert d.finished_at is None and d.message_id is None and d.error is None
    o = last[other.id]
    assert (o.state, o.error) == ("failed", "the channel is gone") and o.finished_at is not None
    assert storage.last_deliveries([other.id]) == {other.id: o}


async def test_claim_and_finish_run_off_the_loop(storage, sub):
    a = alert(sub.id)
    assert await storage.run(storage.claim, [a]) == [a]
    await storage.run(storage.finish, a[:4], message_id=5)
    assert await storage.run(storage.claim, [a]) == []
