"""/ask in the real bot process over the loopback Discord: read, answered publicly with the reading first;
an unreadable question answered privately at once, never deferred publicly."""

from __future__ import annotations

import itertools

import pytest
import pytest_asyncio

from tests.fakes.bot_process import BotProcess

pytestmark = pytest.mark.asyncio(loop_scope="module")

TIMEOUT = 30.0
_users = itertools.count(5000)


def question(text: str) -> dict:
    return {"name": "question", "type": 3, "value": text}


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def bot(fake, tmp_path_factory):
    process = BotProcess(fake.env(), tmp_path_factory.mktemp("bot"))
    await process.connect(fake, TIMEOUT)
    yield process
    await process.stop()


async def test_a_question_is_answered_by_the_command_it_reads_as(fake, bot):
    ask = await fake.inject_command("ask", [question("small caps vs large caps since the Oct 2022 low")], user_id=next(_users))
    message = await ask.answered(TIMEOUT)
    assert ask.callback_type == 5 and not message.ephemeral  # deferred, then a public answer
    [embed] = message.embeds
    read_as, verdict = embed["description"].split("\n")[:2]
    assert read_as == "Read as /compare a:^RUT b:^GSPC start:oct-2022-low"
    # The same figures as the slash command it names.
    direct = await fake.inject_command(
        "compare", [{"name": n, "type": 3, "value": v} for n, v in (("a", "^RUT"), ("b", "^GSPC"), ("start", "oct-2022-low"))],
        user_id=next(_users),
    )
    [expected] = (await direct.answered(TIMEOUT)).embeds
    assert verdict == expected["description"].split("\n")[0]
    assert embed["fields"] == expected["fields"] and embed["footer"] == expected["footer"]
    assert message.attachment_names == ["compare.png"]


async def test_an_unreadable_question_gets_suggestions_privately_at_once(fake, bot):
    ask = await fake.inject_command("ask", [question("lorem ipsum dolor")], user_id=next(_users))
    message = await ask.answered(TIMEOUT)
    assert ask.callback_type == 4  # answered directly: no public "thinking" placeholder
    assert message.ephemeral
    assert message.content.startswith("I could not read that question. The closest commands:\n• /compare")
    assert "Traceback" not in bot.log
