"""The Store contract, on both engines (SQLite, and a real PostgreSQL server the suite starts):
migrations, meta, subscribe/unsubscribe/list, pause, exactly-once claims under concurrency,
notable after sharp, finish, attempts and resends after a crash, one evaluator per database."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from analytics.watchlist import MAX_SYMBOLS as MAX_WATCHED
from analytics.watchlist import WatchChange
from bot.storage.open import open_store
from bot.storage.protocol import INTERRUPTED, NONCE_WINDOW, AlertKey, Claim, Store
from commands.kit.store import NewSubscription, StoreUnavailable
from tests.pg_server import postgres_server, postgres_url  # noqa: F401  (fixtures)

GUILD, OTHER_GUILD = 100, 200
CHANNEL, OTHER_CHANNEL, FOREIGN_CHANNEL = 10, 11, 20
USER = 7
LONG_AGO = dt.timedelta(days=365)  # resend_within: every attempt is young
NEVER = dt.timedelta(0)  # resend_within: every attempt is too old to resend


@dataclass
class Engine:
    """One database, reachable as a store (``open``: a new process's view) and by raw SQL (``rows``)."""

    name: str
    target: str
    rows: Callable[..., list[tuple]]  # (sql with ? placeholders, *args)
    opened: list[Store] = field(default_factory=list)

    async def open(self) -> Store:
        store = await open_store(self.target)
        self.opened.append(store)
        return store


def _sqlite_rows(path: Path) -> Callable[..., list[tuple]]:
    def rows(sql: str, *args: object) -> list[tuple]:
        with closing(sqlite3.connect(path)) as db:
            found = db.execute(sql, args).fetchall()
            db.commit()
            return found

    return rows


def _postgres_rows(url: str) -> Callable[..., list[tuple]]:
    import psycopg

    def rows(sql: str, *args: object) -> list[tuple]:
        with psycopg.connect(url, autocommit=True) as conn:
            cursor = conn.execute(sql.replace("?", "%s"), args)
            return cursor.fetchall() if cursor.description else []

    return rows


@pytest.fixture(params=["sqlite", "postgres"])
async def engine(request, tmp_path):
    if request.param == "sqlite":
        path = tmp_path / "state" / "marketbot.db"
        engine = Engine("sqlite", str(path), _sqlite_rows(path))
    else:
        url = request.getfixturevalue("postgres_url")
        engine = Engine("postgres", url, _postgres_rows(url))
    yield engine
    for store in engine.opened:
        await store.close()


@pytest.fixture
async def pg_engine(postgres_url):
    """PostgreSQL only: what SQLite has no counterpart for (a connection to drop, a server to restart)."""
    engine = Engine("postgres", postgres_url, _postgres_rows(postgres_url))
    yield engine
    for store in engine.opened:
        await store.close()


@pytest.fixture
async def storage(engine) -> Store:
    return await engine.open()


def new(rule: str = "kre", channel: int = CHANNEL, guild: int = GUILD, preset: str = "standard",
        role: int | None = None) -> NewSubscription:  # fmt: skip
    return NewSubscription(guild, channel, rule, preset, role, USER)


async def subscribe(storage: Store, *args, **kwargs):
    ((sub, created),) = await storage.subscribe([new(*args, **kwargs)])
    return sub, created


def alert(sub_id: int, level: str = "sharp", session: str = "2023-03-13", rule: str = "kre") -> Claim:
    return Claim(AlertKey(sub_id, rule, session, level), f"KRE {level} on {session}")


def keys(*claims: Claim) -> list[AlertKey]:
    return [c.key for c in claims]


def delivery_states(engine: Engine) -> list[tuple]:
    return engine.rows("SELECT subscription_id, rule, session, level, state, error FROM deliveries ORDER BY 1, 2, 3, 4")


# ---------------------------------------------------------------- migrations and meta


async def test_a_new_database_is_migrated_to_the_latest_schema_once(engine):
    first = await engine.open()
    version = await first.schema_version()
    assert version >= 2
    await first.close()
    second = await engine.open()  # migrations do not run twice
    assert await second.schema_version() == version
    tables = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
              "postgres": "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"}[engine.name]  # fmt: skip
    assert {"meta", "subscriptions", "deliveries"} <= {r[0] for r in engine.rows(tables)}


async def test_meta_set_get_overwrite_and_persist(engine, storage):
    assert await storage.get_meta("k") is None
    await storage.set_meta("k", "one")
    await storage.set_meta("other", "x")
    assert await storage.get_meta("k") == "one"
    await storage.set_meta("k", "two")
    await storage.close()
    reopened = await engine.open()
    assert (await reopened.get_meta("k"), await reopened.get_meta("other")) == ("two", "x")
    assert sorted(engine.rows("SELECT key, value FROM meta")) == [("k", "two"), ("other", "x")]


# ---------------------------------------------------------------- subscriptions


async def test_subscribe_creates_then_updates_the_same_channel_and_rule(storage):
    first, created = await subscribe(storage, preset="standard")
    assert created
    assert (first.guild_id, first.channel_id, first.rule, first.preset, first.role_id, first.created_by) == (
        GUILD, CHANNEL, "kre", "standard", None, USER)
    assert first.active and first.paused_reason is None
    assert abs(dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(first.created_at)) < dt.timedelta(minutes=1)

    again, created = await subscribe(storage, preset="quiet", role=55)
    assert not created
    assert again.id == first.id and (again.preset, again.role_id) == ("quiet", 55)
    assert again.created_at == first.created_at  # an update, not a new row
    assert await storage.subscriptions() == [again]

    other_rule, created = await subscribe(storage, rule="ratio")
    other_channel, created_too = await subscribe(storage, channel=OTHER_CHANNEL)
    assert created and created_too and len({first.id, other_rule.id, other_channel.id}) == 3


async def test_several_rules_are_subscribed_in_one_call(storage):
    saved = await storage.subscribe([new("kre"), new("ratio"), new("digest")])
    assert [(s.rule, created) for s, created in saved] == [("kre", True), ("ratio", True), ("digest", True)]
    assert [s.id for s, _ in saved] == [s.id for s in await storage.subscriptions()]


async def test_snowflakes_keep_all_their_digits(storage):
    big = 1_300_000_000_000_000_099
    (sub, _), = await storage.subscribe([NewSubscription(big, big + 1, "kre", "standard", big + 2, big + 3)])
    assert (sub.guild_id, sub.channel_id, sub.role_id, sub.created_by) == (big, big + 1, big + 2, big + 3)
    assert await storage.subscriptions(big) == [sub]


async def test_resubscribing_resumes_a_paused_subscription(storage):
    sub, _ = await subscribe(storage)
    await storage.pause(sub.id, "no permission to post there (Discord 403, 2023-03-13); fix it and subscribe again")
    (paused,) = await storage.subscriptions()
    assert not paused.active and paused.paused_reason.startswith("no permission")
    assert await storage.subscriptions(active_only=True) == []

    resumed, created = await subscribe(storage, preset="sensitive")
    assert not created and resumed.id == sub.id
    assert resumed.active and resumed.preset == "sensitive"
    assert await storage.subscriptions(active_only=True) == [resumed]


async def test_subscriptions_by_guild_and_active_only(storage):
    a, _ = await subscribe(storage, "kre", CHANNEL)
    b, _ = await subscribe(storage, "ratio", CHANNEL)
    c, _ = await subscribe(storage, "kre", FOREIGN_CHANNEL, guild=OTHER_GUILD)
    await storage.pause(b.id, "the channel is gone")
    b = (await storage.subscriptions(GUILD))[1]

    assert await storage.subscriptions() == [a, b, c]  # ordered by id
    assert await storage.subscriptions(GUILD) == [a, b]
    assert await storage.subscriptions(OTHER_GUILD) == [c]
    assert await storage.subscriptions(GUILD, active_only=True) == [a]
    assert await storage.subscriptions(active_only=True) == [a, c]
    assert await storage.subscriptions(999) == []


async def test_pause_touches_only_that_subscription(storage):
    a, _ = await subscribe(storage, "kre")
    b, _ = await subscribe(storage, "ratio")
    await storage.pause(a.id, "why")
    assert [(s.id, s.paused_reason) for s in await storage.subscriptions()] == [(a.id, "why"), (b.id, None)]


async def test_unsubscribe_counts_and_leaves_other_guilds_alone(storage):
    kre, _ = await subscribe(storage, "kre", CHANNEL)
    ratio, _ = await subscribe(storage, "ratio", CHANNEL)
    elsewhere, _ = await subscribe(storage, "kre", OTHER_CHANNEL)
    foreign, _ = await subscribe(storage, "kre", FOREIGN_CHANNEL, guild=OTHER_GUILD)

    # Another guild cannot remove this guild's subscription, even naming its channel.
    assert await storage.unsubscribe(OTHER_GUILD, CHANNEL, ["kre", "ratio"]) == 0
    assert await storage.unsubscribe(GUILD, FOREIGN_CHANNEL, ["kre"]) == 0
    assert await storage.unsubscribe(GUILD, CHANNEL, ["nothing"]) == 0
    assert len(await storage.subscriptions()) == 4

    assert await storage.unsubscribe(GUILD, CHANNEL, ["kre", "ratio"]) == 2
    assert await storage.subscriptions() == [elsewhere, foreign]
    assert await storage.unsubscribe(GUILD, CHANNEL, iter(["kre", "ratio"])) == 0
    assert await storage.unsubscribe(GUILD, OTHER_CHANNEL, ["kre"]) == 1
    assert await storage.subscriptions() == [foreign]
    assert {kre.id, ratio.id}.isdisjoint(s.id for s in await storage.subscriptions())


async def test_unsubscribe_removes_the_delivery_history(engine, storage):
    gone, _ = await subscribe(storage, "kre", CHANNEL)
    kept, _ = await subscribe(storage, "kre", OTHER_CHANNEL)
    await storage.claim([alert(gone.id), alert(kept.id), alert(gone.id, "notable", "2023-03-09")])
    await storage.finish(alert(gone.id).key, message_id=1)
    assert len(delivery_states(engine)) == 3

    assert await storage.unsubscribe(GUILD, CHANNEL, ["kre"]) == 1
    assert [r[0] for r in delivery_states(engine)] == [kept.id]
    assert await storage.last_deliveries([gone.id]) == {}
    assert set(await storage.last_deliveries([gone.id, kept.id])) == {kept.id}


# ---------------------------------------------------------------- claims: exactly once


@pytest.fixture
async def sub(storage):
    sub, _ = await subscribe(storage)
    return sub


async def test_a_new_alert_is_claimed(engine, storage, sub):
    a = alert(sub.id)
    assert await storage.claim([a]) == [a.key]
    assert delivery_states(engine) == [(sub.id, "kre", "2023-03-13", "sharp", "claimed", None)]
    ((headline, finished_at, attempted_at),) = engine.rows("SELECT headline, finished_at, attempted_at FROM deliveries")
    assert headline == a.headline and finished_at is None and attempted_at is None


async def test_a_claim_of_several_alerts_returns_each_new_one_in_order(storage, sub):
    other, _ = await subscribe(storage, channel=OTHER_CHANNEL)
    batch = [alert(sub.id), alert(other.id), alert(sub.id, session="2023-03-09")]
    assert await storage.claim(batch) == keys(*batch)
    assert await storage.claim([]) == []


async def test_the_same_alert_claimed_twice_is_returned_once(engine, storage, sub):
    """An overlapping cycle of the same run does not get an alert that is in flight, whatever the window."""
    a = alert(sub.id)
    assert await storage.claim([a]) == [a.key]
    for within in (NONCE_WINDOW, LONG_AGO, NEVER):
        assert await storage.claim([a], resend_within=within) == []
    assert delivery_states(engine) == [(sub.id, "kre", "2023-03-13", "sharp", "claimed", None)]  # still in flight


async def test_concurrent_claims_in_one_process_claim_each_alert_once(engine, storage, sub):
    others = [(await subscribe(storage, channel=100 + i))[0] for i in range(20)]
    batch = [alert(s.id) for s in (sub, *others)]
    results = await asyncio.gather(*(storage.claim(batch) for _ in range(4)))
    assert sorted(k for r in results for k in r) == sorted(keys(*batch))  # each exactly once in total
    assert {r[4] for r in delivery_states(engine)} == {"claimed"} and len(delivery_states(engine)) == 21


async def test_two_evaluators_by_mistake_still_send_each_alert_once(engine, storage, sub):
    """Claims are transactions: two processes both claiming (no evaluator lock between them) may take a
    never-attempted claim from each other, but only the one holding it last may attempt the post."""
    others = [(await subscribe(storage, channel=100 + i))[0] for i in range(50)]
    batch = [alert(s.id) for s in (sub, *others)]
    second = await engine.open()
    second.is_evaluator = storage.is_evaluator  # both think they evaluate
    stores = [storage, second, storage, second]
    results = await asyncio.gather(*(s.claim(batch) for s in stores))
    assert set(keys(*batch)) == {k for r in results for k in r}
    held = {(i % 2, k) for i, claimed in enumerate(results) for k in claimed}  # (which process, alert)
    attempts = await asyncio.gather(*(stores[who].attempt(k) for who, k in held))
    sent = [k for (_, k), ok in zip(held, attempts, strict=True) if ok]
    assert sorted(sent) == sorted(keys(*batch))  # each alert goes out from exactly one of them
    assert len(delivery_states(engine)) == 51


async def test_a_claim_taken_over_is_not_attempted_by_its_first_holder(engine, storage, sub):
    a = alert(sub.id)
    assert await storage.claim([a]) == [a.key]
    second = await engine.open()
    second.is_evaluator = storage.is_evaluator  # a second evaluator by mistake
    assert await second.claim([a]) == [a.key]  # never attempted: taken over
    assert not await storage.attempt(a.key)  # the first must not send it
    assert await second.attempt(a.key) and await second.attempt(a.key)  # retries of the holder


async def test_escalation_notable_then_sharp_are_both_claimed(storage, sub):
    notable, sharp = alert(sub.id, "notable"), alert(sub.id, "sharp")
    assert await storage.claim([notable]) == [notable.key]
    await storage.finish(notable.key, message_id=1)
    assert await storage.claim([sharp]) == [sharp.key]


async def test_after_a_sharp_alert_a_notable_one_the_same_session_is_not_claimed(engine, storage, sub):
    sharp, notable = alert(sub.id, "sharp"), alert(sub.id, "notable")
    assert await storage.claim([sharp]) == [sharp.key]
    assert await storage.claim([notable]) == []
    await storage.finish(sharp.key, message_id=1)
    assert await storage.claim([notable]) == []
    assert [r[3] for r in delivery_states(engine)] == ["sharp"]  # nothing recorded for the notable
    # Another session, or another subscription, is not affected.
    later = alert(sub.id, "notable", "2023-03-14")
    assert await storage.claim([later]) == [later.key]
    other, _ = await subscribe(storage, channel=OTHER_CHANNEL)
    assert await storage.claim([alert(other.id, "notable")]) == [alert(other.id, "notable").key]


async def test_a_sent_alert_is_never_claimed_again(engine, storage, sub):
    a = alert(sub.id)
    await storage.claim([a])
    await storage.attempt(a.key)
    await storage.finish(a.key, message_id=1234)
    for within in (NONCE_WINDOW, LONG_AGO, NEVER):
        assert await storage.claim([a], resend_within=within) == []
    assert delivery_states(engine) == [(sub.id, "kre", "2023-03-13", "sharp", "sent", None)]
    assert engine.rows("SELECT message_id FROM deliveries") == [(1234,)]


async def test_a_failed_alert_is_never_claimed_again(engine, storage, sub):
    a = alert(sub.id)
    await storage.claim([a])
    await storage.finish(a.key, error="gave up after retries: 503")
    assert await storage.claim([a], resend_within=LONG_AGO) == []
    assert delivery_states(engine) == [(sub.id, "kre", "2023-03-13", "sharp", "failed", "gave up after retries: 503")]


# ---------------------------------------------------------------- after a crash


async def test_a_never_attempted_claim_is_always_sent_after_a_restart(engine, storage, sub):
    """A crash long after the claim (a big fan-out) loses nothing that was never posted."""
    a = alert(sub.id)
    assert await storage.claim([a]) == [a.key]
    engine.rows("UPDATE deliveries SET claimed_at = ?", "2023-03-13T21:00:00.000+00:00")  # claimed long ago
    await storage.close()  # the crash: its evaluator lock goes with it
    restarted = await engine.open()
    assert await restarted.claim([a]) == [a.key]
    assert await restarted.claim([a], resend_within=NEVER) == []  # now in flight in this run
    assert delivery_states(engine) == [(sub.id, "kre", "2023-03-13", "sharp", "claimed", None)]


async def test_an_attempted_claim_is_resent_within_the_nonce_window(engine, storage, sub):
    a = alert(sub.id)
    await storage.claim([a])
    await storage.attempt(a.key)
    (first_run,) = engine.rows("SELECT claimed_by FROM deliveries")[0]
    await storage.close()
    restarted = await engine.open()
    assert await restarted.claim([a]) == [a.key]  # attempted a moment ago: Discord refuses a duplicate nonce
    assert engine.rows("SELECT claimed_by FROM deliveries")[0][0] != first_run
    await restarted.attempt(a.key)  # a second attempt keeps the first attempt's time
    await restarted.close()
    again = await engine.open()
    assert await again.claim([a], resend_within=LONG_AGO) == [a.key]


@pytest.mark.parametrize("resend_within", [NEVER, -LONG_AGO])
async def test_an_attempt_older_than_the_window_is_recorded_as_uncertain_and_not_resent(engine, storage, sub, resend_within):
    a = alert(sub.id)
    await storage.claim([a])
    await storage.attempt(a.key)
    await storage.close()
    restarted = await engine.open()
    assert await restarted.claim([a], resend_within=resend_within) == []
    ((state, error, finished),) = engine.rows("SELECT state, error, finished_at IS NOT NULL FROM deliveries")
    assert (state, error, finished) == ("failed", INTERRUPTED, True)
    assert await restarted.claim([a], resend_within=LONG_AGO) == []  # failed stays failed
    assert (await restarted.last_deliveries([sub.id]))[sub.id].state == "failed"


async def test_the_default_resend_window_is_the_nonce_window(engine, storage, sub):
    young, old = alert(sub.id, session="2023-03-13"), alert(sub.id, session="2023-03-09")
    await storage.claim([young, old])
    for a in (young, old):
        await storage.attempt(a.key)
    stamp = (dt.datetime.now(dt.UTC) - NONCE_WINDOW - dt.timedelta(seconds=5)).isoformat(timespec="milliseconds")
    engine.rows("UPDATE deliveries SET attempted_at = ? WHERE session = '2023-03-09'", stamp)
    await storage.close()
    restarted = await engine.open()
    assert await restarted.claim([young, old]) == [young.key]
    assert [r[4] for r in delivery_states(engine)] == ["failed", "claimed"]


async def test_unfinished_elsewhere_counts_a_dead_runs_claims_of_a_session(engine, storage, sub):
    await storage.claim([alert(sub.id), alert(sub.id, session="2023-03-09")])
    assert await storage.unfinished_elsewhere("2023-03-13") == 0  # its own are in flight, not unfinished
    await storage.close()
    restarted = await engine.open()
    assert await restarted.unfinished_elsewhere("2023-03-13") == 1
    await restarted.claim([alert(sub.id)])
    assert await restarted.unfinished_elsewhere("2023-03-13") == 0


async def test_finish_records_the_outcome(engine, storage, sub):
    sent, failed = alert(sub.id, session="2023-03-09"), alert(sub.id, session="2023-03-13")
    await storage.claim([sent, failed])
    await storage.finish(sent.key, message_id=99)
    await storage.finish(failed.key, error="no permission to post there")
    got = engine.rows("SELECT session, state, message_id, error, finished_at IS NOT NULL FROM deliveries ORDER BY session")
    assert got == [("2023-03-09", "sent", 99, None, True), ("2023-03-13", "failed", None, "no permission to post there", True)]


async def test_last_deliveries_gives_each_subscriptions_latest_alert(engine, storage, sub):
    other, _ = await subscribe(storage, channel=OTHER_CHANNEL)
    quiet, _ = await subscribe(storage, rule="ratio")
    assert await storage.last_deliveries([]) == {}
    assert await storage.last_deliveries([sub.id, other.id, quiet.id]) == {}

    await storage.claim([alert(sub.id, "notable", "2023-03-09")])
    await storage.finish(AlertKey(sub.id, "kre", "2023-03-09", "notable"), message_id=1)
    engine.rows("UPDATE deliveries SET claimed_at = '2023-03-09T21:00:00.000+00:00'")  # an older claim
    await storage.claim([alert(sub.id, "sharp", "2023-03-13"), alert(other.id, "sharp", "2023-03-13")])
    await storage.finish(AlertKey(other.id, "kre", "2023-03-13", "sharp"), error="the channel is gone")

    last = await storage.last_deliveries(iter([sub.id, other.id, quiet.id]))
    assert set(last) == {sub.id, other.id}
    d = last[sub.id]
    key = AlertKey(d.subscription_id, d.rule, d.session, d.level)  # Delivery.key is gone
    assert key == AlertKey(sub.id, "kre", "2023-03-13", "sharp") and d.headline == "KRE sharp on 2023-03-13"
    assert (d.state, d.finished_at, d.message_id, d.error) == ("claimed", None, None, None)
    o = last[other.id]
    assert (o.state, o.error) == ("failed", "the channel is gone") and o.finished_at is not None
    assert await storage.last_deliveries([other.id]) == {other.id: o}


async def test_last_deliveries_of_many_subscriptions(storage):
    saved = await storage.subscribe([new(channel=1000 + i) for i in range(1200)])
    await storage.claim([alert(s.id) for s, _ in saved])
    assert len(await storage.last_deliveries(s.id for s, _ in saved)) == 1200


# ---------------------------------------------------------------- one evaluator per database


async def test_one_evaluator_per_database_until_it_ends(engine, storage, sub):
    """A second process claims nothing while the first lives, and takes over when it ends."""
    a, b = alert(sub.id, session="2023-03-09"), alert(sub.id, session="2023-03-13")
    assert await storage.claim([a]) == [a.key] and await storage.is_evaluator()
    second = await engine.open()
    assert not await second.is_evaluator()
    assert await second.claim([a, b], resend_within=LONG_AGO) == []  # not even the first's in-flight claim
    assert await storage.is_evaluator() and await storage.claim([b]) == [b.key]  # the first keeps its role
    await storage.close()
    assert await second.is_evaluator()
    assert await second.claim([b]) == [b.key]  # the dead run's claim, never attempted: sent


async def test_a_standby_takes_over_when_the_holder_is_killed(engine, storage):
    """kill -9 of the evaluator's process: the lock is freed with it (the file's, or the database session's)."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, engine.target], stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[2]
    )
    try:
        assert holder.stdout.readline().strip() == "evaluator"
        assert not await storage.is_evaluator()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 10
        while not await storage.is_evaluator():
            assert time.monotonic() < deadline, "the standby never took over"
            await asyncio.sleep(0.1)
    finally:
        holder.kill()
        holder.wait()


HOLDER = """
import asyncio, sys
from bot.storage.open import open_store

async def main():
    store = await open_store(sys.argv[1])
    print("evaluator" if await store.is_evaluator() else "standby", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main())
"""


async def test_postgres_a_dropped_evaluator_connection_frees_the_lock(pg_engine):
    engine = pg_engine
    storage, second = await engine.open(), await engine.open()
    sub, _ = await subscribe(storage)
    assert await storage.is_evaluator() and not await second.is_evaluator()
    # The holder's session ends (a network drop, a failover, an admin): its lock goes with it.
    engine.rows("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ?", storage._evaluator.info.backend_pid)
    assert await second.is_evaluator()  # the standby takes over at its next check
    assert not await storage.is_evaluator()  # the first checks before each cycle and stands by
    assert await storage.claim([alert(sub.id)]) == []
    assert await second.claim([alert(sub.id)]) == [alert(sub.id).key]


async def test_postgres_a_server_restart_is_an_expected_event(pg_engine, postgres_server):
    server, storage = postgres_server, await pg_engine.open()
    sub, _ = await subscribe(storage)
    assert await storage.is_evaluator()
    server.stop("fast")
    try:
        with pytest.raises(StoreUnavailable, match="nothing was changed"):
            await storage.subscribe([new(channel=OTHER_CHANNEL)])
    finally:
        server.start()
    # Back up: the pool reconnects, and the evaluator takes its lock again on a new connection.
    assert [s.id for s in await storage.subscriptions()] == [sub.id]
    assert await storage.is_evaluator()
    assert await storage.claim([alert(sub.id)]) == [alert(sub.id).key]


# ---------------------------------------------------------------- server watchlists


async def test_a_watchlist_keeps_its_order_and_says_what_each_symbol_did(storage):
    assert await storage.watchlist(GUILD) == []
    change = await storage.watch(GUILD, ["KRE", "^RUT", "KRE"], USER)
    assert change == WatchChange(["KRE", "^RUT"], [], [])
    change = await storage.watch(GUILD, ["SPY", "^RUT"], USER)
    assert change == WatchChange(["SPY"], ["^RUT"], [])
    assert await storage.watchlist(GUILD) == ["KRE", "^RUT", "SPY"]
    assert await storage.watchlist(OTHER_GUILD) == []


async def test_unwatch_removes_only_this_servers_listed_symbols(storage):
    await storage.watch(GUILD, ["KRE", "SPY", "IWM"], USER)
    await storage.watch(OTHER_GUILD, ["KRE"], USER)
    assert await storage.unwatch(GUILD, ["IWM", "NVDA", "KRE"]) == ["IWM", "KRE"]  # NVDA was not listed
    assert await storage.watchlist(GUILD) == ["SPY"]
    assert await storage.watchlist(OTHER_GUILD) == ["KRE"]
    assert await storage.unwatch(GUILD, ["KRE"]) == []


async def test_a_watchlist_holds_at_most_the_limit_and_says_which_were_refused(storage):
    first = [f"S{i}" for i in range(MAX_WATCHED - 2)]
    assert (await storage.watch(GUILD, first, USER)).added == first
    change = await storage.watch(GUILD, ["S0", "A", "B", "C", "D"], USER)
    assert change == WatchChange(["A", "B"], ["S0"], ["C", "D"])
    assert len(await storage.watchlist(GUILD)) == MAX_WATCHED
    await storage.unwatch(GUILD, ["A"])
    assert (await storage.watch(GUILD, ["D"], USER)).added == ["D"]  # room again after a removal


async def test_concurrent_adds_from_two_processes_never_exceed_the_limit(engine, storage):
    second = await engine.open()
    batches = [[f"P{p}X{i}" for i in range(10)] for p in range(6)]  # 60 asked, 25 fit
    stores = [storage, second] * 3
    changes = await asyncio.gather(*(s.watch(GUILD, b, USER) for s, b in zip(stores, batches, strict=True)))
    added = [s for c in changes for s in c.added]
    assert len(added) == MAX_WATCHED == len(set(added))
    assert sorted(await storage.watchlist(GUILD)) == sorted(added)
    assert sum(len(c.refused) for c in changes) == 60 - MAX_WATCHED
    assert engine.rows("SELECT COUNT(*) FROM watchlist WHERE guild_id = ?", GUILD) == [(MAX_WATCHED,)]


async def test_watchlists_of_every_server_survive_a_restart(engine, storage):
    await storage.watch(GUILD, ["KRE", "^GSPC"], USER)
    await storage.watch(OTHER_GUILD, ["NVDA"], USER)
    await storage.watch(300, ["SPY"], USER)
    await storage.unwatch(300, ["SPY"])  # an emptied list is not listed
    await storage.close()
    reopened = await engine.open()
    assert await reopened.watchlists() == {GUILD: ["KRE", "^GSPC"], OTHER_GUILD: ["NVDA"]}
    assert engine.rows("SELECT added_by FROM watchlist WHERE symbol = 'NVDA'") == [(USER,)]
