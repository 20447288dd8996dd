"""FRED (Federal Reserve Bank of St. Louis) as a price source: each series is a "symbol".

FRED publishes every series as CSV without a key at ``fredgraph.csv?id=SERIES``: a header
(``observation_date,SERIES``; older files say ``DATE``) and one row per date, ``.`` or empty
where there is no value (a holiday). Values are in the series' unit (percent for DFF, DGS2 and
the HY OAS). Each series keeps its own dates: DFF has every calendar day, DGS2 business days.

Wrapped in ``MarketData`` like Yahoo, so it gets the same cache, single-flight, breaker and
stale labelling. One long-lived ``requests`` session; every request has a timeout.
"""

from __future__ import annotations

import io
import logging

import pandas as pd
import requests

from analytics.errors import MarketbotError, RateLimited, UnknownSymbol, Unreachable, UpstreamError
from analytics.sessions import last_settled_session, nyse
from analytics.sources.base import Fetched

log = logging.getLogger(__name__)

URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
TIMEOUT = (5.0, 20.0)  # connect, read (seconds)
SERIES_NAMES = {
    "DFF": "effective fed funds rate",
    "DGS2": "2-year Treasury yield",
    "BAMLH0A0HYM2": "ICE BofA US high-yield OAS",
}


class FredSource:
    name = "FRED"
    live = True
    replay = False

    def __init__(self, session: requests.Session | None = None, timeout: tuple[float, float] = TIMEOUT) -> None:
        self._session = session if session is not None else _new_session()
        self._timeout = timeout

    def last_session(self, now: pd.Timestamp) -> pd.Timestamp:
        """FRED posts a day's values the next business day: the session before the last settled one."""
        return nyse().previous_session(last_settled_session(now))

    def fetch(self, symbols: list[str], start: pd.Timestamp | None, now: pd.Timestamp) -> Fetched:
        result = Fetched()
        for i, series in enumerate(symbols):
            try:
                result.closes[series] = self._one(series, start)
            except (RateLimited, Unreachable) as exc:
                # FRED is down or throttling us: do not ask again for the rest of this batch.
                result.errors.update({s: exc for s in symbols[i:]})
                break
            except MarketbotError as exc:
                result.errors[series] = exc
        return result

    def close(self) -> None:
        self._session.close()

    def _one(self, series: str, start: pd.Timestamp | None) -> pd.Series:
        params = {"id": series}
        if start is not None:
            params["cosd"] = start.date().isoformat()
        try:
            response = self._session.get(URL, params=params, timeout=self._timeout)
        except requests.exceptions.Timeout:
            raise UpstreamError(f"FRED timed out for {series}.", series) from None
        except requests.exceptions.ConnectionError:
            raise Unreachable("FRED cannot be reached right now.", series) from None
        if response.status_code == 429:
            raise RateLimited("FRED is rate limiting us; try again in a few minutes.", series)
        if response.status_code in (400, 404):
            raise UnknownSymbol(series, "FRED has no such series.")
        if response.status_code != 200:
            log.warning("FRED answered %s for %s", response.status_code, series)
            raise UpstreamError(
                f"FRED returned an error ({response.status_code}) for {series}; try again shortly.", series
            )
        return parse_csv(response.text, series)


def parse_csv(text: str, series: str) -> pd.Series:
    """FRED's graph CSV as a float series indexed by date; ``.`` and empty values dropped."""
    try:
        frame = pd.read_csv(io.StringIO(text), na_values=["."], keep_default_na=True)
    except (ValueError, pd.errors.ParserError):
        raise UpstreamError(_not_csv(series), series) from None
    if frame.shape[1] != 2 or frame.columns[1].strip().upper() != series:
        raise UpstreamError(_not_csv(series), series)
    dates = pd.to_datetime(frame.iloc[:, 0], format="%Y-%m-%d", errors="coerce")
    values = pd.to_numeric(frame.iloc[:, 1], errors="coerce")
    out = pd.Series(values.to_numpy("float64"), index=pd.DatetimeIndex(dates).as_unit("ns"), name=series)
    out = out[out.index.notna()].dropna()
    out = out[~out.index.duplicated(keep="last")].sort_index()
    out.index.name = "date"
    if out.empty:
        raise UpstreamError(f"FRED returned no values for {series}.", series)
    return out


def _not_csv(series: str) -> str:
    return f"FRED sent something other than the {series} CSV; try again shortly."


def _new_session() -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = "marketbot (+https://github.com/) python-requests"
    return session
