"""`marketbot ask`: answer any command in the terminal with the same declarations, and explain them.

Names, descriptions, defaults and choices come from the commands' declarations, as the slash
commands do: the terminal says what Discord says.
"""

from __future__ import annotations

import difflib
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

from analytics.charts import to_jpeg
from analytics.errors import InvalidInput, MarketbotError
from bot.discovery import discover
from commands.kit import command as kit
from commands.kit.answer import Answer
from commands.kit.command import Catalog, Services

CHART_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


@dataclass(frozen=True)
class Option:
    name: str
    description: str
    default: str | None  # None: required
    choices: tuple[str, ...] = ()  # "value: what it means"


@dataclass(frozen=True)
class Command:
    name: str  # "compare", "alerts replay"
    description: str
    options: tuple[Option, ...]

    @property
    def option_names(self) -> list[str]:
        return [o.name for o in self.options]


@dataclass(frozen=True)
class Request:
    command: str
    options: dict[str, str]


def terminal_commands(catalog: Catalog | None = None) -> dict[str, Command]:
    """Every command the terminal answers, in the catalog's order."""
    found = {}
    for command in (catalog or discover()).terminal:
        options = tuple(
            Option(
                name,
                option.description,
                option.default,
                tuple(_choice(label, value) for label, value in option.choice_list()),
            )
            for name, option in command.options.declared().items()
        )
        found[command.name] = Command(command.name, command.description, options)
    return found


def _choice(label: str, value: str) -> str:
    return label if label.startswith(value) else f"{value}: {label}"


def discord_only(catalog: Catalog | None = None) -> list[str]:
    """Slash commands the terminal cannot answer (they act on a server: /alerts subscribe ...)."""
    return [command.name for command in (catalog or discover()).discord_only]


# -- parsing -----------------------------------------------------------------------------


def parse_request(words: list[str], catalog: Catalog | None = None) -> Request:
    """``compare a:^RUT start:svb`` or ``alerts replay rule:kre``: the command (any case) and its options."""
    command, pairs = resolve_command(words, catalog)
    return Request(command.name, _options(command, pairs))


def resolve_command(words: list[str], catalog: Catalog | None = None) -> tuple[Command, list[str]]:
    commands = terminal_commands(catalog)
    if not words or not words[0].strip():
        raise InvalidInput(f"Name a command: {', '.join(commands)} (`marketbot ask --help`).")
    first, *rest = words
    parts = first.lower().split()  # "alerts replay" may come as one word
    groups = {n.split()[0] for n in [*commands, *discord_only(catalog)] if " " in n}
    if len(parts) == 1 and parts[0] in groups and rest and ":" not in rest[0]:
        parts, rest = [parts[0], rest[0].lower()], rest[1:]
    name = " ".join(parts)
    if name in commands:
        return commands[name], rest
    if name in discord_only(catalog):
        raise InvalidInput(f"`/{name}` works in Discord only; the terminal answers: {', '.join(commands)}.")
    if parts[0] in groups:
        subcommands = ", ".join(f"`{c}`" for c in commands if c.startswith(parts[0] + " ")) or "none of them"
        problem = "needs a subcommand" if name == parts[0] else "is not a command"
        raise InvalidInput(f"`{_shown(name)}` {problem}; the terminal answers {subcommands}.")
    raise InvalidInput(
        f"Unknown command `{_shown(name)}`{_did_you_mean(name, list(commands))}. "
        f"Commands: {', '.join(commands)} (`marketbot ask --help`)."
    )


def parse_options(command: str, pairs: list[str]) -> dict[str, str]:
    """The options of the command named ``command``, checked against its handler."""
    return parse_request([command, *pairs]).options


def _options(command: Command, pairs: list[str]) -> dict[str, str]:
    """``name:value`` pairs (names in any case), each option once.

    ``start: 2023-01-03`` arrives as two words: an empty value followed by a word
    that is not itself an option takes that word as its value.
    """
    names = command.option_names
    options: dict[str, str] = {}
    i = 0
    while i < len(pairs):
        pair = pairs[i]
        i += 1
        if not names:
            raise InvalidInput(f"{command.name} takes no options (got `{_shown(pair)}`).")
        name, sep, value = pair.partition(":")
        name = name.strip().lower()
        if not sep:
            raise InvalidInput(
                f"`{_shown(pair)}` is not name:value: use name:value, e.g. `{names[0]}:{_shown(pair)}` "
                f"(options of {command.name}: {', '.join(names)})."
            )
        if name not in names:
            raise InvalidInput(
                f"`{_shown(name)}` is not an option of {command.name}{_did_you_mean(name, names)}. "
                f"Its options: {', '.join(names)}."
            )
        if not value.strip() and i < len(pairs) and not _is_option(pairs[i], names):
            value, i = pairs[i], i + 1
        if name in options:
            raise InvalidInput(
                f"`{name}` is given twice ({name}:{_shown(options[name])} and {name}:{_shown(value)}); give it once."
            )
        options[name] = value
    missing = [o.name for o in command.options if o.default is None and o.name not in options]
    if missing:
        raise InvalidInput(f"{command.name} needs {', '.join(f'`{m}:…`' for m in missing)}.")
    return options


def _is_option(word: str, names: list[str]) -> bool:
    name, sep, _ = word.partition(":")
    return bool(sep) and name.strip().lower() in names


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _shown(text: str, limit: int = 30) -> str:
    """User text made safe to echo inside a code span."""
    clean = "".join(ch for ch in text if ch.isprintable() and ch != "`")
    return clean[:limit] + ("…" if len(clean) > limit else "")


async def answer(services: Services, request: Request) -> Answer:
    """The answer to a parsed request, as the bot gives it (the same options, checks and answer)."""
    catalog = services.catalog
    command = catalog.get(request.command)
    assert command is not None, f"{request.command} is not in the catalog"
    return await kit.answer(services, catalog.question(command, request.options, services.clock()))


async def ask(services: Services, command: str, pairs: list[str]) -> Answer:
    """``ask(services, "alerts", ["replay", "rule:kre"])``: parse and answer."""
    return await answer(services, parse_request([command, *pairs], services.catalog))


# -- rendering ---------------------------------------------------------------------------

_SLASH_HINT = re.compile(r"`/([^`\n]+)`")


def for_terminal(text: str) -> str:
    """Hints naming a slash command read as terminal commands: `/about` → `marketbot ask about`.

    Commands the terminal cannot answer (/alerts subscribe) keep their slash: they are Discord's.
    """

    answered = terminal_commands()

    def rewrite(match: re.Match[str]) -> str:
        words = match.group(1).split()
        for n in (2, 1):
            if " ".join(words[:n]).lower() in answered:
                return f"`marketbot ask {match.group(1)}`"
        return match.group(0)

    return _SLASH_HINT.sub(rewrite, text)


def answer_text(answer: Answer) -> str:
    return for_terminal(answer.to_text())


def check_chart_path(path: Path) -> None:
    """Refuses a chart file the terminal cannot write, before any work."""
    if path.is_dir():
        raise InvalidInput(f"--chart {path} is a folder: name a file in it, e.g. {path / 'chart.png'}.")
    if path.suffix.lower() not in CHART_FORMATS:
        raise InvalidInput(f"--chart {path}: name a .png or .jpg file (got `{path.suffix or 'no extension'}`).")


def write_chart(answer: Answer, path: Path) -> None:
    """The chart as PNG, or as JPEG for .jpg/.jpeg; each failure is one sentence saying what to change."""
    if answer.chart is None:
        raise MarketbotError(f"The {answer.command} answer has no chart: leave out --chart.")
    data = answer.chart if CHART_FORMATS[path.suffix.lower()] == "PNG" else to_jpeg(answer.chart)
    try:
        path.write_bytes(data)
    except IsADirectoryError:
        raise MarketbotError(f"--chart {path} is a folder: name a file in it, e.g. {path / 'chart.png'}.") from None
    except FileNotFoundError:
        raise MarketbotError(
            f"--chart {path}: the folder {path.parent} does not exist; create it or pick another."
        ) from None
    except OSError as exc:
        raise MarketbotError(f"--chart {path}: cannot write there ({exc.strerror or exc}).") from None


# -- help --------------------------------------------------------------------------------


def commands_help(catalog: Catalog | None = None) -> str:
    """The list under `marketbot ask --help`: each command and what it does."""
    commands = terminal_commands(catalog)
    width = max(len(n) for n in commands) + 2
    lines = ["commands:"]
    lines += [_row(name, command.description, width) for name, command in commands.items()]
    if only := discord_only(catalog):
        lines += ["", "In Discord only: " + ", ".join(f"/{n}" for n in only) + "."]
    lines += ["", "`marketbot ask COMMAND --help` shows a command's options."]
    return "\n".join(lines)


def command_help(words: list[str], catalog: Catalog | None = None) -> str:
    """`marketbot ask compare --help`: usage, what it does, each option with its default and choices."""
    command, _ = resolve_command(words, catalog)
    takes = " [name:value ...]" if command.options else ""
    lines = [f"usage: marketbot ask {command.name}{takes} [--json] [--chart FILE]", "", command.description, ""]
    if not command.options:
        lines.append(f"{command.name} takes no options.")
    else:
        lines.append("options (name:value, as in Discord):")
        width = max(len(o.name) for o in command.options) + 2
        for option in command.options:
            lines.append(_row(option.name, _describe(option), width))
            lines += [" " * (width + 4) + choice for choice in option.choices]
        example = " ".join(f"{o.name}:{_quoted(o.default)}" for o in command.options if o.default)
        if example:
            lines += ["", f"the defaults spelled out: marketbot ask {command.name} {example}"]
    lines += [
        "",
        "flags:",
        "  --json        print the figures as JSON",
        "  --chart FILE  write the chart (.png or .jpg)",
    ]
    return "\n".join(lines)


def _describe(option: Option) -> str:
    """The slash command's description, with the default unless it already says it."""
    text = option.description or option.name
    if option.default is None:
        return f"{text} (required)"
    if option.default and f"default {option.default}" not in text:
        return f"{text} (default {option.default})"
    return text


def _quoted(value: str) -> str:
    return f'"{value}"' if " " in value else value


def _row(name: str, text: str, width: int) -> str:
    columns = max(shutil.get_terminal_size().columns, 60)
    return textwrap.fill(
        text,
        columns,
        initial_indent="  " + name.ljust(width),
        subsequent_indent=" " * (width + 2),
        break_on_hyphens=False,
    )
