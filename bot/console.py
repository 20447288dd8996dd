"""`marketbot ask`: answer any command in the terminal with the same declarations, and explain them.

Names, descriptions, defaults and choices come from the commands' declarations, as the slash
commands do: the terminal says what Discord says.
"""

from __future__ import annotations

import difflib
import functools
import re
import shutil
import textwrap
from dataclasses import dataclass
from pathlib import Path

from analytics.errors import InvalidInput, MarketbotError
from bot.discovery import discover
from commands.kit import command as kit
from commands.kit.answer import Answer
from commands.kit.command import Catalog, Group, Services

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
    chart: bool = False  # its answers carry a chart: --chart is offered and accepted

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
        found[command.name] = Command(command.name, command.description, options, command.chart)
    return found


def _choice(label: str, value: str) -> str:
    return label if label.startswith(value) else f"{value}: {label}"


def discord_only(catalog: Catalog | None = None) -> list[str]:
    """Slash commands the terminal cannot answer (they act on a server: /alerts subscribe ...)."""
    return [command.name for command in (catalog or discover()).discord_only]


# Why a group has no command in the terminal, and what answers the same here (slash forms: for_terminal
# rewrites those the terminal answers). Advice, which no declaration can derive.
ELSEWHERE = {
    "watchlist": "the watchlist is a Discord server's; for symbols typed here, "
    "use `/performance symbols:…` or `/quote symbols:…`",
}


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
        instead = (
            f": {ELSEWHERE[parts[0]]}" if parts[0] in ELSEWHERE else f"; the terminal answers: {', '.join(commands)}"
        )
        raise InvalidInput(f"`/{name}` works in Discord only{instead}.")
    if parts[0] in groups:
        subcommands = ", ".join(f"`{c}`" for c in commands if c.startswith(parts[0] + " "))
        if not subcommands:
            why = ELSEWHERE.get(parts[0], "each of its commands acts on a server")
            raise InvalidInput(f"`/{parts[0]}` works in Discord only: {why}.")
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
            # `a=SPY` names a known option the shell way: suggest `a:SPY`, not `a:a=SPY`.
            left, equals, right = pair.partition("=")
            known = equals and left.strip().lower() in names
            example = f"{left.strip().lower()}:{_shown(right)}" if known else f"{names[0]}:{_shown(pair)}"
            raise InvalidInput(
                f"`{_shown(pair)}` is not name:value: use name:value, e.g. `{example}` "
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

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`\n]*)`")


@functools.cache
def _slash_mention(names: tuple[str, ...]) -> re.Pattern[str]:
    """``/compare`` (or ``/alerts replay``) as a command, in backticks or not; never inside a path or a ratio
    (``/tmp/quote``, ``KRE/XLF``). The longest name first, so ``/alerts replay`` is not read as ``/alerts``."""
    alternatives = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![\w/.~-])/({alternatives})(?![\w/-]|\.\w)")


def for_terminal(text: str) -> str:
    """Slash commands the terminal answers read as terminal commands: /about → marketbot ask about.

    Commands the terminal cannot answer (/alerts subscribe) keep their slash: they are Discord's.
    Backticks stay: in a one-line error they quote what was typed (answer_text drops them).
    """
    names = tuple(c.name for c in discover().terminal)
    return _slash_mention(names).sub(r"marketbot ask \1", text)


def answer_text(answer: Answer) -> str:
    """An Answer as the terminal prints it: title, verdict, a one-line field as ``name: value``, a longer
    one as its name then its rows indented, the footer; Discord's markup (bold, code spans) read as plain
    text and slash commands as terminal commands."""
    lines = [answer.title, answer.summary, ""]
    for name, value in answer.fields:
        rows = value.split("\n")
        lines += [f"{name}: {value}"] if len(rows) == 1 else [f"{name}:", *(f"  {row}" for row in rows)]
    if answer.footer:
        lines += ["", answer.footer]
    text = for_terminal("\n".join(lines).strip())
    return _CODE.sub(r"\1", _BOLD.sub(r"\1", text))


def check_chart_path(path: Path, command: str, catalog: Catalog | None = None) -> None:
    """Refuses, before any work, a chart the command does not draw or a file the terminal cannot write."""
    if not terminal_commands(catalog)[command].chart:
        raise InvalidInput(f"The {command} answer has no chart: leave out --chart.")
    if path.is_dir():
        raise InvalidInput(f"--chart {path} is a folder: name a file in it, e.g. {path / 'chart.png'}.")
    if not path.suffix:
        raise InvalidInput(f"--chart {path}: name a .png or .jpg file, e.g. {path}.png.")
    if path.suffix.lower() not in CHART_FORMATS:
        raise InvalidInput(f"--chart {path}: name a .png or .jpg file (got `{path.suffix}`).")
    if not path.parent.is_dir():
        raise InvalidInput(f"--chart {path}: the folder {path.parent} does not exist; create it or pick another.")


def write_chart(answer: Answer, path: Path) -> None:
    """The chart as PNG, or as JPEG for .jpg/.jpeg; each failure is one sentence saying what to change."""
    if answer.chart is None:
        raise MarketbotError(f"The {answer.command} answer has no chart: leave out --chart.")
    from analytics.charts import to_jpeg  # here, not at import: see analytics.charts

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
    """`marketbot ask compare --help`: usage, what it does, each option with its default and choices;
    for a group (`marketbot ask alerts --help`), its commands here and in Discord."""
    catalog = catalog or discover()
    if len(words) == 1 and (group := catalog.group(words[0].strip().lower())) is not None:
        return _group_help(group, catalog)
    command, _ = resolve_command(words, catalog)
    takes = " [name:value ...]" if command.options else ""
    chart = " [--chart FILE]" if command.chart else ""
    lines = [f"usage: marketbot ask {command.name}{takes} [--json]{chart}", "", command.description, ""]
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
    lines += ["", "flags:", "  --json        print the figures as JSON"]
    if command.chart:
        lines.append("  --chart FILE  write the chart (.png or .jpg)")
    return "\n".join(lines)


def _group_help(group: Group, catalog: Catalog) -> str:
    """`marketbot ask alerts --help`: the group's commands the terminal answers, and those only Discord has."""
    here = {n: c for n, c in terminal_commands(catalog).items() if n.startswith(group.name + " ")}
    only = [f"/{n}" for n in discord_only(catalog) if n.startswith(group.name + " ")]
    if here:
        width = max(map(len, here)) + 2
        lines = [f"usage: marketbot ask {group.name} SUBCOMMAND [name:value ...]", "", group.description, ""]
        lines += ["commands:", *(_row(name, command.description, width) for name, command in here.items())]
    else:
        why = ELSEWHERE.get(group.name, "each of its commands acts on a server")
        lines = [group.description, "", for_terminal(f"None in the terminal: {why}.")]
    if only:
        lines += ["", f"In Discord only: {', '.join(only)}."]
    if here:
        lines += ["", f"`marketbot ask {group.name} SUBCOMMAND --help` shows a command's options."]
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
