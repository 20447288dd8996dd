"""Symbol validation and the local list of well-known symbols.

Validation happens before any request: text that cannot be a Yahoo symbol
never reaches the network.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass
from importlib import resources

from analytics.errors import InvalidInput, InvalidSymbol

MAX_SYMBOL_LENGTH = 15
# Yahoo symbols: letters and digits plus . - = and a leading ^ for indices
# (BRK-B, ^GSPC, EURUSD=X, CL=F, RY.TO).
_SYMBOL = re.compile(r"\^?[A-Z0-9][A-Z0-9.\-=]*")
_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class KnownSymbol:
    symbol: str
    name: str
    kind: str  # index | rate | etf | stock


def normalize_symbol(text: str) -> str:
    """An upper-cased, validated Yahoo symbol, or ``InvalidSymbol``."""
    symbol = text.strip().upper()
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
    return symbol


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
