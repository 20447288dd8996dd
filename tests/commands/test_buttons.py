"""Buttons' custom_ids: the question round-trips, fits Discord's 100 characters, and unreadable ids are explained."""

from __future__ import annotations

import re
import shlex

import discord
import pandas as pd
import pytest

from analytics.errors import InvalidSymbol
from bot.console import parse_options
from bot.discovery import discover
from commands.alerts.manage import alert_me
from commands.kit.buttons import Click, custom_id, read_click, terminal_line, view_for
from commands.kit.command import Question, Unreadable
from commands.kit.limits import CUSTOM_ID_MAX as MAX_CUSTOM_ID
from commands.kit.options import Options

TODAY = pd.Timestamp("2026-02-23")
CATALOG = discover()
ITEMS = (Click,)  # what the bot registers (bot.app: add_dynamic_items)
# The button's custom_id carries the options in this order (the wire format: mb1:compare:^RUT:^GSPC:ytd:).
OPTIONS = {"compare": ("a", "b", "start", "end"), "performance": ("symbols", "start", "end"), "banks": ("as_of",)}
OUTDATED = "This button is from an older marketbot and can no longer be read; ask {} again for fresh buttons."


def handled_by(custom_id: str) -> list[type]:
    return [item for item in ITEMS if item.__discord_ui_compiled_template__.fullmatch(custom_id)]


def question(command: str, options: dict[str, str]) -> Question:
    return CATALOG.question(CATALOG.get(command), options, TODAY)


def id_of(asked: Question) -> str:
    return custom_id(asked.command.name, list(asked.options.encode().values()))


def read(custom_id: str, values: list[str] | None = None) -> Question | tuple[str, str]:
    return read_click(custom_id, values or [], CATALOG, TODAY)


@pytest.mark.parametrize("command", list(OPTIONS))
def test_options_are_the_declarations_in_order(command):
    assert tuple(CATALOG.get(command).options.declared()) == OPTIONS[command]
    assert CATALOG.get(command).buttons is not None


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("compare", {"a": "^RUT", "b": "^GSPC", "start": "oct-2022-low", "end": ""}),
        ("compare", {"a": "brk.b", "b": "$spy", "start": "2022-10-12", "end": "svb"}),
        ("performance", {"symbols": "NVDA, meta GOOGL", "start": "ytd", "end": "2025-10-21"}),
        ("banks", {"as_of": ""}),
        ("banks", {"as_of": "2023-03-13"}),
    ],
)
def test_a_question_round_trips_through_its_custom_id(command, options):
    asked = question(command, options)
    cid = id_of(asked)
    assert cid.startswith(f"mb1:{command}:") and cid.count(":") == 1 + len(options)
    assert read(cid) == asked and question(command, asked.options.encode()) == asked
    assert handled_by(cid) == [Click]


def test_a_custom_id_escapes_what_would_break_it():
    """``:`` and ``%`` in a value are escaped in the id and read back as typed (here, the symbols' own error)."""
    cid = custom_id("performance", ["NVDA, META:GOOGL 100%", "ytd", "2025-10-21"])
    assert cid.startswith("mb1:performance:") and cid.count(":") == 1 + 3 and handled_by(cid) == [Click]
    with pytest.raises(InvalidSymbol, match="`META:GOOGL` is not a valid symbol"):
        read(cid)
    with pytest.raises(InvalidSymbol, match="`100%` is not a valid symbol"):
        read(custom_id("performance", ["NVDA 100%", "ytd", "2025-10-21"]))


@pytest.mark.parametrize("custom_id", ["mb1:compare:^RUT:^GSPC:ytd:", "mb1:performance:NVDA META:1y:svb", "mb1:banks:"])
def test_the_custom_id_is_the_terminal_question(custom_id):
    asked = read(custom_id)
    raw = asked.options.encode()
    words = shlex.split(terminal_line(asked.command, raw))
    assert words[:3] == ["marketbot", "ask", asked.command.name]
    assert parse_options(asked.command.name, words[3:]) == raw
    assert question(asked.command.name, parse_options(asked.command.name, words[3:])) == asked


UNREADABLE = [
    "mb0:compare:^RUT:^GSPC:1m", "mb2:compare:^RUT:^GSPC:1m:", "mb1:compare:^RUT", "mb1:quote:KRE", "mb1:", "mb",
]  # fmt: skip


@pytest.mark.parametrize("custom_id", UNREADABLE)
def test_unreadable_ids_are_a_users_message(custom_id):
    assert handled_by(custom_id) == [Click]  # one item answers each, never two
    with pytest.raises(Unreadable, match="older marketbot"):
        read(custom_id)


# What each was told before the redesign: /compare named for an mb1 compare id of the wrong length
# (the AskButton's reading), "the command" for any other (the Outdated item's).
@pytest.mark.parametrize(
    ("custom_id", "command"),
    [
        ("mb0:compare:^RUT:^GSPC:1m", "the command"),
        ("mb2:compare:^RUT:^GSPC:1m:", "the command"),
        ("mb1:compare:^RUT", "/compare"),
        ("mb1:quote:KRE", "the command"),
        ("mb1:", "the command"),
        ("mb", "the command"),
    ],
)
def test_unreadable_ids_say_what_they_said_before(custom_id, command):
    with pytest.raises(Unreadable) as info:
        read(custom_id)
    assert str(info.value) == OUTDATED.format(command)


def ids(view: discord.ui.View) -> dict[str, tuple[str, bool]]:
    return {getattr(i, "label", None) or "menu": (i.custom_id, getattr(i, "disabled", False)) for i in view.children}


def menu_of(view: discord.ui.View) -> discord.ui.Select:
    [menu] = [i for i in view.children if isinstance(i, discord.ui.Select)]
    return menu


async def test_a_pair_menu_keeps_the_window_and_takes_the_pair_chosen():  # in a loop: a view needs one
    shown = question("compare", {"a": "IWM", "b": "SPY", "start": "svb", "end": "2025-10-21"})
    menu = menu_of(view_for(shown, CATALOG, TODAY))
    assert menu.custom_id == "mb1:pair:svb:2025-10-21" and handled_by(menu.custom_id) == [Click]
    assert [o.default for o in menu.options] == [False, True, False, False, False]
    assert read(menu.custom_id, ["KRE/XLF"]) == question("compare", {**shown.options.encode(), "a": "KRE", "b": "XLF"})
    for values in ([], ["KRE"], ["KRE/XLF", "IWM/SPY"]):
        with pytest.raises(Unreadable):
            read(menu.custom_id, values)


async def test_compare_buttons():  # in a loop, as in the bot: a view needs one to be stopped
    view = view_for(question("compare", {"a": "^RUT", "b": "^GSPC", "start": "1y", "end": ""}), CATALOG, TODAY)
    assert ids(view) == {
        "1m": ("mb1:compare:^RUT:^GSPC:1m:", False),
        "YTD": ("mb1:compare:^RUT:^GSPC:ytd:", False),
        "1y": ("mb1:compare:^RUT:^GSPC:1y:", True),  # the window shown
        "since Oct-2022 low": ("mb1:compare:^RUT:^GSPC:oct-2022-low:", False),
        "max": ("mb1:compare:^RUT:^GSPC:max:", False),
        "swap": ("mb1:compare:^GSPC:^RUT:1y:", False),
        "alert me": ("mb1:alert:ratio", False),
        "menu": ("mb1:pair:1y:", False),
    }
    assert view.is_finished()  # never stored by discord.py: the registered item class answers clicks
    assert all(handled_by(i.custom_id) == [Click] for i in view.children)


@pytest.mark.parametrize(
    ("a", "b", "alert"), [("^rut", "^gspc", True), ("IWM", "SPY", False), ("^GSPC", "^RUT", False)]
)
async def test_alert_me_is_on_the_ratio_rules_pair_only(a, b, alert):
    view = view_for(question("compare", {"a": a, "b": b, "start": "1y", "end": ""}), CATALOG, TODAY)
    assert ("alert me" in ids(view)) == alert
    assert handled_by("mb1:alert:ratio") == [Click] and handled_by("mb1:alert:digest") == [Click]
    assert read("mb1:alert:ratio") == ("alert", "ratio") and read("mb1:alert:digest") == ("alert", "digest")


async def test_an_alert_button_for_no_rule_is_unreadable():
    """``mb1:alert:digest`` (no rule of that name) is answered with what to type instead, before any check."""
    action, argument = read("mb1:alert:digest")
    assert CATALOG.action(action) is alert_me
    with pytest.raises(Unreadable) as info:
        await alert_me(None, argument, None)
    assert str(info.value) == OUTDATED.format("the command")


async def test_a_window_the_answer_cannot_have_is_disabled():
    shown = question("compare", {"a": "^RUT", "b": "^GSPC", "start": "2021-01-04", "end": "2022-06-30"})
    view = view_for(shown, CATALOG, TODAY)
    assert ids(view)["since Oct-2022 low"][1] and not ids(view)["1y"][1]


async def test_performance_and_banks_buttons():
    perf = ids(view_for(question("performance", {"symbols": "NVDA META", "start": "ytd", "end": ""}), CATALOG, TODAY))
    assert list(perf) == ["1m", "YTD", "1y", "since Oct-2022 low", "max"] and perf["YTD"][1]
    days = ids(view_for(question("banks", {"as_of": "svb"}), CATALOG, TODAY))
    assert days == {
        "latest": ("mb1:banks:", False),
        "March 2023 (13th)": ("mb1:banks:2023-03-13", False),
        "eve of SVB": ("mb1:banks:svb", True),
        "Oct-2022 low": ("mb1:banks:oct-2022-low", False),
        "alert me": ("mb1:alert:kre", False),
    }


async def test_a_question_too_long_for_discord_gets_no_button():
    symbols = " ".join(f"LONGNAME{i}" for i in range(10))  # 99 characters, within the option's 100: ten symbols of nine
    view = view_for(question("performance", {"symbols": symbols, "start": "1y", "end": ""}), CATALOG, TODAY)
    assert view.children == []
    ten = {"symbols": "NVDA META GOOGL MSFT AMZN AAPL TSLA ^GSPC ^RUT ^NDX", "start": "oct-2022-low"}
    fits = view_for(question("performance", {**ten, "end": "2025-10-21"}), CATALOG, TODAY)
    assert len(fits.children) == 5 and all(len(i.custom_id) <= MAX_CUSTOM_ID for i in fits.children)


async def test_every_button_of_every_command_fits():
    # Symbols are at most 15 characters (analytics.symbols.MAX_SYMBOL_LENGTH).
    widest = {"a": "A" * 15, "b": "B" * 15, "start": "2022-10-12", "end": "2025-10-21"}
    for item in view_for(question("compare", widest), CATALOG, TODAY).children:
        assert len(item.custom_id) <= MAX_CUSTOM_ID and handled_by(item.custom_id) == [Click]
        assert re.fullmatch(r"mb.*", item.custom_id)


def test_every_command_with_buttons_round_trips_its_defaults():
    for command in CATALOG.commands:
        if command.buttons is None:
            continue
        asked = CATALOG.question(command, {}, TODAY)
        assert isinstance(asked.options, Options) and read(id_of(asked)) == asked, command.name
