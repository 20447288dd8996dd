"""The transport-neutral answer every command handler returns."""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
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
    private: bool = False

    def to_text(self) -> str:
        lines = [f"**{self.title}**", self.summary, ""]
        lines += [f"{name}: {value}" for name, value in self.fields]
        if self.footer:
            lines += ["", self.footer]
        return "\n".join(lines).strip()

    def to_json(self) -> str:
        return json.dumps(_json_ready(self.data), indent=2, ensure_ascii=False, allow_nan=False)


def _json_ready(value: Any) -> Any:
    """NaN and infinities have no JSON form: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    return value


# A command handler: ``await handler(services, **options)`` -> Answer.
Handler = Callable[..., Awaitable[Answer]]
