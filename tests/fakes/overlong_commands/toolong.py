"""/toolong: one character over Discord's 100 for a description."""

from commands.kit.answer import Answer
from commands.kit.command import LIGHT, Command
from commands.kit.options import NoOptions


async def answer(services, o: NoOptions) -> Answer:
    return Answer("toolong", "Too long", "never registered")


COMMANDS = (
    Command(name="toolong", description="x" * 101, options=NoOptions, answer=answer, cooldown=LIGHT, rank=99),
)
