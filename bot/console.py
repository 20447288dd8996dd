"""`marketbot ask`: answer any command in the terminal with the same handlers."""

from __future__ import annotations

import inspect
from pathlib import Path

from analytics.errors import InvalidInput, MarketbotError
from commands.answer import Answer
from commands.registry import HANDLERS
from commands.services import Services


def parse_options(command: str, pairs: list[str]) -> dict[str, str]:
    """``name:value`` pairs, checked against the handler's option names."""
    if command not in HANDLERS:
        raise InvalidInput(f"Unknown command `{command}`. Commands: {', '.join(sorted(HANDLERS))}.")
    accepted = [p for p in inspect.signature(HANDLERS[command]).parameters if p != "services"]
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition(":")
        if not sep or name not in accepted:
            raise InvalidInput(
                f"`{pair}` is not an option of {command}: use name:value with one of {', '.join(accepted) or 'no options'}."
            )
        options[name] = value
    return options


async def ask(services: Services, command: str, pairs: list[str]) -> Answer:
    if pairs and f"{command} {pairs[0]}" in HANDLERS:  # a subcommand: `alerts replay rule:kre`
        command, pairs = f"{command} {pairs[0]}", pairs[1:]
    options = parse_options(command, pairs)
    return await HANDLERS[command](services, **options)


def print_answer(answer: Answer, as_json: bool, chart_path: Path | None) -> None:
    print(answer.to_json() if as_json else answer.to_text())
    if chart_path is not None:
        if answer.chart is None:
            raise MarketbotError(f"The {answer.command} answer has no chart.")
        chart_path.write_bytes(answer.chart)
