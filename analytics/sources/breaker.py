"""A circuit breaker: after an upstream failure, stop asking for a while."""

from __future__ import annotations

import pandas as pd


class CircuitBreaker:
    """Opens on failure with exponential backoff (base, 2x, 4x ... up to cap).

    While open, callers skip the upstream and serve what they have. The first
    success closes it again. The back-off runs from when a failure *ended*
    (a fetch that hung for 30 s is not backed off from its start), and
    failures of fetches that were already in flight when the last failure was
    recorded are the same outage: they keep the breaker open but do not
    lengthen the back-off (ten asks failing at one instant count once).
    """

    def __init__(self, base: pd.Timedelta = pd.Timedelta(seconds=30), cap: pd.Timedelta = pd.Timedelta(minutes=15)):
        self.base = base
        self.cap = cap
        self.failures = 0
        self.open_until: pd.Timestamp | None = None
        self.failed_at: pd.Timestamp | None = None  # when the last counted failure ended
        self.last_error: Exception | None = None

    def allows(self, now: pd.Timestamp) -> bool:
        return self.open_until is None or now >= self.open_until

    def record_failure(self, started: pd.Timestamp, ended: pd.Timestamp, error: Exception) -> bool:
        """Record a fetch that failed; True when it opened the breaker or lengthened its back-off."""
        self.last_error = error
        if self.failed_at is not None and started <= self.failed_at:
            return False  # in flight when the outage was recorded: already counted
        self.failures += 1
        self.failed_at = ended
        self.open_until = ended + min(self.cap, self.base * 2 ** (self.failures - 1))
        return True

    def record_success(self) -> None:
        self.failures = 0
        self.open_until = None
        self.failed_at = None
        self.last_error = None
