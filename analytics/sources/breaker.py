"""A circuit breaker: after an upstream failure, stop asking for a while."""

from __future__ import annotations

import pandas as pd


class CircuitBreaker:
    """Opens on failure with exponential backoff (base, 2x, 4x ... up to cap).

    While open, callers skip the upstream and serve what they have. The first
    success closes it again.
    """

    def __init__(self, base: pd.Timedelta = pd.Timedelta(seconds=30), cap: pd.Timedelta = pd.Timedelta(minutes=15)):
        self.base = base
        self.cap = cap
        self.failures = 0
        self.open_until: pd.Timestamp | None = None
        self.last_error: Exception | None = None

    def allows(self, now: pd.Timestamp) -> bool:
        return self.open_until is None or now >= self.open_until

    def record_failure(self, now: pd.Timestamp, error: Exception) -> None:
        self.failures += 1
        self.last_error = error
        self.open_until = now + min(self.cap, self.base * 2 ** (self.failures - 1))

    def record_success(self) -> None:
        self.failures = 0
        self.open_until = None
        self.last_error = None
