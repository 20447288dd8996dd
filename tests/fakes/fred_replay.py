"""Offline replay of FRED's graph CSV endpoint, so tests drive the real FRED source over requests.

``ReplayFredSession`` is a ``requests.Session`` answering
``https://fred.stlouisfed.org/graph/fredgraph.csv?id=SERIES[&cosd=YYYY-MM-DD]`` in-process, in
FRED's wire format: a header ``observation_date,SERIES`` and one row per date, with ``.`` where
FRED has a date but no value (holidays; here every business day without a value). Any other host
raises ``ConnectionError``, as with no internet.

Series served: the frame it is given (the bundled DFF and DGS2), plus ``BAMLH0A0HYM2``, which is
SYNTHETIC: a made-up, deterministic series generated here. The real ICE BofA OAS may not be
redistributed, so it is never bundled or copied; tests only check plumbing with this stand-in.

Faults (``fail_next(kind, times)``): "connection" (ConnectionError), "timeout" (ReadTimeout),
"429", "500", "404", "html" (200 with an HTML page instead of CSV).
"""

from __future__ import annotations

import io
import threading
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pandas as pd
import requests
from requests.structures import CaseInsensitiveDict

SYNTHETIC_OAS = "BAMLH0A0HYM2"
FAULT_KINDS = ("connection", "timeout", "429", "500", "404", "html")


def synthetic_oas(start: str = "2022-01-03", end: str = "2026-02-20") -> pd.Series:
    """SYNTHETIC high-yield OAS, percent, on business days: 4 + a slow sine wave. Not ICE data."""
    days = pd.bdate_range(start, end)
    values = 4.0 + np.round(np.sin(np.arange(len(days)) / 40.0), 2)
    return pd.Series(values, index=pd.DatetimeIndex(days).as_unit("ns"), name=SYNTHETIC_OAS)


class ReplayFredSession(requests.Session):
    def __init__(self, series: pd.DataFrame, *, synthetic: bool = True) -> None:
        super().__init__()
        self._series = {c: series[c].dropna() for c in series.columns}
        if synthetic:
            self._series[SYNTHETIC_OAS] = synthetic_oas()
        self._lock = threading.Lock()
        self._faults: list[list] = []  # [kind, remaining or None = forever]
        self.requests: list[str] = []

    def fail_next(self, kind: str, times: int | None = 1) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; expected one of {FAULT_KINDS}")
        with self._lock:
            self._faults.append([kind, times])

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def request(self, method, url, params=None, timeout=None, **kwargs):
        prepared = self.prepare_request(requests.Request(method=method.upper(), url=url, params=params or {}))
        return self.send(prepared, timeout=timeout)

    def send(self, request, **kwargs):
        with self._lock:
            self.requests.append(request.url)
        parts = urlsplit(request.url)
        if parts.hostname != "fred.stlouisfed.org":
            raise requests.exceptions.ConnectionError(f"Failed to resolve '{parts.hostname}'")
        if kwargs.get("timeout") is None:
            raise AssertionError("every FRED request must carry a timeout")
        kind = self._take_fault()
        if kind == "connection":
            raise requests.exceptions.ConnectionError("HTTPSConnectionPool(host='fred.stlouisfed.org'): Max retries exceeded")
        if kind == "timeout":
            raise requests.exceptions.ReadTimeout("HTTPSConnectionPool(host='fred.stlouisfed.org'): Read timed out.")
        if kind in ("429", "500", "404"):
            return _respond(request, int(kind), f"<html><body>{HTTPStatus(int(kind)).phrase}</body></html>", "text/html")
        if kind == "html":
            return _respond(request, 200, "<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html")
        if parts.path != "/graph/fredgraph.csv":
            return _respond(request, 404, "<html><body>Not Found</body></html>", "text/html")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        series = query.get("id", "")
        if series not in self._series:
            return _respond(request, 404, "<html><body>Series not found</body></html>", "text/html")
        values = self._series[series]
        if "cosd" in query:
            values = values.loc[pd.Timestamp(query["cosd"]) :]
        # FRED lists business days without a value as ".": add them back for business-day series.
        if len(values) > 1 and not (values.index.day_of_week >= 5).any():
            values = values.reindex(pd.bdate_range(values.index[0], values.index[-1]))
        out = io.StringIO()
        out.write(f"observation_date,{series}\n")
        for day, value in values.items():
            out.write(f"{day.date().isoformat()},{'.' if pd.isna(value) else f'{value:g}'}\n")
        return _respond(request, 200, out.getvalue(), "text/csv")

    def _take_fault(self) -> str | None:
        with self._lock:
            if not self._faults:
                return None
            fault = self._faults[0]
            if fault[1] is not None:
                fault[1] -= 1
                if fault[1] == 0:
                    self._faults.pop(0)
            return fault[0]


def _respond(request, status: int, body: str, content_type: str) -> requests.Response:
    data = body.encode()
    response = requests.Response()
    response.status_code = status
    response.reason = HTTPStatus(status).phrase
    response.headers = CaseInsensitiveDict({"content-type": f"{content_type}; charset=utf-8", "content-length": str(len(data))})
    response.encoding = "utf-8"
    response.raw = io.BytesIO(data)
    response.url = request.url
    response.request = request
    return response
