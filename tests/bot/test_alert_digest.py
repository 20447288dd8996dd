"""AlertCycle's daily digest on the real snapshot and a real database; only Discord (``deliver``) is faked."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics import banks
from analytics import digest as digests
from analytics.digest import Digest, daily_digest
from analytics.errors import DataUnavailable
from analytics.sources.base import Fetched
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource
from bot.alert_cycle import AlertCycle, nonce_for
from bot.sqlite_store import SqliteStore

from .test_alert_cycle import MARCH_13, NOW, Recorder, market_at, sent_keys, subscribe

T = pd.Timestamp
SESSION = T("2023-03-13")
KEY = ("digest", "2023-03-13", "digest")
BANKS_ONLY = frozenset(banks.SYMBOLS) - {"KRE", "SPY"}  # XLF and the basket: KRE and SPY also feed the kre rule


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
    return SnapshotSource(as_of=T("2023-03-13")).closes[list(dict.fromkeys(digests.SYMBOLS))]


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


async def test_digest_subscribers_get_one_digest_per_settled_session(storage, march_13_closes):
    subs = [await subscribe(storage, "digest", channel=c) for c in (10, 11)]
    market, deliver = market_at(MARCH_13), Recorder(storage)

    report = await AlertCycle(market, storage, deliver).run("settled")

    assert report.session == T("2023-03-13") and report.skipped == [] and report.events == []
    assert (report.digests, report.claimed) == (1, 2)
    ((digest, preset, prices, dues),) = deliver.calls  # composed and rendered once, fanned out
    assert isinstance(digest, Digest) and preset == "standard" and digest.preset == "standard"
    assert digest.key == KEY and digest.missing == () and not digest.empty
    assert digest == daily_digest(march_13_closes, SESSION, "standard")
    assert {"XLF", "ZION", "^TNX", "^IRX"} <= set(prices.closes.columns) and prices.closes.index[-1] == SESSION
    assert [d.subscription for d in dues] == subs
    assert [d.key for d in dues] == [(s.id, *KEY) for s in subs]
    assert [d.nonce for d in dues] == [nonce_for((s.id, *KEY)) for s in subs]
    assert sent_keys(storage) == [(s.id, *KEY, "sent") for s in subs]


async def test_two_presets_compose_two_digests_one_per_preset(storage, march_13_closes):
    quiet = await subscribe(storage, "digest", "quiet", channel=10)
    sensitive = [await subscribe(storage, "digest", "sensitive", channel=c) for c in (11, 12)]
    deliver = Recorder(storage)

    report = await AlertCycle(market_at(MARCH_13), storage, deliver).run("settled")

    assert (report.digests, report.claimed) == (2, 3)
    by_preset = {preset: (digest, [d.subscription for d in dues]) for digest, preset, _, dues in deliver.calls}
    assert set(by_preset) == {"quiet", "sensitive"} and len(deliver.calls) == 2
    assert by_preset["quiet"][1] == [quiet] and by_preset["sensitive"][1] == sensitive
    for preset, (digest, _) in by_preset.items():
        assert digest.preset == preset and digest == daily_digest(march_13_closes, SESSION, preset)
    assert len(by_preset["quiet"][0].events) == 1 and len(by_preset["sensitive"][0].events) == 2
    assert sent_keys(storage) == [(s.id, *KEY, "sent") for s in (quiet, *sensitive)]


async def test_a_second_settled_cycle_claims_nothing(storage):
    sub = await subscribe(storage, "digest")
    first = Recorder(storage)
    cycle = AlertCycle(market_at(MARCH_13), storage, first)
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
    report = await AlertCycle(market, storage, deliver).run("intraday")
    assert report.digests == 0 and deliver.calls == [] and sent_keys(storage) == []
    assert not any(set(asked) & BANKS_ONLY for asked in source.asked)  # no digest fetch
    assert (market.upstream_calls == 0) is not with_kre  # digest readers alone fetch nothing intraday
    assert report.skipped == (["no live prices"] if with_kre else [])


async def test_a_kre_subscriber_in_the_same_cycle_still_gets_its_alert(storage):
    kre = await subscribe(storage, "kre", channel=10)
    reader = await subscribe(storage, "digest", channel=11)
    market, deliver = market_at(MARCH_13), Recorder(storage)

    report = await AlertCycle(market, storage, deliver).run("settled")

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
    assert market.upstream_calls == len(set(digests.SYMBOLS))  # one fetch per distinct symbol, each once


async def test_a_calm_day_still_gets_its_digest(storage):
    sub = await subscribe(storage, "digest")
    deliver = Recorder(storage)
    report = await AlertCycle(market_at(dt.date(2023, 6, 13)), storage, deliver).run("settled")
    ((digest, _, _, dues),) = deliver.calls
    assert digest.events == () and digest.missing == () and digest.headline.endswith(", 0 alerts")
    assert [d.key for d in dues] == [(sub.id, "digest", "2023-06-13", "digest")] and report.claimed == 1


# ---------------------------------------------------------------- the extra fetch fails


async def test_when_the_bank_fetch_fails_the_digest_still_goes_out_with_rates(storage, march_13_closes):
    kre = await subscribe(storage, "kre", channel=10)
    reader = await subscribe(storage, "digest", channel=11)
    source = Source(MARCH_13, failing=BANKS_ONLY)
    market, deliver = MarketData(source, clock=lambda: NOW), Recorder(storage)

    report = await AlertCycle(market, storage, deliver).run("settled")

    assert market.upstream_calls == len(set(digests.SYMBOLS)) and any(set(asked) & BANKS_ONLY for asked in source.asked)
    assert [e.key for e in report.events] == [("kre", "2023-03-13", "sharp")] and report.digests == 1
    ((digest, _, prices, dues),) = digests_sent(deliver)
    assert [d.key for d in dues] == [(reader.id, *KEY)]
    assert digest.stress is None and digest.missing == (f"Bank stress: {source.error}",)  # the fetch's own error
    full = daily_digest(march_13_closes, SESSION)
    assert (digest.ratio, digest.kre, digest.rates, digest.events) == (full.ratio, full.kre, full.rates, full.events)
    assert "XLF" not in prices.closes.columns
    assert sent_keys(storage) == [(kre.id, "kre", "2023-03-13", "sharp", "sent"), (reader.id, *KEY, "sent")]


# ---------------------------------------------------------------- cost


@pytest.mark.parametrize("n", [1, 20])
async def test_upstream_calls_per_settled_cycle_do_not_grow_with_digest_subscriptions(storage, n):
    presets = ("standard", "quiet", "sensitive")
    subs = [await subscribe(storage, "digest", presets[i % 3], channel=100 + i) for i in range(n)]
    market, deliver = market_at(MARCH_13), Recorder(storage)
    report = await AlertCycle(market, storage, deliver).run("settled")
    assert market.upstream_calls == len(set(digests.SYMBOLS))  # one fetch per distinct symbol, each once
    assert report.digests == len({s.preset for s in subs}) == len(deliver.calls)
    assert report.claimed == n and sorted(d.subscription.id for d in deliver.dues) == [s.id for s in subs]
