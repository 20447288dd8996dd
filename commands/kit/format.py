"""How numbers are written in answers: one convention everywhere."""

from __future__ import annotations

import math


def pct(value: float | None, decimals: int = 1) -> str:
    """A signed percentage from a fraction: 0.474 -> '+47.4%'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    scaled = value * 100
    if round(scaled, decimals) == 0:
        scaled = 0.0  # never print "-0.0%"
    return f"{scaled:+,.{decimals}f}%"


def pp(value: float | None, decimals: int = 1) -> str:
    """A signed difference of percentages, in percentage points."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value * 100:+,.{decimals}f} pp"


def price(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:,.4f}"


def day(ts) -> str:
    return ts.date().isoformat() if hasattr(ts, "date") else str(ts)


def not_shown(missing) -> str:
    """Symbols an answer had to leave out, one line each with the reason (each reason names its symbol)."""
    return "\n".join(str(error) for error in missing.values())


def missing_data(missing) -> list[dict[str, str]]:
    """The same for JSON: ``[{"symbol": ..., "reason": ...}]``."""
    return [{"symbol": symbol, "reason": str(error)} for symbol, error in missing.items()]
