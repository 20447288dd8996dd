"""What a person meets in the terminal after the first answers (issue 21, "Terminal"): answers without
Discord's markup, --chart refused before any work, mistakes that say what to type, settings the
snapshot cannot serve refused naming their variable, and no voice warnings from `run`."""

from __future__ import annotations

import json
import logging

import pytest

from analytics.sources.snapshot import load_fred_snapshot, load_snapshot
from bot import console
from bot.cli import main
from bot.console import answer_text, command_help, for_terminal
from bot.discovery import discover
from bot.settings import Settings
from commands.kit.answer import Answer
from commands.kit.render import to_embed


@pytest.fixture(autouse=True)
def snapshot_source(monkeypatch):
    monkeypatch.setenv("MARKETBOT_DATA_SOURCE", "snapshot")


def last_session() -> str:
    """The bundled data's last session, read where the snapshot is loaded (prices and FRED end together)."""
    return str(min(load_snapshot().closes.index[-1], load_fred_snapshot().closes.index[-1]).date())


# -- 1. Discord's markup stays in Discord ------------------------------------------------------------------


MARKED_UP = Answer(
    "credit",
    "**Credit or rates?**",
    "Read as /compare a:^RUT b:^GSPC start:svb\nCredit: **KRE** -12.3%.",
    fields=(
        ("Suggestions", "• /quote symbols:KRE\n• `/credit as_of:2023-03-13 window:3`\n• `/alerts subscribe` (Discord)"),
        ("Not shown", "KRE/XLF and 1/3/5 years and /tmp/quote/x.png stay as they are"),
    ),
    footer="Data: snapshot · `/about` lists the symbols",
)


def test_an_answer_reads_as_plain_text_with_terminal_commands():
    assert answer_text(MARKED_UP) == (
        "Credit or rates?\n"
        "Read as marketbot ask compare a:^RUT b:^GSPC start:svb\n"
        "Credit: KRE -12.3%.\n"
        "\n"
        "Suggestions:\n"
        "  • marketbot ask quote symbols:KRE\n"
        "  • marketbot ask credit as_of:2023-03-13 window:3\n"
        "  • /alerts subscribe (Discord)\n"
        "Not shown: KRE/XLF and 1/3/5 years and /tmp/quote/x.png stay as they are\n"
        "\n"
        "Data: snapshot · marketbot ask about lists the symbols"
    )


def test_the_terminal_rendering_lives_in_the_console_and_discord_keeps_its_markup():
    assert not hasattr(Answer, "to_text")  # one place renders for the terminal: bot.console.answer_text
    embed = to_embed(MARKED_UP)
    assert embed.title == "**Credit or rates?**" and embed.description.startswith("Read as /compare a:^RUT")


def test_errors_name_terminal_commands_and_keep_their_quotes():
    assert for_terminal("`ZZZZ` is not in the snapshot. `/about` lists its symbols; or /quote.") == (
        "`ZZZZ` is not in the snapshot. `marketbot ask about` lists its symbols; or marketbot ask quote."
    )


def test_a_real_answer_and_what_ask_read_it_as(capsys):
    assert main(["ask", "ask", "question:russell vs s&p since svb"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:2] == ["Russell 2000 vs S&P 500", "Read as marketbot ask compare a:^RUT b:^GSPC start:svb"]
    assert not any("**" in line or "`" in line for line in lines)


def test_asks_suggestions_are_terminal_commands(capsys):
    assert main(["ask", "ask", "question:blah foo"]) == 1
    err = capsys.readouterr().err
    assert "\n• marketbot ask compare a:^RUT b:^GSPC start:1y (or ask:" in err
    assert "• /" not in err and "Also: marketbot ask history, marketbot ask banks," in err


def test_about_in_the_terminal_has_no_code_spans(capsys):
    assert main(["ask", "about"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert (
        "  marketbot ask compare: Two symbols since a date: returns, spread, their ratio in its history, drawdowns, "
        "chart" in lines
    )
    assert "  /alerts subscribe: Post alerts for a rule in a channel (Manage Server/Channels)" in lines  # Discord's
    assert not any("`" in line for line in lines)


# -- 2. --chart checked before any work, offered where there is a chart ----------------------------------------


@pytest.fixture
def no_answer(monkeypatch):
    """Any answer computed fails the test: the refusal must come first."""

    async def refuse(*_):
        raise AssertionError("answered before checking --chart")

    monkeypatch.setattr(console, "answer", refuse)


def test_chart_into_a_missing_folder_is_refused_before_answering(capsys, tmp_path, no_answer):
    chart = tmp_path / "missing" / "x.png"
    assert main(["ask", "compare", "--chart", str(chart)]) == 1
    assert capsys.readouterr() == (
        "",
        f"marketbot: --chart {chart}: the folder {chart.parent} does not exist; create it or pick another.\n",
    )


@pytest.mark.parametrize("command", ["quote", "rates", "ask question:kre"])
def test_chart_of_a_command_without_one_is_refused_before_answering(capsys, tmp_path, no_answer, command):
    name, *options = command.split()
    assert main(["ask", name, *options, "--chart", str(tmp_path / "x.png")]) == 1
    assert capsys.readouterr() == ("", f"marketbot: The {name} answer has no chart: leave out --chart.\n")
    assert main(["ask", name, *options, "--json", "--chart", str(tmp_path / "x.png")]) == 1
    assert json.loads(capsys.readouterr().out) == {
        "error": f"The {name} answer has no chart: leave out --chart.",
        "command": name,
    }


def test_chart_is_in_the_help_of_the_commands_that_draw_one():
    for command in discover().terminal:
        shown = command_help(command.name.split())
        assert ("[--chart FILE]" in shown.splitlines()[0]) == command.chart, command.name
        assert ("--chart FILE  write the chart" in shown) == command.chart, command.name
    assert "--chart" not in command_help(["quote"]) and "--chart" not in command_help(["alerts", "replay"])


# -- 3. mistakes that say what to type ----------------------------------------------------------------------


OPTIONS = "(options of compare: a, b, start, end)."
INSTEAD = "for symbols typed here, use `marketbot ask performance symbols:…` or `marketbot ask quote symbols:…`."


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "a=SPY"], f"`a=SPY` is not name:value: use name:value, e.g. `a:SPY` {OPTIONS}"),
        (["compare", "x=SPY"], f"`x=SPY` is not name:value: use name:value, e.g. `a:x=SPY` {OPTIONS}"),
        (["compare", "--chart", "out"], "--chart out: name a .png or .jpg file, e.g. out.png."),
        (["watchlist"], f"`/watchlist` works in Discord only: the watchlist is a Discord server's; {INSTEAD}"),
        (
            ["watchlist", "show"],
            f"`/watchlist show` works in Discord only: the watchlist is a Discord server's; {INSTEAD}",
        ),
    ],
)
def test_mistakes_say_what_to_type(capsys, argv, message):
    assert main(["ask", *argv]) == 1
    assert capsys.readouterr() == ("", f"marketbot: {message}\n")


def test_a_groups_help_lists_its_commands_here_and_in_discord(capsys):
    assert main(["ask", "alerts", "--help"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "usage: marketbot ask alerts SUBCOMMAND [name:value ...]"
    assert out[out.index("commands:") + 1].startswith("  alerts replay  The days a rule would have fired")
    assert "In Discord only: /alerts subscribe, /alerts unsubscribe, /alerts list, /alerts test." in out
    assert main(["ask", "help", "watchlist"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2] == f"None in the terminal: the watchlist is a Discord server's; {INSTEAD}"
    assert out[-1] == "In Discord only: /watchlist add, /watchlist remove, /watchlist show."


# -- 4. settings the data cannot serve: one line naming the variable, exit 2 -----------------------------------


@pytest.mark.parametrize("as_of", ["2030-01-01", "2026-06-01"])
def test_as_of_after_the_snapshot_is_refused_naming_the_variable(monkeypatch, capsys, as_of):
    monkeypatch.setenv("MARKETBOT_AS_OF", as_of)
    assert main(["ask", "quote"]) == 2
    refused = f"MARKETBOT_AS_OF={as_of} is after the snapshot's last session, {last_session()}: pick a date up to it."
    assert capsys.readouterr().err == f"marketbot: {refused}\n"


def test_as_of_on_the_weekend_after_the_last_session_replays_it(monkeypatch, capsys):
    monkeypatch.setenv("MARKETBOT_AS_OF", "2026-02-22")  # a Sunday: the session before is the snapshot's last
    assert main(["ask", "quote", "symbols:KRE", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["last_session"] == last_session() == "2026-02-20"


def test_as_of_before_the_snapshot_is_refused(monkeypatch, capsys):
    monkeypatch.setenv("MARKETBOT_AS_OF", "1980-01-02")
    assert main(["ask", "quote", "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"].startswith(
        "MARKETBOT_AS_OF=1980-01-02 is before the snapshot starts"
    )


def test_run_refuses_an_as_of_after_the_snapshot_before_connecting(monkeypatch, capsys):
    from bot.settings import SettingError
    from bot.wiring import open_services

    monkeypatch.setenv("MARKETBOT_AS_OF", "2026-06-01")
    with pytest.raises(SettingError, match=r"^MARKETBOT_AS_OF=2026-06-01 "), open_services(Settings(_env_file=None)):
        pass
    import discord.http

    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")  # offline, should it get that far
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    monkeypatch.setenv("MARKETBOT_WORKERS", "0")
    assert main(["run"]) == 2
    assert capsys.readouterr().err.endswith(
        f"MARKETBOT_AS_OF=2026-06-01 is after the snapshot's last session, {last_session()}: pick a date up to it.\n"
    )


def test_a_database_in_a_missing_folder_is_refused_and_not_created(monkeypatch, capsys, tmp_path):
    db = tmp_path / "nonexistent" / "x.sqlite3"
    monkeypatch.setenv("MARKETBOT_DB", str(db))
    assert main(["status"]) == 2
    assert capsys.readouterr().err == (
        f"marketbot: MARKETBOT_DB={str(db)[:40]}: its folder {db.parent} does not exist (create it first); "
        "fix it in the environment or .env.\n"
    )
    assert not db.parent.exists()


def test_the_default_database_folder_is_created(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "fresh"))
    settings = Settings(_env_file=None)
    assert not settings.db.parent.exists()  # allowed: marketbot creates its own folder
    assert main(["status"]) == 0
    assert settings.db.exists()


# -- 5. no voice warnings from a bot without voice ------------------------------------------------------------


@pytest.fixture
def logging_restored():
    root, client = logging.getLogger(), logging.getLogger("discord.client")
    handlers, level, filters = root.handlers[:], root.level, client.filters[:]
    yield
    root.handlers[:], client.filters[:] = handlers, filters
    root.setLevel(level)


def test_the_bots_client_does_not_warn_about_voice(monkeypatch, capsys, logging_restored):
    from discord.voice_client import VoiceClient

    from bot.app import MarketBot
    from bot.logs import configure

    monkeypatch.setattr(VoiceClient, "warn_nacl", True)  # as in a fresh process without PyNaCl and davey
    monkeypatch.setattr(VoiceClient, "warn_dave", True)
    configure("INFO", "text")
    MarketBot(context=None, alerts=None)  # type: ignore[arg-type]  # as bot/app.py builds it; only constructed
    logging.getLogger("discord.client").warning("another warning")
    err = capsys.readouterr().err
    assert "voice" not in err and "WARNING discord.client: another warning" in err  # discord's others stay
