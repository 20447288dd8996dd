"""The `marketbot` command (also `python -m bot`).

Every failure is one line saying what to change and a non-zero exit, never a
traceback; with `ask --json` the line is JSON on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from pydantic import ValidationError

from analytics.errors import MarketbotError
from bot.logs import configure as configure_logging
from bot.settings import SettingError, Settings
from commands.kit.version import package_version

if TYPE_CHECKING:
    from bot import console  # imported when asked: it loads every command

log = logging.getLogger("marketbot")

ASK_EXAMPLES = """\
Options are name:value pairs, as in Discord, e.g.
  marketbot ask compare a:^RUT b:^GSPC start:oct-2022-low
  marketbot ask performance symbols:"NVDA META ^GSPC" start:ytd --chart perf.png
"""


class UsageError(Exception):
    """What argparse would print before exiting: raised instead, so that `--json` can answer in JSON."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.parser = parser


class _Parser(argparse.ArgumentParser):
    # A verb's own parser, whose help is shown when nothing more is asked (`marketbot alerts`).
    verb_parsers: dict[str | None, argparse.ArgumentParser]

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def _parser() -> _Parser:
    parser = _Parser(
        prog="marketbot",
        description="Market answers for Discord, and in the terminal.",
        epilog="Start with `marketbot ask --help`: the commands you can ask, here or in Discord.",
    )
    parser.add_argument("--version", action="version", version=f"marketbot {package_version()}")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB")

    verbs.add_parser("run", help="connect to Discord with DISCORD_TOKEN and serve slash commands")
    sync = verbs.add_parser(
        "sync",
        help="register the slash commands with Discord now (run does it only when they changed)",
    )
    sync.add_argument("--guild", type=int, metavar="ID", help="register in this server only (applies at once)")
    sync.add_argument(
        "--dry-run", action="store_true", help="only check the commands against Discord's limits (as `check`)"
    )
    verbs.add_parser(
        "check", help="check the slash commands against Discord's limits, offline (exit 1 if Discord would refuse them)"
    )
    verbs.add_parser("status", help="every server's subscriptions and last alerts, and a running bot's metrics")

    # Parsed by _ask_parser (options and flags may be mixed); this entry lists it in the help.
    verbs.add_parser(
        "ask", help="answer a command in the terminal, e.g. `marketbot ask quote symbols:KRE`", add_help=False
    )

    alerts = verbs.add_parser("alerts", help="alert operations")
    alerts_verbs = alerts.add_subparsers(dest="alerts_verb", metavar="VERB")
    alerts_verbs.add_parser("check", help="run one alert cycle now and post what is due (uses DISCORD_TOKEN)")

    snapshot = verbs.add_parser("snapshot", help="work with the bundled price snapshot")
    snapshot_verbs = snapshot.add_subparsers(dest="snapshot_verb", metavar="VERB")
    export = snapshot_verbs.add_parser(
        "export", help="write the prices the bot currently sees in the snapshot's format"
    )
    export.add_argument("file", type=Path)
    export.add_argument("--symbols", help="symbols to export (default: the snapshot's)")
    parser.verb_parsers = {None: parser, "alerts": alerts, "snapshot": snapshot}  # their help, when nothing is asked
    return parser


def _ask_parser() -> argparse.ArgumentParser:
    ask = _Parser(
        prog="marketbot ask",
        usage="marketbot ask COMMAND [name:value ...] [--json] [--chart FILE]",
        description="Answer a command in the terminal, exactly as the bot answers it in Discord.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        add_help=False,
    )
    ask.add_argument("command", nargs="?", metavar="COMMAND", help="one of the commands below")
    ask.add_argument(
        "options", nargs="*", metavar="name:value", help="the command's options (COMMAND --help lists them)"
    )
    ask.add_argument("--json", action="store_true", help="print the figures as JSON (errors too)")
    ask.add_argument("--chart", type=Path, metavar="FILE", help="write the chart to FILE (.png or .jpg)")
    ask.add_argument("-h", "--help", action="store_true", help="this help; with COMMAND, its options")
    return ask


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`marketbot ask history | head -1`): Python's documented way out
        # (https://docs.python.org/3/library/signal.html#note-on-sigpipe), so that the final
        # flush at exit does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        return 130


def _main(argv: list[str]) -> int:
    if argv[:1] == ["ask"]:
        return _ask_main(argv[1:])
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        exc.parser.print_usage(sys.stderr)
        print(f"{exc.parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    if args.verb is None or getattr(args, f"{args.verb}_verb", "") is None:
        parser.verb_parsers[args.verb].print_help()  # nothing asked yet: say what can be asked
        return 0
    if args.verb == "check" or getattr(args, "dry_run", False):
        return _check()
    settings = _settings(args.verb)
    if isinstance(settings, str):
        print(f"marketbot: {settings}", file=sys.stderr)
        return 2
    try:
        if args.verb == "snapshot":
            return asyncio.run(_export(settings, args.file, args.symbols))
        if args.verb == "status":
            from bot.status import operator_status

            print(asyncio.run(operator_status(settings)))
            return 0
        return _connect(settings, args.verb, guild=getattr(args, "guild", None))
    except MarketbotError as exc:
        from bot.console import for_terminal

        print(f"marketbot: {for_terminal(str(exc))}", file=sys.stderr)
        return 2 if isinstance(exc, SettingError) else 1


def _ask_main(argv: list[str]) -> int:
    from bot import console

    as_json = "--json" in argv
    command: str | None = None

    def fail(message: str, code: int = 1) -> int:
        message = console.for_terminal(message)
        if as_json:
            print(json.dumps({"error": message, "command": command}, ensure_ascii=False))
        else:
            print(f"marketbot: {message}", file=sys.stderr)
        return code

    try:
        args = _ask_parser().parse_intermixed_args(argv)
    except UsageError as exc:
        return fail(f"{exc} (`marketbot ask --help`).", 2)
    words = [args.command, *args.options] if args.command else []
    if words[:1] and words[0].lower() == "help":  # `marketbot ask help compare` means --help
        args.help, words = True, words[1:]
    command = " ".join(w.lower() for w in words[:1]) or None
    try:
        if args.help and words:
            print(console.command_help(words))
            return 0
        if not words:  # nothing asked yet: say what can be asked
            if as_json and not args.help:
                return fail("Name a command (`marketbot ask --help` lists them).", 2)
            parser = _ask_parser()
            parser.epilog = f"{console.commands_help()}\n\n{ASK_EXAMPLES}"
            print(parser.format_help().rstrip())
            return 0
        request = console.parse_request(words)
        command = request.command
        if args.chart is not None:
            console.check_chart_path(args.chart, request.command)
        settings = _settings("ask")
        if isinstance(settings, str):
            return fail(settings, 2)
        return asyncio.run(_ask(settings, request, args))
    except SettingError as exc:  # a setting the data cannot serve (MARKETBOT_AS_OF past the snapshot)
        return fail(str(exc), 2)
    except MarketbotError as exc:
        return fail(str(exc))
    except BrokenPipeError:
        raise  # main's: nobody is reading any more
    except Exception as exc:  # a bug: one line here, the traceback with MARKETBOT_LOG_LEVEL=DEBUG
        log.debug("marketbot ask %s failed", command, exc_info=True)
        return fail(f"unexpected error ({type(exc).__name__}: {exc}); MARKETBOT_LOG_LEVEL=DEBUG shows where.")


async def _ask(settings: Settings, request: console.Request, args: argparse.Namespace) -> int:
    from bot import console
    from bot.discovery import discover
    from bot.wiring import open_services

    with open_services(settings, catalog=discover()) as services:
        # A chart only when --chart asks for one: drawing it imports matplotlib, a second nobody would see.
        answer = await console.answer(dataclasses.replace(services, charts=args.chart is not None), request)
    if args.json:  # the chart first: a failure is then the one JSON document printed
        if args.chart is not None:
            console.write_chart(answer, args.chart)
        print(answer.to_json())
    else:  # the answer first: it is worth having even if the chart cannot be written
        print(console.answer_text(answer))
        sys.stdout.flush()
        if args.chart is not None:
            console.write_chart(answer, args.chart)
    sys.stdout.flush()  # inside main's BrokenPipeError handler
    return 0


def _settings(verb: str) -> Settings | str:
    """The settings, with logging set up for the verb; or one line per invalid setting, naming its variable."""
    try:
        settings = Settings()
    except ValidationError as exc:
        return " ".join(_setting_problem(error) for error in exc.errors())
    # The terminal stays quiet (each answer says where its data came from); logs are for the bot.
    explicit = "log_level" in settings.model_fields_set
    level = settings.log_level if explicit or verb in ("run", "sync", "alerts") else "ERROR"
    configure_logging(level, settings.log_format)
    return settings


def _setting_problem(error: Mapping[str, Any]) -> str:
    """``MARKETBOT_AS_OF=2023-13-45: input should be a valid date ...`` (never a secret's value)."""
    message = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:  # a rule across settings: its message names the variables
        return message.rstrip(".") + "."
    field = str(error["loc"][0])
    alias = Settings.model_fields[field].validation_alias if field in Settings.model_fields else None
    variable = alias if isinstance(alias, str) else f"{Settings.model_config['env_prefix']}{field}".upper()
    secret = field == "discord_token"
    value = "" if secret else f"={str(error.get('input'))[:40]}"
    return f"{variable}{value}: {message[:1].lower()}{message[1:].rstrip('.')}; fix it in the environment or .env."


async def _export(settings: Settings, path: Path, symbols: str | None) -> int:
    from bot.snapshot_export import export

    if path.is_dir():
        raise MarketbotError(f"{path} is a folder: name a file in it, e.g. {path / 'prices.csv'}.")
    if not path.parent.is_dir():
        raise MarketbotError(f"The folder {path.parent} does not exist; create it or pick another.")
    try:
        rows = await export(settings, path, symbols)
    except OSError as exc:
        raise MarketbotError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    print(f"wrote {rows} rows to {path}")
    return 0


def _check() -> int:
    """`marketbot check`: the slash commands as discord.py would register them, held against Discord's limits."""
    from bot.command_sync import command_payload
    from bot.discovery import discover
    from commands.kit.check import command_problems

    payload = command_payload(discover())
    if problems := command_problems(payload):
        print("Discord would refuse the slash commands:", *(f"  {p}" for p in problems), sep="\n", file=sys.stderr)
        return 1
    print(f"{len(payload)} slash commands, within Discord's limits")
    return 0


def _connect(settings: Settings, verb: str, guild: int | None) -> int:
    if settings.discord_token is None or not settings.discord_token.get_secret_value():
        print("marketbot: DISCORD_TOKEN is not set (see README: Running the bot).", file=sys.stderr)
        return 2
    from bot import app
    from commands.alerts.messages import headline

    if verb == "run":
        asyncio.run(app.serve(settings))
    elif verb == "sync":
        asyncio.run(app.sync(settings, guild))
        print("synced the slash commands")
    else:
        report = asyncio.run(app.check_alerts(settings))
        session = report.session.date() if report.session is not None else "none"
        print(
            f"alert check ({report.mode}, session {session}): {len(report.events)} events, "
            f"{report.digests} digest(s) composed, {report.claimed} posts (alerts and digests) sent or attempted"
        )
        for event in report.events:
            print(f"  {event.rule} {event.level}: {headline(event)}")
        for reason in report.skipped:
            print(f"  skipped: {reason}")
    return 0
