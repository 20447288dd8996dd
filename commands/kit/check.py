"""The command set held against Discord's limits before Discord sees it (``marketbot check``, and at start).

Discord refuses the whole registration for one bad field (status 400, code 50035): every
command would then be missing. Each problem is said as the user would fix it:
"group `watchlist` description is 102 characters, the limit is 100".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from commands.kit.limits import (
    CHOICE_TEXT_MAX,
    CHOICES_MAX,
    COMMAND_TOTAL_MAX,
    DESCRIPTION_TEXT_MAX,
    GLOBAL_COMMANDS_MAX,
    NAME_MAX,
    OPTIONS_MAX,
)

# Discord's name rule for slash commands and options (lower case where a script has case).
_NAME = re.compile(rf"[-_'\w]{{1,{NAME_MAX}}}")
_KIND = {1: "subcommand", 2: "subcommand group"}


def command_problems(payload: Sequence[Mapping[str, Any]]) -> list[str]:
    """Everything Discord would refuse in a registration of ``payload`` (``Command.to_dict`` of each)."""
    problems = []
    if len(payload) > GLOBAL_COMMANDS_MAX:
        problems.append(f"{len(payload)} commands; the limit is {GLOBAL_COMMANDS_MAX}")
    for command in payload:
        group = any(o.get("type") in (1, 2) for o in command.get("options") or [])
        what = f"{'group' if group else 'command'} `{command['name']}`"
        problems += _problems(command, what)
        size = _size(command)
        if size > COMMAND_TOTAL_MAX:
            problems.append(
                f"{what} has {size} characters in its names, descriptions and values; the limit is {COMMAND_TOTAL_MAX}"
            )
    return problems


def _problems(item: Mapping[str, Any], what: str) -> Iterator[str]:
    name, description = item.get("name", ""), item.get("description") or ""
    if not _NAME.fullmatch(name) or name != name.lower():
        yield f"{what}: the name must be 1 to {NAME_MAX} lower-case letters, digits, - or _"
    if not 1 <= len(description) <= DESCRIPTION_TEXT_MAX:
        yield f"{what} description is {len(description)} characters, the limit is 1 to {DESCRIPTION_TEXT_MAX}"
    options = item.get("options") or []
    if len(options) > OPTIONS_MAX:
        yield f"{what} has {len(options)} options; the limit is {OPTIONS_MAX}"
    for option in options:
        yield from _problems(option, f"{_KIND.get(option.get('type', 0), 'option')} `{option['name']}` of {what}")
    choices = item.get("choices") or []
    if len(choices) > CHOICES_MAX:
        yield f"{what} has {len(choices)} choices; the limit is {CHOICES_MAX}"
    for choice in choices:
        for key in ("name", "value"):
            text = str(choice.get(key, ""))
            if not 1 <= len(text) <= CHOICE_TEXT_MAX:
                yield (
                    f"choice `{text[:20]}` of {what}: its {key} is {len(text)} characters, "
                    f"the limit is {CHOICE_TEXT_MAX}"
                )


def _size(item: Mapping[str, Any]) -> int:
    """Names, descriptions and values together, options and choices included (Discord's measure)."""
    own = len(item.get("name", "")) + len(item.get("description") or "") + len(str(item.get("value", "")))
    return own + sum(_size(o) for o in item.get("options") or []) + sum(_size(c) for c in item.get("choices") or [])
