"""Domain errors. Each message is written to be shown to a user as it is."""

from __future__ import annotations


class MarketbotError(Exception):
    """An error the user can act on; ``str(error)`` is the message to show."""


class InvalidInput(MarketbotError):
    """A value the user typed cannot be understood (bad date, bad option...)."""


class InvalidSymbol(InvalidInput):
    """Text that cannot be a Yahoo symbol, rejected before any request."""


class UnknownSymbol(MarketbotError):
    """A well-formed symbol for which the data source has no prices."""

    def __init__(self, symbol: str, detail: str = "") -> None:
        self.symbol = symbol
        self.detail = detail
        super().__init__(f"Unknown symbol `{symbol}`" + (f": {detail}" if detail else "."))

    def __reduce__(self):  # rebuilt from its own arguments when it crosses a process boundary
        return type(self), (self.symbol, self.detail)


class InsufficientHistory(MarketbotError):
    """The data exists but does not cover what the question needs."""


class DataUnavailable(MarketbotError):
    """The data source failed and nothing cached can stand in."""


class UpstreamError(DataUnavailable):
    """A transient failure of the upstream source (outage, 5xx, timeout).

    ``symbol`` is set when the failure is specific to one symbol.
    """

    def __init__(self, message: str, symbol: str | None = None) -> None:
        self.symbol = symbol
        super().__init__(message)

    def __reduce__(self):
        return type(self), (str(self), self.symbol)


class RateLimited(UpstreamError):
    """Yahoo answered 429, or our circuit breaker is open after one."""


class Unreachable(UpstreamError):
    """The upstream host cannot be reached at all (DNS, connection refused)."""
