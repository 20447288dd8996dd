"""The error pipeline: what the user is told, and what is logged for the unexpected."""

from __future__ import annotations

import logging
import re
from types import SimpleNamespace

import discord
import pytest
from discord import app_commands

from analytics.errors import (
    DataUnavailable,
    InsufficientHistory,
    InvalidInput,
    InvalidSymbol,
    RateLimited,
    UnknownSymbol,
)
from bot.discovery import discover
from commands.kit.command import Context
from commands.kit.errors import explain, on_error
from commands.kit.respond import Busy
from commands.kit.slash import slash_commands

REFERENCE = re.compile(r"^Something went wrong on our side \(reference `([0-9a-f]{8})`\)\. "
                       r"It has been logged; please try again later\.$")


def fake_interaction(options=None, command="compare", guild_id=42, channel_id=7, user_id=99, kind=None):
    return SimpleNamespace(
        command=SimpleNamespace(qualified_name=command) if command else None,
        data={"options": [{"name": "a", "value": "ZZZZ"}] if options is None else options},
        guild_id=guild_id,
        channel_id=channel_id,
        user=SimpleNamespace(id=user_id),
        type=kind or discord.InteractionType.application_command,
    )


def invoke_error(exc: Exception) -> app_commands.CommandInvokeError:
    """How discord.py wraps an exception raised by a command's callback."""
    return app_commands.CommandInvokeError(COMPARE, exc)


# The /compare slash command, as the bot builds it from the declaration.
CONTEXT = Context(responder=None, store=None, post_sample=None)
COMPARE = next(c for c in slash_commands(discover(), CONTEXT) if c.name == "compare")


DOMAIN_ERRORS = [
    (UnknownSymbol("ZZZZ"), "Unknown symbol `ZZZZ`."),
    (UnknownSymbol("ZZZZ", "delisted"), "Unknown symbol `ZZZZ`: delisted"),
    (InvalidInput("Start 2024-02-30 is not a real date."), "Start 2024-02-30 is not a real date."),
    (InvalidSymbol("A symbol is missing."), "A symbol is missing."),
    (InsufficientHistory("Not enough history."), "Not enough history."),
    (DataUnavailable("Yahoo is down."), "Yahoo is down."),
    (RateLimited("Yahoo is rate limiting; try again in a minute."), "Yahoo is rate limiting; try again in a minute."),
    (Busy("Too busy."), "Too busy."),
]


@pytest.mark.parametrize(("error", "message"), DOMAIN_ERRORS)
def test_domain_errors_give_their_own_message(error, message, caplog):
    with caplog.at_level(logging.DEBUG, logger="commands.kit.errors"):
        assert explain(fake_interaction(), error) == message
    assert caplog.records == []  # expected errors are not logged as failures


@pytest.mark.parametrize(("error", "message"), DOMAIN_ERRORS)
def test_wrapped_domain_errors_give_their_own_message(error, message):
    assert explain(fake_interaction(), invoke_error(error)) == message


def test_cooldown_names_the_command_and_the_wait():
    error = app_commands.CommandOnCooldown(app_commands.Cooldown(1, 10), retry_after=7.2)
    assert explain(fake_interaction(), error) == "You are asking quickly: try /compare again in 8 s."


def test_cooldown_never_says_zero_seconds():
    error = app_commands.CommandOnCooldown(app_commands.Cooldown(1, 10), retry_after=0.4)
    assert explain(fake_interaction(), error) == "You are asking quickly: try /compare again in 1 s."


def test_missing_permission_is_named_readably():
    error = app_commands.MissingPermissions(["manage_guild"])
    assert explain(fake_interaction(), error) == "This needs the Manage Guild permission in this server."


def test_several_missing_permissions_are_all_required():
    error = app_commands.MissingPermissions(["manage_guild", "ban_members"])
    message = explain(fake_interaction(), error)
    assert "Manage Guild and Ban Members" in message and " or " not in message


def test_other_check_failures():
    assert explain(fake_interaction(), app_commands.NoPrivateMessage()) == (
        "This command works in a server channel, not in direct messages."
    )
    assert explain(fake_interaction(), app_commands.CheckFailure("nope")) == "You cannot use this command here."


def test_transformer_error_echoes_the_value_escaped_and_short():
    class Year(app_commands.Transformer):
        async def transform(self, interaction, value):  # pragma: no cover - never called
            return value

    value = "*bold*_" + "x" * 100
    error = app_commands.TransformerError(value, discord.AppCommandOptionType.string, Year())
    message = explain(fake_interaction(), error)
    escaped = discord.utils.escape_markdown(value)[:50]
    assert message == f"`{escaped}` is not a valid value here."
    assert escaped.startswith("\\*bold\\*\\_")


@pytest.mark.parametrize("wrap", [False, True], ids=["raw", "wrapped"])
def test_unexpected_error_gets_a_reference_and_is_logged_with_context(wrap, caplog):
    original = ValueError("secret internal detail: /srv/marketbot/db password=hunter2")
    try:
        raise original
    except ValueError:
        pass
    error = invoke_error(original) if wrap else original
    with caplog.at_level(logging.ERROR, logger="commands.kit.errors"):
        message = explain(fake_interaction(guild_id=42, channel_id=7, user_id=99), error)

    match = REFERENCE.match(message)
    assert match, message
    reference = match.group(1)
    for leak in ("secret", "hunter2", "ValueError", "Traceback"):
        assert leak not in message

    [record] = caplog.records
    assert record.levelno == logging.ERROR and record.name == "commands.kit.errors"
    assert record.getMessage() == (
        f"Unexpected error ref={reference} command=/compare options={{'a': 'ZZZZ'}} guild=42 channel=7 user=99"
    )
    assert record.exc_info[0] is ValueError and record.exc_info[1] is original
    assert record.exc_info[2] is not None  # the traceback is in the log
    assert "Traceback" in caplog.text and "hunter2" in caplog.text


def test_each_unexpected_error_gets_its_own_reference(caplog):
    with caplog.at_level(logging.ERROR, logger="commands.kit.errors"):
        first = REFERENCE.match(explain(fake_interaction(), RuntimeError("x"))).group(1)
        second = REFERENCE.match(explain(fake_interaction(), RuntimeError("x"))).group(1)
    assert first != second
    assert [f"ref={first}" in r.getMessage() for r in caplog.records] == [True, False]
    assert [f"ref={second}" in r.getMessage() for r in caplog.records] == [False, True]


def test_log_flattens_subcommand_options_and_survives_missing_parts(caplog):
    options = [{"name": "alerts", "type": 1, "options": [{"name": "symbol", "value": "KRE"}, {"name": "pct", "value": 5}]}]
    with caplog.at_level(logging.ERROR, logger="commands.kit.errors"):
        explain(fake_interaction(options=options), RuntimeError("x"))
        dm = fake_interaction(command=None, guild_id=None)
        dm.data = None
        explain(dm, RuntimeError("y"))
    first, second = (r.getMessage() for r in caplog.records)
    assert "command=/compare options={'symbol': 'KRE', 'pct': 5} guild=42" in first
    assert "command=/? options={} guild=None" in second


# -- on_error: the reply goes privately to the user --


class FakeResponse:
    def __init__(self, done: bool, calls: list) -> None:
        self.done = done
        self.calls = calls

    def is_done(self) -> bool:
        return self.done

    async def send_message(self, content, *, ephemeral=False):
        self.calls.append(("send_message", content, ephemeral))


class FakeFollowup:
    def __init__(self, calls: list) -> None:
        self.calls = calls

    async def send(self, content, *, ephemeral=False):
        self.calls.append(("followup.send", content, ephemeral))


class RecordingObserver:
    """The bot's metrics, as on_error sees them through ``interaction.client.context.observer``."""

    def __init__(self) -> None:
        self.seen: list = []

    def answered(self, command, outcome, acknowledged, answered):
        self.seen.append((command, outcome, acknowledged, answered))


def replying_interaction(done: bool, kind=None):
    calls: list = []
    interaction = fake_interaction(kind=kind)
    interaction.created_at = discord.utils.utcnow()
    interaction.client = SimpleNamespace(context=Context(responder=None, store=None, post_sample=None,
                                                         observer=RecordingObserver()))  # fmt: skip
    interaction.response = FakeResponse(done, calls)
    interaction.followup = FakeFollowup(calls)

    async def edit_original_response(*, content):
        calls.append(("edit_original_response", content))

    async def delete_original_response():
        calls.append(("delete_original_response",))

    interaction.edit_original_response = edit_original_response
    interaction.delete_original_response = delete_original_response
    return interaction, calls


async def test_on_error_before_deferral_answers_privately():
    interaction, calls = replying_interaction(done=False)
    await on_error(interaction, invoke_error(UnknownSymbol("ZZZZ")))
    assert calls == [("send_message", "Unknown symbol `ZZZZ`.", True)]
    assert_observed(interaction, "refused")


async def test_on_error_after_a_public_deferral_removes_the_placeholder_before_the_private_reason():
    interaction, calls = replying_interaction(done=True)
    await on_error(interaction, invoke_error(UnknownSymbol("ZZZZ")))
    assert calls == [
        ("edit_original_response", "Answered privately."),
        ("delete_original_response",),
        ("followup.send", "Unknown symbol `ZZZZ`.", True),
    ]
    assert_observed(interaction, "refused")


def assert_observed(interaction, outcome: str) -> None:
    """The metrics were told once how the question ended: no acknowledgement, seconds since its creation."""
    [(command, seen, acknowledged, answered)] = interaction.client.context.observer.seen
    assert (command, seen, acknowledged) == ("compare", outcome, None)
    assert 0 <= answered < 60


async def test_on_error_without_an_observer_still_answers():
    """A client without a context (the terminal, a test) has no metrics to tell: the user is answered all the same."""
    interaction, calls = replying_interaction(done=False)
    interaction.client = SimpleNamespace()
    await on_error(interaction, invoke_error(DataUnavailable("Yahoo is down.")))
    assert calls == [("send_message", "Yahoo is down.", True)]


async def test_on_error_in_autocomplete_only_logs(caplog):
    interaction, calls = replying_interaction(done=False, kind=discord.InteractionType.autocomplete)
    with caplog.at_level(logging.ERROR, logger="commands.kit.errors"):
        await on_error(interaction, invoke_error(RuntimeError("x")))
    assert calls == []
    assert [r.getMessage() for r in caplog.records] == ["Autocomplete for /compare failed"]
