"""Self-check of tests/fakes/yahoo_replay.py against the installed yfinance (1.7).

Run from /work/main:  /work/venv/bin/python tests/fakes/_selfcheck_yahoo.py
Exits non-zero on the first failed check. Real network access is blocked for the whole run, so a
pass also proves that yfinance never went around the replay session.
"""
from __future__ import annotations

import json
import logging
import socket
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _no_network(*args, **kwargs):
    raise AssertionError(f"real network access attempted: {args[:2]}")


socket.getaddrinfo = _no_network
socket.socket.connect = _no_network

import curl_cffi.requests  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import requests  # noqa: E402
import yfinance as yf  # noqa: E402
from yfinance.data import YfData  # noqa: E402

from tests.fakes.yahoo_replay import ReplayYahooSession, reset_yfinance_state  # noqa: E402

curl_cffi.requests.Session.request = _no_network  # libcurl does not go through Python sockets
warnings.filterwarnings("ignore", module="yfinance")  # pandas 3 deprecation noise from yfinance

SNAPSHOT = "/work/shared/data/prices_daily.csv"
WIRE = Path("/work/shared/data/yahoo-wire")
START, END = "2022-10-01", "2025-10-22"
SYMS = ["^RUT", "^GSPC", "KRE"]

snapshot = pd.read_csv(SNAPSHOT, parse_dates=["date"])
CLOSES = snapshot.pivot(index="date", columns="symbol", values="close")
VOLUMES = snapshot.pivot(index="date", columns="symbol", values="volume")
EXPECTED = CLOSES.loc[START:"2025-10-21"]  # end is exclusive


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.levelname}: {record.getMessage()}".replace("\n", " | "))


LOG = _Capture()
logging.getLogger("yfinance").addHandler(LOG)


_CACHES = tempfile.TemporaryDirectory(prefix="yfselfcheck-", ignore_cleanup_errors=True)


def fresh(**kwargs) -> ReplayYahooSession:
    """Cold yfinance (new temp cache dir, no singleton, empty lru) and a new replay session."""
    reset_yfinance_state(tempfile.mkdtemp(dir=_CACHES.name))
    return ReplayYahooSession(CLOSES, **kwargs)


def short(url: str) -> str:
    base = url.split("?")[0].replace("https://", "").replace("%5E", "^")
    return base + (" [range]" if "range=" in url else "")


def check(cond, msg):
    if not cond:
        raise SystemExit(f"FAIL: {msg}")
    print(f"ok   {msg}")


# ----------------------------------------------------------------------------- 1. round trip
print("\n== 1. closes round-trip through yf.download and Ticker.history")
tmp = tempfile.mkdtemp(dir=_CACHES.name)
yf.set_tz_cache_location(tmp)
reset_yfinance_state(tmp)
s = ReplayYahooSession(CLOSES)
data = yf.download(SYMS, start=START, end=END, auto_adjust=True, multi_level_index=True, session=s,
                   progress=False, threads=False)
got = data["Close"][SYMS]
check(got.index.equals(EXPECTED.index), "download index = snapshot session dates (tz-naive midnight)")
check(np.array_equal(got.to_numpy(), EXPECTED[SYMS].to_numpy()), "download closes == snapshot, exact float equality")
check(sorted(s.chart_calls.items()) == [("KRE", 2), ("^GSPC", 2), ("^RUT", 2)],
      f"download of 3 symbols: 2 chart calls each (range=1d timezone probe + data): {dict(s.chart_calls)}")
print("     requests:", [short(u) for _, u in s.requests])
check([short(u) for _, u in s.requests if "chart" not in u]
      == ["fc.yahoo.com/", "query1.finance.yahoo.com/v1/test/getcrumb"],
      "only extra requests: one fc.yahoo.com cookie fetch and one getcrumb; no quote/info endpoints")

before = len(s.requests)
hist = yf.Ticker("KRE", session=s).history(start=START, end=END, auto_adjust=True)
check(len(s.requests) == before, "Ticker.history right after download: 0 requests (YfData.cache_get lru + tz cache)")
check(np.array_equal(hist["Close"].to_numpy(), EXPECTED["KRE"].to_numpy()), "history closes == snapshot, exact")
check(str(hist.index.tz) == "America/New_York" and (hist.index.tz_localize(None) == EXPECTED.index).all(),
      "history index = session dates at 00:00 America/New_York")
check(list(hist.columns) == ["Open", "High", "Low", "Close", "Volume", "Dividends", "Stock Splits", "Capital Gains"],
      "history(actions=True default) of an ETF carries a 'Capital Gains' column")

s2 = ReplayYahooSession(CLOSES)
yf.download(SYMS, start=START, end=END, session=s2, progress=False, threads=False)
check(s2.requests == [], "without reset_yfinance_state a NEW session sees 0 requests: lru-cached answers of the old one")

s = fresh()
hist = yf.Ticker("KRE", session=s).history(start=START, end=END, auto_adjust=True)
check(np.array_equal(hist["Close"].to_numpy(), EXPECTED["KRE"].to_numpy()) and s.chart_requests == 2,
      "history on a cold yfinance: exact closes, 2 chart calls")
rounded = yf.download("KRE", start=START, end=END, session=s, progress=False, rounding=True)["Close"]["KRE"]
check(np.array_equal(rounded.to_numpy(), np.round(EXPECTED["KRE"].to_numpy(), 2)),
      "rounding=True rounds to meta.priceHint (2) decimals; the default rounding=False leaves values untouched")


# ----------------------------------------------------------------------------- 2. wire format
print("\n== 2. wire format vs the recorded real response")
real = json.loads((WIRE / "chart-AAPL-2020-08-31-to-2020-11-07.json").read_text())["response"]
real_result = real["bodyJson"]["chart"]["result"][0]
s = fresh()
r = s.get("https://query2.finance.yahoo.com/v8/finance/chart/KRE",
          params={"period1": 1598832000, "period2": 1604707200, "interval": "1d", "events": "div|split"})
ours = r.json()["chart"]["result"][0]
check(type(r) is requests.Response, "answer is a real requests.Response")
check(r.headers["content-type"] == real["headers"]["content-type"], "content-type application/json;charset=utf-8")
check(list(ours["meta"]) == list(real_result["meta"]), "meta has the recorded keys, in the recorded order")
check(set(ours["indicators"]["quote"][0]) == set(real_result["indicators"]["quote"][0])
      and list(ours["indicators"]["adjclose"][0]) == ["adjclose"], "indicators.quote[0] / adjclose[0] keys")
stamps = pd.to_datetime(ours["timestamp"], unit="s", utc=True).tz_convert("America/New_York")
real_stamps = pd.to_datetime(real_result["timestamp"], unit="s", utc=True).tz_convert("America/New_York")
check(set(stamps.strftime("%H:%M")) == set(real_stamps.strftime("%H:%M")) == {"09:30"},
      "daily bars stamped at the 09:30 New York open, like the recording")
check(list(stamps.tz_localize(None).normalize()) == list(real_stamps.tz_localize(None).normalize()),
      "same sessions as the recorded AAPL response for that window")
r = s.get("https://query2.finance.yahoo.com/v8/finance/chart/NOPE", params={"range": "1d", "interval": "1d"})
check(r.status_code == 404 and r.text == '{"chart":{"result":null,"error":{"code":"Not Found",'
      '"description":"No data found, symbol may be delisted"}}}', "unknown symbol: Yahoo's 404 body")
r = s.get("https://query2.finance.yahoo.com/v8/finance/chart/KRE", params={"period1": 1000, "period2": 2000})
check(r.status_code == 200 and r.json()["chart"]["result"][0]["indicators"] == {"quote": [{}], "adjclose": [{}]}
      and "timestamp" not in r.json()["chart"]["result"][0], "window without bars: meta + empty indicators")
r = s.get("https://query2.finance.yahoo.com/v8/finance/chart/KRE", params={"range": "1d", "interval": "1wk"})
check(r.status_code == 400 and r.json()["chart"]["error"]["code"] == "Bad Request", "interval != 1d: chart error 400")
try:
    s.get("https://example.com/")
    check(False, "non-Yahoo host must fail")
except Exception as e:  # noqa: BLE001
    check(type(e).__name__ == "ConnectionError", "non-Yahoo host raises requests ConnectionError")

# ----------------------------------------------------------------------------- 3. now / live bar
print("\n== 3. `now` and live bars")
last = CLOSES.index[-1]  # 2026-02-20, a Friday in EST


def closes_at(now, live=None):
    s = fresh(now=pd.Timestamp(now))
    if live:
        s.set_live("KRE", live)
    body = s.get("https://query2.finance.yahoo.com/v8/finance/chart/KRE", params={"range": "5d", "interval": "1d"}).json()
    res = body["chart"]["result"][0]
    return res, yf.download("KRE", period="5d", session=s, progress=False)["Close"]["KRE"]


res, ser = closes_at(last + pd.Timedelta(hours=14))  # 09:00 New York: before the open
check(ser.index[-1] == last - pd.Timedelta(days=1), "before 09:30 the day's bar does not exist yet")
res, ser = closes_at(last + pd.Timedelta(hours=15))  # 10:00 New York
check(ser.index[-1] == last and res["timestamp"][-1] == int((last + pd.Timedelta(hours=15)).tz_localize("UTC").timestamp())
      and res["meta"]["regularMarketPrice"] == CLOSES.at[last, "KRE"],
      "during the session: live bar stamped `now`, regularMarketPrice = its close")
res, ser = closes_at(last + pd.Timedelta(hours=15), live=99.5)
check(ser.iloc[-1] == 99.5 and res["meta"]["regularMarketPrice"] == 99.5, "set_live overrides the live bar's close")
res, ser = closes_at(last + pd.Timedelta(days=3, hours=15), live=70.25)  # Monday, not in the frame
check(ser.index[-1] == last + pd.Timedelta(days=3) and ser.iloc[-1] == 70.25, "set_live adds a bar for a new session date")

# ----------------------------------------------------------------------------- 4. faults
print("\n== 4. faults: what yfinance 1.7 does (fault on symbol KRE; download is of ^GSPC + KRE)")


def run(op, kind, times, warm, symbol="KRE", hide=True):
    """Outcome class, log lines and requests of one op with one fault armed."""
    s = fresh()
    if warm:  # steady state: timezones and cookie on disk, so the fault hits the data request itself
        yf.download(["^GSPC", symbol], start="2020-01-01", end="2020-02-01", session=s, progress=False, threads=False)
        YfData.cache_get.cache_clear()
    yf.config.debug.hide_exceptions = hide
    s.fail_next(kind, None if kind.startswith(("crumb", "cookie")) else symbol, times=times)
    n0, LOG.lines = len(s.requests), []
    try:
        if op == "download":
            df = yf.download(["^GSPC", symbol], start=START, end=END, session=s, progress=False, threads=False)
            col = df["Close"][symbol]
            outcome = ("ok" if np.array_equal(col.to_numpy(), EXPECTED["KRE"].to_numpy())
                       else "NaN column" if col.isna().all() else "other")
        else:
            df = yf.Ticker(symbol, session=s).history(start=START, end=END)
            outcome = ("ok" if len(df) and np.array_equal(df["Close"].to_numpy(), EXPECTED["KRE"].to_numpy())
                       else "empty" if df.empty else "other")
    except Exception as e:  # noqa: BLE001
        outcome = f"raises {type(e).__module__}.{type(e).__name__}"
        LOG.lines.append(f"<exception> {e}")
    return outcome, LOG.lines, [short(u) for _, u in s.requests[n0:]], s


MISSING = "$KRE: possibly delisted; no price data found  (1d 2022-10-01 -> 2025-10-22)"
NOT_FOUND = "$KRE: No data found, symbol may be delisted"
RATE = "Too Many Requests. Rate limited. Try after a while."
TZ_FAIL = "Failed to get ticker 'KRE' reason:"
# kind -> (times=1, times=2) for history; outcome plus a log fragment ("" = nothing logged)
WARM = {
    "429": (("ok", ""), ("raises yfinance.exceptions.YFRateLimitError", RATE)),
    "500": (("ok", ""), ("empty", MISSING)),
    "502": (("ok", ""), ("empty", MISSING)),
    "503": (("ok", ""), ("empty", MISSING)),
    "timeout": (("empty", MISSING), ("empty", MISSING)),
    "connection": (("empty", MISSING), ("empty", MISSING)),
    "empty": (("empty", MISSING), ("empty", MISSING)),
    "unknown": (("ok", ""), ("empty", NOT_FOUND)),
    "nan": (("empty", ""), ("empty", "")),
    "consent": (("ok", ""), ("empty", MISSING)),
}
COLD = {  # the fault hits the range=1d timezone probe first
    "429": (("ok", ""), ("raises yfinance.exceptions.YFRateLimitError", RATE)),
    "500": (("ok", ""), ("ok", TZ_FAIL)),
    "503": (("ok", ""), ("ok", TZ_FAIL)),
    "timeout": (("ok", TZ_FAIL), ("empty", MISSING)),
    "connection": (("ok", TZ_FAIL), ("empty", MISSING)),
    "empty": (("ok", ""), ("empty", MISSING)),
    "unknown": (("ok", ""), ("ok", "")),
    "nan": (("ok", ""), ("empty", "")),
    "consent": (("ok", ""), ("ok", TZ_FAIL)),
}
for label, table, warm in (("warm", WARM, True), ("cold", COLD, False)):
    for kind, expectations in table.items():
        for times, (want, fragment) in zip((1, 2), expectations):
            for op in ("history", "download"):
                outcome, logs, reqs, _ = run(op, kind, times, warm)
                want_op = want if op == "history" else ("ok" if want == "ok" else "NaN column")
                print(f"     {label} {op:8} {kind:10} x{times}: {outcome:12} reqs={len(reqs):2} logs={logs}")
                logged = any(fragment in line for line in logs) if fragment else not logs
                check(outcome == want_op and logged, f"{label} {op} {kind} x{times} -> {want_op}, logs {fragment!r}")
                if op == "download" and want != "ok" and kind != "nan":
                    check(any("1 Failed download" in line for line in logs), "download logs '1 Failed download'")

print("\n-- hide_exceptions=False (yf.config.debug.hide_exceptions): history raises instead of logging")
for kind, times, want in (("timeout", 1, "requests.exceptions.ReadTimeout"),
                          ("500", 2, "requests.exceptions.JSONDecodeError"),
                          ("unknown", 2, "yfinance.exceptions.YFPricesMissingError"),
                          ("empty", 1, "yfinance.exceptions.YFPricesMissingError"),
                          ("429", 2, "yfinance.exceptions.YFRateLimitError"),
                          ("nan", 1, None)):
    outcome, logs, _, _ = run("history", kind, times, True, hide=False)
    print(f"     history {kind} x{times}: {outcome} {logs}")
    check(outcome == (f"raises {want}" if want else "empty"),
          f"hide_exceptions=False history {kind} -> {want or 'empty frame, no exception'}")
    outcome, logs, _, _ = run("download", kind, times, True, hide=False)
    check(outcome == "NaN column", f"hide_exceptions=False download {kind} still does not raise ({logs[-1:]})")

print("\n-- cookie / crumb faults (cold)")
for kind, fragment in (("crumb_429", "WARNING: Crumb fetch rate-limited (HTTP 429), continuing without crumb"),
                       ("crumb_timeout", "WARNING: Cookie/crumb fetch failed (ReadTimeout), continuing without crumb"),
                       ("cookie_timeout", "WARNING: Cookie fetch from fc.yahoo.com failed (ReadTimeout), continuing without it")):
    for op in ("history", "download"):
        outcome, logs, reqs, s = run(op, kind, 1, False)
        print(f"     {op:8} {kind}: {outcome} logs={logs}\n        reqs={reqs}")
        check(outcome == "ok" and fragment in logs, f"{op} {kind}: data fine, logs {fragment!r}")
        if kind == "crumb_429":
            check(any("crumb=Too+Many+Requests" in u for _, u in s.requests),
                  "after crumb_429 yfinance keeps sending crumb='Too Many Requests\\r\\n'")
        if kind == "cookie_timeout":
            check("guce.yahoo.com/consent" in reqs, "cookie_timeout switches yfinance to the csrf consent flow")

print("\n-- a symbol Yahoo does not know at all (not in the frame)")
s = fresh()
LOG.lines = []
df = yf.download(["^GSPC", "ZZZZ"], start=START, end=END, session=s, progress=False, threads=False)
print("     download logs:", LOG.lines)
check(df["Close"]["ZZZZ"].isna().all() and any("HTTPError('404 Client Error" in x for x in LOG.lines),
      "download: NaN column, logged HTTPError 404 from the quoteSummary timezone fallback")
for i, sym in enumerate(("ZZZY", "ZZZX")):
    LOG.lines = []
    try:
        out = yf.Ticker(sym, session=s).history(start=START, end=END)
        outcome = "empty" if out.empty else "other"
    except Exception as e:  # noqa: BLE001
        outcome = f"raises {type(e).__module__}.{type(e).__name__}"
    print(f"     history {sym}: {outcome} {LOG.lines}")
    want = "raises requests.exceptions.HTTPError" if i == 0 else "empty"
    check(outcome == want, f"history of unknown symbol #{i + 2} in the process -> {want}")
check(any("possibly delisted; no timezone found" in x for x in LOG.lines),
      "after two failed timezone fallbacks per process: logged 'possibly delisted; no timezone found'")

# ----------------------------------------------------------------------------- 5. threads
print("\n== 5. threads=True")
many = ["^GSPC", "^RUT", "^VIX", "KRE", "KBE", "SPY", "QQQ", "IWM", "XLF", "TLT", "AAPL", "MSFT"]
s = fresh()
data = yf.download(many, start=START, end=END, session=s, progress=False, threads=True)
check(np.array_equal(data["Close"][many].to_numpy(), EXPECTED[many].to_numpy(), equal_nan=True),
      f"{len(many)} symbols with threads: exact closes")
check(set(s.chart_calls.values()) == {2} and len(s.chart_calls) == len(many), "2 chart calls per symbol under threads")
s = ReplayYahooSession(CLOSES, VOLUMES)
reset_yfinance_state(None)  # yfinance's no-op caches: no cookie cache -> fc.yahoo.com before every request
data = yf.download(SYMS, start=START, end=END, session=s, progress=False, threads=False)
print("     no-op caches:", [short(u) for _, u in s.requests])
check(sum("fc.yahoo.com" in u for _, u in s.requests) == 7 and s.chart_requests == 6,
      "with cache_dir=None, yfinance re-fetches fc.yahoo.com before each of the 7 API calls")
check((data["Volume"]["KRE"] == VOLUMES.loc[START:"2025-10-21", "KRE"]).all(), "volumes served from `volumes`")

print("\nALL CHECKS PASSED")
