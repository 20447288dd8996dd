"""`marketbot` as a terminal user meets it: the console entry point in a subprocess.

Each case is one process; they start together (a module fixture) because each
spends most of its time importing pandas and discord.py.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from PIL import Image

from bot.discovery import discover
from commands.kit.version import package_version

pytestmark = pytest.mark.e2e  # starts the program: the slow tier (the in-process cases are in test_cli.py)

ROOT = Path(__file__).resolve().parents[2]
NO_ROUTE = "http://127.0.0.1:9"  # nothing listens: Yahoo is unreachable at once, as offline


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARKETBOT_") and k != "DISCORD_TOKEN"}
    env.update(
        HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
        PYTHONPATH=str(ROOT), COLUMNS="200", MARKETBOT_DATA_SOURCE="snapshot",
    )  # fmt: skip
    env.update(extra)
    return env


CASES: dict[str, tuple[list[str], dict[str, str]]] = {
    "bare": ([], {}),
    "version": (["--version"], {}),
    "ask help": (["ask", "--help"], {}),
    "compare help": (["ask", "compare", "--help"], {}),
    "replay help": (["ask", "Alerts", "replay", "-h"], {}),
    "chart missing folder": (["ask", "compare", "--chart", "/nonexistent/dir/x.png"], {}),
    "chart jpg": (["ask", "compare", "start:2023-01-03", "end:2023-06-30", "--chart", "x.jpg"], {}),
    "chart png": (["ask", "compare", "start:2023-01-03", "end:2023-06-30", "--chart", "x.png"], {}),
    "json bad symbol": (["ask", "compare", "a:NOPE!", "--json"], {}),
    "bad setting": (["ask", "quote"], {"MARKETBOT_AS_OF": "2023-13-45"}),
    "offline quiet": (["ask", "quote", "symbols:KRE"], {"MARKETBOT_DATA_SOURCE": "auto", "HTTPS_PROXY": NO_ROUTE, "https_proxy": NO_ROUTE}),
    "offline logged": (
        ["ask", "quote", "symbols:KRE"],
        {"MARKETBOT_DATA_SOURCE": "auto", "HTTPS_PROXY": NO_ROUTE, "https_proxy": NO_ROUTE, "MARKETBOT_LOG_LEVEL": "WARNING"},
    ),
}  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("terminal")


@pytest.fixture(scope="module")
def runs(home) -> dict[str, subprocess.CompletedProcess]:
    def run(case: str) -> subprocess.CompletedProcess:
        argv, extra = CASES[case]
        return subprocess.run(
            [sys.executable, "-m", "bot", *argv], cwd=home, env=environment(home, **extra),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CASES, pool.map(run, CASES), strict=True))


def test_bare_marketbot_shows_what_it_can_do(runs):
    bare = runs["bare"]
    assert bare.returncode == 0 and bare.stderr == ""
    lines = bare.stdout.splitlines()
    assert lines[0] == "usage: marketbot [-h] [--version] VERB ..."
    assert "    ask       answer a command in the terminal, e.g. `marketbot ask quote symbols:KRE`" in lines
    assert lines[-1] == "Start with `marketbot ask --help`: the commands you can ask, here or in Discord."


def test_version(runs):
    assert runs["version"].returncode == 0
    assert runs["version"].stdout == f"marketbot {package_version()}\n"


def test_ask_help_lists_every_command_with_its_slash_description(runs):
    helped = runs["ask help"]
    assert helped.returncode == 0 and helped.stderr == ""
    lines = helped.stdout.splitlines()
    assert lines[0] == "usage: marketbot ask COMMAND [name:value ...] [--json] [--chart FILE]"
    listed = lines[lines.index("commands:") + 1 :]
    terminal = {command.name: command for command in discover().terminal}
    width = max(map(len, terminal)) + 2
    for name, command in terminal.items():  # the catalog's commands, described by their declarations
        assert f"  {name.ljust(width)}{command.description}" in listed
    assert f"  {'alerts replay'.ljust(width)}The days a rule would have fired, to judge it before subscribing" in listed
    assert ("In Discord only: /status, /alerts subscribe, /alerts unsubscribe, /alerts list, /alerts test, "
            "/watchlist add, /watchlist remove, /watchlist show.") in lines


def test_command_help_prints_its_options_descriptions_and_defaults(runs):
    compare = runs["compare help"]
    assert compare.returncode == 0 and compare.stderr == ""
    assert compare.stdout == (
        "usage: marketbot ask compare [name:value ...] [--json] [--chart FILE]\n"
        "\n"
        "Two symbols since a date: returns, spread, their ratio in its history, drawdowns, chart\n"
        "\n"
        "options (name:value, as in Discord):\n"
        "  a      First symbol (default ^RUT, the Russell 2000)\n"
        "  b      Second symbol (default ^GSPC, the S&P 500)\n"
        "  start  A date (2022-10-12) or an anchor: oct-2022-low, svb, ytd, 1m ... 10y, max (default 1y)\n"
        "  end    A date (default: the last close)\n"
        "\n"
        "the defaults spelled out: marketbot ask compare a:^RUT b:^GSPC start:1y\n"
        "\n"
        "flags:\n"
        "  --json        print the figures as JSON\n"
        "  --chart FILE  write the chart (.png or .jpg)\n"
    )
    replay = runs["replay help"].stdout.splitlines()
    assert replay[0] == "usage: marketbot ask alerts replay [name:value ...] [--json]"  # it draws no chart
    # The rules are the choices, each with what it watches (from the rules' declarations).
    assert replay[replay.index("  rule         The rule to replay (default kre)") + 1 :][:2] == [
        "                 ratio: the Russell 2000 / S&P 500 ratio (IWM/SPY where an index is missing)",
        "                 kre: the regional-bank ETF KRE, with KRE/SPY as context",
    ]
    assert replay[replay.index("  sensitivity  How unusual a move must be (default standard)") + 1 :][:3] == [
        "                 sensitive: notable at |z| ≥ 1.5, sharp at |z| ≥ 2.5",
        "                 standard: notable at |z| ≥ 2, sharp at |z| ≥ 3",
        "                 quiet: notable at |z| ≥ 2.5, sharp at |z| ≥ 4",
    ]


def test_chart_into_a_missing_folder_is_refused_before_answering(runs):
    run = runs["chart missing folder"]
    assert run.returncode == 1
    assert run.stdout == ""
    assert run.stderr == "marketbot: --chart /nonexistent/dir/x.png: the folder /nonexistent/dir does not exist; create it or pick another.\n"


def test_chart_as_jpeg_is_the_png_re_encoded(runs, home):
    assert runs["chart jpg"].returncode == runs["chart png"].returncode == 0
    assert runs["chart jpg"].stdout == runs["chart png"].stdout
    jpeg, png = (home / "x.jpg").read_bytes(), (home / "x.png").read_bytes()
    assert jpeg[:3] == b"\xff\xd8\xff" and png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(jpeg)) as j, Image.open(io.BytesIO(png)) as p:
        assert (j.format, j.mode, j.size) == ("JPEG", "RGB", p.size)
        assert j.info["dpi"] == tuple(round(d) for d in p.info["dpi"])


def test_json_errors_are_json_on_stdout(runs):
    bad = runs["json bad symbol"]
    assert (bad.returncode, bad.stderr) == (1, "")
    assert json.loads(bad.stdout) == {
        "error": "a: `NOPE!` is not a valid symbol: use letters, digits, '.', '-', '=' and a leading '^' for indices (e.g. ^RUT, KRE, BRK-B).",
        "command": "compare",
    }


def test_a_bad_setting_is_one_line_naming_the_variable(runs):
    run = runs["bad setting"]
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == (
        "marketbot: MARKETBOT_AS_OF=2023-13-45: input should be a valid date or datetime, month value is outside "
        "expected range of 1-12; fix it in the environment or .env.\n"
    )


def test_offline_ask_is_quiet_unless_a_log_level_is_set(runs):
    quiet, logged = runs["offline quiet"], runs["offline logged"]
    assert quiet.returncode == logged.returncode == 0
    # The age ("9 months old") follows the real clock here: match around it.
    assert re.search(r"snapshot, last session 2026-02-20, \d+ \w+ old \(Yahoo Finance cannot be reached right now\)", quiet.stdout)
    assert quiet.stderr == ""
    assert "WARNING analytics.sources.market_data: Yahoo Finance failing" in logged.stderr


def test_a_closed_pipe_ends_quietly(home):
    """`marketbot ask history | head -1`: the reader is gone before the answer is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "ask", "history"], cwd=home, env=environment(home),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 1
    assert err == b""
