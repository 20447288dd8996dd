"""The transport-neutral answer every command handler returns."""

from __future__ import annotations

import inspect
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

# A command's check of its options: ``validate(today, **options)`` raises the user's
# error for everything that can be judged without market data and returns the
# options parsed. Pure and quick: the bot runs it before deferring, so bad input
# is answered privately at once and nothing public is shown; the handler runs it too.
Validator = Callable[..., Any]


def checked_by(validate: Validator) -> Callable[[Handler], Handler]:
    """Attach a command's option check to its handler (``handler.validate``)."""

    def attach(handler: Handler) -> Handler:
        handler.validate = validate  # type: ignore[attr-defined]
        return handler

    return attach


def check_options(handler: Handler, today: Any, options: dict[str, str]) -> None:
    """Run ``handler``'s option check on the options as the handler would see them (defaults filled in)."""
    validate = getattr(handler, "validate", None)
    if validate is None:  # a command without options
        return
    bound = inspect.signature(handler).bind_partial(**options)
    bound.apply_defaults()
    validate(today, **{name: value for name, value in bound.arguments.items() if name != "services"})
