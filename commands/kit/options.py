"""A command's options: declared once as the fields of a frozen dataclass, parsed once into it.

Each field is declared with ``option()`` (or a helper below): its description (Discord's and the
terminal's), its default as typed, and how the text is parsed. ``Options.parse`` turns what a user
typed (a slash command, ``marketbot ask``, a button's custom_id, a question /ask read) into the typed
object, or raises the user's error; everything downstream (the answer, its buttons, the answer cache)
works on that object, so every spelling of one question is one question.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Self

import pandas as pd

from analytics.errors import InvalidInput, InvalidSymbol
from analytics.symbols import echo_text, normalize_symbol, parse_symbol_list
from analytics.windows import (
    ANCHOR_DATES,
    AS_OF_WORDS,
    START_WORDS,
    fixed_day,
)

# (text as typed, today, the option's name) -> the parsed value; raises the user's error.
Parser = Callable[[Any, pd.Timestamp, str], Any]
# Option kinds that are Discord's objects (resolved by Discord, Discord only).
DISCORD_OBJECTS = ("channel", "role")
# Fixed choices as (label, value) pairs, or a function giving them when the commands are built.
Choices = Sequence[tuple[str, str]] | Callable[[], Sequence[tuple[str, str]]]

START_HELP = "A date (2022-10-12) or an anchor: oct-2022-low, svb, ytd, 1m ... 10y, max (default 1y)"
END_HELP = "A date (default: the last close)"


@dataclass(frozen=True)
class Option:
    description: str
    default: str | None  # as typed; None: the option is required
    parse: Parser
    kind: str = "text"  # text, symbol, symbols (text on Discord), or a Discord object: channel, role
    max_length: int = 20
    complete: str = ""  # autocomplete: symbol, symbols, start, end
    choices: Choices = ()

    @property
    def required(self) -> bool:
        """No default: it must be given (a channel or role left out is None: "this channel", "no role")."""
        return self.default is None and self.kind not in DISCORD_OBJECTS

    def choice_list(self) -> list[tuple[str, str]]:
        return list(self.choices() if callable(self.choices) else self.choices)


def option(description: str, default: str | None = None, *, parse: Parser, **details: Any) -> Any:
    """A field of an Options class (the dataclass field carries the declaration)."""
    return dataclasses.field(metadata={"option": Option(description, default, parse, **details)})


class Options:
    """The base of every command's options: subclasses are frozen dataclasses of ``option()`` fields."""

    @classmethod
    def declared(cls) -> dict[str, Option]:
        return {f.name: f.metadata["option"] for f in dataclasses.fields(cls)}  # type: ignore[arg-type]

    @classmethod
    def parse(cls, raw: Mapping[str, Any], today: pd.Timestamp) -> Self:
        """The options as typed (absent ones take their defaults), parsed and checked together."""
        declared = cls.declared()
        if unknown := [name for name in raw if name not in declared]:
            known = ", ".join(declared) or "none"
            raise InvalidInput(f"`{echo_text(unknown[0])}` is not an option here (options: {known}).")
        values = {}
        for name, spec in declared.items():
            text = raw.get(name, spec.default)
            if text is None and spec.required:
                raise InvalidInput(f"`{name}` is required.")
            values[name] = None if text is None else spec.parse(text, today, name)
        parsed = cls(**values)
        parsed.check(today)
        return parsed

    def check(self, today: pd.Timestamp) -> None:
        """What the options must satisfy together (a window's order, two different symbols)."""

    def encode(self) -> dict[str, str]:
        """The options as text again, in declaration order: ``parse(encode())`` gives them back."""
        return {name: _as_text(getattr(self, name)) for name in self.declared()}

    def symbol_fields(self) -> list[tuple[str, tuple[str, ...], bool]]:
        """(name, symbols, single) for each field that names symbols: what the data source must have."""
        found = []
        for name, spec in self.declared().items():
            if spec.kind in ("symbol", "symbols"):
                value = getattr(self, name)
                found.append((name, (value,) if spec.kind == "symbol" else tuple(value), spec.kind == "symbol"))
        return found


@dataclass(frozen=True)
class NoOptions(Options):
    """For commands that take none."""


def _as_text(value: Any) -> str:
    if isinstance(value, tuple):
        return " ".join(map(str, value))
    return "" if value is None else str(value)


# -- parsers ----------------------------------------------------------------------------------


def plain(text: Any, today: pd.Timestamp, name: str) -> str:
    return str(text)


def symbol(text: Any, today: pd.Timestamp, name: str) -> str:
    """One symbol, normalised (SPX -> ^GSPC); an error names the option it is about."""
    try:
        return normalize_symbol(str(text))
    except InvalidSymbol as exc:
        raise InvalidSymbol(f"{name}: {exc}") from None


def symbols(limit: int) -> Parser:
    """Up to ``limit`` symbols separated by spaces or commas, normalised, in order, once each."""

    def parse(text: Any, today: pd.Timestamp, name: str) -> tuple[str, ...]:
        return tuple(parse_symbol_list(str(text), limit))

    return parse


def start_word(text: Any, today: pd.Timestamp, name: str) -> str:
    """A window's start spelled one way (anchors in lower case, nothing: 1y); judged with its end in ``check``."""
    return _anchor_or_date(text) or "1y"


def end_word(text: Any, today: pd.Timestamp, name: str) -> str:
    """A window's end spelled one way ('' for the last close)."""
    return _anchor_or_date(text)


def _anchor_or_date(text: Any) -> str:
    typed = str(text).strip()
    return typed.lower() if typed.lower() in START_WORDS else typed


def day(text: Any, today: pd.Timestamp, name: str) -> str:
    """A past day: a date or a named one (svb, oct-2022-low); '' for the last close."""
    typed = str(text).strip()
    if typed:
        fixed_day(typed, name, today, AS_OF_WORDS)
    return typed.lower() if typed.lower() in ANCHOR_DATES else typed


def one_of(values: Callable[[], Iterable[str]], said: str) -> Parser:
    """One of ``values()`` (read when parsing: alert rules are declared elsewhere), in lower case.

    ``said`` words the list for a mistake: "Sensitivity is one of {allowed}"."""

    def parse(text: Any, today: pd.Timestamp, name: str) -> str:
        chosen = str(text).strip().lower()
        allowed = list(values())
        if chosen not in allowed:
            listed = said.format(allowed=", ".join(allowed))
            raise InvalidInput(f"{listed}; `{echo_text(str(text).strip())}` is not one.")
        return chosen

    return parse


def whole_number(low: int, high: int, what: str) -> Parser:
    def parse(text: Any, today: pd.Timestamp, name: str) -> int:
        typed = str(text).strip()
        if not typed.isdigit() or not low <= int(typed) <= high:
            raise InvalidInput(f"{what} `{echo_text(typed, 10)}` must be a number of sessions from {low} to {high}.")
        return int(typed)

    return parse


def discord_object(value: Any, today: pd.Timestamp, name: str) -> Any:
    """A channel or role Discord resolved, passed through as it is; left out ('' as text): None."""
    return value or None


# -- the options most commands share ------------------------------------------------------------


def symbol_option(description: str, default: str) -> Any:
    return option(description, default, parse=symbol, kind="symbol", complete="symbol")


def symbols_option(description: str, default: str | None, limit: int, max_length: int = 100) -> Any:
    return option(description, default, parse=symbols(limit), kind="symbols", complete="symbols", max_length=max_length)


def start_option(description: str = START_HELP, default: str = "1y") -> Any:
    return option(description, default, parse=start_word, complete="start")


def end_option(description: str = END_HELP) -> Any:
    return option(description, "", parse=end_word, complete="end")


def day_option(description: str) -> Any:
    return option(description, "", parse=day)
