"""The commands' declarations: every command's options round-trip through their text, and every spelling
of one question parses to one options object (so a slash command, /ask, a button and the terminal share it)."""

from __future__ import annotations

import pandas as pd
import pytest

from bot.discovery import discover
from commands.kit.buttons import read_click
from commands.kit.command import Command
from commands.kit.options import DISCORD_OBJECTS, Options
from commands.watchlist import LISTED

NOW = pd.Timestamp("2026-11-24 15:00Z")
CATALOG = discover()
# Every declared command, and the answer /watchlist show asks for (declared, not a slash command of its own).
DECLARED: list[Command] = [*CATALOG.commands, LISTED]

# What to type where an option has no default (Discord's channel and role objects are left out: None).
REQUIRED = {"symbols": "KRE ^RUT", "question": "small caps vs large caps since the october 2022 low", "rule": "kre"}
# Options as people type them, beyond the defaults: aliases, case, $, commas, anchors in capitals.
SPELLINGS: dict[str, list[dict[str, str]]] = {
    "compare": [
        {"a": "iwm", "b": "$spy", "start": "YTD", "end": "SVB"},
        {"a": "brk.b", "b": "spx", "start": "2022-10-12", "end": "2025-10-21"},
        {"a": "RUT", "start": " Oct-2022-Low "},
    ],
    "performance": [
        {"symbols": "nvda, meta GOOGL nvda", "start": "Max"},
        {"symbols": "$KRE", "start": "3m", "end": "svb"},
    ],
    "quote": [{"symbols": "$kre spx, BRK.B"}],
    "banks": [{"as_of": "SVB"}, {"as_of": "2023-03-13"}],
    "rates": [{"as_of": "2025-10-21"}],
    "credit": [{"as_of": "Oct-2022-Low", "window": "10"}],
    "alerts replay": [
        {"rule": "Ratio", "sensitivity": "QUIET", "start": "max"},
        {"rule": "kre", "start": "2023-01-01", "end": "2023-12-31"},
    ],
    "alerts subscribe": [{"rule": "ALL", "sensitivity": "Sensitive"}],
    "alerts unsubscribe": [{"rule": "digest"}],
    "watchlist add": [{"symbols": "kre, $SPY spx"}],
    "watchlist remove": [{"symbols": "^rut"}],
    "watchlist show (listed)": [{"symbols": "KRE ^RUT nvda SPX $XLF"}],
}


def name(command: Command) -> str:
    """The /watchlist show slash command takes no options; the answer it asks for (LISTED) takes the list."""
    return "watchlist show (listed)" if command is LISTED else command.name


def defaults(command: Command) -> dict[str, str]:
    declared = command.options.declared()
    return {
        name: REQUIRED[name]
        for name, option in declared.items()
        if option.default is None and option.kind not in DISCORD_OBJECTS
    }


def cases() -> list:
    found = []
    for command in DECLARED:
        for i, raw in enumerate([{}, *SPELLINGS.get(name(command), [])]):
            found.append(pytest.param(command, {**defaults(command), **raw}, id=f"{name(command)}-{i}"))
    return found


def text_fields(command: Command, options: Options) -> dict[str, object]:
    """The options but Discord's channel and role objects (which only Discord resolves: never encoded)."""
    declared = command.options.declared()
    return {name: getattr(options, name) for name, option in declared.items() if option.kind not in DISCORD_OBJECTS}


@pytest.mark.parametrize(("command", "raw"), cases())
def test_every_commands_options_round_trip(command, raw):
    options = command.options.parse(raw, NOW)
    assert isinstance(options, Options)
    text = options.encode()
    assert list(text) == list(command.options.declared())  # every option, in declaration order
    assert all(isinstance(value, str) for value in text.values())
    again = command.options.parse(text, NOW)
    assert text_fields(command, again) == text_fields(command, options)
    assert again.encode() == text
    if not any(o.kind in DISCORD_OBJECTS for o in command.options.declared().values()):
        assert again == options


@pytest.mark.parametrize(
    "command",
    [c for c in DECLARED if any(o.kind in DISCORD_OBJECTS for o in c.options.declared().values())],
    ids=lambda c: c.name,
)
def test_a_channel_or_role_left_out_round_trips(command):
    options = command.options.parse(defaults(command), NOW)
    assert command.options.parse(options.encode(), NOW) == options


def test_every_command_with_text_options_is_covered():
    """A new command is round-tripped with its defaults at least; these have spellings of their own too."""
    names = {name(c) for c in DECLARED}
    assert set(SPELLINGS) <= names
    assert {"compare", "performance", "quote", "banks", "rates", "credit", "alerts replay", "ask"} <= names


def parsed(command: str, **raw: str) -> Options:
    return CATALOG.get(command).options.parse(raw, NOW)


@pytest.mark.parametrize(
    ("command", "spellings"),
    [
        ("compare", [{"a": "^rut"}, {"a": "^RUT"}, {"a": "RUT"}, {"a": " rut "}, {}]),
        ("compare", [{"b": "spx"}, {"b": "^gspc"}, {"b": "SPX"}, {"b": "$SPX"}, {}]),
        ("compare", [{"start": "YTD"}, {"start": "ytd"}, {"start": " Ytd "}]),
        ("compare", [{"a": "$KRE"}, {"a": "KRE"}, {"a": "kre"}, {"a": "$kre"}]),
        ("compare", [{"end": "SVB"}, {"end": "svb"}]),
        ("performance", [{"start": "YTD"}, {"start": "ytd"}]),
        ("performance", [{"symbols": "nvda, meta"}, {"symbols": "NVDA META"}, {"symbols": "NVDA,META,nvda"}]),
        ("quote", [{"symbols": "$KRE"}, {"symbols": "KRE"}, {"symbols": "kre"}]),
        ("quote", [{"symbols": "^rut ^gspc kre"}, {"symbols": "RUT SPX $KRE"}, {}]),
        ("banks", [{"as_of": "SVB"}, {"as_of": "svb"}, {"as_of": " Svb "}]),
        ("banks", [{"as_of": ""}, {}]),
        ("credit", [{"window": "5"}, {"window": "05"}]),
        ("credit", [{"window": ""}, {"window": " "}, {}]),  # none given: 5, or the episode's own length
        ("alerts replay", [{"rule": "Ratio"}, {"rule": "ratio"}, {"rule": " RATIO "}]),
        ("alerts replay", [{"sensitivity": "Quiet"}, {"sensitivity": "quiet"}]),
    ],
)
def test_spellings_of_one_question_parse_to_equal_options(command, spellings):
    first, *others = [parsed(command, **raw) for raw in spellings]
    for other in others:
        assert other == first and hash(other) == hash(first)
        assert other.encode() == first.encode()


@pytest.mark.parametrize(
    ("raw", "window", "sessions"),
    [
        ({}, None, 5),
        ({"window": "5"}, 5, 5),
        ({"as_of": "march-2023"}, None, 3),  # 2023-03-08 -> 03-13
        ({"as_of": "oct-2025"}, None, 1),  # 2025-10-15 -> 10-16
        ({"as_of": "march-2023", "window": "5"}, 5, 5),
    ],
)
def test_credit_without_a_window_reads_5_sessions_or_the_episodes_own(raw, window, sessions):
    options = parsed("credit", **raw)
    assert (options.window, options.sessions) == (window, sessions)


def test_the_canonical_spellings():
    canonical = {"a": "^RUT", "b": "SPY", "start": "ytd", "end": ""}
    assert parsed("compare", a="rut", b="$spy", start="YTD").encode() == canonical
    assert parsed("quote", symbols="$KRE brk.b").encode() == {"symbols": "KRE BRK-B"}


def test_a_slash_command_ask_a_button_and_the_terminal_ask_one_question():
    """The answer cache keys on ``Question.key``: one key for every way of asking."""
    compare = CATALOG.get("compare")
    typed = CATALOG.question(compare, {"a": "^rut", "b": "SPX", "start": "YTD"}, NOW)
    spelled = CATALOG.question(compare, {"a": "RUT", "b": "^GSPC", "start": "ytd", "end": ""}, NOW)
    asked = CATALOG.question(CATALOG.get("ask"), {"question": "small caps vs large caps ytd"}, NOW)
    clicked = read_click("mb1:compare:^RUT:^GSPC:ytd:", [], CATALOG, NOW)
    assert typed.key == spelled.key == asked.key == clicked.key == ("compare", parsed("compare", start="ytd"))
    assert asked.reading is not None and typed.reading is None  # /ask says how it read the question
