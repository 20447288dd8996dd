"""Test-only launcher: run marketbot, pointed at a FakeDiscord when one is configured.

    MARKETBOT_FAKE_DISCORD=http://127.0.0.1:PORT python tests/fakes/launch_bot.py <marketbot args...>
    (or, from the repository root: python -m tests.fakes.launch_bot <args...>)

Without MARKETBOT_FAKE_DISCORD this is plain `marketbot <args...>`. Standalone on purpose
(stdlib and discord.py only): run as a script, the tests package is not importable.
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


def main(args: list[str]) -> None:
    url = os.environ.get("MARKETBOT_FAKE_DISCORD")
    if url:
        patch_discord(url)
    sys.argv = ["marketbot", *args]
    runpy.run_module("bot", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
