"""/ask: a question in plain English, read onto one of the other commands and answered by it.

No model and no network: the reading is a deterministic pass over the words (commands.ask.reading),
then rules that pick the command (commands.ask.routing). The answer is that command's, shared with
it (the answer cache keys on the command it was read onto), starting with how the question was read
("Read as /compare a:^RUT b:^GSPC start:oct-2022-low"); a question that cannot be read is answered
privately with the closest commands, filled in, never with a guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.sessions import to_session_date
from commands.ask.routing import MAX_QUESTION, NotUnderstood, interpret
from commands.kit.command import Catalog, Command, Question, ReadAs
from commands.kit.options import Options, option, plain


@dataclass(frozen=True)
class AskOptions(Options):
    question: str = option(
        'In plain English, e.g. "small caps vs large caps since the October 2022 low"',
        parse=plain,
        max_length=MAX_QUESTION,
    )


def route(o: AskOptions, today: pd.Timestamp, catalog: Catalog) -> Question:
    """The question read, and the options it gives parsed by their command: all before any data."""
    reading = interpret(o.question, to_session_date(today).date(), catalog)
    command = catalog.get(reading.command)
    if command is None:  # a deployment without that command
        raise NotUnderstood(f"{reading.echo}, but /{reading.command} is not served here.")
    question = catalog.question(command, reading.options, today)
    said = ReadAs(reading.echo, {"interpreted_as": {"command": reading.command, "options": dict(reading.options)}})
    return Question(question.command, question.options, said)


COMMANDS = (
    Command(
        name="ask",
        description="A question in plain English, answered by the matching command (which it shows)",
        options=AskOptions,
        route=route,
        rank=100,
    ),
)
