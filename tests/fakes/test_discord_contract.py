"""Discord's contract (tests/fakes/discord_contract.py): what real Discord refuses, refused the way it does."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tests.fakes import discord_contract
from tests.fakes.discord_server import FakeDiscord

COMMANDS = "/applications/1/commands"
GUILD_COMMANDS = "/applications/1/guilds/2/commands"
CHANNEL_MESSAGES = "/channels/3/messages"
FOLLOWUP = "/webhooks/1/token"
CALLBACK = "/interactions/4/token/callback"
EDIT = "/webhooks/1/token/messages/@original"


def command(name: str = "quote", **extra: Any) -> dict[str, Any]:
    """A slash command as discord.py sends it: a required string option with choices, an integer one."""
    return {
        "name": name,
        "description": "Quote a symbol",
        "type": 1,
        "options": [
            {
                "type": 3,
                "name": "symbol",
                "description": "Ticker",
                "required": True,
                "choices": [{"name": "Apple", "value": "AAPL"}],
            },
            {"type": 4, "name": "days", "description": "How far back", "min_value": 1, "max_value": 365},
        ],
        "nsfw": False,
        "dm_permission": True,
        "default_member_permissions": None,
        "contexts": None,
        "integration_types": None,
        **extra,
    }


def message() -> dict[str, Any]:
    """A message as discord.py sends it: content, an embed with fields, buttons, a select, an attachment."""
    return {
        "content": "KRE fell 27%",
        "embeds": [
            {
                "type": "rich",
                "title": "Regional banks",
                "description": "Stress",
                "color": 0x2ECC71,
                "fields": [{"name": "KRE", "value": "-27%", "inline": True}],
                "footer": {"text": "Data: Yahoo"},
                "image": {"url": "attachment://chart.png"},
            }
        ],
        "components": [
            {
                "type": 1,
                "components": [
                    {"type": 2, "style": 1, "label": "1y", "custom_id": "w:1y"},
                    {"type": 2, "style": 5, "label": "docs", "url": "https://example.com"},
                ],
            },
            {
                "type": 1,
                "components": [
                    {
                        "type": 3,
                        "custom_id": "pick",
                        "options": [{"label": "a", "value": "a"}],
                        "min_values": 1,
                        "max_values": 1,
                    }
                ],
            },
        ],
        "attachments": [{"id": 0, "filename": "chart.png"}],  # discord.py: an integer snowflake
        "allowed_mentions": {"parse": ["users"], "roles": ["1300000000000000030"]},
        "flags": 64,
        "tts": False,
    }


def form_error(errors: dict[str, Any]) -> dict[str, Any]:
    return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


TOO_LONG_100 = error("BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        (
            "PUT",
            COMMANDS,
            [command(f"c{i}") for i in range(100)] + [command("user", type=2, description="", options=[])],
        ),
        ("PUT", GUILD_COMMANDS, [command()]),
        ("POST", CHANNEL_MESSAGES, message()),
        ("POST", FOLLOWUP, message()),
        ("PATCH", EDIT, message()),
        ("POST", CALLBACK, {"type": 4, "data": message()}),
        ("POST", CALLBACK, {"type": 5, "data": {"flags": 64}}),
        ("POST", CALLBACK, {"type": 8, "data": {"choices": [{"name": "Apple", "value": "AAPL"}] * 25}}),
    ],
)
def test_what_discord_accepts_passes(method: str, path: str, body: Any) -> None:
    assert discord_contract.check(method, path, body) is None


def test_a_snowflake_is_a_digit_string_or_a_non_negative_integer() -> None:
    for snowflake in ("1300000000000000030", 1300000000000000030, 0):
        body = {"content": "x", "attachments": [{"id": snowflake}]}
        assert discord_contract.check("POST", CHANNEL_MESSAGES, body) is None
    refused = discord_contract.check("POST", CHANNEL_MESSAGES, {"content": "x", "attachments": [{"id": -1}]})
    assert refused is not None and refused.body == form_error(
        {"attachments": {"0": {"id": error("NUMBER_TYPE_MIN", "Value should be greater than or equal to 0.")}}}
    )


def commands_with(index: int, change) -> list[dict[str, Any]]:
    commands = [command(f"c{i}") for i in range(5)]
    change(commands[index])
    return commands


def with_options(n: int):
    return lambda c: c.update(options=[{"type": 3, "name": f"o{i}", "description": "d"} for i in range(n)])


def with_choices(n: int):
    return lambda c: c["options"][0].update(choices=[{"name": f"n{i}", "value": f"v{i}"} for i in range(n)])


def command_of_8000_characters() -> dict[str, Any]:
    """Its name and description (2 + 14), 25 subcommands of 32 + 100 characters with an option of
    32 + 100 each (6600), and the first one's 7 choices (6 of 100 + 100, one of 100 + 84)."""
    subcommands = [
        {
            "type": 1,
            "name": f"{i:032d}",
            "description": "d" * 100,
            "options": [{"type": 3, "name": f"{i:032d}", "description": "o" * 100}],
        }
        for i in range(25)
    ]
    choices = [{"name": f"{i:n>100}", "value": "v" * 100} for i in range(6)] + [{"name": "n" * 100, "value": "v" * 84}]
    subcommands[0]["options"][0]["choices"] = choices
    return {"name": "c4", "description": "Quote a symbol", "type": 1, "options": subcommands}


def oversized(c: dict[str, Any]) -> None:
    """8001 characters: a localized description one longer than the default counts instead."""
    c.clear()
    c.update(command_of_8000_characters(), description_localizations={"fr": "q" * 15})


def test_a_command_of_8000_characters_passes() -> None:
    assert discord_contract.check("PUT", COMMANDS, [command_of_8000_characters()]) is None


def embeds_of(*sizes: int) -> dict[str, Any]:
    return {"embeds": [{"description": "d" * size} for size in sizes]}


def button(**fields: Any) -> dict[str, Any]:
    return {
        "components": [{"type": 1, "components": [{"type": 2, "style": 1, "label": "x", "custom_id": "x", **fields}]}]
    }


@pytest.mark.parametrize(
    ("method", "path", "body", "errors"),
    [
        pytest.param(
            "PUT",
            COMMANDS,
            commands_with(3, lambda c: c.update(description="d" * 101)),
            {"3": {"description": TOO_LONG_100}},
            id="command description 101",
        ),
        pytest.param(
            "PUT",
            GUILD_COMMANDS,
            commands_with(1, lambda c: c["options"][1].update(description="d" * 101)),
            {
                "1": {
                    "options": {
                        "1": {"description": error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")}
                    }
                }
            },
            id="option description 101",
        ),
        pytest.param(
            "PUT",
            COMMANDS,
            commands_with(2, with_options(26)),
            {"2": {"options": error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")}},
            id="26 options",
        ),
        pytest.param(
            "PUT",
            COMMANDS,
            commands_with(0, with_choices(26)),
            {"0": {"options": {"0": {"choices": error("BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")}}}},
            id="26 choices",
        ),
        pytest.param(
            "PUT",
            COMMANDS,
            commands_with(0, lambda c: c["options"][0]["choices"][0].update(value="v" * 101)),
            {"0": {"options": {"0": {"choices": {"0": {"value": TOO_LONG_100}}}}}},
            id="choice value 101",
        ),
        pytest.param(
            "PUT",
            COMMANDS,
            commands_with(4, oversized),
            {"4": error("APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (8000)")},
            id="8001 characters",
        ),
        pytest.param(
            "PUT",
            COMMANDS,
            [command(f"c{i}") for i in range(101)],
            {
                "100": error(
                    "MAX_APPLICATION_COMMANDS", "Maximum number of CHAT_INPUT application commands reached (100)"
                )
            },
            id="101 global commands",
        ),
        pytest.param(
            "POST",
            FOLLOWUP,
            {"embeds": [{"fields": [{"name": "a", "value": "v"}, {"name": "b", "value": "v" * 1025}]}]},
            {
                "embeds": {
                    "0": {"fields": {"1": {"value": error("BASE_TYPE_MAX_LENGTH", "Must be 1024 or fewer in length.")}}}
                }
            },
            id="embed field value 1025",
        ),
        pytest.param(
            "POST",
            FOLLOWUP,
            {"embeds": [{"fields": [{"name": "a", "value": "  "}]}]},
            {"embeds": {"0": {"fields": {"0": {"value": error("BASE_TYPE_REQUIRED", "This field is required")}}}}},
            id="blank embed field value",
        ),
        pytest.param(
            "PATCH",
            EDIT,
            embeds_of(4000, 2001),
            {"embeds": error("MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")},
            id="6001 across 2 embeds",
        ),
        pytest.param(
            "POST",
            CHANNEL_MESSAGES,
            {"content": "c" * 2001},
            {"content": error("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")},
            id="channel content 2001",
        ),
        pytest.param(
            "POST",
            CALLBACK,
            {"type": 4, "data": {"content": "c" * 2001}},
            {"data": {"content": error("BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")}},
            id="callback content 2001",
        ),
        pytest.param(
            "POST",
            CHANNEL_MESSAGES,
            button(custom_id="i" * 101),
            {
                "components": {
                    "0": {
                        "components": {
                            "0": {"custom_id": error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")}
                        }
                    }
                }
            },
            id="custom_id 101",
        ),
        pytest.param(
            "POST",
            FOLLOWUP,
            button(label="l" * 81),
            {
                "components": {
                    "0": {
                        "components": {"0": {"label": error("BASE_TYPE_MAX_LENGTH", "Must be 80 or fewer in length.")}}
                    }
                }
            },
            id="button label 81",
        ),
        pytest.param(
            "POST",
            FOLLOWUP,
            {"components": [button(custom_id=f"b{i}")["components"][0] for i in range(6)]},
            {"components": error("BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")},
            id="6 action rows",
        ),
        pytest.param(
            "POST",
            CALLBACK,
            {"type": 8, "data": {"choices": [{"name": "n" * 101, "value": "v"}]}},
            {
                "data": {
                    "choices": {"0": {"name": error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")}}
                }
            },
            id="autocomplete choice name 101",
        ),
    ],
)
def test_what_discord_refuses_is_refused_as_discord_does(
    method: str, path: str, body: Any, errors: dict[str, Any]
) -> None:
    refused = discord_contract.check(method, path, copy.deepcopy(body))
    assert refused is not None
    assert (refused.status, refused.body) == (400, form_error(errors))


def test_a_violation_names_its_route_field_and_rule() -> None:
    refused = discord_contract.check("PUT", COMMANDS, commands_with(3, lambda c: c.update(description="d" * 101)))
    assert refused is not None
    assert refused.violations == (
        discord_contract.Violation(
            "PUT", COMMANDS, "3.description", "maxLength", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."
        ),
    )


def test_a_file_over_the_limit_is_413_and_an_empty_message_50006() -> None:
    too_big = discord_contract.check("POST", FOLLOWUP, {"content": "x"}, file_sizes=[11], file_size_limit=10)
    assert too_big is not None and (too_big.status, too_big.body["code"]) == (413, 40005)
    assert discord_contract.check("POST", FOLLOWUP, {}, file_sizes=[10], file_size_limit=10) is None
    for path, body in (
        (CHANNEL_MESSAGES, {"content": ""}),
        (FOLLOWUP, {"embeds": []}),
        (CALLBACK, {"type": 4, "data": {}}),
    ):
        empty = discord_contract.check("POST", path, body)
        assert empty is not None and (empty.status, empty.body) == (
            400,
            {"code": 50006, "message": "Cannot send an empty message"},
        )
    assert discord_contract.check("PATCH", EDIT, {"content": ""}) is None  # an edit may empty what it changes


def test_routes_without_a_body_contract_are_not_checked() -> None:
    before = discord_contract.validated_bodies()
    assert discord_contract.check("GET", "/users/@me", None) is None
    assert discord_contract.validated_bodies() == before
    assert discord_contract.check("POST", CHANNEL_MESSAGES, {"content": "x"}) is None
    assert discord_contract.validated_bodies() == before + 1


# -- through the fake --


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.stop()


async def put_commands(fake: FakeDiscord, commands: list[dict[str, Any]]) -> tuple[int, Any]:
    url = f"{fake.url}/api/v10/applications/{FakeDiscord.APP_ID}/commands"
    async with (
        aiohttp.ClientSession(headers={"Authorization": "Bot x"}) as session,
        session.put(url, json=commands) as response,
    ):
        return response.status, await response.json()


async def test_the_fake_refuses_records_and_keeps_nothing(fake: FakeDiscord) -> None:
    bad = commands_with(3, lambda c: c.update(description="d" * 101))
    with fake.expecting_refusals() as refused:
        status, body = await put_commands(fake, bad)
    assert (status, body) == (400, form_error({"3": {"description": TOO_LONG_100}}))
    assert [(v.method, v.path, v.field, v.rule) for v in refused] == [
        ("PUT", f"/applications/{FakeDiscord.APP_ID}/commands", "3.description", "maxLength")
    ]
    assert fake.violations == refused and fake.take_unexpected_violations() == []
    assert fake.commands == {} and fake.command_syncs == []  # refused whole, as Discord does
    assert (await put_commands(fake, [command()]))[0] == 200
    assert fake.validated == 2 and fake.command_syncs == ["global"]


async def test_a_refusal_nobody_expected_is_handed_out_once(fake: FakeDiscord) -> None:
    await put_commands(fake, [command(f"c{i}") for i in range(101)])
    [violation] = fake.take_unexpected_violations()
    assert (violation.field, violation.rule) == ("100", "commands_per_type")
    assert fake.take_unexpected_violations() == [] and fake.violations == [violation]
