"""The cache in front of a price source: what every command and alert asks.

- Freshness follows the market clock: a settled session never changes, so a
  symbol's closes are fresh while they reach the source's last settled
  session; only a new session (or a recheck after ``RECHECK``) asks upstream.
- Single-flight: concurrent asks for the same symbol share one upstream call.
- Stale-while-error: when the upstream fails, cached closes are served with
  ``Provenance.stale`` set; with nothing cached, the fallback source (the
  snapshot, in ``auto`` mode) answers and says so, or the error is raised.
- Only closes that reach the store are settled ones; the store keeps them on
  disk so a restart fetches only the missing sessions.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.errors import (
    DataUnavailable,
    MarketbotError,
    NotInSnapshot,
    RateLimited,
    Unreachable,
    UnknownSymbol,
    UpstreamError,
)
from analytics.frames import close_frame
from analytics.sessions import utc_now
from analytics.sources.bar_store import BarStore
from analytics.sources.base import LatestPrice, Prices, PriceSource, Provenance
from analytics.sources.breaker import CircuitBreaker
from analytics.symbols import normalize_symbol

log = logging.getLogger(__name__)

# When upstream has not published the newest session yet, ask again after this.
RECHECK = pd.Timedelta(minutes=10)
# How long "unknown symbol" is remembered, so a typo does not cost a request each time.
UNKNOWN_TTL = pd.Timedelta(hours=1)
# An incremental fetch re-reads this many stored sessions: if they changed, a
# dividend or split re-based the adjusted history and all of it is refetched.
OVERLAP_SESSIONS = 5
LATEST_TTL = pd.Timedelta(seconds=60)


@dataclass
class _Entry:
    closes: pd.Series
    checked_at: pd.Timestamp  # last time upstream confirmed these closes


@dataclass
class _Refresh:
    """What one refresh learned; applied to the cache on the event loop."""

    closes: dict[str, pd.Series] = field(default_factory=dict)
    latest: dict[str, LatestPrice] = field(default_factory=dict)
    errors: dict[str, MarketbotError] = field(default_factory=dict)
    upstream_calls: int = 0
    # Bars read from disk, with when they were saved: served stale if the upstream fails.
    from_disk: dict[str, _Entry] = field(default_factory=dict)


class MarketData:
    def __init__(
        self,
        source: PriceSource,
        *,
        fallback: MarketData | None = None,
        store: BarStore | None = None,
        clock: Callable[[], pd.Timestamp] = utc_now,
        max_concurrent_fetches: int = 1,
    ) -> None:
        self.source = source
        self.fallback = fallback
        self.store = store
        self.clock = clock
        self.breaker = CircuitBreaker()
        self.upstream_calls = 0  # calls into source.fetch, for tests and benchmarks
        # Bumped whenever what ``closes`` would return may have changed: caches of
        # answers built on this data key on it.
        self.generation = 0
        self._entries: dict[str, _Entry] = {}
        self._unknown: dict[str, tuple[UnknownSymbol, pd.Timestamp]] = {}
        self._latest: dict[str, LatestPrice] = {}
        self._inflight: dict[str, asyncio.Task[_Refresh]] = {}
        # yfinance is blocking and rate limited: bound the threads it occupies.
        self._fetch_slots = asyncio.Semaphore(max_concurrent_fetches)

    # -- public -----------------------------------------------------------

    def last_session(self) -> pd.Timestamp:
        return self.source.last_session(self.clock())

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
        failures = await self._ensure_fresh(symbols, force=False)
        have = [s for s in symbols if s in self._entries]
        lacking = {s: failures[s] for s in symbols if s not in self._entries}
        # A symbol Yahoo positively does not have is not looked for in the fallback.
        retry = [s for s in lacking if not isinstance(lacking[s], UnknownSymbol)]
        if retry and self.fallback is not None:
            fallback = await self._from_fallback([s for s in symbols if s not in lacking or s in retry], start, end, lacking)
            if fallback is not None and len(fallback.closes.columns) > len(have):
                missing = {**{s: lacking[s] for s in lacking if s not in retry}, **fallback.missing}
                return self._finish(symbols, dataclasses.replace(fallback, missing=missing), partial)
        if not have:
            raise lacking[symbols[0]]
        entries = {s: self._entries[s] for s in have}
        frame = close_frame({s: e.closes for s, e in entries.items()}, have)
        stale = [failures[s] for s in have if s in failures]
        provenance = Provenance(
            source=self.source.name,
            last_session=frame.index[-1],
            fetched_at=min(e.checked_at for e in entries.values()),
            live=self.source.live,
            stale=bool(stale),
            note=_reason(stale[0]) if stale else "",
        )
        return self._finish(symbols, Prices(frame.loc[start:end], provenance, lacking), partial)

    @staticmethod
    def _finish(symbols: list[str], prices: Prices, partial: bool) -> Prices:
        """Raise the first missing symbol's error unless partial answers are wanted."""
        if prices.missing and not partial:
            raise prices.missing[next(s for s in symbols if s in prices.missing)]
        return prices

    async def latest(self, symbols: Sequence[str]) -> dict[str, LatestPrice]:
        """Live prices of today's unsettled bar, where the source has them.

        Only prices observed within ``LATEST_TTL``: when a refresh fails, or a
        symbol's price stops coming, an older price is not passed off as live.
        Raises the refresh's error when it failed and left no live price at all.
        """
        symbols = [normalize_symbol(s) for s in symbols]
        now = self.clock()
        failures: dict[str, MarketbotError] = {}
        if any(s not in self._latest or now - self._latest[s].at > LATEST_TTL for s in symbols):
            failures = await self._ensure_fresh(symbols, force=True)
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
            text += f"; unavailable ({self.breaker.last_error}), retrying after {self.breaker.open_until:%H:%M} UTC"
        return text

    # -- freshness and single-flight ----------------------------------------

    def _is_fresh(self, symbol: str, now: pd.Timestamp, target: pd.Timestamp) -> bool:
        entry = self._entries.get(symbol)
        if entry is None:
            return False
        return entry.closes.index[-1] >= target or now - entry.checked_at < RECHECK

    async def _ensure_fresh(self, symbols: list[str], force: bool) -> dict[str, MarketbotError]:
        """Refresh what is stale; return the symbols that failed and why.

        A refresh runs as a task shared by every caller that needs one of its
        symbols (single-flight), shielded so one caller's cancellation does not
        cancel the fetch the others are waiting for.
        """
        now = self.clock()
        target = self.source.last_session(now)
        failures: dict[str, MarketbotError] = {}
        mine: list[str] = []
        awaited: dict[asyncio.Task[_Refresh], list[str]] = {}
        for symbol in symbols:
            known_unknown = self._unknown.get(symbol)
            if known_unknown and now - known_unknown[1] < UNKNOWN_TTL:
                failures[symbol] = known_unknown[0]
            elif symbol in self._inflight:
                awaited.setdefault(self._inflight[symbol], []).append(symbol)
            elif force or not self._is_fresh(symbol, now, target):
                mine.append(symbol)
        if mine:
            task = asyncio.create_task(self._refresh(mine, now, target, force))
            for symbol in mine:
                self._inflight[symbol] = task
            task.add_done_callback(lambda done, owned=tuple(mine): self._forget(done, owned))
            awaited[task] = mine
        for task, wanted in awaited.items():
            result = await asyncio.shield(task)
            failures.update({s: result.errors[s] for s in wanted if s in result.errors})
        return failures

    def _forget(self, task: asyncio.Task[_Refresh], symbols: tuple[str, ...]) -> None:
        for symbol in symbols:
            if self._inflight.get(symbol) is task:
                del self._inflight[symbol]

    async def _refresh(
        self, symbols: list[str], now: pd.Timestamp, target: pd.Timestamp, force: bool
    ) -> _Refresh:
        if not self.breaker.allows(now):
            error = self.breaker.last_error
            if not isinstance(error, UpstreamError):
                error = UpstreamError(f"{self.source.name} is unavailable.")
            return _Refresh(errors={s: error.for_symbol(s) for s in symbols})
        stored = {s: self._entries[s].closes for s in symbols if s in self._entries}
        async with self._fetch_slots:
            result = await asyncio.to_thread(self._fetch_blocking, symbols, stored, now, target, force)
        self._apply(result, now)
        return result

    def _apply(self, result: _Refresh, now: pd.Timestamp) -> None:
        self.generation += 1
        self.upstream_calls += result.upstream_calls
        for symbol, closes in result.closes.items():
            self._entries[symbol] = _Entry(closes, now)
            self._unknown.pop(symbol, None)
        for symbol, entry in result.from_disk.items():
            self._entries.setdefault(symbol, entry)
        self._latest.update(result.latest)
        upstream = [e for e in result.errors.values() if isinstance(e, UpstreamError)]
        for symbol, error in result.errors.items():
            if isinstance(error, UnknownSymbol):
                self._unknown[symbol] = (error, now)
        # An outage (nothing came back, or Yahoo throttles us) opens the breaker;
        # one symbol failing among good ones does not.
        if any(isinstance(e, (RateLimited, Unreachable)) for e in upstream) or (upstream and not result.closes):
            self.breaker.record_failure(now, upstream[0])
            log.warning("%s failing, backing off until %s: %s", self.source.name, self.breaker.open_until, upstream[0])
        elif result.upstream_calls:
            self.breaker.record_success()

    # -- blocking part (runs in a worker thread) ------------------------------

    def _fetch_blocking(
        self,
        symbols: list[str],
        stored: dict[str, pd.Series],
        now: pd.Timestamp,
        target: pd.Timestamp,
        force: bool,
    ) -> _Refresh:
        result = _Refresh()
        if self.store is not None:
            for symbol in symbols:
                if symbol not in stored and (on_disk := self.store.load(symbol)) is not None:
                    stored[symbol] = on_disk
                    result.from_disk[symbol] = _Entry(on_disk, self.store.saved_at(symbol))
        # Group by the first session each symbol needs: None means its whole history.
        groups: dict[pd.Timestamp | None, list[str]] = {}
        for symbol in symbols:
            have = stored.get(symbol)
            if have is not None and have.index[-1] >= target and not force:
                result.closes[symbol] = have  # the disk already had every settled session
                continue
            start = have.index[max(len(have) - OVERLAP_SESSIONS, 0)] if have is not None else None
            groups.setdefault(start, []).append(symbol)

        rebased: list[str] = []
        for start, group in groups.items():
            fetched = self.source.fetch(group, start, now)
            result.upstream_calls += 1
            result.latest.update(fetched.latest)
            result.errors.update(fetched.errors)
            for symbol, new in fetched.closes.items():
                old = stored.get(symbol)
                if old is None or start is None:
                    result.closes[symbol] = new
                elif new.empty:
                    result.closes[symbol] = old  # nothing new upstream yet
                elif _overlap_agrees(old, new):
                    result.closes[symbol] = pd.concat([old[old.index < new.index[0]], new])
                else:
                    rebased.append(symbol)
        if rebased:
            log.info("Adjusted history changed for %s; refetching it whole", rebased)
            fetched = self.source.fetch(rebased, None, now)
            result.upstream_calls += 1
            result.closes.update(fetched.closes)
            result.errors.update(fetched.errors)

        for symbol in result.closes:
            result.errors.pop(symbol, None)
        if self.store is not None:
            for symbol, closes in result.closes.items():
                if stored.get(symbol) is not closes:
                    self.store.save(symbol, closes)
        return result

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


def _reason(error: MarketbotError) -> str:
    """What failed, without the symbol: a provenance note."""
    return (error.reason if isinstance(error, UpstreamError) else str(error)).rstrip(".")


def _overlap_agrees(old: pd.Series, new: pd.Series) -> bool:
    common = old.index.intersection(new.index)
    if common.empty:
        return False
    return bool(np.allclose(old.loc[common].to_numpy(), new.loc[common].to_numpy(), rtol=1e-7, atol=0))
