"""The cache in front of a price source: what every command and alert asks.

- Freshness follows the market clock: a settled session never changes, so a
  symbol's closes are fresh while they reach the source's last settled
  session; only a new session (or a recheck after ``RECHECK``) asks upstream.
- One fetch per symbol, several at once (``max_concurrent_fetches`` worker
  threads), and single-flight: concurrent asks for a symbol share its fetch.
- A deadline as the user sees it: an ask waits at most ``deadline`` seconds
  for upstream, then is answered from what is cached, or the fallback; the
  fetch goes on in the background and refreshes the cache when it ends.
- Stale-while-error: when the upstream fails, cached closes are served and the
  provenance says how old they are; with nothing cached, the fallback source
  (the snapshot, in ``auto`` mode) answers and says so, or the error is raised.
- Faults are never sticky: the circuit breaker backs off from when a failure
  ended, a fetch waiting for its turn re-checks it, and failures of fetches
  already in flight when the breaker opened count once. "No data" for a symbol
  we know is a failed fetch; a symbol is called unknown only when Yahoo answers
  normally for others and says "no data" for it twice.
- Only closes that reach the store are settled ones; the store keeps them on
  disk so a restart fetches only the missing sessions.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import (
    MarketbotError,
    NoData,
    NotInSnapshot,
    NotOnYahoo,
    RateLimited,
    UnknownSymbol,
    Unreachable,
    UpstreamError,
)
from analytics.frames import close_frame
from analytics.sessions import last_settled_session, sessions_between, utc_now
from analytics.sources.bar_store import BarStore
from analytics.sources.base import LatestPrice, Prices, PriceSource, Provenance
from analytics.sources.breaker import CircuitBreaker
from analytics.sources.snapshot import FRED_SNAPSHOT_NAME
from analytics.symbols import closest_symbols, known_symbols, normalize_symbol

log = logging.getLogger(__name__)

# When upstream has not published the newest session yet, ask again after this.
RECHECK = pd.Timedelta(minutes=10)
# How long "unknown symbol" is remembered, so a typo does not cost a request each time.
UNKNOWN_TTL = pd.Timedelta(hours=1)
# An incremental fetch re-reads this many stored sessions: if they changed, a
# dividend or split re-based the adjusted history and all of it is refetched.
OVERLAP_SESSIONS = 5
LATEST_TTL = pd.Timedelta(seconds=60)
# Yahoo "answers normally" if a fetch succeeded this recently; else a probe symbol is asked first.
HEALTHY_WINDOW = pd.Timedelta(minutes=10)
PROBE = "^GSPC"
# How many "no data" answers in a row make an unfamiliar symbol unknown.
NO_DATA_VERDICT = 2


@dataclass(frozen=True)
class _Entry:
    closes: pd.Series
    checked_at: pd.Timestamp  # last time upstream confirmed these closes


@dataclass
class _Outcome:
    """What one symbol's refresh learned; applied to the cache on the event loop."""

    symbol: str
    started: pd.Timestamp  # when its request went out (after waiting for a slot)
    closes: pd.Series | None = None
    latest: LatestPrice | None = None
    error: MarketbotError | None = None
    requests: int = 0  # calls into source.fetch
    from_disk: _Entry | None = None  # served stale if the upstream fails


class MarketData:
    def __init__(
        self,
        source: PriceSource,
        *,
        fallback: MarketData | None = None,
        store: BarStore | None = None,
        clock: Callable[[], pd.Timestamp] = utc_now,
        max_concurrent_fetches: int = 8,
        deadline: float = 5.0,
        watched: Iterable[str] = (),
    ) -> None:
        self.source = source
        self.fallback = fallback
        self.store = store
        self.clock = clock
        self.deadline = deadline  # seconds an ask waits for a live upstream
        self.breaker = CircuitBreaker()
        self.upstream_calls = 0  # calls into source.fetch, for tests and benchmarks
        # Told of each request to the source: (source, outcome, seconds); set by the bot for its metrics.
        self.observe: Callable[[str, str, float], None] | None = None
        # Bumped whenever what ``closes`` would return may have changed: caches of
        # answers built on this data key on it.
        self.generation = 0
        self._watched = set(watched)  # symbols alerts depend on: never called unknown
        self._entries: dict[str, _Entry] = {}
        self._unknown: dict[str, tuple[UnknownSymbol, pd.Timestamp]] = {}
        self._no_data: dict[str, int] = {}  # "no data" answers in a row, per symbol
        self._last_success: pd.Timestamp | None = None
        self._latest: dict[str, LatestPrice] = {}
        self._inflight: dict[str, asyncio.Task[_Outcome]] = {}
        # yfinance is blocking and rate limited: a pool of its own bounds the requests in flight
        # (and keeps them from queueing behind other work in the loop's default executor).
        self._max_fetches = max_concurrent_fetches
        self._pool: ThreadPoolExecutor | None = None
        self._slots = asyncio.Semaphore(max_concurrent_fetches)

    # -- public -----------------------------------------------------------

    def last_session(self) -> pd.Timestamp:
        return self.source.last_session(self.clock())

    def watch(self, symbols: Iterable[str]) -> None:
        """Symbols something depends on (alert rules): a "no data" answer for them is a failure, not a verdict."""
        self._watched.update(symbols)

    async def closes(
        self,
        symbols: Sequence[str],
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        *,
        partial: bool = False,
    ) -> Prices:
        """Settled closes of ``symbols`` (a close frame) from ``start`` to ``end`` inclusive.

        ``partial=False``: a symbol that cannot be had raises its error.
        ``partial=True``: such symbols are left out of the frame and listed in
        ``Prices.missing`` with their errors; it raises only when none could be had.
        """
        symbols = list(dict.fromkeys(normalize_symbol(s) for s in symbols))
        failures = await self._judge(await self._ensure_fresh(symbols, force=False))
        have = [s for s in symbols if s in self._entries]
        lacking = {s: failures[s] for s in symbols if s not in self._entries}
        # A symbol Yahoo positively does not have is not looked for in the fallback.
        retry = [s for s in lacking if not isinstance(lacking[s], UnknownSymbol)]
        if retry and self.fallback is not None:
            try:
                fallback = await self._from_fallback(
                    [s for s in symbols if s not in lacking or s in retry], start, end, lacking
                )
            except NotInSnapshot:  # the fallback has none of them
                if have:
                    fallback = None
                else:
                    raise
            if fallback is not None and len(fallback.closes.columns) > len(have):
                missing = {**{s: lacking[s] for s in lacking if s not in retry}, **fallback.missing}
                return self._finish(symbols, dataclasses.replace(fallback, missing=missing), partial)
        if not have:
            raise lacking[symbols[0]]
        entries = {s: self._entries[s] for s in have}
        frame = close_frame({s: e.closes for s, e in entries.items()}, have)
        failed = [failures[s] for s in have if s in failures]
        now = self.clock()
        provenance = Provenance.judged(
            self.source.name,
            frame.index[-1],
            min(e.checked_at for e in entries.values()),
            now,
            # What a live source can have by now (FRED publishes a session late); the calendar otherwise.
            expected=self.source.last_session(now) if self.source.live else None,
            live=self.source.live,
            note=_reason(failed[0]) if failed else "",
            replay=getattr(self.source, "replay", False),  # sources written before replays existed
        )
        return self._finish(symbols, Prices(frame.loc[start:end], provenance, lacking), partial)

    async def latest(self, symbols: Sequence[str]) -> dict[str, LatestPrice]:
        """Live prices of today's unsettled bar, where the source has them.

        Only prices observed within ``LATEST_TTL``: when a refresh fails, or a
        symbol's price stops coming, an older price is not passed off as live.
        Raises the refresh's error when it failed and left no live price at all.
        """
        symbols = [normalize_symbol(s) for s in symbols]
        now = self.clock()
        old = [s for s in symbols if s not in self._latest or now - self._latest[s].at > LATEST_TTL]
        failures = await self._ensure_fresh(old, force=True) if old else {}
        # Fresh: observed within LATEST_TTL of this call (a refresh just made stamps its own start).
        live = {s: p for s in symbols if (p := self._latest.get(s)) is not None and now - p.at <= LATEST_TTL}
        if not live and failures:  # say why there is nothing, rather than "no live prices"
            raise next(iter(failures.values()))
        return live

    def describe(self) -> str:
        """One line on the source's health, for /about and logs."""
        now = self.clock()
        text = f"{self.source.name}, last session {self.last_session().date().isoformat()}"
        if not self.breaker.allows(now):
            why = _reason(self.breaker.last_error)
            text += f"; unavailable ({why}), retrying after {self.breaker.open_until:%H:%M} UTC"
        return text

    def close(self) -> None:
        """Let the worker threads go (a fetch still running finishes on its own), then close the
        source's HTTP session and the fallback's."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
        close_source = getattr(self.source, "close", None)  # HTTP sources have one; the snapshot has none
        if close_source is not None:
            close_source()
        if self.fallback is not None:
            self.fallback.close()

    @staticmethod
    def _finish(symbols: list[str], prices: Prices, partial: bool) -> Prices:
        """Raise the first missing symbol's error unless partial answers are wanted."""
        if prices.missing and not partial:
            raise prices.missing[next(s for s in symbols if s in prices.missing)]
        return prices

    # -- freshness, single-flight and the deadline ---------------------------

    def _is_fresh(self, symbol: str, now: pd.Timestamp, target: pd.Timestamp) -> bool:
        entry = self._entries.get(symbol)
        if entry is None:
            return False
        return entry.closes.index[-1] >= target or now - entry.checked_at < RECHECK

    async def _ensure_fresh(self, symbols: list[str], force: bool) -> dict[str, MarketbotError]:
        """Refresh what is stale; return the symbols that failed and why.

        Each symbol's refresh is a task shared by every caller that needs it
        (single-flight). ``asyncio.wait`` never cancels them: a caller that gives
        up (deadline, cancellation) leaves the fetch running for the others.
        """
        now = self.clock()
        target = self.source.last_session(now)
        failures: dict[str, MarketbotError] = {}
        tasks: dict[str, asyncio.Task[_Outcome]] = {}
        for symbol in symbols:
            verdict = self._unknown.get(symbol)
            if verdict and now - verdict[1] < UNKNOWN_TTL:
                failures[symbol] = verdict[0]
            elif symbol in self._inflight:
                tasks[symbol] = self._inflight[symbol]
            elif force or not self._is_fresh(symbol, now, target):
                tasks[symbol] = self._start(symbol, target, force)
        if not tasks:
            return failures
        _, pending = await asyncio.wait(set(tasks.values()), timeout=self.deadline if self.source.live else None)
        for symbol, task in tasks.items():
            if task in pending:
                failures[symbol] = UpstreamError(
                    f"{self.source.name} did not answer within {self.deadline:g} s.", symbol
                )
            elif (error := task.result().error) is not None:
                failures[symbol] = error
        return failures

    def _start(self, symbol: str, target: pd.Timestamp, force: bool) -> asyncio.Task[_Outcome]:
        task = asyncio.create_task(self._refresh(symbol, target, force), name=f"refresh {symbol}")
        self._inflight[symbol] = task
        task.add_done_callback(lambda done: self._forget(done, symbol))
        return task

    def _forget(self, task: asyncio.Task[_Outcome], symbol: str) -> None:
        if self._inflight.get(symbol) is task:
            del self._inflight[symbol]
        if not task.cancelled() and task.exception() is not None:  # a bug: say so even if nobody waits
            log.error("Refreshing %s failed", symbol, exc_info=task.exception())

    async def _refresh(self, symbol: str, target: pd.Timestamp, force: bool) -> _Outcome:
        if (outcome := self._refused(symbol)) is not None:
            return outcome
        async with self._slots:
            # Re-checked when this fetch's turn comes: the breaker may have opened meanwhile.
            if (outcome := self._refused(symbol)) is not None:
                return outcome
            entry = self._entries.get(symbol)
            stored = entry.closes if entry is not None else None
            started = self.clock()
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self._max_fetches, thread_name_prefix="upstream")
            outcome = await asyncio.get_running_loop().run_in_executor(
                self._pool, self._fetch_blocking, symbol, stored, started, target, force
            )
        self._apply(outcome)
        return outcome

    def _refused(self, symbol: str) -> _Outcome | None:
        """An immediate failure while the breaker is open."""
        now = self.clock()
        if self.breaker.allows(now):
            return None
        error = self.breaker.last_error
        if not isinstance(error, UpstreamError):
            error = UpstreamError(f"{self.source.name} is unavailable.")
        return _Outcome(symbol, now, error=error.for_symbol(symbol))

    def _apply(self, outcome: _Outcome) -> None:
        """Fold one fetch's outcome into the cache and the breaker, as of when it ended."""
        ended = self.clock()
        symbol, error = outcome.symbol, outcome.error
        self.generation += 1
        self.upstream_calls += outcome.requests
        if outcome.closes is not None:
            self._entries[symbol] = _Entry(outcome.closes, outcome.started)
            self._unknown.pop(symbol, None)
            self._no_data.pop(symbol, None)
        elif outcome.from_disk is not None:
            self._entries.setdefault(symbol, outcome.from_disk)
        if outcome.latest is not None:
            self._latest[symbol] = outcome.latest
        if not outcome.requests:
            return
        if error is None:
            self._last_success = ended
            self.breaker.record_success()
        elif isinstance(error, NoData):  # Yahoo answered: not an outage
            self._no_data[symbol] = self._no_data.get(symbol, 0) + 1
        elif isinstance(error, UpstreamError):
            # A failure while Yahoo answered others during this fetch is this symbol's, not an outage.
            answered_others = self._last_success is not None and self._last_success >= outcome.started
            if (isinstance(error, RateLimited) or not answered_others) and self.breaker.record_failure(
                outcome.started, ended, error
            ):
                log.warning(
                    "%s failing, backing off until %s: %s",
                    self.source.name,
                    f"{self.breaker.open_until:%Y-%m-%d %H:%M:%S} UTC",
                    error,
                )

    # -- unknown symbol or failed fetch ----------------------------------------

    def _familiar(self, symbol: str) -> bool:
        """Symbols whose "no data" is a failed fetch: known, watched by alerts, or seen with data."""
        return symbol in known_symbols() or symbol in self._watched or symbol in self._entries

    def _healthy(self) -> bool:
        now = self.clock()
        return self.breaker.allows(now) and self._last_success is not None and now - self._last_success < HEALTHY_WINDOW

    async def _judge(self, failures: dict[str, MarketbotError]) -> dict[str, MarketbotError]:
        """Turn "no data" for an unfamiliar symbol into ``NotOnYahoo`` once it is certain.

        Certain: Yahoo answers normally for others (a recent success, else a probe of
        ``PROBE``), and it said "no data" for this symbol ``NO_DATA_VERDICT`` times in a row.
        """
        doubtful = [s for s, e in failures.items() if isinstance(e, NoData) and not self._familiar(s)]
        if not doubtful:
            return failures
        if not self._healthy():
            await self._ensure_fresh([PROBE], force=True)
        if not self._healthy():
            return failures
        again = [s for s in doubtful if self._no_data.get(s, 0) < NO_DATA_VERDICT]
        if again:
            failures = {**failures, **await self._ensure_fresh(again, force=True)}
            failures = {s: e for s, e in failures.items() if s not in again or s not in self._entries}
        now = self.clock()
        for symbol in doubtful:
            if isinstance(failures.get(symbol), NoData) and self._no_data.get(symbol, 0) >= NO_DATA_VERDICT:
                verdict = NotOnYahoo(symbol, suggestions=closest_symbols(symbol))
                self._unknown[symbol] = (verdict, now)
                failures[symbol] = verdict
        return failures

    # -- blocking part (runs in a worker thread) ------------------------------

    def _fetch_blocking(
        self,
        symbol: str,
        stored: pd.Series | None,
        now: pd.Timestamp,
        target: pd.Timestamp,
        force: bool,
    ) -> _Outcome:
        outcome = _Outcome(symbol, now)
        if stored is None and self.store is not None and (on_disk := self.store.load(symbol)) is not None:
            stored = on_disk
            outcome.from_disk = _Entry(on_disk, self.store.saved_at(symbol))
        if stored is not None and stored.index[-1] >= target and not force:
            outcome.closes = stored  # the disk already had every settled session
            return outcome
        start = stored.index[max(len(stored) - OVERLAP_SESSIONS, 0)] if stored is not None else None
        new = self._fetch_one(outcome, start)
        if new is None:
            return outcome
        if stored is None or start is None:
            outcome.closes = new
        elif new.empty:
            outcome.closes = stored  # nothing new upstream yet
        elif _overlap_agrees(stored, new):
            outcome.closes = pd.concat([stored[stored.index < new.index[0]], new])
        else:
            log.info("Adjusted history changed for %s; refetching it whole", symbol)
            outcome.closes = self._fetch_one(outcome, None)
        if self.store is not None and outcome.closes is not None and outcome.closes is not stored:
            self.store.save(symbol, outcome.closes)
        return outcome

    def _fetch_one(self, outcome: _Outcome, start: pd.Timestamp | None) -> pd.Series | None:
        symbol = outcome.symbol
        outcome.requests += 1
        began = time.perf_counter()
        try:
            fetched = self.source.fetch([symbol], start, outcome.started)
        except MarketbotError as exc:  # a whole-call failure, said by the source
            outcome.error = exc.for_symbol(symbol) if isinstance(exc, UpstreamError) else exc
            self._observe(outcome.error, began)
            return None
        outcome.latest = fetched.latest.get(symbol, outcome.latest)
        closes = fetched.closes.get(symbol)
        if closes is None:
            outcome.error = fetched.errors.get(symbol) or UpstreamError(f"{self.source.name} returned nothing.", symbol)
        self._observe(outcome.error, began)
        return closes

    def _observe(self, error: MarketbotError | None, began: float) -> None:
        """One request to the source, for the bot's metrics (a worker thread calls this: the hook is thread-safe)."""
        if self.observe is not None:
            self.observe(source_key(self.source.name), request_outcome(error), time.perf_counter() - began)

    def age_sessions(self) -> int | None:
        """Settled sessions after the newest close held, against what a live source can have by now or, for
        the snapshot, the NYSE calendar (as answers' provenance judges it); None while nothing is held."""
        closes = [entry.closes.index[-1] for entry in self._entries.values() if len(entry.closes)]
        if not closes or getattr(self.source, "replay", False):
            return None if not closes else 0
        now = self.clock()
        expected = self.source.last_session(now) if self.source.live else last_settled_session(now)
        return max(len(sessions_between(max(closes), expected)) - 1, 0)

    # -- the fallback -----------------------------------------------------------

    async def _from_fallback(
        self,
        symbols: list[str],
        start: pd.Timestamp | None,
        end: pd.Timestamp | None,
        failures: dict[str, MarketbotError],
    ) -> Prices | None:
        """What the fallback has of ``symbols``, its note saying why the primary failed; None if nothing."""
        assert self.fallback is not None
        first = next(iter(failures.values()))
        try:
            prices = await self.fallback.closes(symbols, start, end, partial=True)
        except NotInSnapshot as exc:  # none of them: say both halves, not offline and why not online
            raise NotInSnapshot(exc.symbol, _reason(failures.get(exc.symbol, first)), exc.suggestions) from None
        except MarketbotError:
            return None
        missing: dict[str, MarketbotError] = {}
        for symbol, error in prices.missing.items():
            why = failures.get(symbol, first)
            if isinstance(error, NotInSnapshot):  # say both halves: not offline, and why not online
                error = NotInSnapshot(symbol, _reason(why), error.suggestions)
            missing[symbol] = error
        provenance = dataclasses.replace(prices.provenance, note=_reason(first))
        return Prices(prices.closes, provenance, missing)


def _reason(error: MarketbotError | Exception | None) -> str:
    """What failed, without the symbol: a provenance note."""
    if error is None:
        return ""
    return (error.reason if isinstance(error, UpstreamError) else str(error)).rstrip(".")


def _overlap_agrees(old: pd.Series, new: pd.Series) -> bool:
    common = old.index.intersection(new.index)
    if common.empty:
        return False
    return bool(np.allclose(old.loc[common].to_numpy(), new.loc[common].to_numpy(), rtol=1e-7, atol=0))


def source_key(name: str) -> str:
    """A source as a metrics label: yahoo, fred, snapshot (the bundled prices) or fred_snapshot (FRED's, bundled)."""
    return {"Yahoo Finance": "yahoo", "FRED": "fred", FRED_SNAPSHOT_NAME: "fred_snapshot"}.get(name, "snapshot")


def request_outcome(error: MarketbotError | None) -> str:
    """A request's outcome as a metrics label."""
    if error is None:
        return "ok"
    for kind, label in ((RateLimited, "rate_limited"), (NoData, "no_data"), (UnknownSymbol, "unknown")):
        if isinstance(error, kind):
            return label
    return "unreachable" if isinstance(error, Unreachable) else "error"
