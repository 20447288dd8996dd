"""Domain errors. Each message is written to be shown to a user as it is.

Errors about one symbol (``UnknownSymbol`` and its cases, and an
``UpstreamError`` with ``symbol`` set) name the symbol in their message and
keep it in ``.symbol``, so a multi-symbol answer can list what it left out.
"""

from __future__ import annotations

from collections.abc import Sequence


class MarketbotError(Exception):
    """An error the user can act on; ``str(error)`` is the message to show."""


class InvalidInput(MarketbotError):
    """A value the user typed cannot be understood (bad date, bad option...)."""


class InvalidSymbol(InvalidInput):
    """Text that cannot be a Yahoo symbol, rejected before any request."""


def _suggest(suggestions: Sequence[str], label: str) -> str:
    return f" {label}: {', '.join(f'`{s}`' for s in suggestions)}." if suggestions else ""


class UnknownSymbol(MarketbotError):
    """A well-formed symbol for which the data source has no prices."""

    def __init__(self, symbol: str, detail: str = "", suggestions: Sequence[str] = ()) -> None:
        self.symbol = symbol
        self.detail = detail
        self.suggestions = tuple(suggestions)
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"Unknown symbol `{self.symbol}`" + (f": {self.detail}" if self.detail else ".")
        return text + _suggest(self.suggestions, "Closest known symbols")

    def __reduce__(self):  # rebuilt from its own arguments when it crosses a process boundary
        return type(self), (self.symbol, self.detail, self.suggestions)


class NotOnYahoo(UnknownSymbol):
    """Yahoo answers normally for other symbols and keeps saying it has no data for this one."""

    def _message(self) -> str:
        return f"Yahoo Finance has no symbol `{self.symbol}`." + _suggest(self.suggestions, "Closest known symbols")


class InsufficientHistory(MarketbotError):
    """The data exists but does not cover what the question needs."""


class DataUnavailable(MarketbotError):
    """The data source failed and nothing cached can stand in."""


class NotInSnapshot(UnknownSymbol, DataUnavailable):
    """Not in the bundled snapshot; ``detail`` says why the live source could not stand in ('' if not asked).

    Also ``DataUnavailable``: with the live source back, the symbol may well be had.
    """

    def _message(self) -> str:
        why = f", and {self.detail.rstrip('.')}" if self.detail else ""
        closest = _suggest(self.suggestions, "Closest symbols in the snapshot")
        return f"`{self.symbol}` is not in the offline snapshot{why}." + (closest or " `/about` lists its symbols.")


class UpstreamError(DataUnavailable):
    """A transient failure of the upstream source (outage, 5xx, timeout).

    ``reason`` says what failed, without a symbol ("Yahoo Finance timed out.");
    with ``symbol`` set the message names it: "No prices for `KRE`: Yahoo Finance timed out."
    """

    def __init__(self, reason: str, symbol: str | None = None) -> None:
        self.reason = reason
        self.symbol = symbol
        super().__init__(reason if symbol is None else f"No prices for `{symbol}`: {reason}")

    def for_symbol(self, symbol: str) -> UpstreamError:
        """The same failure, said about one symbol."""
        return type(self)(self.reason, symbol)

    def __reduce__(self):
        return type(self), (self.reason, self.symbol)


class RateLimited(UpstreamError):
    """Yahoo answered 429, or our circuit breaker is open after one."""


class Unreachable(UpstreamError):
    """The upstream host cannot be reached at all (DNS, connection refused)."""


class NoData(UpstreamError):
    """The upstream answered, but with no prices for the symbol ("possibly delisted", empty, all-NaN).

    Not a verdict on the symbol by itself: ``MarketData`` decides whether it is unknown.
    """
