"""The `marketbot` command line: ask (text, JSON, chart), snapshot export, errors without tracebacks."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from bot.cli import main
from bot.discovery import discover


@pytest.fixture(autouse=True)
def snapshot_source(monkeypatch):
    monkeypatch.setenv("MARKETBOT_DATA_SOURCE", "snapshot")


def test_ask_compare_text(capsys):
    assert main(["ask", "compare", "a:^RUT", "b:^GSPC", "start:2022-10-12", "end:2025-10-21"]) == 0
    out = capsys.readouterr().out
    assert "Small caps trail: Russell 2000 +47.4% vs S&P 500 +88.3%, -40.9 pp" in out
    assert "snapshot, last session 2026-02-20, " in out and " old" in out  # its age: the real clock


def test_ask_json_and_chart(capsys, tmp_path):
    chart = tmp_path / "compare.png"
    assert main(["ask", "compare", "start:oct-2022-low", "end:2025-10-21", "--json", "--chart", str(chart)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"command", "source", "as_of", "start", "end", "a", "b", "spread_pp", "ratio"} <= set(data)
    assert data["a"]["symbol"] == "^RUT" and round(data["a"]["return_pct"], 1) == 47.4
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ask_bad_input_is_one_line_on_stderr(capsys):
    assert main(["ask", "compare", "a:NOPE!"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("marketbot: a: `NOPE!` is not a valid symbol")
    assert "Traceback" not in captured.err


def test_as_of_replays_the_past(monkeypatch, capsys):
    monkeypatch.setenv("MARKETBOT_AS_OF", "2023-03-13")
    assert main(["ask", "quote", "symbols:KRE", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["last_session"] == "2023-03-13" and data["rows"][0]["session"] == "2023-03-13"


def test_snapshot_export_round_trips(tmp_path, capsys):
    from importlib import resources

    out = tmp_path / "prices.csv"
    assert main(["snapshot", "export", str(out)]) == 0
    assert "wrote 297183 rows" in capsys.readouterr().out  # prices (261,621) and credit ETFs (35,562)
    parts = []
    for name in ("prices_daily", "credit_daily"):
        with resources.files("analytics").joinpath(f"data/{name}.csv.gz").open("rb") as fh:
            parts.append(pd.read_csv(fh, compression="gzip"))
    original = pd.concat(parts).sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
    exported = pd.read_csv(out)
    assert list(exported.columns) == ["date", "symbol", "close", "volume"]
    pd.testing.assert_frame_equal(exported, original, check_exact=False, rtol=1e-8)


def test_run_without_network_fails_cleanly(monkeypatch, capsys):
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    # Nothing listens on this port: the connection is refused at once, as in an outage.
    import discord.http

    monkeypatch.setattr(discord.http.Route, "BASE", "http://127.0.0.1:9/api/v10")
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert "Cannot reach Discord" in err and "not-a-real-token" not in err and "Traceback" not in err


def test_sync_without_a_token_says_what_is_missing(capsys):
    assert main(["sync"]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err


# -- discoverability (the subprocess versions are in test_cli_terminal.py) --


def test_bare_ask_and_bare_verbs_show_their_help(capsys):
    assert main(["ask"]) == 0
    bare = capsys.readouterr()
    assert main(["ask", "--help"]) == 0
    assert capsys.readouterr().out == bare.out and bare.err == ""
    assert bare.out.startswith("usage: marketbot ask COMMAND [name:value ...] [--json] [--chart FILE]\n")
    assert "required" not in bare.out and "\ncommands:\n  compare " in bare.out
    assert main(["alerts"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "usage: marketbot alerts [-h] VERB ..."
    assert main(["snapshot"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "usage: marketbot snapshot [-h] VERB ..."


def test_help_of_a_command_without_options(capsys):
    assert main(["ask", "History", "--help"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == [
        "usage: marketbot ask history [--json] [--chart FILE]",
        "",
        "Russell 2000 vs S&P 500 by calendar year, and how often small caps won over 1/3/5 years",
        "",
        "history takes no options.",
    ]


def test_every_option_of_every_command_is_described_by_its_slash_command():
    """One source of truth: a handler option Discord does not know (preset vs sensitivity) would show undescribed."""
    from bot.console import terminal_commands

    for command in terminal_commands().values():
        assert command.description, command.name
        for option in command.options:
            assert option.description, f"{command.name} {option.name}"


# -- option parsing --


def ask_json(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["ask", *argv, "--json"])
    data = json.loads(capsys.readouterr().out)
    data.pop("fetched_at", None)  # when the snapshot was read: differs between asks
    return code, data


def test_a_space_after_the_colon_case_and_order_do_not_matter(capsys):
    code, plain = ask_json(capsys, "compare", "a:SPY", "start:2023-01-03", "end:2023-06-30")
    assert code == 0 and (plain["start"], plain["end"], plain["a"]["symbol"]) == ("2023-01-03", "2023-06-30", "SPY")
    for argv in (
        ["compare", "a:SPY", "start:", "2023-01-03", "end:", "2023-06-30"],  # `start: 2023-01-03` in a shell
        ["Compare", "A:spy", "START:2023-01-03", "End:2023-06-30"],
    ):
        assert ask_json(capsys, *argv) == (0, plain)
    # An empty value followed by another option is that option's default, not the next word.
    code, default_end = ask_json(capsys, "compare", "a:SPY", "end:", "start:2023-01-03")
    assert code == 0 and default_end["end"] == "2026-02-20"
    # Flags may come anywhere.
    assert ask_json(capsys, "--json", "compare", "a:SPY", "--chart", "c.png", "start:2023-01-03", "end:2023-06-30") == (0, plain)


def test_the_alerts_subcommand_takes_sensitivity_as_in_discord(capsys):
    code, data = ask_json(capsys, "Alerts", "Replay", "rule:kre", "sensitivity:sensitive", "start:2023-03-01", "end:2023-03-31")
    assert code == 0 and (data["command"], data["preset"], len(data["events"])) == ("alerts replay", "sensitive", 6)


ALL = ", ".join(c.name for c in discover().terminal)  # compare, performance, ... alerts replay, ask: catalog order


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["compare", "a:SPY", "a:IWM"], "`a` is given twice (a:SPY and a:IWM); give it once."),
        (["compare", "A:SPY", "a:", "IWM"], "`a` is given twice (a:SPY and a:IWM); give it once."),
        (["history", "x:1"], "history takes no options (got `x:1`)."),
        (["history", "extra"], "history takes no options (got `extra`)."),
        (["quote", "KRE"], "`KRE` is not name:value: use name:value, e.g. `symbols:KRE` (options of quote: symbols)."),
        (["compare", "strat:1y"], "`strat` is not an option of compare (did you mean `start`?). Its options: a, b, start, end."),
        (["compre"], f"Unknown command `compre` (did you mean `compare`?). Commands: {ALL} (`marketbot ask --help`)."),
        (["alerts"], "`alerts` needs a subcommand; the terminal answers `alerts replay`."),
        (["alerts", "subscribe", "rule:kre"], f"`/alerts subscribe` works in Discord only; the terminal answers: {ALL}."),
        (["compare", "--chart", "x.gif"], "--chart x.gif: name a .png or .jpg file (got `.gif`)."),
        (["compare", "--chart", "."], "--chart . is a folder: name a file in it, e.g. chart.png."),
        (["quote", "symbols:ZZZZ"], "`ZZZZ` is not in the offline snapshot. `marketbot ask about` lists its symbols."),
    ],
)  # fmt: skip
def test_mistakes_are_one_line_saying_what_to_change(capsys, argv, message):
    assert main(["ask", *argv]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", f"marketbot: {message}\n")
    assert main(["ask", *argv, "--json"]) == 1
    captured = capsys.readouterr()
    assert captured.err == ""
    assert json.loads(captured.out) == {"error": message, "command": argv[0].lower()}


def test_an_answer_without_a_chart_is_refused_before_it_is_computed(capsys, tmp_path):
    assert main(["ask", "rates", "--chart", str(tmp_path / "r.png")]) == 1
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "marketbot: The rates answer has no chart: leave out --chart.\n"
    assert not (tmp_path / "r.png").exists()
    assert main(["ask", "rates", "--json", "--chart", str(tmp_path / "r.png")]) == 1
    assert json.loads(capsys.readouterr().out) == {"error": "The rates answer has no chart: leave out --chart.", "command": "rates"}


def test_bad_settings_are_one_line_each_and_json_with_json(monkeypatch, capsys):
    monkeypatch.setenv("MARKETBOT_AS_OF", "2023-03-13")
    monkeypatch.setenv("MARKETBOT_DATA_SOURCE", "yahoo")
    assert main(["ask", "quote"]) == 2
    assert capsys.readouterr().err == (
        "marketbot: MARKETBOT_AS_OF replays the snapshot; it cannot be combined with MARKETBOT_DATA_SOURCE=yahoo.\n"
    )
    monkeypatch.setenv("MARKETBOT_AS_OF", "someday")
    monkeypatch.setenv("MARKETBOT_DATA_SOURCE", "snapshot")
    assert main(["ask", "quote", "--json"]) == 2
    assert json.loads(capsys.readouterr().out) == {
        "error": "MARKETBOT_AS_OF=someday: input should be a valid date or datetime, input is too short; "
        "fix it in the environment or .env.",
        "command": "quote",
    }


def test_snapshot_export_mistakes_are_one_line(capsys, tmp_path):
    assert main(["snapshot", "export", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"marketbot: {tmp_path} is a folder: name a file in it, e.g. {tmp_path / 'prices.csv'}.\n"
    assert main(["snapshot", "export", str(tmp_path / "no" / "prices.csv")]) == 1
    assert capsys.readouterr().err == f"marketbot: The folder {tmp_path / 'no'} does not exist; create it or pick another.\n"
    assert main(["snapshot", "export", str(tmp_path / "prices.csv"), "--symbols", "ZZZZ"]) == 1
    assert capsys.readouterr().err == (
        "marketbot: `ZZZZ` is not in the offline snapshot. `marketbot ask about` lists its symbols.\n"
    )
    assert not (tmp_path / "prices.csv").exists()


def test_help_as_a_word(capsys):
    assert main(["ask", "compare", "--help"]) == 0
    flag = capsys.readouterr().out
    assert main(["ask", "help", "Compare"]) == 0
    assert capsys.readouterr().out == flag
    assert main(["ask", "--help"]) == 0
    listing = capsys.readouterr().out
    assert main(["ask", "help"]) == 0
    assert capsys.readouterr().out == listing
