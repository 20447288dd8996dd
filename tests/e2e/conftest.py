"""A fake Discord per e2e module: starting the bot process is the slow part, so modules share one."""

from __future__ import annotations

import pytest_asyncio

from tests.fakes.discord_server import FakeDiscord


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fake():
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()
