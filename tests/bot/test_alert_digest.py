"""AlertCycle's daily digest on the real snapshot and a real database; only Discord (``deliver``) is faked."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest

from analytics import banks, rates
from analytics import digest as digests
from analytics.alerts.rules import RatioRule, watched_values
from analytics.digest import Digest, daily_digest
from analytics.errors import DataUnavailable
from analytics.sources.base import Fetched
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource, load_fred_snapshot
from bot.alerts.cycle import Alert, AlertCycle, nonce_for, post_key
from bot.storage.sqlite import SqliteStore
from commands.alerts.messages import alert_answer, credit_line, digest_data, digest_headline
from commands.kit.store import NewSubscription

from .test_alert_cycle import GUILD, MARCH_13, NOW, Recorder, fred_at, market_at, sent_keys, subscribe

T = pd.Timestamp
SESSION = T("2023-03-13")
KEY = ("digest", "2023-03-13", "digest")
# What analytics.digest.SYMBOLS was: the ratio rule's indexes and stand-ins, the banks' and the rates' symbols.
SYMBOLS = (*RatioRule.INDEXES, *RatioRule.STAND_INS, *banks.SYMBOLS, *rates.SYMBOLS)
BANKS_ONLY = frozenset(banks.SYMBOLS) - {"KRE", "SPY"}  # XLF and the basket: KRE and SPY also feed the kre rule
# Every symbol a settled cycle with digest readers fetches: the rules', banks', rates' and the credit line's
# (HYG, IEF, BKLN: the credit part is its own fetch; KRE is already fetched for the kre rule).
DIGEST_SYMBOLS = frozenset(SYMBOLS) | frozenset(digests.CREDIT_SYMBOLS)
# What only the credit reading reads (TLT, IEF, HYG, BKLN, BIZD): failing them leaves every other part whole.
CREDIT_ONLY = frozenset(digests.CREDIT_SYMBOLS) - frozenset(SYMBOLS) - frozenset(banks.SYMBOLS)


@pytest.fixture
async def storage(tmp_path):
    storage = await SqliteStore.open(tmp_path / "marketbot.db")
    yield storage
    await storage.close()


def digests_sent(recorder: Recorder) -> list[tuple[Digest, str, object, list]]:
    return [call for call in recorder.calls if isinstance(call[0], Digest)]


@pytest.fixture(scope="module")
def march_13_closes() -> pd.DataFrame:
    """Every digest symbol up to 2023-03-13, straight from the source (not through MarketData)."""
    return SnapshotSource(as_of=T("2023-03-13")).closes[list(dict.fromkeys([*SYMBOLS, *digests.CREDIT_SYMBOLS]))]


@pytest.fixture(scope="module")
def march_13_fred() -> pd.DataFrame:
    """The bundled FRED series up to 2023-03-13 (the 2-year yield), as the cycle hands them to the digest."""
    return SnapshotSource(as_of=T("2023-03-13"), snapshot=load_fred_snapshot()).closes


class Source:
    """The snapshot, recording what is asked; ``failing`` symbols fail (a per-symbol error in the Fetched)."""

    name, live, replay = "snapshot", False, True

    def __init__(self, as_of: dt.date, failing: frozenset[str] = frozenset()) -> None:
        self.inner = SnapshotSource(as_of=T(as_of))
        self.failing = failing
        self.error = DataUnavailable("No XLF data from Yahoo Finance (timed out).")
        self.asked: list[list[str]] = []

    def last_session(self, now):
        return self.inner.last_session(now)

    def fetch(self, symbols, start, now):
        self.asked.append(list(symbols))
        failing = [s for s in symbols if s in self.failing]
        got = self.inner.fetch([s for s in symbols if s not in self.failing], start, now)
        return Fetched(closes=got.closes, errors={**got.errors, **{s: self.error for s in failing}})


# ---------------------------------------------------------------- one digest per settled session


async def test_digest_subscribers_get_one_digest_per_settled_session(storage, march_13_closes, march_13_fred):
    subs = [await subscribe(storage, "digest", channel=c) for c in (10, 11)]
    market, deliver = market_at(MARCH_13), Recorder(storage)

    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")

    assert report.session == T("2023-03-13") and report.skipped == [] and report.events == []
    assert (report.digests, report.claimed) == (1, 2)
    ((digest, preset, prices, dues),) = deliver.calls  # composed and rendered once, fanned out
    assert isinstance(digest, Digest) and preset == "standard" and digest.preset == "standard"
    assert post_key(digest) == KEY and digest.missing == () and not digest.empty
    assert digest == daily_digest(march_13_closes, SESSION, "standard", fred=march_13_fred)
    assert {"XLF", "ZION", "^TNX", "^IRX"} <= set(prices.closes.columns) and prices.closes.index[-1] == SESSION
    assert [d.subscription for d in dues] == subs
    assert [d.key for d in dues] == [(s.id, *KEY) for s in subs]
    assert [d.nonce for d in dues] == [nonce_for((s.id, *KEY)) for s in subs]
    assert sent_keys(storage) == [(s.id, *KEY, "sent") for s in subs]


async def test_two_presets_compose_two_digests_one_per_preset(storage, march_13_closes, march_13_fred):
    quiet = await subscribe(storage, "digest", "quiet", channel=10)
    sensitive = [await subscribe(storage, "digest", "sensitive", channel=c) for c in (11, 12)]
    deliver = Recorder(storage)

    report = await AlertCycle(market_at(MARCH_13), storage, deliver, fred_at(MARCH_13)).run("settled")

    assert (report.digests, report.claimed) == (2, 3)
    by_preset = {preset: (digest, [d.subscription for d in dues]) for digest, preset, _, dues in deliver.calls}
    assert set(by_preset) == {"quiet", "sensitive"} and len(deliver.calls) == 2
    assert by_preset["quiet"][1] == [quiet] and by_preset["sensitive"][1] == sensitive
    for preset, (digest, _) in by_preset.items():
        assert digest.preset == preset and digest == daily_digest(march_13_closes, SESSION, preset, fred=march_13_fred)
    assert len(by_preset["quiet"][0].events) == 1 and len(by_preset["sensitive"][0].events) == 2
    assert sent_keys(storage) == [(s.id, *KEY, "sent") for s in (quiet, *sensitive)]


async def test_a_second_settled_cycle_claims_nothing(storage):
    sub = await subscribe(storage, "digest")
    first = Recorder(storage)
    cycle = AlertCycle(market_at(MARCH_13), storage, first, fred_at(MARCH_13))
    await cycle.run("settled")
    again = Recorder(storage)
    cycle.deliver = again
    report = await cycle.run("settled")
    assert report.claimed == 0 and again.calls == []
    assert len(first.dues) == 1 and sent_keys(storage) == [(sub.id, *KEY, "sent")]


@pytest.mark.parametrize("with_kre", [False, True], ids=["digest-only", "with-kre"])
async def test_an_intraday_cycle_composes_no_digest(storage, with_kre):
    await subscribe(storage, "digest", channel=10)
    if with_kre:
        await subscribe(storage, "kre", channel=11)
    source = Source(MARCH_13)
    market, deliver = MarketData(source, clock=lambda: NOW), Recorder(storage)
    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("intraday")
    assert report.digests == 0 and deliver.calls == [] and sent_keys(storage) == []
    assert not any(set(asked) & BANKS_ONLY for asked in source.asked)  # no digest fetch
    assert (market.upstream_calls == 0) is not with_kre  # digest readers alone fetch nothing intraday
    assert report.skipped == (["no live prices"] if with_kre else [])


async def test_a_kre_subscriber_in_the_same_cycle_still_gets_its_alert(storage):
    kre = await subscribe(storage, "kre", channel=10)
    reader = await subscribe(storage, "digest", channel=11)
    market, deliver = market_at(MARCH_13), Recorder(storage)

    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")

    assert [e.key for e in report.events] == [("kre", "2023-03-13", "sharp")]
    assert (report.digests, report.claimed) == (1, 2)
    delivered = [(type(event).__name__, [d.key for d in dues]) for event, _, _, dues in deliver.calls]
    assert delivered == [
        ("AlertEvent", [(kre.id, "kre", "2023-03-13", "sharp")]),
        ("Digest", [(reader.id, *KEY)]),
    ]
    ((digest, *_),) = digests_sent(deliver)
    assert report.events[0] in digest.events  # the digest lists the alert the kre subscriber got
    assert sent_keys(storage) == [(kre.id, "kre", "2023-03-13", "sharp", "sent"), (reader.id, *KEY, "sent")]
    assert market.upstream_calls == len(DIGEST_SYMBOLS)  # one fetch per distinct symbol, each once


async def test_a_calm_day_still_gets_its_digest(storage):
    sub = await subscribe(storage, "digest")
    deliver = Recorder(storage)
    day = dt.date(2023, 6, 13)
    report = await AlertCycle(market_at(day), storage, deliver, fred_at(day)).run("settled")
    ((digest, _, _, dues),) = deliver.calls
    assert digest.events == () and digest.missing == () and digest_headline(digest).endswith(", 0 alerts")
    assert [d.key for d in dues] == [(sub.id, "digest", "2023-06-13", "digest")] and report.claimed == 1


# ---------------------------------------------------------------- the extra fetch fails


async def test_when_the_bank_fetch_fails_the_digest_still_goes_out_with_rates(storage, march_13_closes, march_13_fred):
    kre = await subscribe(storage, "kre", channel=10)
    reader = await subscribe(storage, "digest", channel=11)
    source = Source(MARCH_13, failing=BANKS_ONLY)
    market, deliver = MarketData(source, clock=lambda: NOW), Recorder(storage)

    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")

    # XLF fails with the basket; the credit reading reads it too and asks again, for the digest and for the
    # KRE alert (a failed fetch is not cached): two more requests, and the reading is left out as well.
    assert market.upstream_calls == len(DIGEST_SYMBOLS) + 2 and any(set(asked) & BANKS_ONLY for asked in source.asked)
    assert [e.key for e in report.events] == [("kre", "2023-03-13", "sharp")] and report.digests == 1
    ((digest, _, prices, dues),) = digests_sent(deliver)
    assert [d.key for d in dues] == [(reader.id, *KEY)]
    assert digest.stress is None
    assert digest.credit is None
    assert tuple(digest_data(digest)["missing"]) == (f"Bank stress: {source.error}", f"Credit: {source.error}")
    full = daily_digest(march_13_closes, SESSION, fred=march_13_fred)
    assert (digest.ratio, digest.kre, digest.rates, digest.events) == (full.ratio, full.kre, full.rates, full.events)
    assert "XLF" not in prices.closes.columns
    assert sent_keys(storage) == [(kre.id, "kre", "2023-03-13", "sharp", "sent"), (reader.id, *KEY, "sent")]


# ---------------------------------------------------------------- cost


@pytest.mark.parametrize("n", [1, 20])
async def test_upstream_calls_per_settled_cycle_do_not_grow_with_digest_subscriptions(storage, n):
    presets = ("standard", "quiet", "sensitive")
    subs = [await subscribe(storage, "digest", presets[i % 3], channel=100 + i) for i in range(n)]
    market, deliver = market_at(MARCH_13), Recorder(storage)
    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")
    assert market.upstream_calls == len(DIGEST_SYMBOLS)  # one fetch per distinct symbol, each once
    assert report.digests == len({s.preset for s in subs}) == len(deliver.calls)
    assert report.claimed == n and sorted(d.subscription.id for d in deliver.dues) == [s.id for s in subs]


# ---------------------------------------------------------------- the credit line and server watchlists


async def test_the_digest_carries_the_credit_reading(storage, march_13_closes, march_13_fred):
    await subscribe(storage, "digest")
    deliver = Recorder(storage)
    await AlertCycle(market_at(MARCH_13), storage, deliver, fred_at(MARCH_13)).run("settled")
    ((digest, *_),) = digests_sent(deliver)
    full = daily_digest(march_13_closes, SESSION, fred=march_13_fred)
    assert digest.credit == full.credit and digest.credit.reading.primary == "rates"  # as /credit reads that day
    assert (digest.credit.start, digest.credit.end) == (T("2023-03-10"), SESSION)  # the session's own move


async def test_a_failed_credit_fetch_is_named_and_the_digest_still_goes_out(storage):
    await subscribe(storage, "digest")
    source, deliver = Source(MARCH_13, failing=CREDIT_ONLY), Recorder(storage)
    await AlertCycle(MarketData(source, clock=lambda: NOW), storage, deliver, fred_at(MARCH_13)).run("settled")
    ((digest, *_),) = digests_sent(deliver)
    assert digest.credit is None
    assert tuple(digest_data(digest)["missing"]) == (f"Credit: {source.error}",)  # named, not fatal
    assert digest.kre is not None and digest.stress is not None


async def test_a_server_with_a_watchlist_gets_its_moves_in_its_digest(storage, march_13_closes):
    listed = await subscribe(storage, "digest", channel=10)  # GUILD
    plain = await storage.subscribe([NewSubscription(300, 30, "digest", "standard", None, 7)])
    plain = plain[0][0]
    await storage.watch(GUILD, ["NVDA", "KRE", "ZION"], 7)
    await storage.watch(400, ["NVDA", "TSLA"], 7)  # a server reading no digest: its list is not fetched
    market, deliver = market_at(MARCH_13), Recorder(storage)

    report = await AlertCycle(market, storage, deliver, fred_at(MARCH_13)).run("settled")

    assert (report.digests, report.claimed) == (1, 2)  # composed once, rendered per server with a list
    by_sub = {dues[0].subscription.id: (digest, [d.key for d in dues]) for digest, _, _, dues in digests_sent(deliver)}
    with_list, keys_listed = by_sub[listed.id]
    without, keys_plain = by_sub[plain.id]
    assert keys_listed == [(listed.id, *KEY)] and keys_plain == [(plain.id, *KEY)]  # the key stays per subscription
    assert without.watchlist is None and dataclasses.replace(with_list, watchlist=None) == without
    closes = SnapshotSource(as_of=T("2023-03-13")).closes
    expected = {s: closes[s].loc[SESSION] / closes[s].loc[T("2023-03-10")] - 1 for s in ("NVDA", "KRE", "ZION")}
    assert dict(with_list.watchlist.moves) == pytest.approx(expected, rel=1e-12)
    assert [m for _, m in with_list.watchlist.moves] == sorted(expected.values(), reverse=True)
    assert with_list.watchlist.missing == () and with_list.watchlist.session == SESSION
    # NVDA is the one symbol beyond the digest's own: fetched once, TSLA (no reader) never.
    assert market.upstream_calls == len(DIGEST_SYMBOLS) + 1
    assert sent_keys(storage) == [(listed.id, *KEY, "sent"), (plain.id, *KEY, "sent")]


async def test_a_failing_watchlist_symbol_is_named_and_the_digest_still_goes_out(storage):
    sub = await subscribe(storage, "digest")
    await storage.watch(GUILD, ["NVDA", "TSLA"], 7)
    source = Source(MARCH_13, failing=frozenset({"TSLA"}))
    deliver = Recorder(storage)
    await AlertCycle(MarketData(source, clock=lambda: NOW), storage, deliver, fred_at(MARCH_13)).run("settled")
    ((digest, _, _, dues),) = digests_sent(deliver)
    assert [s for s, _ in digest.watchlist.moves] == ["NVDA"]
    assert digest.watchlist.missing == (str(source.error) if "TSLA" in str(source.error) else f"TSLA: {source.error}",)
    assert [d.key for d in dues] == [(sub.id, *KEY)] and digest.missing == ()


async def test_the_watchlist_section_does_not_change_exactly_once_delivery(storage):
    sub = await subscribe(storage, "digest")
    await storage.watch(GUILD, ["NVDA"], 7)
    cycle = AlertCycle(market_at(MARCH_13), storage, Recorder(storage), fred_at(MARCH_13))
    await cycle.run("settled")
    await storage.watch(GUILD, ["TSLA"], 7)  # the list changed after the digest went out
    again = Recorder(storage)
    cycle.deliver = again
    assert (await cycle.run("settled")).claimed == 0 and again.calls == []
    assert sent_keys(storage) == [(sub.id, *KEY, "sent")]


# ---------------------------------------------------------------- a KRE alert says whether credit moved with it


def kre_alert_answer(deliver: Recorder):
    ((event, preset, prices, _),) = [c for c in deliver.calls if not isinstance(c[0], Digest)]
    ((alert),) = [post for post in deliver.posts if isinstance(post, Alert)]  # the event with its credit reading
    assert preset == event.preset and alert.event is event
    values = watched_values(prices.closes, event.watched)
    return alert_answer(event, values, prices.provenance, NOW, alert.credit)


async def test_a_settled_kre_alert_carries_the_sessions_credit_reading(storage, march_13_closes, march_13_fred):
    await subscribe(storage, "kre")
    deliver = Recorder(storage)
    await AlertCycle(market_at(MARCH_13), storage, deliver, fred_at(MARCH_13)).run("settled")
    answer = kre_alert_answer(deliver)
    digest = daily_digest(march_13_closes, SESSION, fred=march_13_fred)
    line = credit_line(digest.credit)  # the digest's own reading: one definition of it
    assert dict(answer.fields)["Credit or rates"] == line and line.startswith("Rates: ")
    assert answer.data["credit"]["reading"]["primary"] == "rates"
    assert "HYG, IEF, BKLN" in answer.footer or all(s in answer.footer for s in ("HYG", "IEF", "BKLN", "BIZD"))


async def test_a_kre_alert_whose_credit_fetch_fails_names_why_and_still_goes_out(storage):
    sub = await subscribe(storage, "kre")
    source, deliver = Source(MARCH_13, failing=CREDIT_ONLY), Recorder(storage)
    report = await AlertCycle(MarketData(source, clock=lambda: NOW), storage, deliver, fred_at(MARCH_13)).run("settled")
    assert [e.key for e in report.events] == [("kre", "2023-03-13", "sharp")]
    answer = kre_alert_answer(deliver)
    field = dict(answer.fields)["Credit or rates"]
    assert field.startswith("Not read: ") and str(source.error).rstrip(".") in field
    assert answer.data["credit"] is None and "HYG" not in answer.footer
    assert sent_keys(storage) == [(sub.id, "kre", "2023-03-13", "sharp", "sent")]
