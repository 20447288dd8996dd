"""The line under every answer: which data, which basis, which window, as of when."""

from __future__ import annotations

import pandas as pd

from analytics.sources.base import Provenance
from analytics.symbols import price_basis


def basis_text(symbols: list[str]) -> str:
    """E.g. 'price (^RUT, ^GSPC)' or 'price (^GSPC); total return (KRE)'."""
    groups: dict[str, list[str]] = {}
    for symbol in symbols:
        groups.setdefault(price_basis(symbol), []).append(symbol)
    return "; ".join(f"{basis} ({', '.join(syms)})" for basis, syms in groups.items())


def footer(
    provenance: Provenance, symbols: list[str], now: pd.Timestamp, window: str = "", as_of: pd.Timestamp | None = None
) -> str:
    parts = [f"Data: {provenance.describe(now)}", f"Basis: {basis_text(symbols)}"]
    if window:
        parts.append(f"Window: {window}")
    parts.append(f"As of close {(as_of if as_of is not None else provenance.last_session).date().isoformat()}")
    return " · ".join(parts)


def provenance_data(provenance: Provenance, as_of: pd.Timestamp | None = None) -> dict:
    """The provenance as JSON-ready fields, shared by every answer's ``data``.

    ``stale`` with ``age_sessions`` (settled sessions since the data's last) and
    ``age`` (the same in words, e.g. "9 months") say how old the data is.

    ``as_of`` is the session the figures describe (default: the data's last).
    """
    return {
        "source": provenance.source,
        "live": provenance.live,
        "replay": provenance.replay,
        # Stale: the last session is older than the last settled NYSE session when answered.
        "stale": provenance.stale,
        "age_sessions": provenance.age_sessions,
        "age": provenance.age,
        "note": provenance.note,
        "last_session": provenance.last_session.date().isoformat(),
        "fetched_at": provenance.fetched_at.isoformat(),
        "as_of": (as_of if as_of is not None else provenance.last_session).date().isoformat(),
    }
