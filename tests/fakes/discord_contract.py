"""Discord's contract for the request bodies the fake Discord accepts: what real Discord refuses.

Two sources, one place:

- the OpenAPI 3.1 spec Discord publishes (vendored in tests/discord_spec, see its README):
  each route's requestBody schema, checked with jsonschema (Draft 2020-12);
- the limits Discord documents but the schema does not express (docs cited by file and line,
  discord/discord-api-docs at c98d64bc), e.g. 8000 characters per slash command, 6000
  characters across a message's embeds, 5 action rows, unique custom_ids.

    refusal = check("PUT", "/applications/1/commands", commands)   # the path without /api/v10
    if refusal:  # -> Refusal: status, body (Discord's error JSON), violations
        ...

A form violation is answered as Discord does: 400 {"code": 50035, "message": "Invalid Form Body",
"errors": {...}} with the errors nested by field, {"3": {"description": {"_errors": [{"code":
"BASE_TYPE_MAX_LENGTH", "message": "Must be 100 or fewer in length."}]}}}, which discord.py
flattens into HTTPException.text and CommandSyncFailure. A file over the size limit is 413
(40005), a message with nothing in it 400 (50006).
"""

from __future__ import annotations

import collections
import functools
import gzip
import json
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SPEC_FILE = Path(__file__).resolve().parents[1] / "discord_spec" / "openapi.json.gz"
SPEC_URI = "urn:discord-api-spec:openapi.json"
DEFAULT_FILE_SIZE_LIMIT = 10 * 1024 * 1024  # docs developers/reference.mdx:430: 10 MiB per file by default
IS_COMPONENTS_V2 = 1 << 15
LINK, PREMIUM = 5, 6  # button styles that carry no custom_id
CHAT_INPUT = 1
# command type -> (name, how many a scope may hold: global, or each guild);
# docs developers/interactions/application-commands.mdx:169-173
MAX_COMMANDS_PER_TYPE = {CHAT_INPUT: ("CHAT_INPUT", 100), 2: ("USER", 15), 3: ("MESSAGE", 15)}

_validated_bodies = 0


@dataclass(frozen=True)
class Violation:
    """One rule of Discord's a request broke."""

    method: str
    path: str  # the API path, e.g. /channels/1/messages
    field: str  # dotted, e.g. "3.options.1.description", "embeds.0.fields.2.value"; "" for the whole body
    rule: str  # the schema keyword (maxLength, required...) or the documented limit (embeds_total_length...)
    code: str  # Discord's error code for it, e.g. BASE_TYPE_MAX_LENGTH ("40005", "50006" for 413 and 50006)
    message: str


@dataclass(frozen=True)
class Refusal:
    """Discord's answer to a request that breaks its contract."""

    status: int
    body: dict[str, Any]  # Discord's error JSON
    violations: tuple[Violation, ...]


class _Breach(NamedTuple):
    field: str
    rule: str
    code: str
    message: str


Rules = Callable[[Any, int], Iterator[_Breach]]  # (body, number of files) -> what the schema misses


def validated_bodies() -> int:
    """Request bodies checked against the contract in this process."""
    return _validated_bodies


def check(
    method: str,
    path: str,
    body: Any,
    *,
    file_sizes: Sequence[int] = (),
    file_size_limit: int = DEFAULT_FILE_SIZE_LIMIT,
) -> Refusal | None:
    """Discord's refusal of this request (the JSON body, or a multipart body's payload_json, and the
    sizes of its files[n]), or None if Discord accepts it or the route carries no body we know."""
    global _validated_bodies
    route = _route(method, path)
    if route is None:
        return None
    _validated_bodies += 1
    if any(size > file_size_limit for size in file_sizes):
        breach = _Breach("files", "file_size", "40005", f"A file is over the {file_size_limit}-byte limit")
        return _refusal(413, 40005, "Request entity too large", method, path, [breach])
    breaches = [*_schema_breaches(route, body), *route.rules(body, len(file_sizes))]
    if breaches:
        return _refusal(400, 50035, "Invalid Form Body", method, path, list(dict.fromkeys(breaches)))
    created = route.created_message(body)
    if created is not None and _is_empty(created, len(file_sizes)):
        breach = _Breach("", "not_empty", "50006", "Cannot send an empty message")
        return _refusal(400, 50006, "Cannot send an empty message", method, path, [breach])
    return None


def refuse(method: str, path: str, field: str, rule: str, code: str, message: str) -> Refusal:
    """400 Invalid Form Body for one violation: for rules a body alone does not show (the fake
    knows the interaction it answers)."""
    return _refusal(400, 50035, "Invalid Form Body", method, path, [_Breach(field, rule, code, message)])


def _refusal(status: int, code: int, message: str, method: str, path: str, breaches: list[_Breach]) -> Refusal:
    violations = tuple(Violation(method, path, *breach) for breach in breaches)
    body: dict[str, Any] = {"code": code, "message": message}
    if code == 50035:
        body["errors"] = _nested_errors(violations)
    return Refusal(status, body, violations)


def _nested_errors(violations: Sequence[Violation]) -> dict[str, Any]:
    """Discord's errors shape: {"a": {"0": {"_errors": [{"code": ..., "message": ...}]}}}."""
    tree: dict[str, Any] = {}
    for violation in violations:
        node = tree
        for key in violation.field.split(".") if violation.field else ():
            node = node.setdefault(key, {})
        node.setdefault("_errors", []).append({"code": violation.code, "message": violation.message})
    return tree


# -- the spec --


@functools.cache
def _registry() -> Registry:
    spec = json.loads(gzip.decompress(SPEC_FILE.read_bytes()))
    schemas = spec["components"]["schemas"]
    # Discord takes an integer wherever the spec types a snowflake as a string (discord.py sends
    # attachment and allowed-mention ids as integers): tests/discord_spec/README.md
    schemas["SnowflakeType"]["type"] = ["string", "integer"]
    schemas["SnowflakeType"]["minimum"] = 0
    for schema in schemas.values():
        _enum_from_consts(schema)
    return Registry().with_resource(SPEC_URI, DRAFT202012.create_resource(spec)).crawl()


def _enum_from_consts(schema: dict[str, Any]) -> None:
    """The spec writes its enums as a oneOf of titled consts; as an enum they accept the same values,
    are checked in one step instead of one per value (the bulk of a command sync's time), and a
    wrong value is told all the choices."""
    branches = schema.get("oneOf")
    if branches and all(isinstance(branch, dict) and "const" in branch for branch in branches):
        schema["enum"] = [branch["const"] for branch in schema.pop("oneOf")]


@functools.cache
def _validator(template: str, method: str) -> Draft202012Validator:
    """The requestBody schema of one route of the spec, compiled once."""
    escaped = template.replace("~", "~0").replace("/", "~1")
    pointer = f"/paths/{escaped}/{method.lower()}/requestBody/content/application~1json/schema"
    return Draft202012Validator({"$ref": f"{SPEC_URI}#{pointer}"}, registry=_registry())


def _schema_breaches(route: _Route, body: Any) -> Iterator[_Breach]:
    for error in _validator(route.template, route.method).iter_errors(body):
        for leaf in _leaf_errors(error):
            yield from _as_breaches(leaf)


def _leaf_errors(error: ValidationError) -> list[ValidationError]:
    """The errors that say what is wrong: inside a oneOf/anyOf no branch satisfies, those of the
    branch the body meant (jsonschema's best_match gives up when branches tie, as Discord's do)."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        return _meant_branch_leaves(error)
    return [error]


def _meant_branch_leaves(error: ValidationError) -> list[ValidationError]:
    """The leaf errors of the branch closest to the body: its discriminator matched (Discord's
    unions are told apart by an enum such as "type", or null vs an object), then the fewest
    type mismatches, then the fewest errors; the union's own error if no discriminator matched."""
    branches: dict[Any, list[ValidationError]] = collections.defaultdict(list)
    for sub in error.context or ():
        branches[sub.relative_schema_path[0]].append(sub)
    depth = len(error.absolute_path)

    def discriminator_failed(sub: ValidationError) -> bool:
        sub_depth = len(sub.absolute_path)
        return (sub.validator == "type" and sub_depth == depth) or (
            sub.validator in ("enum", "const") and sub_depth == depth + 1
        )

    def distance(subs: list[ValidationError]) -> tuple[tuple[bool, int, int], list[ValidationError]]:
        leaves = [leaf for sub in subs for leaf in _leaf_errors(sub)]
        mismatches = sum(leaf.validator == "type" for leaf in leaves)
        return (any(map(discriminator_failed, subs)), mismatches, len(leaves)), leaves

    (discriminator_mismatch, *_), leaves = min(map(distance, branches.values()), key=lambda scored: scored[0])
    return [error] if discriminator_mismatch else leaves


def _as_breaches(error: ValidationError) -> Iterator[_Breach]:
    field = ".".join(str(key) for key in error.absolute_path)
    keyword, limit, schema = error.validator, error.validator_value, error.schema
    if keyword == "required":
        for name in limit:
            if name not in error.instance:
                yield _Breach(_join(field, name), "required", "BASE_TYPE_REQUIRED", "This field is required")
    elif keyword in _LENGTH_PAIRS:
        low_key, high_key = _LENGTH_PAIRS[keyword]
        low, high = schema.get(low_key) or 0, schema.get(high_key)
        if low and high is not None:
            yield _Breach(field, keyword, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")
        elif keyword == high_key:
            yield _Breach(field, keyword, "BASE_TYPE_MAX_LENGTH", f"Must be {high} or fewer in length.")
        else:
            yield _Breach(field, keyword, "BASE_TYPE_MIN_LENGTH", f"Must be {low} or more in length.")
    elif keyword in ("enum", "const"):
        choices = ", ".join(map(str, limit if keyword == "enum" else [limit]))
        yield _Breach(field, keyword, "BASE_TYPE_CHOICES", f"Value must be one of ({choices}).")
    elif keyword == "maximum":
        yield _Breach(field, keyword, "NUMBER_TYPE_MAX", f"Value should be less than or equal to {limit}.")
    elif keyword == "minimum":
        yield _Breach(field, keyword, "NUMBER_TYPE_MIN", f"Value should be greater than or equal to {limit}.")
    elif keyword == "type" and error.instance is None:
        yield _Breach(field, keyword, "BASE_TYPE_REQUIRED", "This field is required")
    elif keyword in ("oneOf", "anyOf"):
        yield _Breach(field, keyword, "BASE_TYPE_INVALID", "Value is of none of the kinds this field takes.")
    else:
        yield _Breach(field, keyword, "BASE_TYPE_INVALID", error.message[:200])


# keyword -> (its lower bound's keyword, its upper bound's): both set means "between"
_LENGTH_PAIRS = {
    keyword: pair
    for pair in (("minLength", "maxLength"), ("minItems", "maxItems"), ("minProperties", "maxProperties"))
    for keyword in pair
}


def _join(prefix: str, key: object) -> str:
    return f"{prefix}.{key}" if prefix else str(key)


# -- what the schema does not say --


def _command_rules(commands: Any, files: int) -> Iterator[_Breach]:
    if not isinstance(commands, list):
        return
    per_type: collections.Counter[int] = collections.Counter()
    for index, command in enumerate(commands):
        if not isinstance(command, dict):
            continue
        command_type = command.get("type") or CHAT_INPUT
        per_type[command_type] += 1
        type_name, limit = MAX_COMMANDS_PER_TYPE.get(command_type, ("", math.inf))
        if per_type[command_type] == limit + 1:  # named on the first command past the limit
            message = f"Maximum number of {type_name} application commands reached ({limit})"
            yield _Breach(str(index), "commands_per_type", "MAX_APPLICATION_COMMANDS", message)
        if command_type == CHAT_INPUT and _command_size(command) > 8000:
            # docs developers/interactions/application-commands.mdx:450
            message = "Command exceeds maximum size (8000)"
            yield _Breach(str(index), "command_size", "APPLICATION_COMMAND_TOO_LARGE", message)
        yield from _choice_value_rules(command.get("options"), f"{index}.options")


def _command_size(node: dict[str, Any]) -> int:
    """Characters of names, descriptions and values of a command, its options (subcommands and
    groups too) and their choices; a localized field counts its longest text, the default included."""
    size = sum(_longest(node, key) for key in ("name", "description", "value"))
    children = [*(node.get("options") or []), *(node.get("choices") or [])]
    return size + sum(_command_size(child) for child in children if isinstance(child, dict))


def _longest(node: dict[str, Any], key: str) -> int:
    if node.get(key) is None:
        return 0
    localized = node.get(f"{key}_localizations") or {}
    return max(len(str(text)) for text in [node[key], *localized.values()])


def _choice_value_rules(options: Any, field: str) -> Iterator[_Breach]:
    for i, option in enumerate(options or []):
        if isinstance(option, dict):
            yield from _choice_rules(option.get("choices"), f"{field}.{i}.choices")
            yield from _choice_value_rules(option.get("options"), f"{field}.{i}.options")


def _choice_rules(choices: Any, field: str) -> Iterator[_Breach]:
    """A string choice's value: at most 100 characters (docs
    developers/interactions/application-commands.mdx:124; the spec says 6000, see the README)."""
    for i, choice in enumerate(choices or []):
        value = choice.get("value") if isinstance(choice, dict) else None
        if isinstance(value, str) and len(value) > 100:
            yield _Breach(
                f"{field}.{i}.value", "choice_value_length", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length."
            )


def _callback_rules(body: Any, files: int) -> Iterator[_Breach]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return
    if body.get("type") in (4, 7):  # a message, created or the clicked one updated
        yield from _message_rules(body["data"], files, "data")
    elif body.get("type") == 8:  # autocomplete choices
        yield from _choice_rules(body["data"].get("choices"), "data.choices")


def _channel_message_rules(message: Any, files: int) -> Iterator[_Breach]:
    # docs developers/resources/message.mdx:1080: content up to 2000 characters (the spec's
    # MessageCreateRequest allows 4000, a Nitro user's limit; webhooks and callbacks say 2000)
    if isinstance(message, dict) and len(message.get("content") or "") > 2000:
        yield _Breach("content", "content_length", "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    yield from _message_rules(message, files, "")


def _message_rules(message: Any, files: int, prefix: str) -> Iterator[_Breach]:
    if not isinstance(message, dict):
        return
    if files > 10:
        yield _Breach(_join(prefix, "files"), "files_count", "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    yield from _embed_rules(message.get("embeds") or [], _join(prefix, "embeds"))
    yield from _allowed_mentions_rules(message.get("allowed_mentions") or {}, _join(prefix, "allowed_mentions"))
    if not (message.get("flags") or 0) & IS_COMPONENTS_V2:
        yield from _legacy_component_rules(message.get("components") or [], _join(prefix, "components"))


# the embed texts Discord counts toward 6000 characters (docs developers/resources/message.mdx:619)
_EMBED_TEXTS = (("title",), ("description",), ("footer", "text"), ("author", "name"))


def _embed_rules(embeds: list[Any], field: str) -> Iterator[_Breach]:
    total = 0
    for i, embed in enumerate(embeds):
        if not isinstance(embed, dict):
            continue
        total += sum(len(_text(embed, *keys)) for keys in _EMBED_TEXTS)
        for j, embed_field in enumerate(embed.get("fields") or []):
            for key in ("name", "value"):
                text = _text(embed_field, key)
                total += len(text)
                if not text:  # Discord trims texts (message.mdx:607): whitespace alone is missing
                    yield _Breach(
                        f"{field}.{i}.fields.{j}.{key}",
                        "embed_field_text",
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    )
    if total > 6000:  # across all embeds of the message (message.mdx:619)
        yield _Breach(
            field, "embeds_total_length", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
        )


def _text(obj: Any, *keys: str) -> str:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj.strip() if isinstance(obj, str) else ""


def _allowed_mentions_rules(allowed: dict[str, Any], field: str) -> Iterator[_Breach]:
    # docs developers/resources/message.mdx:809: "parse" and the matching id list together are invalid
    for kind in ("roles", "users"):
        if allowed.get(kind) and kind in (allowed.get("parse") or []):
            message = f'parse:["{kind}"] and {kind}:[ids] are mutually exclusive.'
            yield _Breach(f"{field}.{kind}", "allowed_mentions_exclusive", "BASE_TYPE_INVALID", message)


def _legacy_component_rules(rows: list[Any], field: str) -> Iterator[_Breach]:
    """Messages without IS_COMPONENTS_V2 (docs developers/components/reference.mdx): at most 5 action
    rows (:2541), each of up to 5 buttons or a single select (:94-95), every button but a link or
    premium one with a custom_id (:184-185), custom_ids unique in the message (:81)."""
    if len(rows) > 5:
        yield _Breach(field, "action_rows", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
    seen: set[str] = set()
    for i, row in enumerate(rows):
        items = (
            [item for item in (row.get("components") or []) if isinstance(item, dict)] if isinstance(row, dict) else []
        )
        if len(items) > 1 and any(item.get("type") != 2 for item in items):
            message = "The specified component exceeds the maximum width"
            yield _Breach(f"{field}.{i}.components", "action_row_width", "COMPONENT_LAYOUT_WIDTH_EXCEEDED", message)
        for j, item in enumerate(items):
            custom_id, where = item.get("custom_id"), f"{field}.{i}.components.{j}.custom_id"
            if custom_id is None and (item.get("type") != 2 or item.get("style") not in (LINK, PREMIUM)):
                yield _Breach(where, "custom_id_required", "BASE_TYPE_REQUIRED", "This field is required")
            elif custom_id in seen:
                message = "Component custom id cannot be duplicated"
                yield _Breach(where, "custom_id_unique", "COMPONENT_CUSTOM_ID_DUPLICATED", message)
            if custom_id is not None:
                seen.add(custom_id)


def _is_empty(message: Any, files: int) -> bool:
    """Nothing to show (docs developers/resources/message.mdx:1096): Discord answers 50006."""
    parts = ("content", "embeds", "components", "sticker_ids", "poll", "shared_client_theme")
    return not files and not (isinstance(message, dict) and any(message.get(part) for part in parts))


# -- routes --


@dataclass(frozen=True)
class _Route:
    method: str
    pattern: re.Pattern[str]  # the fake's API path
    template: str  # the spec's path
    rules: Rules
    created_message: Callable[[Any], Any]  # the message a create posts (empty: 50006); None if not a create


def _message_body_rules(message: Any, files: int) -> Iterator[_Breach]:
    return _message_rules(message, files, "")


def _whole_body(body: Any) -> Any:
    return body if body is not None else {}


def _callback_message(body: Any) -> Any:
    return (body.get("data") or {}) if isinstance(body, dict) and body.get("type") == 4 else None


def _no_message(body: Any) -> None:
    return None


_WEBHOOK = "/webhooks/{webhook_id}/{webhook_token}"
_ROUTES = [
    _Route(
        "PUT",
        re.compile(r"/applications/\d+/commands"),
        "/applications/{application_id}/commands",
        _command_rules,
        _no_message,
    ),
    _Route(
        "PUT",
        re.compile(r"/applications/\d+/guilds/\d+/commands"),
        "/applications/{application_id}/guilds/{guild_id}/commands",
        _command_rules,
        _no_message,
    ),
    _Route(
        "POST",
        re.compile(r"/interactions/\d+/[^/]+/callback"),
        "/interactions/{interaction_id}/{interaction_token}/callback",
        _callback_rules,
        _callback_message,
    ),
    _Route("POST", re.compile(r"/webhooks/\d+/[^/]+"), _WEBHOOK, _message_body_rules, _whole_body),
    _Route(
        "PATCH",
        re.compile(r"/webhooks/\d+/[^/]+/messages/@original"),
        _WEBHOOK + "/messages/@original",
        _message_body_rules,
        _no_message,
    ),
    _Route(
        "PATCH",
        re.compile(r"/webhooks/\d+/[^/]+/messages/\d+"),
        _WEBHOOK + "/messages/{message_id}",
        _message_body_rules,
        _no_message,
    ),
    _Route(
        "POST",
        re.compile(r"/channels/\d+/messages"),
        "/channels/{channel_id}/messages",
        _channel_message_rules,
        _whole_body,
    ),
]


def _route(method: str, path: str) -> _Route | None:
    return next((r for r in _ROUTES if r.method == method and r.pattern.fullmatch(path)), None)
