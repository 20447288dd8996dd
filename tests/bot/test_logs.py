"""The log's two formats: readable lines by default, one JSON object a line for collectors."""

from __future__ import annotations

import json
import logging
from types import SimpleNamespace

import pytest

from bot.logs import configure
from commands.kit.logged import about, interaction_fields

GUILD = 1_300_000_000_000_000_010


@pytest.fixture(autouse=True)
def restore_logging():
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_question_they_are_about(capsys):
    configure("INFO", "json")
    interaction = SimpleNamespace(id=42, guild_id=GUILD, client=SimpleNamespace(shard_count=4))
    with about(**interaction_fields(interaction, "compare")):
        logging.getLogger("commands.test").warning("a %s line", "logged")
    logging.getLogger("commands.test").info("outside")
    inside, outside = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert inside == {
        "time": inside["time"],
        "level": "WARNING",
        "logger": "commands.test",
        "message": "a logged line",
        "interaction": 42,
        "guild": GUILD,
        "shard": (GUILD >> 22) % 4,  # Discord's rule for a guild's shard
        "command": "compare",
    }
    assert inside["time"].endswith("+00:00") and "T" in inside["time"]
    assert outside.keys() == {"time", "level", "logger", "message"}  # nothing about anything


def test_json_lines_carry_the_traceback(capsys):
    configure("INFO", "json")
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("bot.test").exception("failed")
    line = json.loads(capsys.readouterr().err)
    assert line["message"] == "failed" and line["traceback"].endswith("ValueError: boom")


def test_text_is_the_default_format(capsys):
    configure("INFO", "text")
    with about(command="quote"):
        logging.getLogger("bot.test").warning("plain")
    assert capsys.readouterr().err.rstrip().endswith(" WARNING bot.test: plain")
