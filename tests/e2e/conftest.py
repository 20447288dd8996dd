"""A fake Discord per e2e module: starting the bot process is the slow part, so modules share one."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.fakes.discord_server import FakeDiscord


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def fake():
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(autouse=True)
def discord_refuses_nothing(request: pytest.FixtureRequest):
    """Fail the test during which the fake refused a request body Discord would refuse too (outside
    fake.expecting_refusals()): the bot sent something real Discord rejects. Refusals while the
    module's bot started (its command sync) are reported by the module's first test."""
    fake = request.getfixturevalue("fake") if "fake" in request.fixturenames else None
    yield
    unexpected = fake.take_unexpected_violations() if fake else []
    if unexpected:
        listed = "\n".join(f"  {v.method} {v.path}: {v.field or '(body)'}: {v.rule}: {v.message}" for v in unexpected)
        pytest.fail(f"the fake Discord refused what real Discord refuses:\n{listed}", pytrace=False)
