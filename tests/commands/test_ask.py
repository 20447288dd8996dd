"""/ask: the corpus hit rates, the echo is what runs, the options work on the real commands, refusals."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex

import pytest

from analytics.errors import InvalidInput
from analytics.symbols import parse_symbol_list
from analytics.windows import ANCHORS, parse_date
from bot.console import ask as console_ask
from bot.console import parse_options
from bot.discovery import discover
from commands import ask as ask_command
from commands.ask.routing import Interpretation, NotUnderstood
from commands.ask.routing import interpret as interpret_with
from commands.kit.command import Context
from commands.kit.errors import explain
from commands.kit.slash import slash_commands
from tests.commands import ask_corpus, ask_corpus_heldout

TODAY = dt.date(2026, 11, 24)  # the services fixture's clock, in New York
# Measured once on the held-out set: 51 of 52 (98.1%); the miss is "zion wal key tfc" (a lowercase
# "key" is read as the word, not KeyCorp). Never tuned on.
HELD_OUT_FLOOR = 51 / 52
CATALOG = discover()


def interpret(question: str, today: dt.date) -> Interpretation:
    """The reading of ``question`` with the bot's commands (the suggestions come from their declarations)."""
    return interpret_with(question, today, CATALOG)


async def ask_question(services, question: str):
    """/ask as the terminal asks it: ``marketbot ask ask question:...``."""
    return await console_ask(services, "ask", [f"question:{question}"])


def read(question: str) -> Interpretation | None:
    try:
        return interpret(question, TODAY)
    except NotUnderstood:
        return None


def is_hit(question: str, command: str | None, options: dict[str, str]) -> bool:
    reading = read(question)
    if command is None:
        return reading is None
    return reading is not None and reading.command == command and all(reading.options.get(k) == v for k, v in options.items())


def hit_rate(cases) -> tuple[float, list[str]]:
    misses = [f"{q!r} -> {read(q)}" for q, command, options in cases if not is_hit(q, command, options)]
    return 1 - len(misses) / len(cases), misses


def test_the_corpora_are_big_enough_and_apart():
    main = {q for q, _, _ in ask_corpus.CASES}
    held_out = {q for q, _, _ in ask_corpus_heldout.CASES}
    assert len(main) == len(ask_corpus.CASES) >= 150
    assert len(held_out) == len(ask_corpus_heldout.CASES) >= 40
    assert not main & held_out


def test_main_corpus_is_read_in_full():
    rate, misses = hit_rate(ask_corpus.CASES)
    print(f"\n/ask main corpus: {rate:.1%} of {len(ask_corpus.CASES)}")
    assert misses == []


def test_held_out_corpus_hit_rate():
    rate, misses = hit_rate(ask_corpus_heldout.CASES)
    print(f"\n/ask held-out corpus: {rate:.1%} of {len(ask_corpus_heldout.CASES)}; misses:\n" + "\n".join(misses))
    assert rate >= HELD_OUT_FLOOR


def readings():
    for question, _, _ in ask_corpus.CASES + ask_corpus_heldout.CASES:
        if (reading := read(question)) is not None:
            yield question, reading


def test_the_echo_is_exactly_what_runs():
    for question, reading in readings():
        assert reading.echo.startswith("Read as /"), question
        words = shlex.split(reading.echo.removeprefix("Read as /"))
        command = " ".join(words[:2]) if CATALOG.get(" ".join(words[:2])) is not None else words[0]
        pairs = words[len(command.split()) :]
        assert command == reading.command, question
        assert parse_options(command, pairs) == reading.options, question


def test_every_option_is_one_the_command_takes():
    """Names the command declares; windows that resolve_window parses; symbol lists the commands accept."""
    for question, reading in readings():
        accepted = set(CATALOG.get(reading.command).options.declared())
        assert set(reading.options) <= accepted, question
        for name in ("start", "end", "as_of"):
            if value := reading.options.get(name):
                assert value in ANCHORS or parse_date(value, name), question
        if reading.command == "banks" and "as_of" in reading.options:
            parse_date(reading.options["as_of"], "as_of")
        for name in ("symbols", "a", "b"):
            if value := reading.options.get(name):
                parse_symbol_list(value, 10)


# Questions on the snapshot's symbols, one or more per command, run through the real commands.
SAMPLE = [
    "small caps vs large caps since the october 2022 low",
    "KRE vs XLF since SVB",
    "russell vs spx since march 2023",
    "best performers among nvda meta googl msft since the oct 2022 low",
    "quote spy qqq iwm",
    "bank stress on 3/13/2023",
    "what are rates doing",
    "rates on 2025-10-21",
    "is it credit or rates?",
    "is it credit or rates on 2023-03-13",
    "long run small vs large",
    "what would the KRE alert have done in 2023",
    "help",
    "small caps vs large caps in march 2023",
    "how did nvda, msft and aapl do in 2023",
]


@pytest.mark.parametrize("question", SAMPLE)
async def test_sample_answers_are_the_commands_answers_with_the_reading_first(services, question):
    reading = interpret(question, TODAY)
    direct = await console_ask(services, reading.command, [f"{k}:{v}" for k, v in reading.options.items()])
    answer = await ask_question(services, question)
    assert answer.summary == f"{reading.echo}\n{direct.summary}"
    assert answer.data == {**direct.data, "interpreted_as": {"command": reading.command, "options": reading.options}}
    unchanged = ("command", "title", "fields", "footer", "chart", "chart_name")  # (Answer.private is gone)
    assert all(getattr(answer, f) == getattr(direct, f) for f in unchanged), question
    answer.to_json()


async def test_credit_or_rates_is_answered_with_the_reading(services):
    """ "is it credit or rates" reads as /credit and answers with the stated rule's reading: the verdict first."""
    answer = await ask_question(services, "is it credit or rates?")
    echo, headline = answer.summary.split("\n", 1)
    assert echo == "Read as /credit"
    primary = answer.data["reading"]["primary"]
    assert headline.startswith({"rates": "Rates: ", "credit": "Credit: ", "both": "Both: ", "neither": "Neither: ",
                                "no_selloff": "No selloff to read: "}[primary])
    # The snapshot's last five sessions: KRE rose, so there is no selloff to read (BDCs fell all the same).
    assert headline.startswith("No selloff to read: KRE +1.7% over 5 sessions to 2026-02-20; credit under stress")
    assert (answer.data["start"], answer.data["end"], answer.data["sessions"]) == ("2026-02-12", "2026-02-20", 5)
    assert answer.data["interpreted_as"] == {"command": "credit", "options": {}}
    assert [name for name, _ in answer.fields][:2] == ["Reading", "Rates backdrop at 2026-02-12 (a stock)"]
    # With a day: the five sessions to it, read as rates (the stock of rate losses; the banks led credit).
    dated = await ask_question(services, "is it credit or rates on 2023-03-13")
    assert dated.summary.startswith("Read as /credit as_of:2023-03-13\nRates: KRE ")
    assert (dated.data["start"], dated.data["end"], dated.data["reading"]["primary"]) == ("2023-03-06", "2023-03-13", "rates")


async def test_how_many_cuts_is_answered_with_the_fitted_path(services):
    answer = await ask_question(services, "rates on 2025-10-21")
    assert answer.summary.splitlines()[0] == "Read as /rates as_of:2025-10-21"
    assert "fit a path of about 3.1 cuts from 4.11% by the end of 2026" in answer.summary
    assert answer.data["rate_path"]["next_decision"] == {"date": "2025-10-29", "kind": "scheduled"}


async def test_small_caps_since_the_low_has_the_right_figures(services, raw_closes):
    answer = await ask_question(services, "How are small caps doing vs large caps since the Oct 2022 low?")
    assert answer.summary.splitlines()[0] == "Read as /compare a:^RUT b:^GSPC start:oct-2022-low"
    rut, spx = raw_closes["^RUT"].dropna(), raw_closes["^GSPC"].dropna()
    assert answer.data["a"]["return_pct"] == pytest.approx((rut.iloc[-1] / rut.loc["2022-10-12"] - 1) * 100, rel=1e-12)
    assert answer.data["b"]["return_pct"] == pytest.approx((spx.iloc[-1] / spx.loc["2022-10-12"] - 1) * 100, rel=1e-12)
    assert answer.data["interpreted_as"] == {
        "command": "compare", "options": {"a": "^RUT", "b": "^GSPC", "start": "oct-2022-low"},
    }  # fmt: skip


async def test_since_a_month_snaps_like_the_handlers(services):
    answer = await ask_question(services, "regional banks vs spy since march 2023")
    assert answer.data["start"] == "2023-03-01"  # a session: used as it is
    answer = await ask_question(services, "small caps vs large caps since 2020")
    assert answer.data["start"] == "2019-12-31" and "not a trading day" in " ".join(answer.data["date_notes"])


async def test_the_terminal_asks_through_the_same_command(services):
    answer = await console_ask(services, "ask", ["question:rates"])
    assert answer.summary.startswith("Read as /rates\n")
    assert answer.data["interpreted_as"] == {"command": "rates", "options": {}}


@pytest.mark.parametrize("question", ["lorem ipsum dolor", "hello", "", "tell me something nice"])
async def test_an_unreadable_question_gets_the_closest_commands(services, question):
    with pytest.raises(NotUnderstood) as caught:
        await ask_question(services, question)
    text = str(caught.value)
    assert isinstance(caught.value, InvalidInput)  # so the error pipeline answers privately, as it is
    assert text.startswith("I could not read that question. The closest commands:\n• /")
    assert text.count("\n• /") == 3 and "/banks" in text and "/rates" in text
    assert explain(None, caught.value) == text


def test_suggestions_are_filled_in_with_what_was_recognised():
    with pytest.raises(NotUnderstood) as caught:
        interpret("nvda vs sofi since svb", TODAY)
    text = str(caught.value)
    assert text.startswith("I do not know `sofi`. If it is a ticker, write it as $SOFI.")
    assert "/compare a:NVDA b:SPY start:svb" in text and '/performance symbols:"NVDA" start:svb' in text


def test_an_alert_question_that_names_no_rule_is_not_guessed():
    with pytest.raises(NotUnderstood, match="rule:kre start:2023-01-01 end:2023-12-31"):
        interpret("what would the alert have done in 2023", TODAY)


def test_a_long_question_is_refused():
    with pytest.raises(NotUnderstood, match="under 200 characters"):
        interpret("small caps " * 30, TODAY)


def test_windows_are_read_against_today():
    assert interpret("nvda last year", dt.date(2024, 5, 2)).options == {"symbols": "NVDA", "start": "2023-01-01", "end": "2023-12-31"}
    assert interpret("nvda in 2024", dt.date(2024, 5, 2)).options["start"] == "ytd"
    assert interpret("nvda since march", dt.date(2024, 2, 2)).options["start"] == "2023-03-01"
    assert interpret("nvda over 2 years", dt.date(2024, 5, 2)).options["start"] == "2022-05-02"


def test_the_slash_command_takes_a_required_short_question():
    declared = ask_command.AskOptions.declared()
    assert list(declared) == ["question"]
    assert (declared["question"].default, declared["question"].max_length) == (None, 200)
    context = Context(responder=None, store=None, post_sample=None)
    [slash] = [c for c in slash_commands(CATALOG, context) if c.name == "ask"]
    [param] = slash.parameters
    assert (param.name, param.required, param.max_value) == ("question", True, 200)
    assert CATALOG.get("ask") is ask_command.COMMANDS[0] and CATALOG.get("ask").route is ask_command.route


def test_interpretation_is_frozen():
    reading = interpret("kre", TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        reading.command = "banks"


@pytest.mark.parametrize(
    ("question", "fragment"),
    [
        ("bank stress on 2023-02-30", "2023-02-30 is not a real date."),
        ("small caps since march 0000", "is not a real date."),
        ("nvda over 500 years", "longer than any data"),
        ("$@everyone vs spy", "I could not tell what to compare SPY with."),
        ("$ABCDEFGHIJKLMNOPQ vs spy", "too long for a symbol"),
    ],
)
def test_impossible_dates_windows_and_symbols_are_said_plainly(question, fragment):
    with pytest.raises(NotUnderstood, match=fragment.replace(".", r"\.")):
        interpret(question, TODAY)
