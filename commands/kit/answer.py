"""The transport-neutral answer every command returns: rendered for Discord (commands.kit.render), the terminal
(bot.console.answer_text) and JSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Answer:
    command: str
    title: str
    summary: str  # the one-line verdict, shown first
    fields: tuple[tuple[str, str], ...] = ()
    footer: str = ""  # source, basis, window, as-of
    data: dict[str, Any] = field(default_factory=dict)  # the figures, JSON-ready
    chart: bytes | None = None
    chart_name: str = "chart.png"

    def to_json(self) -> str:
        return json.dumps(_json_ready(self.data), indent=2, ensure_ascii=False, allow_nan=False)


# Numbers in JSON keep this many significant digits: float noise goes
# (-17.99999999999997 -> -18.0, 0.30000000000000004 -> 0.3) while every figure
# keeps far more precision than any answer prints (at most 7 significant digits).
JSON_DIGITS = 12


def _json_ready(value: Any) -> Any:
    """NaN and infinities have no JSON form: they become null; other floats lose their noise."""
    if isinstance(value, float):
        return float(f"{value:.{JSON_DIGITS}g}") if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value
