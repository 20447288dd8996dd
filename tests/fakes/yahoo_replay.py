"""Offline replay of Yahoo Finance's HTTP API, so tests can drive real yfinance code.

``ReplayYahooSession`` is a ``requests.Session`` that yfinance 1.7 accepts as ``session=``
(``yf.download(..., session=s)``, ``yf.Ticker(sym, session=s)``). Every request is answered
in-process from a close frame, in Yahoo's wire format, so yfinance's own request, retry and parsing
code runs unchanged. Nothing touches the network: a request to a non-Yahoo host raises
``requests.exceptions.ConnectionError``, as it would with no internet.

Served (query1/query2.finance.yahoo.com unless noted):

* ``/v8/finance/chart/{SYMBOL}``: daily bars (``interval=1d`` only) for ``period1``/``period2`` or
  ``range``, shaped like the recorded responses in ``/work/shared/data/yahoo-wire``. Open/high/low
  repeat the close, ``adjclose`` equals it (the frame is already adjusted) and there are no events.
  yfinance also calls this endpoint with ``range=1d`` to learn a symbol's timezone.
* the cookie and crumb handshake: ``fc.yahoo.com`` (sets the ``A3`` cookie), ``/v1/test/getcrumb``,
  and the consent flow of yfinance's "csrf" cookie strategy (guce/consent.yahoo.com).
* the endpoints yfinance falls back on when that timezone lookup fails (``/v10/finance/quoteSummary``,
  ``/v7/finance/quote``, fundamentals ``timeseries``), with just the fields yfinance reads there.
  Without them the replay would invent failures that real Yahoo does not produce.

Any other Yahoo path answers 404. Faults are injected with ``fail_next``; ``reset_yfinance_state``
clears the process-wide state yfinance keeps between calls (call it before each test).

``latency`` (seconds) delays every request, like a distant server; ``in_flight``/``peak_in_flight``
and ``spans`` (start and end of each request, ``time.monotonic()``) show how many overlap.
"""
from __future__ import annotations

import collections
import html
import io
import json
import re
import threading
import time
from datetime import timedelta
from http import HTTPStatus
from urllib.parse import parse_qs, unquote, urlsplit

import numpy as np
import pandas as pd
import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

NY = "America/New_York"

# fault kind -> the kind of request it hits (chart faults may be limited to one symbol).
_FAULT_TARGETS = {
    "429": "chart", "500": "chart", "502": "chart", "503": "chart",
    "timeout": "chart", "hang": "chart", "connection": "chart", "empty": "chart", "unknown": "chart",
    "nan": "chart", "consent": "chart",
    "crumb_429": "crumb", "crumb_timeout": "crumb",
    "cookie_timeout": "cookie", "cookie_hang": "cookie",
}
FAULT_KINDS = tuple(_FAULT_TARGETS)

_JSON = "application/json;charset=utf-8"
_TEXT = "text/plain;charset=utf-8"
_HTML = "text/html; charset=utf-8"
_CRUMB = "rEpLaY0cRmb"  # real crumbs are 11 opaque characters
_A3 = "d=AQABBReplayYahooSessionA3Cookie&S=AQAAAReplay"
_CONSENT_ACTION = "https://consent.yahoo.com/v2/collectConsent?sessionId=3_cc-session_replay"
_VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]
_RANGE_RE = re.compile(r"(\d+)(d|wk|mo|y)")
_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")

# Yahoo types these snapshot symbols as ETF, which makes yfinance add a "Capital Gains"
# column to Ticker.history(actions=True). Others default to INDEX ("^...") or EQUITY.
_ETFS = frozenset({"SPY", "IWM", "QQQ", "XLF", "TLT", "KBE", "KRE"})
# Placeholder exchange names per instrument type; yfinance does not read them.
_EXCHANGES = {"INDEX": ("SNP", "SNP"), "ETF": ("PCX", "NYSEArca"), "EQUITY": ("NYQ", "NYSE")}

# 5xx bodies are modelled, not recorded: Yahoo's edge answers with HTML, and its outage page
# says "Will be right back", which yfinance special-cases.
_5XX_BODIES = {
    500: "<html><head><title>500 Internal Server Error</title></head><body>Internal Server Error</body></html>",
    502: "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>",
    503: "<html><head><title>Yahoo</title></head><body><h1>Will be right back...</h1>"
         "<p>Thank you for your patience. Our engineers are working quickly to resolve the issue.</p>"
         "</body></html>",
}


def _epoch(ts) -> int:
    return int((ts - _EPOCH) // pd.Timedelta(seconds=1))


def _at(day: pd.Timestamp, hours: float) -> pd.Timestamp:
    """Wall-clock time `hours` after midnight of `day` in New York, tz-aware."""
    return (day + pd.Timedelta(hours=hours)).tz_localize(NY)


def _dumps(obj) -> bytes:
    # Compact like Yahoo; allow_nan=False because JSON has no NaN (missing values are null).
    return json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()


def _chart_error(code: str, description: str) -> bytes:
    return _dumps({"chart": {"result": None, "error": {"code": code, "description": description}}})


def _finance_error(code: str, description: str) -> bytes:
    return _dumps({"finance": {"result": None, "error": {"code": code, "description": description}}})


def _consent_page(done_url: str) -> str:
    # The form yfinance's consent handling parses: hidden inputs, posted back to `action`.
    return (
        "<!DOCTYPE html><html><head><title>Yahoo is part of the Yahoo family of brands</title></head>"
        f'<body><form method="post" action="{html.escape(_CONSENT_ACTION)}">'
        '<input type="hidden" name="csrfToken" value="replayCsrfToken">'
        '<input type="hidden" name="sessionId" value="3_cc-session_replay">'
        f'<input type="hidden" name="originalDoneUrl" value="{html.escape(done_url)}">'
        '<input type="hidden" name="namespace" value="yahoo">'
        '<button type="submit" name="agree" value="agree">Accept all</button>'
        "</form></body></html>"
    )


class ReplayYahooSession(requests.Session):
    """A requests.Session answering Yahoo Finance requests from a close frame, with fault injection.

    closes: tz-naive DatetimeIndex of NYSE session dates (midnight), one float column per Yahoo
        symbol, NaN where the symbol has no bar. A symbol with no bar up to `now` is unknown (404).
    volumes: same shape (reindexed to `closes`, NaN -> 0); default all 0.
    now: the replay's current time (naive = UTC); default the last index date at 21:00 UTC.
        A session's bar exists once it has opened (09:30 New York); later bars are never served.
        During the regular session (09:30-16:00, early closes ignored) today's bar is the live
        partial bar: stamped `now`, with meta.regularMarketPrice equal to its close.
    symbol_meta: per-symbol overrides merged into the chart meta, e.g. {"KRE": {"instrumentType": "ETF"}}.
    latency: seconds every request takes before it is answered (default 0).

    Only the replayed answers depend on `now`; yfinance itself still reads the real clock.
    """

    def __init__(self, closes: pd.DataFrame, volumes: pd.DataFrame | None = None,
                 now: pd.Timestamp | None = None, *, symbol_meta: dict | None = None, latency: float = 0.0):
        super().__init__()
        if not isinstance(closes.index, pd.DatetimeIndex) or closes.index.tz is not None:
            raise TypeError("closes needs a tz-naive DatetimeIndex of session dates")
        self._closes = closes.astype("float64").sort_index()
        self._closes.index = self._closes.index.normalize()
        self._closes.columns = self._closes.columns.astype(str)
        if volumes is None:
            self._volumes = pd.DataFrame(0, index=self._closes.index, columns=self._closes.columns)
        else:
            self._volumes = (volumes.reindex(index=self._closes.index, columns=self._closes.columns)
                             .fillna(0).round().astype("int64"))
        # Yahoo stamps a daily bar at its session's 09:30 New York open.
        self._open_ts = np.array([_epoch(_at(d, 9.5)) for d in self._closes.index], dtype="int64")
        if now is None:
            now = self._closes.index[-1] + pd.Timedelta(hours=21)
        now = pd.Timestamp(now)
        self._now = now.tz_localize("UTC") if now.tz is None else now.tz_convert("UTC")
        self._symbol_meta = {k: dict(v) for k, v in (symbol_meta or {}).items()}

        self._lock = threading.Lock()  # yf.download(threads=True) calls in from several threads
        self._faults: list[list] = []  # [kind, symbol or None, remaining count or None = forever]
        self._live: dict[str, float] = {}
        self.requests: list[tuple[str, str]] = []  # (method, url) of every request, in order
        self.latency = latency
        self.in_flight = 0
        self.peak_in_flight = 0
        self.spans: list[tuple[str, float, float]] = []  # (url, start, end) of every answered request
        self._released = threading.Event()  # ends "hang" faults early (clear_faults)
        self.chart_calls: collections.Counter = collections.Counter()  # chart requests per symbol

    # ---------------------------------------------------------------- public API

    @property
    def now(self) -> pd.Timestamp:
        return self._now

    @now.setter
    def now(self, value: pd.Timestamp) -> None:
        """Move the replay's clock (naive = UTC), e.g. to let the next session settle."""
        value = pd.Timestamp(value)
        with self._lock:
            self._now = value.tz_localize("UTC") if value.tz is None else value.tz_convert("UTC")

    @property
    def chart_requests(self) -> int:
        """Number of /v8/finance/chart requests so far (timezone lookups included)."""
        with self._lock:
            return sum(self.chart_calls.values())

    @property
    def faults(self) -> list[tuple[str, str | None, int | None]]:
        """Faults not yet used up, as (kind, symbol, remaining)."""
        with self._lock:
            return [tuple(f) for f in self._faults]

    def fail_next(self, kind: str, symbol: str | None = None, times: int | None = 1) -> None:
        """Answer the next `times` matching requests (None = every one) with fault `kind`.

        Chart kinds hit /v8/finance/chart, for `symbol` only if given: "429", "500", "502", "503",
        "timeout" (requests ReadTimeout), "hang" (no answer until the request's timeout, or until
        ``clear_faults``, then ReadTimeout), "connection" (ConnectionError), "empty" (200, no bars),
        "unknown" (404 not found), "nan" (200, every price and volume null), "consent" (redirect
        to Yahoo's cookie-consent form; the chart answers once it is accepted).
        "crumb_429" / "crumb_timeout" hit /v1/test/getcrumb; "cookie_timeout" and "cookie_hang" hit
        fc.yahoo.com.
        Faults are used in the order they were added.
        """
        if kind not in _FAULT_TARGETS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        if symbol is not None and _FAULT_TARGETS[kind] != "chart":
            raise ValueError(f"fault {kind!r} does not take a symbol")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 or None")
        with self._lock:
            self._faults.append([kind, symbol, times])
            self._released.clear()

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._released.set()

    def set_live(self, symbol: str, price: float) -> None:
        """Make `price` the close of `symbol`'s bar for now's session date (added if missing)."""
        with self._lock:
            self._live[symbol] = float(price)

    # ---------------------------------------------------------------- requests.Session overrides

    def request(self, method, url, params=None, data=None, headers=None, cookies=None, files=None,
                auth=None, timeout=None, allow_redirects=True, proxies=None, hooks=None,
                stream=None, verify=None, cert=None, json=None):
        # Same as requests.Session.request minus merge_environment_settings, whose proxy
        # lookup can touch the system resolver.
        req = requests.Request(method=method.upper(), url=url, headers=headers, files=files,
                               data=data or {}, json=json, params=params or {}, auth=auth,
                               cookies=cookies, hooks=hooks)
        return self.send(self.prepare_request(req), timeout=timeout)

    def send(self, request, **kwargs):
        """Answer a prepared request in-process (after ``latency``); never calls the transport adapters."""
        with self._lock:
            self.requests.append((request.method, request.url))
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        start = time.monotonic()
        try:
            if self.latency:
                time.sleep(self.latency)
            return self._answer(request, **kwargs)
        finally:
            with self._lock:
                self.in_flight -= 1
                self.spans.append((request.url, start, time.monotonic()))

    def _answer(self, request, **kwargs):
        parts = urlsplit(request.url)
        host = parts.hostname or ""
        path = unquote(parts.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        if host != "yahoo.com" and not host.endswith(".yahoo.com"):
            raise self._connection_error(host, parts.path)

        if host == "fc.yahoo.com":
            if kind := self._take_fault("cookie"):
                if kind == "cookie_hang":
                    self._hang(kwargs.get("timeout"))
                raise self._timeout(host, kwargs.get("timeout"))
            self._set_cookie()
            return self._respond(request, 404, b"", _HTML)  # Yahoo answers 404 but sets A3
        if host == "guce.yahoo.com":
            if path.startswith("/copyConsent"):
                self._set_cookie()
                return self._respond(request, 200, b"<html><body>ok</body></html>", _HTML)
            return self._respond(request, 200, _consent_page("https://finance.yahoo.com/").encode(), _HTML)
        if host == "consent.yahoo.com":
            return self._accept_consent(request)
        if not host.startswith("query"):  # finance.yahoo.com, www.yahoo.com, ...
            self._set_cookie()
            return self._respond(request, 200, b"<!DOCTYPE html><html><body>Yahoo Finance</body></html>", _HTML)

        if path == "/v1/test/getcrumb":
            kind = self._take_fault("crumb")
            if kind == "crumb_timeout":
                raise self._timeout(host, kwargs.get("timeout"))
            if kind == "crumb_429":
                return self._respond(request, 429, b"Too Many Requests\r\n", _TEXT)
            return self._respond(request, 200, _CRUMB.encode(), _TEXT)
        if m := re.fullmatch(r"/v8/finance/chart/([^/]+)", path):
            return self._chart(request, m.group(1).upper(), query, kwargs.get("timeout"))
        if m := re.fullmatch(r"/v10/finance/quoteSummary/([^/]+)", path):
            return self._quote_summary(request, m.group(1).upper(), query)
        if path == "/v7/finance/quote":
            return self._quote(request, query)
        if m := re.fullmatch(r"/ws/fundamentals-timeseries/v1/finance/timeseries/([^/]+)", path):
            types = parse_qs(parts.query).get("type", [])
            body = {"timeseries": {"result": [{"meta": {"symbol": [m.group(1).upper()], "type": types}}],
                                   "error": None}}
            return self._respond(request, 200, _dumps(body), _JSON)
        return self._respond(request, 404, _finance_error("Not Found", "HTTP 404 Not Found"), _JSON)

    # ---------------------------------------------------------------- chart endpoint

    def _chart(self, request, symbol, query, timeout):
        with self._lock:
            self.chart_calls[symbol] += 1
        kind = self._take_fault("chart", symbol)
        if kind == "timeout":
            raise self._timeout(urlsplit(request.url).hostname, timeout)
        if kind == "hang":
            self._hang(timeout)
            raise self._timeout(urlsplit(request.url).hostname, timeout)
        if kind == "connection":
            raise self._connection_error(urlsplit(request.url).hostname, urlsplit(request.url).path)
        if kind == "429":
            return self._respond(request, 429, b"Too Many Requests\r\n", _TEXT)
        if kind in ("500", "502", "503"):
            return self._respond(request, int(kind), _5XX_BODIES[int(kind)].encode(), _HTML)
        if kind == "consent":
            return self._respond(request, 200, _consent_page(request.url).encode(), _HTML, url=_CONSENT_ACTION)

        interval = query.get("interval", "1d")
        if interval != "1d":
            return self._respond(request, 400, _chart_error(
                "Bad Request", f"Invalid input - interval={interval} is not replayed (only 1d)"), _JSON)
        bars, live_now = self._bars(symbol)
        if kind == "unknown" or bars.empty:
            return self._respond(request, 404, _chart_error(
                "Not Found", "No data found, symbol may be delisted"), _JSON)
        if "period1" in query or "period2" in query:
            p1 = int(query.get("period1", 0))
            p2 = int(query["period2"]) if "period2" in query else _epoch(self._now) + 1
            if p1 > p2:
                return self._respond(request, 400, _chart_error(
                    "Bad Request",
                    f"Invalid input - start date cannot be after the end date. startDate = {p1}, endDate = {p2}"),
                    _JSON)
            in_window = (bars["stamp"] >= p1) & (bars["stamp"] < p2)
            range_ = ""
        else:
            range_ = query.get("range", "1mo")
            in_window = self._range_mask(bars, range_)
            if in_window is None:
                return self._respond(request, 400, _chart_error(
                    "Bad Request", f"Invalid input - range={range_} is not valid"), _JSON)
        if kind == "empty":
            in_window = in_window & False

        window = bars[in_window.to_numpy()]
        before = bars[bars.index < window.index[0]] if len(window) else bars.iloc[:0]
        result = {"meta": self._meta(symbol, bars, live_now, range_,
                                     before["close"].iloc[-1] if len(before) else None)}
        if len(window):
            closes = [None] * len(window) if kind == "nan" else window["close"].tolist()
            volumes = [None] * len(window) if kind == "nan" else window["volume"].tolist()
            result["timestamp"] = window["stamp"].tolist()
            result["indicators"] = {
                "quote": [{"close": closes, "open": closes, "volume": volumes, "high": closes, "low": closes}],
                "adjclose": [{"adjclose": closes}],
            }
        else:
            # What Yahoo sends for a known symbol and a range without bars.
            result["indicators"] = {"quote": [{}], "adjclose": [{}]}
        return self._respond(request, 200, _dumps({"chart": {"result": [result], "error": None}}), _JSON)

    def _bars(self, symbol) -> tuple[pd.DataFrame, bool]:
        """The symbol's bars that exist at `now` (columns stamp, close, volume; index session date),
        and whether the last one is a live bar inside the regular session."""
        now = self._now.tz_convert(NY)
        today = now.tz_localize(None).normalize()
        open_, close_ = _at(today, 9.5), _at(today, 16)
        if symbol in self._closes.columns:
            col = self._closes[symbol]
            dates = self._closes.index
            keep = (col.notna() & ((dates < today) | ((dates == today) & (now >= open_)))).to_numpy()
            bars = pd.DataFrame({"stamp": self._open_ts[keep], "close": col.to_numpy()[keep],
                                 "volume": self._volumes[symbol].to_numpy()[keep]}, index=dates[keep])
        else:
            bars = pd.DataFrame({"stamp": np.array([], "int64"), "close": np.array([], "float64"),
                                 "volume": np.array([], "int64")}, index=pd.DatetimeIndex([]))
        in_session = open_ <= now < close_
        with self._lock:
            price = self._live.get(symbol)
        if price is None and in_session and today in bars.index:
            price = bars.at[today, "close"]
        if price is None:
            return bars, False
        volume = int(self._volumes.at[today, symbol]) if today in self._volumes.index and symbol in self._volumes else 0
        # During the session Yahoo stamps today's daily bar with the latest trade time.
        live = pd.DataFrame({"stamp": np.array([_epoch(now if in_session else open_)], "int64"),
                             "close": [float(price)], "volume": np.array([volume], "int64")}, index=[today])
        return pd.concat([bars.drop(today, errors="ignore"), live]), in_session

    def _range_mask(self, bars, range_) -> pd.Series | None:
        dates = bars.index.to_series()
        today = self._now.tz_convert(NY).tz_localize(None).normalize()
        if range_ == "max":
            return dates.notna()
        if range_ == "ytd":
            return dates >= pd.Timestamp(today.year, 1, 1)
        m = _RANGE_RE.fullmatch(range_)
        if not m:
            return None
        n, unit = int(m.group(1)), m.group(2)
        if unit == "d":  # n sessions
            return pd.Series(np.arange(len(bars)) >= len(bars) - n, index=bars.index)
        offset = {"wk": pd.DateOffset(weeks=n), "mo": pd.DateOffset(months=n), "y": pd.DateOffset(years=n)}[unit]
        return dates > today - offset

    def _meta(self, symbol, bars, live_now, range_, previous_close) -> dict:
        now = self._now.tz_convert(NY)
        last_day = bars.index[-1]
        itype = "INDEX" if symbol.startswith("^") else "ETF" if symbol in _ETFS else "EQUITY"
        extra = self._symbol_meta.get(symbol, {})
        itype = extra.get("instrumentType", itype)
        exchange, full_exchange = _EXCHANGES.get(itype, _EXCHANGES["EQUITY"])
        year = bars[bars.index > now.tz_localize(None) - pd.Timedelta(days=365)]["close"]
        if year.empty:  # no bar in the last year: the last one stands in
            year = bars["close"].iloc[-1:]
        last_close = float(bars["close"].iloc[-1])
        meta = {
            "currency": "USD", "symbol": symbol, "exchangeName": exchange, "fullExchangeName": full_exchange,
            "instrumentType": itype, "firstTradeDate": int(bars["stamp"].iloc[0]),
            "regularMarketTime": _epoch(now) if live_now else _epoch(_at(last_day, 16)),
            "hasPrePostMarketData": itype != "INDEX",
            "gmtoffset": int(now.utcoffset().total_seconds()), "timezone": now.tzname(),
            "exchangeTimezoneName": NY, "regularMarketPrice": last_close,
            "fiftyTwoWeekHigh": float(year.max()), "fiftyTwoWeekLow": float(year.min()),
            "regularMarketDayHigh": last_close, "regularMarketDayLow": last_close,
            "regularMarketVolume": int(bars["volume"].iloc[-1]),
            "longName": symbol, "shortName": symbol,
        }
        if previous_close is not None:
            meta["chartPreviousClose"] = float(previous_close)
        meta |= {"priceHint": 2, "currentTradingPeriod": self._trading_period(),
                 "dataGranularity": "1d", "range": range_, "validRanges": list(_VALID_RANGES)}
        return meta | extra

    def _trading_period(self) -> dict:
        """Pre/regular/post of the current trading day: today if it is a session, else the next."""
        today = self._now.tz_convert(NY).tz_localize(None).normalize()
        later = self._closes.index[self._closes.index >= today]
        day = later[0] if len(later) else today + pd.offsets.BDay(0)

        def period(start_h, end_h):
            start = _at(day, start_h)
            return {"timezone": start.tzname(), "start": _epoch(start), "end": _epoch(_at(day, end_h)),
                    "gmtoffset": int(start.utcoffset().total_seconds())}

        return {"pre": period(4, 9.5), "regular": period(9.5, 16), "post": period(16, 20)}

    # ---------------------------------------------------------------- timezone-fallback endpoints

    def _quote_fields(self, symbol) -> dict | None:
        """The fields yfinance's info-based timezone lookup needs, or None for an unknown symbol."""
        bars, live_now = self._bars(symbol)
        if bars.empty:
            return None
        return self._meta(symbol, bars, live_now, "", None)

    def _quote_summary(self, request, symbol, query):
        if query.get("crumb") != _CRUMB:
            return self._respond(request, 401, _finance_error("Unauthorized", "Invalid Crumb"), _JSON)
        meta = self._quote_fields(symbol)
        if meta is None:
            body = {"quoteSummary": {"result": None, "error": {
                "code": "Not Found", "description": f"Quote not found for ticker symbol: {symbol}"}}}
            return self._respond(request, 404, _dumps(body), _JSON)
        quote_type = {
            "exchange": meta["exchangeName"], "quoteType": meta["instrumentType"], "symbol": symbol,
            "underlyingSymbol": symbol, "shortName": meta["shortName"], "longName": meta["longName"],
            "firstTradeDateEpochUtc": meta["firstTradeDate"], "timeZoneFullName": NY,
            "timeZoneShortName": meta["timezone"], "gmtOffSetMilliseconds": meta["gmtoffset"] * 1000, "maxAge": 1,
        }
        body = {"quoteSummary": {"result": [{"quoteType": quote_type}], "error": None}}
        return self._respond(request, 200, _dumps(body), _JSON)

    def _quote(self, request, query):
        if query.get("crumb") != _CRUMB:
            return self._respond(request, 401, _finance_error("Unauthorized", "Invalid Crumb"), _JSON)
        result = []
        for symbol in query.get("symbols", "").upper().split(","):
            meta = self._quote_fields(symbol)
            if meta is not None:
                result.append({
                    "quoteType": meta["instrumentType"], "currency": "USD", "exchange": meta["exchangeName"],
                    "shortName": meta["shortName"], "longName": meta["longName"],
                    "exchangeTimezoneName": NY, "exchangeTimezoneShortName": meta["timezone"],
                    "gmtOffSetMilliseconds": meta["gmtoffset"] * 1000, "fullExchangeName": meta["fullExchangeName"],
                    "regularMarketPrice": meta["regularMarketPrice"], "regularMarketTime": meta["regularMarketTime"],
                    "priceHint": 2, "symbol": symbol,
                })
        return self._respond(request, 200, _dumps({"quoteResponse": {"result": result, "error": None}}), _JSON)

    # ---------------------------------------------------------------- plumbing

    def _accept_consent(self, request):
        """POST of the consent form: Yahoo sets its cookies and redirects to originalDoneUrl."""
        if request.method != "POST":
            return self._respond(request, 200, _consent_page("https://finance.yahoo.com/").encode(), _HTML)
        self._set_cookie()
        body = request.body or ""
        form = {k: v[-1] for k, v in parse_qs(body.decode() if isinstance(body, bytes) else body).items()}
        done = requests.Request("GET", form.get("originalDoneUrl", "https://finance.yahoo.com/"))
        return self.send(self.prepare_request(done))  # the redirect hop is a request of its own

    def _take_fault(self, target, symbol=None) -> str | None:
        with self._lock:
            for fault in self._faults:
                kind, fault_symbol, remaining = fault
                if _FAULT_TARGETS[kind] == target and fault_symbol in (None, symbol):
                    if remaining is not None:
                        fault[2] -= 1
                        if fault[2] == 0:
                            self._faults.remove(fault)
                    return kind
        return None

    def _hang(self, timeout):
        """No answer until the client's timeout (yfinance's default 30 s if none), or clear_faults()."""
        self._released.wait(timeout if isinstance(timeout, (int, float)) else 30)

    def _set_cookie(self):
        # yfinance caches the A3 cookie of the one .yahoo.com domain (see YfData._save_cookie_curlCffi).
        self.cookies.set("A3", _A3, domain=".yahoo.com", path="/", secure=True,
                         expires=int(time.time()) + 365 * 86400)

    @staticmethod
    def _timeout(host, timeout):
        return requests.exceptions.ReadTimeout(
            f"HTTPSConnectionPool(host='{host}', port=443): Read timed out. (read timeout={timeout})")

    @staticmethod
    def _connection_error(host, path):
        return requests.exceptions.ConnectionError(
            f"HTTPSConnectionPool(host='{host}', port=443): Max retries exceeded with url: {path} "
            f"(Caused by NameResolutionError(\"Failed to resolve '{host}'\"))")

    @staticmethod
    def _respond(request, status, body: bytes, content_type, url=None) -> requests.Response:
        response = requests.Response()
        response.status_code = status
        response.reason = HTTPStatus(status).phrase
        response.headers = CaseInsensitiveDict({"content-type": content_type, "content-length": str(len(body))})
        response.encoding = get_encoding_from_headers(response.headers)
        response.raw = io.BytesIO(body)  # .content/.text/.json() read it like a real body
        response.url = url or request.url
        response.request = request
        response.elapsed = timedelta(0)
        return response


def reset_yfinance_state(cache_dir=None) -> None:
    """Forget the process-wide state yfinance 1.7 keeps, so each test starts cold.

    * the YfData singleton: the session, cookie, crumb and cookie strategy (basic/csrf) of every
      yfinance call; the next call creates a fresh one.
    * YfData.cache_get: an lru_cache (64 entries) of Response objects for past-dated chart requests
      and every timezone lookup. Left alone, it answers a later test from an earlier session.
    * yfinance.base._tz_info_fetch_ctr: after two failed timezone lookups per process yfinance
      stops trying the quoteSummary fallback.
    * the persistent caches (timezone per symbol, A3 cookie, ISIN), sqlite files in the user's
      cache dir by default: cache_dir=None swaps in yfinance's own no-op caches; a path gets fresh
      sqlite caches there (a new empty dir per test keeps tests independent).
    * yf.config (retries, proxy, hide_exceptions, ...) back to its defaults.
    """
    from yfinance import base, cache, data
    from yfinance.config import YfConfig

    with data.SingletonMeta._lock:
        data.SingletonMeta._instances.pop(data.YfData, None)
    data.YfData.cache_get.cache_clear()
    base._tz_info_fetch_ctr = 0
    YfConfig._load_option()
    if cache_dir is None:
        cache._TzCacheManager._tz_cache = cache._TzCacheDummy()
        cache._CookieCacheManager._Cookie_cache = cache._CookieCacheDummy()
        cache._ISINCacheManager._isin_cache = cache._ISINCacheDummy()
    else:
        cache.set_cache_location(str(cache_dir))  # closes the open sqlite files
        cache._TzCacheManager._tz_cache = None  # so the next lookup opens the new location
        cache._CookieCacheManager._Cookie_cache = None
        cache._ISINCacheManager._isin_cache = None
