"""Autocomplete suggestions: from local data, within Discord's limits, never raising."""

from __future__ import annotations

import pytest
from discord import app_commands

from analytics.windows import ANCHORS
from commands.kit.autocomplete import anchor_choices, anchor_suggestions, symbol_choices, symbol_suggestions

ODD_INPUTS = [
    "",
    " ",
    ",",
    ", ,",
    "k",
    "kre",
    "NVDA met",
    "NVDA ",
    "KRE,zi",
    "'; DROP TABLE symbols; --",
    "@everyone",
    "<@123456>",
    "^",
    "é∑ß🙂",
    "\x00\n\t",
    "A" * 95 + " k",
    "A" * 200,
    "KRE " * 40,
    "a" * 5000,
]


def test_lowercase_symbol_completes_to_itself_first():
    suggestions = symbol_suggestions("kre")
    assert suggestions[0] == ("KRE — SPDR S&P Regional Banking ETF", "KRE")


def test_the_last_symbol_is_completed_and_earlier_ones_kept():
    suggestions = symbol_suggestions("NVDA met")
    assert suggestions[0] == ("NVDA META — Meta Platforms", "NVDA META")
    assert all(value.startswith("NVDA ") for _, value in suggestions)


def test_commas_separate_symbols_too():
    assert symbol_suggestions("KRE,zi")[0][1] == "KRE ZION"


def test_empty_input_offers_25_known_symbols():
    suggestions = symbol_suggestions("")
    assert len(suggestions) == 25
    assert [value for _, value in suggestions[:2]] == ["^GSPC", "^RUT"]
    assert all(" " not in value for _, value in suggestions)


def test_trailing_space_starts_a_new_symbol_after_the_typed_ones():
    suggestions = symbol_suggestions("NVDA KRE ")
    assert len(suggestions) == 25
    assert all(value.startswith("NVDA KRE ") and len(value.split()) == 3 for _, value in suggestions)
    assert suggestions[0] == ("NVDA KRE ^GSPC — S&P 500", "NVDA KRE ^GSPC")


def test_no_match_gives_no_suggestions():
    assert symbol_suggestions("QQQQQQQ") == []


def test_a_value_that_would_be_too_long_is_left_out():
    # 95 + 1 + "KRE" = 99 fits; 97 + 1 + "KRE" = 101 does not.
    assert ("A" * 95 + " KRE") in [value for _, value in symbol_suggestions("A" * 95 + " kre")]
    assert symbol_suggestions("A" * 97 + " kre") == []


@pytest.mark.parametrize("current", ODD_INPUTS)
def test_symbol_suggestions_stay_within_discord_limits(current):
    suggestions = symbol_suggestions(current)
    assert isinstance(suggestions, list)
    assert len(suggestions) <= 25
    for label, value in suggestions:
        assert 1 <= len(label) <= 100 and 1 <= len(value) <= 100


@pytest.mark.parametrize("current", ODD_INPUTS)
def test_anchor_suggestions_stay_within_discord_limits(current):
    suggestions = anchor_suggestions(current)
    assert len(suggestions) <= 25
    for label, value in suggestions:
        assert 1 <= len(label) <= 100 and value in ANCHORS


def test_empty_anchor_input_offers_every_anchor():
    suggestions = anchor_suggestions("")
    assert [value for _, value in suggestions] == list(ANCHORS)
    assert suggestions[0] == ("oct-2022-low — 2022-10-12, the S&P 500's bear-market closing low", "oct-2022-low")


def test_anchors_match_their_meaning():
    assert [value for _, value in anchor_suggestions("bank")] == ["svb", "march-2023"]
    assert [value for _, value in anchor_suggestions("  OCT ")] == ["oct-2022-low", "oct-2025"]
    assert [value for _, value in anchor_suggestions("zions")] == ["oct-2025"]
    assert [value for _, value in anchor_suggestions("year")] == ["ytd", "1y", "3y", "5y", "10y"]
    assert anchor_suggestions("nothing like this") == []


async def test_symbol_choices_are_discord_choices():
    choices = await symbol_choices(None, "NVDA met")
    assert all(isinstance(choice, app_commands.Choice) for choice in choices)
    assert (choices[0].name, choices[0].value) == ("NVDA META — Meta Platforms", "NVDA META")
    assert [(c.name, c.value) for c in choices] == symbol_suggestions("NVDA met")


async def test_anchor_choices_are_discord_choices():
    choices = await anchor_choices(None, "bank")
    assert len(choices) == 2 and all(isinstance(choice, app_commands.Choice) for choice in choices)
    assert [(c.name, c.value) for c in choices] == [
        ("svb — 2023-03-08, the last close before the March 2023 bank crisis", "svb"),
        ("march-2023 — 2023-03-13, KRE's worst day of the March 2023 bank crisis", "march-2023"),
    ]
    assert len(await anchor_choices(None, "")) == len(ANCHORS)


def test_anchor_suggestions_are_capped_at_25(monkeypatch):
    many = {f"{n}d": f"{n} days before the end" for n in range(1, 31)}
    monkeypatch.setattr("commands.kit.autocomplete.ANCHORS", many)
    assert [value for _, value in anchor_suggestions("")] == list(many)[:25]
    assert [value for _, value in anchor_suggestions("days")] == list(many)[:25]
