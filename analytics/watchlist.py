"""A server's watchlist: its limit, the result of a change, and each symbol's 1-day, 1-month and YTD moves.

A yield moves in bp (``analytics.yields``): its rows come after the priced ones, never ranked with returns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

import pandas as pd

from analytics.quote import quote
from analytics.yields import Move, is_yield, move

MAX_SYMBOLS = 25  # per server; the store enforces it in the transaction that adds
ONE_MONTH = pd.DateOffset(months=1)


class WatchChange(NamedTuple):
    """What ``Store.watch`` did with each symbol asked for, in the order asked."""

    added: list[str]
    already: list[str]  # on the list before
    refused: list[str]  # not added: the list was full


@dataclass(frozen=True)
class WatchRow:
    symbol: str
    as_of: pd.Timestamp  # its last close in the data
    close: float  # a yield's level, in percent
    day: Move  # fractions, or bp for a yield; NaN when the history is too short
    month_base: pd.Timestamp | None  # the last session on or before one month before ``as_of``
    month: Move
    ytd_base: pd.Timestamp | None  # the last session of the previous year
    ytd: Move


def calc_month_return(closes: pd.Series) -> tuple[pd.Timestamp | None, float]:
    """The return from the last close on or before one calendar month before the last close (as /compare's `1m`).

    ``(None, NaN)`` when the history does not reach that far back."""
    closes = closes.dropna()
    if closes.empty:
        return None, math.nan
    before = closes.loc[: closes.index[-1] - ONE_MONTH]
    if before.empty:
        return None, math.nan
    return before.index[-1], float(closes.iloc[-1] / before.iloc[-1] - 1)


def watch_rows(closes: pd.DataFrame, symbols: Iterable[str]) -> list[WatchRow]:
    """One row per symbol with closes: priced ones best day first (the day's movers lead; ties keep the list's
    order), then the yields in the list's order."""
    rows = []
    for symbol in symbols:
        q = quote(symbol, closes[symbol])
        month_base, _ = calc_month_return(closes[symbol])  # its base: the move is taken in the symbol's unit
        month_close = float(closes[symbol].loc[month_base]) if month_base is not None else math.nan
        rows.append(
            WatchRow(symbol, q.as_of, q.close, q.day, month_base, move(symbol, month_close, q.close), q.ytd_base, q.ytd)
        )

    def rank(row: WatchRow) -> tuple[bool, float]:
        return is_yield(row.symbol), -row.day.value if row.day.known and not is_yield(row.symbol) else math.inf

    return sorted(rows, key=rank)


@dataclass(frozen=True)
class WatchDay:
    """A server's watchlist on one session: each symbol's move that day (for the digest)."""

    session: pd.Timestamp
    moves: tuple[tuple[str, float], ...]  # (symbol, 1-day change as a fraction), best first; prices only
    missing: tuple[str, ...]  # symbols without a move that session, each with why
    yields: tuple[tuple[str, float, float], ...] = ()  # (symbol, level in percent, 1-day change in bp), in order


def watch_day(
    closes: pd.DataFrame, session: pd.Timestamp, symbols: Iterable[str], unavailable: Mapping[str, str] | None = None
) -> WatchDay:
    """Each symbol's close-to-close move into ``session`` (both closes needed: a stale symbol is named, not shown)."""
    unavailable = unavailable or {}
    moves, levels, missing = [], [], []
    for symbol in symbols:
        if symbol in unavailable:  # a fetch's reason names its symbol; a whole fetch's failure may not
            reason = unavailable[symbol]
            missing.append(reason if symbol in reason else f"{symbol}: {reason}")
            continue
        have = closes[symbol].loc[:session].dropna() if symbol in closes.columns else pd.Series(dtype=float)
        if len(have) < 2 or have.index[-1] != session:
            missing.append(f"{symbol}: no close on {session.date().isoformat()}")
            continue
        day = move(symbol, float(have.iloc[-2]), float(have.iloc[-1]))
        if day.unit == "bp":
            levels.append((symbol, float(have.iloc[-1]), day.value))
        else:
            moves.append((symbol, day.value))
    moves.sort(key=lambda m: -m[1])
    return WatchDay(pd.Timestamp(session), tuple(moves), tuple(missing), tuple(levels))
