"""Intraday alerts on the real Yahoo path (issue 5).

AlertCycle.run("intraday") over the real YahooSource and MarketData, yfinance parsing included;
only the network is replaced, by the replayed Yahoo. The clock is a Tuesday inside the regular
session: Monday 2026-02-09 is the previous settled close, Tuesday's bar is live and set by each test.
The history is synthetic and calm (a repeating +0.6/-0.4/+0.3/-0.7/+0.2% pattern), so every
expected figure is computed here by hand.
"""

from __future__ import annotations

import itertools
import json
import math
import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.alerts.evaluate import MIN_HISTORY, evaluate
from analytics.alerts.events import PRESETS, AlertEvent, Evaluation
from analytics.alerts.rules import RULES
from analytics.errors import UpstreamError
from analytics.sessions import sessions_between
from analytics.sources.market_data import MarketData
from analytics.sources.yahoo import YahooSource
from bot.alerts.cycle import Alert, AlertCycle, CycleReport, Due
from bot.storage.sqlite import SqliteStore
from commands.alerts.messages import series, threshold
from commands.kit.store import NewSubscription
from tests.fakes.yahoo_replay import ReplayYahooSession, reset_yfinance_state

T = pd.Timestamp
TODAY = T("2026-02-10")  # a Tuesday: the live session
PREVIOUS = T("2026-02-09")  # Monday: the previous settled close
START = T("2026-02-10 14:30", tz="America/New_York").tz_convert("UTC")  # mid-session
EVERY = pd.Timedelta(minutes=5)  # the intraday job's period
# Daily returns, repeated: calm, ~0.48% vol.
PATTERN = (0.006, -0.004, 0.003, -0.007, 0.002)
BASES = {"^RUT": 2500.0, "^GSPC": 6000.0, "IWM": 250.0, "SPY": 600.0, "KRE": 60.0}
CALM = 1.001  # a live price 0.1% above the previous close
GUILD, USER = 100, 7


def _history() -> pd.DataFrame:
    """~95 settled sessions up to PREVIOUS; each symbol runs the pattern at its own phase."""
    index = sessions_between(T("2025-09-22"), PREVIOUS)
    columns = {}
    for phase, (symbol, base) in enumerate(BASES.items()):
        returns = np.resize(np.roll(PATTERN, phase), len(index))
        returns[0] = 0.0
        columns[symbol] = np.round(base * np.cumprod(1 + returns), 4)
    return pd.DataFrame(columns, index=index)


HISTORY = _history()
SYMBOLS = tuple(dict.fromkeys(s for rule in RULES.values() for s in rule.symbols))  # was commands.alerts.SYMBOLS
PREV_CLOSE = {s: float(HISTORY[s].iloc[-1]) for s in SYMBOLS}


def ewma_vol(closes: list[float]) -> float:
    """RiskMetrics volatility at the last close, by hand: var seeded with the first squared log
    return, then var = 0.94 var + 0.06 r^2."""
    returns = [math.log(b / a) for a, b in itertools.pairwise(closes)]
    var = returns[0] ** 2
    for r in returns[1:]:
        var = 0.94 * var + 0.06 * r * r
    return math.sqrt(var)


# The previous session's volatility: the yardstick of the daily move.
KRE_VOL = ewma_vol(HISTORY["KRE"].tolist())


def kre_at_z(z: float) -> float:
    """A KRE live price whose daily z against PREVIOUS is about ``z``."""
    return round(PREV_CLOSE["KRE"] * math.exp(z * KRE_VOL), 4)


def test_the_history_is_calm_and_the_moves_are_what_they_say():
    """The test's own inputs, checked by hand before they are used as expectations."""
    assert HISTORY.index[-1] == PREVIOUS and len(HISTORY) >= MIN_HISTORY + 1
    assert 0.004 < KRE_VOL < 0.006
    logs = np.log(HISTORY["KRE"]).diff().dropna()
    assert logs.abs().max() < 0.008  # no day anywhere near 2 sigma
    assert abs(math.log(CALM) / KRE_VOL) < 0.5
    assert -2.7 < math.log(kre_at_z(-2.5) / PREV_CLOSE["KRE"]) / KRE_VOL < -2.3


# ---------------------------------------------------------------- the world: replayed Yahoo, real code


class Recorder:
    """The Discord boundary: records each call and, like AlertDelivery, marks each due as sent."""

    def __init__(self, storage: SqliteStore) -> None:
        self.storage = storage
        self.calls: list[tuple[AlertEvent, str, object, list[Due]]] = []

    async def __call__(self, post, prices, dues) -> None:
        event = post.event if isinstance(post, Alert) else post  # an alert goes with its credit-or-rates reading
        self.calls.append((event, event.preset, prices, list(dues)))
        for due in dues:
            assert await self.storage.attempt(due.key)
            await self.storage.finish(due.key, message_id=1000 + due.subscription.id)

    @property
    def keys(self) -> list[tuple[int, str, str, str]]:
        return [due.key for *_, dues in self.calls for due in dues]


class NullLiveBar(ReplayYahooSession):
    """Yahoo before the first trade of a symbol: today's bar is there, its prices null, and
    meta.regularMarketPrice is the previous close."""

    def __init__(self, *args, null_live: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.null_live = set(null_live)

    def _chart(self, request, symbol, query, timeout):
        response = super()._chart(request, symbol, query, timeout)
        if symbol not in self.null_live or response.status_code != 200:
            return response
        body = json.loads(response.content)
        result = body["chart"]["result"][0]
        opened = (
            (TODAY + pd.Timedelta(hours=9.5))
            .tz_localize("America/New_York")
            .timestamp()
        )
        if result.get("timestamp") and result["timestamp"][-1] >= opened:
            for values in (
                *result["indicators"]["quote"][0].values(),
                result["indicators"]["adjclose"][0]["adjclose"],
            ):
                values[-1] = None
            result["meta"]["regularMarketPrice"] = PREV_CLOSE[symbol]
        return self._respond(
            request, 200, json.dumps(body).encode(), response.headers["content-type"]
        )


class World:
    """One bot process: replayed Yahoo -> YahooSource -> MarketData -> AlertCycle -> SQLite + Recorder.

    ``trading``: the symbols with a live bar, calm until a test moves them.
    """

    def __init__(
        self,
        root: Path,
        replay_type: type[ReplayYahooSession] = ReplayYahooSession,
        trading: tuple[str, ...] = SYMBOLS,
        **replay_kw,
    ) -> None:
        root.mkdir(parents=True, exist_ok=True)
        reset_yfinance_state(root / "yfinance")
        self.now = START
        self.replay = replay_type(HISTORY, now=START, **replay_kw)
        self.market = MarketData(
            YahooSource(root / "yfinance", session=self.replay), clock=lambda: self.now
        )
        self.storage = SqliteStore(root / "marketbot.db")
        self.deliver = Recorder(self.storage)
        self.cycle = AlertCycle(self.market, self.storage, self.deliver)
        # Per cycle: source.fetch calls, chart data requests, all requests to Yahoo.
        self.costs: list[tuple[int, int, int]] = []
        self._channels = iter(range(10, 10_000))
        self.live(**{s: PREV_CLOSE[s] * CALM for s in trading})

    def live(self, **prices: float) -> None:
        """Set live prices (KRE=55.3; ^RUT is passed as RUT, ^GSPC as GSPC)."""
        for name, price in prices.items():
            self.replay.set_live(name if name in SYMBOLS else f"^{name}", price)

    async def subscribe(self, rule: str = "kre", preset: str = "standard"):
        ((sub, created),) = await self.storage.subscribe(
            [NewSubscription(GUILD, next(self._channels), rule, preset, None, USER)]
        )
        assert created
        return sub

    async def run(self) -> CycleReport:
        """One intraday cycle; from the second on, EVERY later."""
        if self.costs:
            self.now += EVERY
            self.replay.now = self.now
        calls, requests = self.market.upstream_calls, list(self.replay.requests)
        report = await self.cycle.run("intraday")
        new = self.replay.requests[len(requests) :]
        data = [
            url for _, url in new if "/v8/finance/chart/" in url and "period1" in url
        ]
        self.costs.append((self.market.upstream_calls - calls, len(data), len(new)))
        return report

    def sent(self) -> list[tuple]:
        with closing(sqlite3.connect(self.storage.path)) as db:
            return db.execute(
                "SELECT subscription_id, rule, session, level, state FROM deliveries ORDER BY 1, 2, 3, 4"
            ).fetchall()


@pytest.fixture
async def make_world(tmp_path):
    worlds: list[World] = []

    def make(name: str = "bot", **kw) -> World:
        worlds.append(World(tmp_path / name, **kw))
        return worlds[-1]

    yield make
    for world in worlds:
        await world.storage.close()
    reset_yfinance_state(None)


def expected_kre(live: dict[str, float], preset: str = "standard") -> Evaluation:
    """What analytics.alerts gives on the test's own closes and live prices (no Yahoo in between)."""
    return evaluate(HISTORY, "kre", TODAY, preset, live)


# ---------------------------------------------------------------- 1. a sharp live move


async def test_a_sharp_live_fall_is_one_kre_event_delivered_once(make_world):
    world = make_world()
    sub = await world.subscribe("kre", "standard")
    live_kre = round(PREV_CLOSE["KRE"] * 0.92, 4)  # -8% against a ~0.48% daily vol
    world.live(KRE=live_kre)

    report = await world.run()

    assert report.session == TODAY and report.skipped == []
    (event,) = report.events
    assert event.key == ("kre", "2026-02-10", "sharp") and series(event.watched) == "KRE"
    assert event.move_pct == pytest.approx(
        (live_kre / PREV_CLOSE["KRE"] - 1) * 100, rel=1e-12, abs=0
    )
    assert event.move_pct == pytest.approx(-8.0, abs=1e-3)
    z = math.log(live_kre / PREV_CLOSE["KRE"]) / KRE_VOL
    assert event.zscore == pytest.approx(z, rel=1e-9, abs=0) and z < -15
    assert threshold(event) == "|z| ≥ 3 (sharp, standard)"
    assert event.context.context_move_pct == pytest.approx(
        (live_kre / PREV_CLOSE["KRE"] / CALM - 1) * 100, rel=1e-9
    )
    live = {s: PREV_CLOSE[s] * CALM for s in SYMBOLS} | {"KRE": live_kre}
    # The Yahoo round trip changes nothing: the same event as on the test's own frame.
    assert report.events == list(expected_kre(live).events)
    assert report.claimed == 1 and world.deliver.keys == [
        (sub.id, "kre", "2026-02-10", "sharp")
    ]
    ((_, preset, prices, _),) = world.deliver.calls
    assert preset == "standard"
    assert prices.closes.index[-1] == PREVIOUS  # the live bar is never a settled close
    settled = prices.closes[list(RULES["kre"].symbols)]  # the rules subscribed to are fetched
    pd.testing.assert_frame_equal(
        settled,
        HISTORY[list(RULES["kre"].symbols)],
        check_exact=True,
        check_freq=False,
        check_names=False,
        check_column_type=False,
    )

    # Five minutes later, the same price: judged again, sent once only.
    again = await world.run()
    assert again.session == TODAY and [e.key for e in again.events] == [event.key]
    assert again.claimed == 0 and len(world.deliver.calls) == 1
    assert world.sent() == [(sub.id, "kre", "2026-02-10", "sharp", "sent")]


async def test_notable_then_sharp_sends_each_level_once(make_world):
    world = make_world()
    sub = await world.subscribe("kre", "standard")
    notable, sharp = kre_at_z(-2.5), round(PREV_CLOSE["KRE"] * 0.92, 4)

    world.live(KRE=notable)
    first = await world.run()
    assert [(e.key, e.zscore) for e in first.events] == [
        (
            ("kre", "2026-02-10", "notable"),
            pytest.approx(math.log(notable / PREV_CLOSE["KRE"]) / KRE_VOL, rel=1e-9),
        )
    ]
    assert first.events[0].move_pct == pytest.approx(
        (notable / PREV_CLOSE["KRE"] - 1) * 100, rel=1e-12
    )
    assert first.claimed == 1

    assert (await world.run()).claimed == 0  # still notable: nothing new

    world.live(KRE=sharp)
    escalated = await world.run()
    assert [e.key for e in escalated.events] == [
        ("kre", "2026-02-10", "sharp")
    ] and escalated.claimed == 1

    world.live(KRE=notable)  # back up to notable: already sent at that level
    recovered = await world.run()
    assert [e.key for e in recovered.events] == [
        ("kre", "2026-02-10", "notable")
    ] and recovered.claimed == 0

    assert world.deliver.keys == [
        (sub.id, "kre", "2026-02-10", "notable"),
        (sub.id, "kre", "2026-02-10", "sharp"),
    ]
    assert world.sent() == [
        (sub.id, "kre", "2026-02-10", lvl, "sent") for lvl in ("notable", "sharp")
    ]


# ---------------------------------------------------------------- 2. a calm live price


async def test_a_calm_live_price_fires_nothing(make_world):
    world = make_world()
    for rule in ("kre", "ratio"):
        await world.subscribe(rule, "sensitive")  # 1.5 sigma is notable

    report = await world.run()

    assert report.session == TODAY and report.skipped == []
    assert report.events == [] and report.claimed == 0
    assert world.deliver.calls == [] and world.sent() == []


# ---------------------------------------------------------------- 3. Yahoo failing


FAILURES = {
    "503": "kre rule not judged: No prices for `KRE`: Yahoo Finance returned an error; try again shortly.",
    "500": "kre rule not judged: No prices for `KRE`: Yahoo Finance returned an error; try again shortly.",
    "429": "kre rule not judged: No prices for `KRE`: Yahoo Finance is rate limiting us; try again in a few minutes.",
    "timeout": "kre rule not judged: No prices for `KRE`: Yahoo Finance timed out.",
    "connection": "kre rule not judged: No prices for `KRE`: Yahoo Finance cannot be reached right now.",
}


@pytest.mark.parametrize("kind", FAILURES)
async def test_yahoo_failing_sends_nothing_and_says_why(make_world, kind):
    world = make_world()
    await world.subscribe("kre", "standard")
    world.live(KRE=round(PREV_CLOSE["KRE"] * 0.92, 4))  # a move Yahoo cannot tell
    world.replay.fail_next(kind, times=None)

    report = await world.run()

    assert report.skipped == [FAILURES[kind]]
    assert report.session is None and report.events == [] and report.claimed == 0
    assert world.deliver.calls == [] and world.sent() == []

    later = await world.run()  # still down five minutes later
    assert later.skipped == [FAILURES[kind]] and later.events == []
    assert world.deliver.calls == []



@pytest.mark.parametrize("kind", FAILURES)
async def test_when_yahoo_recovers_the_next_cycle_alerts(make_world, kind):
    world = make_world()
    sub = await world.subscribe("kre", "standard")
    world.live(KRE=round(PREV_CLOSE["KRE"] * 0.92, 4))
    world.replay.fail_next(kind, times=None)  # down at start-up (cold yfinance caches)
    assert (await world.run()).skipped == [FAILURES[kind]]

    world.replay.clear_faults()
    report = await world.run()  # five minutes later, Yahoo is back

    assert report.skipped == []  # 500/503: yfinance's memoised failure was forgotten
    assert [e.key for e in report.events] == [("kre", "2026-02-10", "sharp")]
    assert world.deliver.keys == [(sub.id, "kre", "2026-02-10", "sharp")]


async def test_yahoo_failing_after_a_good_cycle_passes_off_no_old_price_as_live(
    make_world,
):
    """The previous cycle's prices are five minutes old (LATEST_TTL is 60 s): they are not live."""
    world = make_world()
    first = await world.subscribe("kre", "standard")
    world.live(KRE=round(PREV_CLOSE["KRE"] * 0.92, 4))
    assert (await world.run()).claimed == 1

    await world.subscribe("kre", "sensitive")  # a channel subscribing between the two cycles
    world.replay.fail_next("503", times=None)
    report = await world.run()

    assert report.events == [] and report.claimed == 0 and len(report.skipped) == 1
    assert world.deliver.keys == [(first.id, "kre", "2026-02-10", "sharp")]
    with pytest.raises(UpstreamError, match="Yahoo Finance"):  # no price at all: the refresh's error, not {}
        await world.market.latest(list(SYMBOLS))


async def test_yahoo_failing_after_a_good_cycle_says_it_is_yahoo(make_world):
    world = make_world()
    await world.subscribe("kre", "standard")
    assert (await world.run()).skipped == []
    world.replay.fail_next("503", times=None)
    assert (await world.run()).skipped == [FAILURES["503"]]  # is ["no live prices"]


# ---------------------------------------------------------------- 4. no live price for a symbol


async def test_no_live_bar_for_kre_invents_no_move(make_world):
    # KRE has no bar today; the others do.
    world = make_world(trading=tuple(s for s in SYMBOLS if s != "KRE"))
    await world.subscribe("kre", "standard")
    await world.subscribe("ratio", "standard")

    report = await world.run()

    assert "KRE" not in await world.market.latest(list(SYMBOLS))
    assert report.session == TODAY
    # The kre rule waits: no move from 0, NaN or the previous close.
    assert report.skipped == ["No KRE close on 2026-02-10."]
    assert report.events == [] and world.deliver.calls == [] and world.sent() == []


async def test_a_live_bar_with_null_prices_invents_no_move(make_world):
    world = make_world(replay_type=NullLiveBar, null_live=("KRE",))
    await world.subscribe("kre", "standard")
    # The replay's bar has a price; the wire carries nulls.
    world.live(KRE=round(PREV_CLOSE["KRE"] * 0.92, 4))

    report = await world.run()

    assert "KRE" not in await world.market.latest(list(SYMBOLS))
    assert report.skipped == ["No KRE close on 2026-02-10."]
    assert report.events == [] and world.deliver.calls == []


async def test_a_live_price_that_stops_coming_is_not_reused(make_world):
    world = make_world()
    await world.subscribe("kre", "standard")
    world.live(KRE=round(PREV_CLOSE["KRE"] * 0.92, 4))
    assert [e.level for e in (await world.run()).events] == ["sharp"]

    world.replay.fail_next("nan", "KRE", times=None)  # KRE's bars now come back null
    report = await world.run()

    assert report.skipped == [
        "No KRE close on 2026-02-10."
    ]  # not the 5-minute-old price
    assert report.events == [] and len(world.deliver.calls) == 1


# ---------------------------------------------------------------- 5. upstream cost per cycle


async def test_upstream_cost_does_not_depend_on_subscriptions(make_world):
    """Two bot processes, one after the other (each starts yfinance cold): 2 and 50 subscriptions to both rules."""
    costs, sent = [], []
    for name, count in (("two-subscriptions", 2), ("fifty-subscriptions", 50)):
        world = make_world(name)
        presets = list(PRESETS)
        for i in range(count):
            await world.subscribe(("kre", "ratio")[i % 2], presets[i // 2 % 3])
        assert len(await world.storage.subscriptions(active_only=True)) == count
        world.live(KRE=round(PREV_CLOSE["KRE"] * 0.92, 4))
        reports = [await world.run() for _ in range(3)]
        assert [r.session for r in reports] == [TODAY] * 3 and all(
            r.events for r in reports
        )
        costs.append(world.costs)
        sent.append(len(world.deliver.keys))

    # Per cycle: one source.fetch (one chart request) per symbol, five symbols.
    assert [c[:2] for c in costs[0]] == [(5, 5), (5, 5), (5, 5)]
    # All requests, the cold handshake and timezone lookups included.
    assert costs[1] == costs[0]
    assert sent == [1, 25]  # fan-out is delivery, not fetching
