"""How numbers are written in answers: one convention everywhere.

Signed changes (``pct``, ``pp``, ``bp``, ``move``) keep their sign: a nonzero value is written with
``decimals`` decimals, or with as many more as its first significant digit needs, so it never
reads as zero (-0.000491 -> '-0.05%', not '+0.0%' or '-0.0%'). An exact zero has no sign: '0.0%'
(a column's number), or the caller's ``zero`` word where a sentence reads better ('unchanged').

A value printed beside thresholds (a z-score against |z| ≥ 2.5) goes through ``against``: it is
never rounded onto, or off, a threshold it has not reached, or has.

Yields are levels in percent ('4.09%') and move in basis points ('+1 bp'): ``level`` and ``move``
write whatever ``analytics.yields`` measured, in its unit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from analytics.symbols import display_name, price_basis
from analytics.yields import Move, YieldMove, is_yield

UNCHANGED = "unchanged"  # the ``zero`` word of a day's change in a sentence


def _signed(value: float | None, decimals: int, suffix: str, zero: str | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    if value == 0:
        return zero if zero is not None else f"{0:.{decimals}f}{suffix}"
    while round(value, decimals) == 0:  # terminates: the value is finite and nonzero
        decimals += 1
    return f"{value:+,.{decimals}f}{suffix}"


def pct(value: float | None, decimals: int = 1, zero: str | None = None) -> str:
    """A signed percentage from a fraction: 0.474 -> '+47.4%', -0.000491 -> '-0.05%', 0 -> '0.0%'."""
    return _signed(None if value is None else value * 100, decimals, "%", zero)


def pp(value: float | None, decimals: int = 1, zero: str | None = None) -> str:
    """A signed difference of percentages (given as a fraction), in percentage points: '+5.3 pp'."""
    return _signed(None if value is None else value * 100, decimals, " pp", zero)


def bp(value: float | None, decimals: int = 0, zero: str | None = None) -> str:
    """Signed basis points from basis points: 38.0 -> '+38 bp', -0.4 -> '-0.4 bp', 0 -> '0 bp'."""
    return _signed(value, decimals, " bp", zero)


def move(m: Move, zero: str | None = None) -> str:
    """A move in its unit: '+4.7%' for a price, '+12 bp' for a yield."""
    return bp(m.value, zero=zero) if m.unit == "bp" else pct(m.value, zero=zero)


def level(value: float | None) -> str:
    """A yield's level, quoted in percent: 4.086 -> '4.09%'."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.2f}%"


def close(symbol: str, value: float | None) -> str:
    """A close as its symbol means it: a yield's level ('4.09%') or a price ('2,663.78')."""
    return level(value) if is_yield(symbol) else price(value)


def against(value: float | None, thresholds: Iterable[float], decimals: int = 1, signed: bool = True) -> str:
    """``value`` with ``decimals`` decimals unless that would carry it across one of ``thresholds``.

    A threshold ``t`` is reached at or beyond it, away from zero (``value >= t`` for t > 0,
    ``value <= t`` for t < 0: how the alert presets, the credit reading and the bank-stress rule
    read theirs; give ±t for a test on |value|). When rounding would put the printed value on the
    other side of a threshold than the true one (2.496 -> '2.5' beside '|z| ≥ 2.5'), it is cut
    toward zero at one more decimal, or at the thresholds' own precision if finer: '2.49'. Cut
    there, it lies on the same side of every threshold as the true value.
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    limits = [float(t) for t in thresholds]
    sign = "+" if signed else ""

    def reached(x: float, t: float) -> bool:
        return x >= t if t > 0 else x <= t

    text = _signed(value, decimals, "", f"{0:.{decimals}f}")  # the sign kept, as every change
    if all(reached(float(text.replace(",", "")), t) == reached(value, t) for t in limits):
        return text if signed else text.lstrip("+")
    finer = max([decimals + 1, *(_decimals_of(t) for t in limits)])
    cut = math.trunc(value * 10**finer) / 10**finer
    return f"{cut:{sign}.{finer}f}"


def _decimals_of(x: float) -> int:
    """The decimals ``x`` is written with: 2.5 -> 1, 1.96 -> 2, 3 -> 0."""
    text = f"{x:.10f}".rstrip("0")
    return len(text.split(".")[1])


def price(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:,.2f}" if abs(value) >= 1 else f"{value:,.4f}"


def day(ts) -> str:
    return ts.date().isoformat() if hasattr(ts, "date") else str(ts)


def not_shown(missing) -> str:
    """Symbols an answer had to leave out, one line each with the reason (each reason names its symbol)."""
    return "\n".join(str(error) for error in missing.values())


def yield_move_data(y: YieldMove) -> dict[str, str | float]:
    """A yield over a window for JSON, keyed by unit: levels ``_pct`` (percent, as quoted), the change ``_bp``."""
    return {
        "symbol": y.symbol,
        "name": display_name(y.symbol),
        "basis": price_basis(y.symbol),
        "start_level_pct": y.start_level,
        "end_level_pct": y.end_level,
        "change_bp": y.change_bp,
        "range_low_pct": y.range.low,
        "range_low_date": y.range.low_date.date().isoformat(),
        "range_high_pct": y.range.high,
        "range_high_date": y.range.high_date.date().isoformat(),
    }


def missing_data(missing) -> list[dict[str, str]]:
    """The same for JSON: ``[{"symbol": ..., "reason": ...}]``."""
    return [{"symbol": symbol, "reason": str(error)} for symbol, error in missing.items()]
