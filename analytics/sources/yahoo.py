"""Yahoo Finance through yfinance: the only module that imports it.

yfinance's traps (see PITFALLS.md) and what this adapter does about them:
- ``download`` swallows failures into all-NaN columns and log lines: the
  ``yfinance`` logger is captured during each call and every empty column
  becomes a per-symbol error with the logged reason (429 -> ``RateLimited``).
- the shape depends on arguments: ``auto_adjust`` and ``multi_level_index``
  are passed explicitly, tickers come back upper-cased and re-ordered, so
  columns are looked up by name.
- today's bar is live: only sessions settled by the NYSE calendar are closes;
  the live bar is returned separately as a ``LatestPrice``.
- one long-lived HTTP session, and yfinance's caches under our cache dir.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import yfinance as yf
from yfinance.data import YfData

from analytics.errors import (
    MarketbotError,
    NotOnYahoo,
    RateLimited,
    Unreachable,
    UpstreamError,
)
from analytics.sessions import last_settled_session, to_session_date
from analytics.sources.base import Fetched, LatestPrice
from analytics.symbols import closest_symbols

log = logging.getLogger(__name__)
# yfinance's own pandas deprecations are not ours to act on; keep them out of our logs.
warnings.filterwarnings("ignore", module=r"yfinance(\.|$)")

# yfinance keeps process-wide state (its session singleton, its logger):
# one download at a time keeps captured log lines matched to their call.
_DOWNLOAD_LOCK = threading.Lock()

_RATE_LIMIT_MARKERS = ("YFRateLimitError", "Too Many Requests")
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
# Yahoo's explicit "no such symbol" (chart 404), or no timezone because no such ticker.
_NOT_FOUND_MARKERS = ("symbol may be delisted", "no timezone found", "404 Client Error", "Not Found")


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.messages.append(record.getMessage())


@contextmanager
def _captured_yfinance_errors() -> Iterator[_Capture]:
    """Collect yfinance's error lines for one call and keep them off the console."""
    logger = logging.getLogger("yfinance")
    capture = _Capture()
    previous = logger.propagate
    logger.addHandler(capture)
    logger.propagate = False
    try:
        yield capture
    finally:
        logger.removeHandler(capture)
        logger.propagate = previous


class YahooSource:
    name = "Yahoo Finance"
    live = True

    def __init__(self, cache_dir: Path, session: object | None = None, timeout: float = 10) -> None:
        cache_dir.mkdir(parents=True, exist_ok=True)
        # Before the first request: yfinance silently runs without caches it cannot write.
        yf.set_tz_cache_location(str(cache_dir))
        # Make each ticker's failure carry its real cause (ReadTimeout, YFRateLimitError,
        # 5xx...) into download()'s error log, instead of a generic "possibly delisted".
        yf.config.debug.hide_exceptions = False
        self._session = session if session is not None else _new_session()
        self._timeout = timeout

    def last_session(self, now: pd.Timestamp) -> pd.Timestamp:
        return last_settled_session(now)

    def fetch(self, symbols: list[str], start: pd.Timestamp | None, now: pd.Timestamp) -> Fetched:
        settled = last_settled_session(now)
        with _DOWNLOAD_LOCK, _captured_yfinance_errors() as capture:
            try:
                data = yf.download(
                    symbols,
                    # No ``end``: up to now, live bar included. (An end in the past would also
                    # make yfinance memoise the response, failures included, for the process.)
                    start=start.date().isoformat() if start is not None else None,
                    period="max" if start is None else None,
                    interval="1d",
                    auto_adjust=True,
                    multi_level_index=True,
                    group_by="column",
                    actions=False,
                    # Sequential: yfinance's threads race on its sqlite timezone cache
                    # ("database is locked" seen here), and Yahoo rate-limits bursts anyway.
                    threads=False,
                    progress=False,
                    timeout=self._timeout,
                    session=self._session,
                )
            except Exception as exc:  # yfinance raises for whole-call failures
                error = _classify(repr(exc), None)
                _forget_memoised_responses()
                return Fetched(errors={s: error for s in symbols})
        closes = data["Close"] if data is not None and "Close" in data else pd.DataFrame()
        result = Fetched()
        for symbol in symbols:
            column = closes.get(symbol)
            if column is None or column.isna().all():
                # Never "no new data": even an incremental fetch re-reads stored sessions.
                result.errors[symbol] = _classify(_reason_for(symbol, capture.messages), symbol)
                continue
            series = column.dropna().astype("float64").rename(symbol)
            series.index = pd.DatetimeIndex([to_session_date(t) for t in series.index]).as_unit("ns")
            series = series[~series.index.duplicated(keep="last")].sort_index()
            result.closes[symbol] = series.loc[:settled]
            live = series.loc[settled + pd.Timedelta(days=1) :]
            if not live.empty:
                result.latest[symbol] = LatestPrice(symbol, float(live.iloc[-1]), live.index[-1], now)
        if result.errors:
            _forget_memoised_responses()
        return result


def _forget_memoised_responses() -> None:
    """yfinance memoises some responses for the life of the process, failures included (its
    timezone lookup goes through ``YfData.cache_get``, an lru_cache): after a failure, forget
    them, or a 5xx at start-up would answer every later fetch without a request."""
    YfData.cache_get.cache_clear()


def _new_session() -> object:
    """yfinance's preferred client: curl_cffi impersonating a browser."""
    from curl_cffi import requests as curl_requests

    return curl_requests.Session(impersonate="chrome")


def _reason_for(symbol: str, messages: list[str]) -> str:
    """yfinance logs ``['KRE', 'SPY']: <reason>``; find the line naming ``symbol``."""
    for message in messages:
        if f"'{symbol}'" in message:
            return message.split("]: ", 1)[-1]
    return ""


def _classify(reason: str, symbol: str | None) -> MarketbotError:
    if any(m in reason for m in _RATE_LIMIT_MARKERS):
        return RateLimited("Yahoo Finance is rate limiting us; try again in a few minutes.", symbol)
    if any(m in reason for m in _UNREACHABLE_MARKERS):
        return Unreachable("Yahoo Finance cannot be reached right now.", symbol)
    if any(m in reason for m in _TIMEOUT_MARKERS):
        return UpstreamError("Yahoo Finance timed out.", symbol)
    if symbol and any(m in reason for m in _NOT_FOUND_MARKERS):
        return NotOnYahoo(symbol, suggestions=closest_symbols(symbol))
    if not reason:  # all-NaN rows arrive without a word from yfinance
        return UpstreamError("Yahoo Finance returned no prices.", symbol)
    log.warning("Yahoo Finance failed%s: %s", f" for {symbol}" if symbol else "", reason[:500])
    return UpstreamError("Yahoo Finance returned an error; try again shortly.", symbol)
