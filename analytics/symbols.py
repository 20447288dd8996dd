"""Symbol validation and the local list of well-known symbols.

Validation happens before any request: text that cannot be a Yahoo symbol
never reaches the network.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

from analytics.errors import InvalidInput, InvalidSymbol

MAX_SYMBOL_LENGTH = 15
# Yahoo symbols: letters and digits plus . - = and a leading ^ for indices
# (BRK-B, ^GSPC, EURUSD=X, CL=F, RY.TO).
_SYMBOL = re.compile(r"\^?[A-Z0-9][A-Z0-9.\-=]*")
_SEPARATORS = re.compile(r"[\s,]+")
# Names people type for indices and share classes, and the Yahoo symbol they mean.
# fmt: off  (a table reads best as a table)
ALIASES = {
    "SPX": "^GSPC",
    "GSPC": "^GSPC",
    "INX": "^GSPC",
    "RUT": "^RUT",
    "NDX": "^NDX",
    "COMP": "^IXIC",
    "IXIC": "^IXIC",
    "DJI": "^DJI",
    "DJIA": "^DJI",
    "INDU": "^DJI",
    "VIX": "^VIX",
    "TNX": "^TNX",
    "IRX": "^IRX",
    "FVX": "^FVX",
    "TYX": "^TYX",
}
# fmt: on
# Share classes written with a dot (BRK.B, BF.A) are written with a dash on Yahoo (BRK-B).
_SHARE_CLASS = re.compile(r"([A-Z]{1,5})\.([AB])")
# Every symbol in data/symbols.csv trades in New York (NYSE, Nasdaq, NYSE Arca, Cboe, S&P indices).
KNOWN_TIMEZONE = "America/New_York"


@dataclass(frozen=True)
class KnownSymbol:
    symbol: str
    name: str
    kind: str  # index | rate | etf | stock


def normalize_symbol(text: str) -> str:
    """An upper-cased, validated Yahoo symbol, or ``InvalidSymbol``.

    Common aliases become the Yahoo symbol they mean (``SPX`` -> ``^GSPC``,
    ``BRK.B`` -> ``BRK-B``, ``$KRE`` -> ``KRE``), so answers show the canonical one.
    """
    symbol = text.strip().upper()
    if symbol.startswith("$") and len(symbol) > 1:  # "$SPY", as written on social media
        symbol = symbol[1:]
    if not symbol:
        raise InvalidSymbol("A symbol is missing.")
    if len(symbol) > MAX_SYMBOL_LENGTH:
        raise InvalidSymbol(
            f"`{echo_text(text.strip())}` is too long for a symbol (at most {MAX_SYMBOL_LENGTH} characters)."
        )
    if not _SYMBOL.fullmatch(symbol):
        raise InvalidSymbol(
            f"`{echo_text(text.strip())}` is not a valid symbol: use letters, digits, "
            "'.', '-', '=' and a leading '^' for indices (e.g. ^RUT, KRE, BRK-B)."
        )
    if symbol in ALIASES:
        return ALIASES[symbol]
    return _SHARE_CLASS.sub(r"\1-\2", symbol) if _SHARE_CLASS.fullmatch(symbol) else symbol


def parse_symbol_list(text: str, limit: int) -> list[str]:
    """Symbols separated by spaces or commas, validated, de-duplicated in order."""
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    if not parts:
        raise InvalidSymbol("Give at least one symbol, e.g. `^RUT ^GSPC KRE`.")
    symbols = list(dict.fromkeys(normalize_symbol(p) for p in parts))
    if len(symbols) > limit:
        raise InvalidInput(f"At most {limit} symbols at a time (got {len(symbols)}).")
    return symbols


def echo_text(text: str, limit: int = 20) -> str:
    """User text as typed (case kept), safe to echo inside an inline code span.

    No backticks or control characters, and '@' shown as a full-width '＠' so
    that `@everyone` reads as typed but can never ping, wherever it is sent.
    """
    clean = "".join(ch for ch in text if ch.isprintable() and ch != "`").replace("@", "＠")
    return clean[:limit] + ("…" if len(clean) > limit else "")


@functools.cache
def known_symbols() -> dict[str, KnownSymbol]:
    """Indices, the snapshot's ETFs and banks, and the largest US stocks."""
    text = resources.files("analytics").joinpath("data/symbols.csv").read_text("utf-8")
    return {row["symbol"]: KnownSymbol(**row) for row in csv.DictReader(io.StringIO(text))}


def closest_symbols(symbol: str, among: Iterable[str] | None = None, limit: int = 3) -> list[str]:
    """The symbols of ``among`` (default: the known list) that look most like ``symbol``."""
    candidates = list(among) if among is not None else list(known_symbols())
    bare = {c.lstrip("^"): c for c in candidates if c != symbol}
    matches = difflib.get_close_matches(symbol.lstrip("^"), list(bare), n=limit, cutoff=0.6)
    return [bare[m] for m in matches]


def exchange_timezone(symbol: str) -> str | None:
    """The exchange time zone of a known symbol (what yfinance would look up), else None."""
    return KNOWN_TIMEZONE if symbol in known_symbols() else None


def display_name(symbol: str) -> str:
    known = known_symbols().get(symbol)
    return known.name if known else symbol


def price_basis(symbol: str) -> str:
    """What a close means for this symbol.

    Yahoo's auto-adjusted closes of ETFs and stocks fold dividends back in
    (a total-return series); index levels and yields are plain prices.
    """
    if symbol.startswith("^"):
        return "yield" if known_symbols().get(symbol, KnownSymbol("", "", "")).kind == "rate" else "price"
    return "total return"


def search_symbols(query: str, limit: int = 25) -> list[KnownSymbol]:
    """Known symbols matching ``query``: symbol prefix first, then name matches."""
    q = query.strip().upper()
    items = list(known_symbols().values())
    if not q:
        return items[:limit]
    by_symbol = [k for k in items if k.symbol.lstrip("^").startswith(q.lstrip("^"))]
    by_name = [k for k in items if q in k.name.upper() and k not in by_symbol]
    return (by_symbol + by_name)[:limit]
