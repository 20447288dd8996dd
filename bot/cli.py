"""The `marketbot` command (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from analytics.errors import MarketbotError
from bot.settings import Settings

log = logging.getLogger("marketbot")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="marketbot", description="Market answers for Discord, and in the terminal.")
    verbs = parser.add_subparsers(dest="verb", required=True)

    verbs.add_parser("run", help="connect to Discord with DISCORD_TOKEN and serve slash commands")
    sync = verbs.add_parser(
        "sync",
        help="register the slash commands with Discord now (run does it only when they changed)",
    )
    sync.add_argument("--guild", type=int, metavar="ID", help="register in this server only (applies at once)")

    ask = verbs.add_parser(
        "ask",
        help="answer a command in the terminal, e.g. `marketbot ask quote symbols:KRE`",
        description="Options are name:value pairs, exactly as in Discord.",
    )
    ask.add_argument("command")
    ask.add_argument("options", nargs="*", metavar="name:value")
    ask.add_argument("--json", action="store_true", help="print the figures as JSON")
    ask.add_argument("--chart", type=Path, metavar="FILE", help="write the chart PNG to FILE")

    alerts = verbs.add_parser("alerts", help="alert operations")
    alerts_verbs = alerts.add_subparsers(dest="alerts_verb", required=True)
    alerts_verbs.add_parser("check", help="run one alert cycle now and post what is due (uses DISCORD_TOKEN)")

    snapshot = verbs.add_parser("snapshot", help="work with the bundled price snapshot")
    snapshot_verbs = snapshot.add_subparsers(dest="snapshot_verb", required=True)
    export = snapshot_verbs.add_parser("export", help="write the prices the bot currently sees in the snapshot's format")
    export.add_argument("file", type=Path)
    export.add_argument("--symbols", help="symbols to export (default: the snapshot's)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as exc:
        # pydantic's message names the variable and the problem; never the token's value.
        print(f"marketbot: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # "job executed successfully" every tick is noise
    try:
        if args.verb == "ask":
            return asyncio.run(_ask(settings, args))
        if args.verb == "snapshot":
            return asyncio.run(_export(settings, args.file, args.symbols))
        if args.verb in ("run", "sync", "alerts"):
            job = {"run": "serve", "sync": "sync", "alerts": "check"}[args.verb]
            return _connect(settings, job, guild=getattr(args, "guild", None))
    except MarketbotError as exc:
        print(f"marketbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 2


async def _ask(settings: Settings, args: argparse.Namespace) -> int:
    from bot.console import ask, print_answer
    from bot.wiring import build_services

    services = build_services(settings)
    answer = await ask(services, args.command, args.options)
    print_answer(answer, args.json, args.chart)
    return 0


async def _export(settings: Settings, path: Path, symbols: str | None) -> int:
    from bot.snapshot_export import export

    rows = await export(settings, path, symbols)
    print(f"wrote {rows} rows to {path}")
    return 0


def _connect(settings: Settings, job: str, guild: int | None) -> int:
    if settings.discord_token is None or not settings.discord_token.get_secret_value():
        print("marketbot: DISCORD_TOKEN is not set (see README: Running the bot).", file=sys.stderr)
        return 2
    from bot.app import run

    report = asyncio.run(run(settings, job, guild))
    if job == "sync":
        print("synced the slash commands")
    if report is not None:
        session = report.session.date() if report.session is not None else "none"
        print(f"alert check ({report.mode}, session {session}): {len(report.events)} events, "
              f"{report.digests} digest(s) composed, {report.claimed} posts (alerts and digests) sent or attempted")  # fmt: skip
        for event in report.events:
            print(f"  {event.rule} {event.level}: {event.headline}")
        for reason in report.skipped:
            print(f"  skipped: {reason}")
    return 0
