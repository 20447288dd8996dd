"""Buttons' custom_ids: the question round-trips, fits Discord's 100 characters, and unreadable ids are explained."""

from __future__ import annotations

import inspect
import re
import shlex

import discord
import pandas as pd
import pytest

from bot.console import parse_options
from commands import banks, compare, performance
from commands.buttons import (
    ITEMS,
    MAX_CUSTOM_ID,
    OPTIONS,
    AlertButton,
    AskButton,
    Outdated,
    PairMenu,
    Question,
    Unreadable,
    banks_view,
    compare_view,
    performance_view,
)
from commands.registry import HANDLERS

TODAY = pd.Timestamp("2026-02-23")


def handled_by(custom_id: str) -> list[type]:
    return [item for item in ITEMS if item.__discord_ui_compiled_template__.fullmatch(custom_id)]


@pytest.mark.parametrize("command", list(OPTIONS))
def test_options_are_the_handlers_in_order(command):
    assert OPTIONS[command] == tuple(p for p in inspect.signature(HANDLERS[command]).parameters if p != "services")


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("compare", {"a": "^RUT", "b": "^GSPC", "start": "oct-2022-low", "end": ""}),
        ("compare", {"a": "brk.b", "b": "$spy", "start": "2022-10-12", "end": "svb"}),
        ("performance", {"symbols": "NVDA, META:GOOGL 100%", "start": "ytd", "end": "2025-10-21"}),
        ("banks", {"as_of": ""}),
        ("banks", {"as_of": "2023-03-13"}),
    ],
)
def test_a_question_round_trips_through_its_custom_id(command, options):
    question = Question.of(command, options)
    custom_id = question.to_custom_id()
    assert custom_id.startswith(f"mb1:{command}:") and custom_id.count(":") == 1 + len(options)
    assert Question.from_custom_id(custom_id) == question and question.kwargs == options
    assert handled_by(custom_id) == [AskButton]


@pytest.mark.parametrize("custom_id", ["mb1:compare:^RUT:^GSPC:ytd:", "mb1:performance:NVDA META:1y:svb", "mb1:banks:"])
def test_the_custom_id_is_the_terminal_question(custom_id):
    question = Question.from_custom_id(custom_id)
    words = shlex.split(question.to_terminal())
    assert words[:3] == ["marketbot", "ask", question.command]
    assert parse_options(question.command, words[3:]) == question.kwargs


@pytest.mark.parametrize(
    "custom_id",
    ["mb0:compare:^RUT:^GSPC:1m", "mb2:compare:^RUT:^GSPC:1m:", "mb1:compare:^RUT", "mb1:quote:KRE", "mb1:", "mb"],
)
def test_unreadable_ids_are_a_users_message(custom_id):
    assert len(handled_by(custom_id)) == 1  # one item answers each, never two
    if handled_by(custom_id) == [AskButton]:
        with pytest.raises(Unreadable, match="older marketbot"):
            Question.from_custom_id(custom_id)
    else:
        assert handled_by(custom_id) == [Outdated]


def test_a_pair_menu_keeps_the_window_and_takes_the_pair_chosen():
    shown = Question.of("compare", {"a": "IWM", "b": "SPY", "start": "svb", "end": "2025-10-21"})
    menu = PairMenu.make(shown, ("IWM", "SPY"))
    assert menu.custom_id == "mb1:pair:svb:2025-10-21" and handled_by(menu.custom_id) == [PairMenu]
    assert [o.default for o in menu.item.options] == [False, True, False, False, False]
    assert menu.question(["KRE/XLF"]) == shown.with_(a="KRE", b="XLF")
    for values in ([], ["KRE"], ["KRE/XLF", "IWM/SPY"]):
        with pytest.raises(Unreadable):
            menu.question(values)


def ids(view: discord.ui.View) -> dict[str, tuple[str, bool]]:
    return {getattr(i.item, "label", None) or "menu": (i.custom_id, getattr(i.item, "disabled", False)) for i in view.children}


async def test_compare_buttons():  # in a loop, as in the bot: a view needs one to be stopped
    view = compare_view(compare.handle, {"a": "^RUT", "b": "^GSPC", "start": "1y", "end": ""}, TODAY)
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
    assert view.is_finished()  # never stored by discord.py: the registered item classes answer clicks


@pytest.mark.parametrize(("a", "b", "alert"), [("^rut", "^gspc", True), ("IWM", "SPY", False), ("^GSPC", "^RUT", False)])
def test_alert_me_is_on_the_ratio_rules_pair_only(a, b, alert):
    view = compare_view(compare.handle, {"a": a, "b": b, "start": "1y", "end": ""}, TODAY)
    assert ("alert me" in ids(view)) == alert
    assert handled_by("mb1:alert:ratio") == [AlertButton] and handled_by("mb1:alert:digest") == [AlertButton]


def test_a_window_the_answer_cannot_have_is_disabled():
    view = compare_view(compare.handle, {"a": "^RUT", "b": "^GSPC", "start": "2021-01-04", "end": "2022-06-30"}, TODAY)
    assert ids(view)["since Oct-2022 low"][1] and not ids(view)["1y"][1]


def test_performance_and_banks_buttons():
    perf = ids(performance_view(performance.handle, {"symbols": "NVDA META", "start": "ytd", "end": ""}, TODAY))
    assert list(perf) == ["1m", "YTD", "1y", "since Oct-2022 low", "max"] and perf["YTD"][1]
    days = ids(banks_view(banks.handle, {"as_of": "svb"}, TODAY))
    assert days == {
        "latest": ("mb1:banks:", False),
        "March 2023 (13th)": ("mb1:banks:2023-03-13", False),
        "eve of SVB": ("mb1:banks:svb", True),
        "Oct-2022 low": ("mb1:banks:oct-2022-low", False),
        "alert me": ("mb1:alert:kre", False),
    }


def test_a_question_too_long_for_discord_gets_no_button():
    symbols = "BRK.B " * 16  # 96 characters, within the option's 100
    view = performance_view(performance.handle, {"symbols": symbols.strip(), "start": "1y", "end": ""}, TODAY)
    assert view.children == []
    fits = performance_view(performance.handle, {"symbols": "NVDA META GOOGL MSFT AMZN AAPL TSLA ^GSPC ^RUT ^NDX",
                                                 "start": "oct-2022-low", "end": "2025-10-21"}, TODAY)  # fmt: skip
    assert len(fits.children) == 5 and all(len(i.custom_id) <= MAX_CUSTOM_ID for i in fits.children)


def test_every_button_of_every_command_fits():
    widest = {"a": "A" * 20, "b": "B" * 20, "start": "2022-10-12", "end": "2025-10-21"}
    for item in compare_view(compare.handle, widest, TODAY).children:
        assert len(item.custom_id) <= MAX_CUSTOM_ID and re.fullmatch(item.template, item.custom_id)
