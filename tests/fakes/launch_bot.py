"""Test-only launcher: run marketbot, pointed at a FakeDiscord when one is configured.

    MARKETBOT_FAKE_DISCORD=http://127.0.0.1:PORT python tests/fakes/launch_bot.py <marketbot args...>
    (or, from the repository root: python -m tests.fakes.launch_bot <args...>)

Without MARKETBOT_FAKE_DISCORD this is plain `marketbot <args...>`. Standalone on purpose
(stdlib and discord.py only), except with MARKETBOT_TEST_YAHOO_LATENCY=SECONDS: then yfinance's
session is a ReplayYahooSession over the snapshot answering each request after that latency
(the repository root must be on PYTHONPATH); MARKETBOT_TEST_YAHOO_FAULTS=KIND[,KIND] makes it
answer every matching request with those faults (``ReplayYahooSession.fail_next``), and with
MARKETBOT_TEST_YAHOO_STATS=FILE the replay's request spans are written there as JSON a few
times a second (for benchmarks and tests). A fault may name its symbol (``hang:XLF``).

Two more hooks for the operations tests: MARKETBOT_TEST_ANSWER_TIMEOUT=SECONDS shortens the
answer deadline (120 s) so that a slow answer times out in a test's time, and
MARKETBOT_TEST_BLOCK_SECONDS=SECONDS makes SIGUSR1 block the event loop that long (the handler
runs on the loop's thread), as a stuck computation would. MARKETBOT_TEST_COMMANDS=PACKAGE serves
the commands declared in PACKAGE besides the bot's own (a command Discord refuses, for one).
"""

from __future__ import annotations

import os
import runpy
import sys

import yarl


def patch_discord(url: str) -> None:
    """Point discord.py at the fake at `url` ("http://127.0.0.1:PORT").

    Every REST call, including interaction callbacks and webhook followups, builds its URL
    from Route.BASE when the Route is created; the gateway starts at DEFAULT_GATEWAY and
    resumes at the READY's resume_gateway_url, which the fake sets to itself.
    """
    import discord.gateway
    import discord.http

    discord.http.Route.BASE = f"{url}/api/v10"
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url.replace("http://", "ws://", 1) + "/gateway")


def patch_yahoo(latency: float, faults: list[str], stats: str | None) -> None:
    """Make yfinance talk to a replayed Yahoo (the snapshot's prices) that takes ``latency`` per request."""
    import json
    import threading
    import time

    import analytics.sources.yahoo as yahoo
    from analytics.sources.snapshot import load_snapshot
    from tests.fakes.yahoo_replay import ReplayYahooSession

    snapshot = load_snapshot()
    replay = ReplayYahooSession(snapshot.closes, snapshot.volumes, latency=latency)
    for fault in faults:
        kind, _, symbol = fault.partition(":")
        replay.fail_next(kind, symbol or None, times=None)
    yahoo._new_session = lambda: replay
    if not stats:
        return

    def dump() -> None:  # spans in time.monotonic(), which is system-wide: the bench compares them to its own
        written = -1
        while True:
            time.sleep(0.2)
            spans = list(replay.spans)
            if len(spans) != written:
                with open(stats + ".tmp", "w") as fh:
                    json.dump({"spans": spans}, fh)
                os.replace(stats + ".tmp", stats)
                written = len(spans)

    threading.Thread(target=dump, name="replay-stats", daemon=True).start()


def main(args: list[str]) -> None:
    url = os.environ.get("MARKETBOT_FAKE_DISCORD")
    if url:
        patch_discord(url)
    latency = os.environ.get("MARKETBOT_TEST_YAHOO_LATENCY")
    if latency is not None:
        faults = [k for k in os.environ.get("MARKETBOT_TEST_YAHOO_FAULTS", "").split(",") if k]
        patch_yahoo(float(latency), faults, os.environ.get("MARKETBOT_TEST_YAHOO_STATS"))
    if extra := os.environ.get("MARKETBOT_TEST_COMMANDS"):
        import bot.discovery

        found = bot.discovery.discover
        bot.discovery.discover = lambda packages=(*bot.discovery.PACKAGES, extra): found(packages)
    if timeout := os.environ.get("MARKETBOT_TEST_ANSWER_TIMEOUT"):
        import commands.kit.respond

        commands.kit.respond.ANSWER_TIMEOUT = float(timeout)
    if block := os.environ.get("MARKETBOT_TEST_BLOCK_SECONDS"):
        import signal
        import time

        signal.signal(signal.SIGUSR1, lambda *_: time.sleep(float(block)))
    sys.argv = ["marketbot", *args]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
