"""Yahoo Finance through yfinance: the only module that imports it.

yfinance's traps (see PITFALLS.md) and what this adapter does about them:
- one request per symbol: ``Ticker.history`` with yfinance's exceptions on
  (``config.debug.hide_exceptions = False``; ``raise_errors=`` is deprecated
  for it), so each failure arrives as an exception of its own symbol instead of
  an all-NaN column plus a log line to match up. ``MarketData`` runs several of
  these at once in worker threads.
- the timezone lookup: ``history`` needs the exchange time zone, and an
  uncached symbol costs an extra chart request for it. Known symbols are
  answered from our table (all trade in New York); other symbols use
  yfinance's sqlite cache behind a lock: its first use and insert-or-update
  race when several threads meet new symbols at once ("database is locked",
  yfinance issues #1274, #2604).
- yfinance fetches its cookie and crumb with a fixed 30 s timeout whatever the
  call's: every request of our session is capped at ``timeout``, so one fetch
  cannot hang for minutes.
- today's bar is live: only sessions settled by the NYSE calendar are closes;
  the live bar is returned separately as a ``LatestPrice``.
- one long-lived HTTP session, and yfinance's caches under our cache dir.
"""

from __future__ import annotations

import functools
import logging
import threading
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import yfinance as yf
from yfinance import cache as yf_cache
from yfinance.data import YfData
from yfinance.exceptions import YFRateLimitError, YFTickerMissingError

from analytics.errors import MarketbotError, NoData, RateLimited, Unreachable, UpstreamError
from analytics.sessions import NEW_YORK, last_settled_session
from analytics.sources.base import Fetched, LatestPrice
from analytics.symbols import exchange_timezone

log = logging.getLogger(__name__)
# yfinance's own pandas deprecations are not ours to act on; keep them out of our logs.
warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")

# Each request's timeout; also the cap on yfinance's own 30 s cookie and crumb requests.
REQUEST_TIMEOUT = 5.0

_UNREACHABLE_MARKERS = (
    "ConnectionError",
    "Could not resolve host",
    "Failed to resolve",
    "Name or service not known",
    "Temporary failure in name resolution",
    "Failed to connect",
    "Connection refused",
    "Network is unreachable",
)
_TIMEOUT_MARKERS = ("Timeout", "timed out")


class YahooSource:
    name = "Yahoo Finance"
    live = True
    replay = False

    def __init__(self, cache_dir: Path, session: Any = None, timeout: float = REQUEST_TIMEOUT) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Before the first request: yfinance silently runs without caches it cannot write.
        yf.set_tz_cache_location(str(cache_dir))
        _install_tz_cache()
        # Failures raise, with their real cause (ReadTimeout, YFRateLimitError, 5xx...).
        yf.config.debug.hide_exceptions = False
        self._session = session if session is not None else _new_session()
        _cap_timeouts(self._session, timeout)
        self._timeout = timeout

    def last_session(self, now: pd.Timestamp) -> pd.Timestamp:
        return last_settled_session(now)

    def close(self) -> None:
        self._session.close()

    def fetch(self, symbols: list[str], start: pd.Timestamp | None, now: pd.Timestamp) -> Fetched:
        """One request per symbol (``MarketData`` calls this with one symbol per thread)."""
        settled = last_settled_session(now)
        result = Fetched()
        for symbol in symbols:
            try:
                series = self._history(symbol, start)
            except Exception as exc:  # yfinance raises each symbol's failure
                result.errors[symbol] = _classify(exc, symbol)
                _forget_memoised_responses()
                continue
            result.closes[symbol] = series.loc[:settled]
            live = series.loc[settled + pd.Timedelta(days=1) :]
            if not live.empty:
                result.latest[symbol] = LatestPrice(symbol, float(live.iloc[-1]), live.index[-1], now)
        return result

    def _history(self, symbol: str, start: pd.Timestamp | None) -> pd.Series:
        frame = yf.Ticker(symbol, session=self._session).history(
            # No ``end``: up to now, live bar included. (An end in the past would also
            # make yfinance memoise the response, failures included, for the process.)
            period="max" if start is None else None,
            start=start.date().isoformat() if start is not None else None,
            interval="1d",
            auto_adjust=True,
            actions=False,
            timeout=self._timeout,
        )
        column = frame["Close"] if "Close" in frame else pd.Series(dtype="float64")
        series = column.dropna().astype("float64").rename(symbol)
        if series.empty:  # all-NaN rows arrive without a word from yfinance
            raise _Empty
        index = pd.DatetimeIndex(series.index)
        if index.tz is not None:  # history() stamps bars in the exchange's time: the session date is New York's
            index = index.tz_convert(NEW_YORK).tz_localize(None)
        series.index = index.normalize().as_unit("ns")
        return series[~series.index.duplicated(keep="last")].sort_index()


class _Empty(Exception):
    """Yahoo answered with no usable price."""


class _SeededTzCache:
    """yfinance's timezone cache with our symbol table in front of it.

    Known symbols are answered from the table (no lookup request, no sqlite);
    the rest go to yfinance's cache one caller at a time: a lock around the
    cache only, not around the fetch.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._lock = threading.Lock()

    def lookup(self, key: str) -> str | None:
        if (tz := exchange_timezone(key)) is not None:
            return tz
        with self._lock:
            return self.inner.lookup(key)

    def store(self, key: str, value: str | None) -> None:
        if exchange_timezone(key) is not None:
            return
        with self._lock:
            self.inner.store(key, value)

    @property
    def tz_db(self):
        return getattr(self.inner, "tz_db", None)


def _install_tz_cache() -> None:
    """Put ``_SeededTzCache`` in front of yfinance's timezone cache (no public hook: its manager)."""
    manager = yf_cache._TzCacheManager
    current = manager.get_tz_cache()
    manager._tz_cache = _SeededTzCache(current.inner if isinstance(current, _SeededTzCache) else current)


def _cap_timeouts(session: Any, cap: float) -> None:
    """Cap every request's timeout: yfinance asks for its cookie and crumb with 30 s, whatever ours is."""
    request = session.request

    @functools.wraps(request)
    def capped(*args, **kwargs):
        timeout = kwargs.get("timeout")
        if not isinstance(timeout, (int, float)) or timeout > cap:
            kwargs["timeout"] = cap
        return request(*args, **kwargs)

    session.request = capped


def _forget_memoised_responses() -> None:
    """yfinance memoises some responses for the life of the process, failures included (its
    timezone lookup goes through ``YfData.cache_get``, an lru_cache): after a failure, forget
    them, or a 5xx at start-up would answer every later fetch without a request."""
    YfData.cache_get.cache_clear()


def _new_session() -> Any:
    """yfinance's preferred client: curl_cffi impersonating a browser."""
    from curl_cffi import requests as curl_requests

    return curl_requests.Session(impersonate="chrome")


def _classify(exc: Exception, symbol: str) -> MarketbotError:
    """One symbol's failure as a domain error; ``NoData`` when Yahoo answered but had no prices."""
    reason = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, YFRateLimitError) or "Too Many Requests" in reason:
        return RateLimited("Yahoo Finance is rate limiting us; try again in a few minutes.", symbol)
    if isinstance(exc, (YFTickerMissingError, _Empty)) or "404 Client Error" in reason:
        return NoData("Yahoo Finance answered without prices; try again shortly.", symbol)
    if any(m in reason for m in _UNREACHABLE_MARKERS):
        return Unreachable("Yahoo Finance cannot be reached right now.", symbol)
    if any(m in reason for m in _TIMEOUT_MARKERS):
        return UpstreamError("Yahoo Finance timed out.", symbol)
    log.warning("Yahoo Finance failed for %s: %s", symbol, reason[:500])
    return UpstreamError("Yahoo Finance returned an error; try again shortly.", symbol)
