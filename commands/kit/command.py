"""A command is one declaration: its name and description, its options, what it does, its buttons.

Each module of the ``commands`` package declares its commands (``COMMANDS``, and ``GROUP`` for a
group such as /alerts); bot/ discovers them at start into a ``Catalog``, from which the slash
commands, /about, the terminal's help, /ask's suggestions and the buttons' ids are all derived.
A command does one of three things:

- ``answer``: compute an Answer from its options (the terminal asks these too; answers are cached);
- ``route``: read its options onto another command's question (/ask);
- ``act``: act on the server, in Discord only (subscribe, add to the watchlist).

Nothing here imports Discord: worker processes that compute answers import command modules only.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from analytics.errors import MarketbotError
from analytics.sources.market_data import MarketData
from commands.kit.answer import Answer
from commands.kit.options import NoOptions, Options

if TYPE_CHECKING:
    from commands.kit.store import CommandStore


class Unreadable(MarketbotError):
    """A button's custom_id this version of marketbot cannot read: its message says what to type instead."""


class Where(Enum):
    """Where a command is answered: ANYWHERE includes DMs and servers through a user install.

    SERVER (settings that belong to a server: alerts, the watchlist) is offered everywhere too, so that
    someone who finds it in a DM or through a user install is told privately where it works, rather
    than not finding it at all; it is answered only in a server that has added marketbot.
    """

    ANYWHERE = "anywhere"
    SERVER = "server"


@dataclass(frozen=True)
class Cooldown:
    """Asks per user and command within ``per`` seconds."""

    rate: int
    per: float


HEAVY = Cooldown(4, 30.0)  # computed answers with charts
LIGHT = Cooldown(10, 30.0)


@dataclass(frozen=True)
class AskHint:
    """How /ask suggests a command for a question it cannot read: the words that point at it,
    an example question, and the options to fill in from what it recognised (symbols, a start)."""

    words: str  # a regular expression over the question's lower-case words
    example: str
    fill: tuple[str, ...] = ()


# -- buttons on an answer (drawn by commands.kit.buttons) --------------------------------------


@dataclass(frozen=True)
class Ask:
    """A button asking the answer's question with some options changed."""

    label: str
    changes: Mapping[str, str]
    current: bool = False  # the question on screen: shown pressed, disabled
    row: int = 0


@dataclass(frozen=True)
class Pick:
    """A select menu: each choice asks the question with the menu's fields (``Command.picks[name]``) set."""

    name: str
    placeholder: str
    choices: tuple[tuple[str, tuple[str, ...]], ...]  # (label, the fields' values)
    current: tuple[str, ...] | None = None
    row: int = 0


@dataclass(frozen=True)
class Act:
    """A button running an action a group declares (``Group.actions``), e.g. alert me."""

    label: str
    action: str
    argument: str
    emoji: str = ""
    row: int = 0


Button = Ask | Pick | Act

# The windows offered on answers that have a start (/compare, /performance).
WINDOWS = (("1m", "1m"), ("YTD", "ytd"), ("1y", "1y"), ("since Oct-2022 low", "oct-2022-low"), ("max", "max"))


def window_buttons(start: str) -> list[Button]:
    """A button per window, the one shown pressed."""
    return [Ask(label, {"start": value}, current=value == start) for label, value in WINDOWS]


Answerer = Callable[["Services", Any], Awaitable[Answer]]
# (the Discord interaction, the options, the bot's Context): acts and replies itself.
Actor = Callable[[Any, Any, "Context"], Awaitable[None]]
# (the options, today, the catalog) -> the question to answer instead.
Router = Callable[[Any, pd.Timestamp, "Catalog"], "Question"]
# Run on the Discord interaction before anything else; raises the reason (a MarketbotError) to refuse.
Check = Callable[[Any], None]
# (the Discord interaction, the argument in the button's id, the Context): a button action.
Action = Callable[[Any, str, "Context"], Awaitable[None]]


@dataclass(frozen=True)
class Command:
    name: str  # "compare"; in a group "alerts replay"
    description: str  # at most 100 characters (Discord's limit)
    options: type[Options] = NoOptions
    answer: Answerer | None = None
    route: Router | None = None
    act: Actor | None = None
    buttons: Callable[[Any], Sequence[Button]] | None = None
    picks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # a Pick's name -> the fields it sets
    cooldown: Cooldown | None = HEAVY
    checks: tuple[Check, ...] = ()
    where: Where = Where.ANYWHERE  # a group's command is where its group is
    ask: AskHint | None = None
    chart: bool = False  # its answers carry a chart
    rank: int = 50  # where it is listed (/about, the terminal's help, /ask's suggestions): the most asked first

    def __post_init__(self) -> None:
        if sum(x is not None for x in (self.answer, self.route, self.act)) != 1:
            raise TypeError(f"/{self.name}: declare exactly one of answer, route and act")

    @property
    def group(self) -> str:
        return self.name.split(" ")[0] if " " in self.name else ""

    @property
    def in_terminal(self) -> bool:
        """Answered in the terminal too (what acts on a server is Discord's)."""
        return self.act is None


@dataclass(frozen=True)
class Group:
    """A slash command group (/alerts); its commands are declared with names "alerts ..."."""

    name: str
    description: str
    where: Where = Where.SERVER
    actions: Mapping[str, Action] = field(default_factory=dict)
    rank: int = 50  # where it is listed, as Command.rank


@dataclass(frozen=True)
class ReadAs:
    """How /ask read a question onto another command's: said first in the answer, and in its data."""

    said: str  # "Read as /compare a:^RUT b:^GSPC start:oct-2022-low"
    data: Mapping[str, Any]

    def apply(self, answer: Answer) -> Answer:
        return dataclasses.replace(answer, summary=f"{self.said}\n{answer.summary}", data={**answer.data, **self.data})


@dataclass(frozen=True)
class Question:
    """A command and its parsed options: what is answered, cached and put on buttons."""

    command: Command
    options: Options
    reading: ReadAs | None = None

    @property
    def key(self) -> tuple[str, Options]:
        """One question however it was spelled or asked (slash command, /ask, a button, the terminal)."""
        return (self.command.name, self.options)


@dataclass(frozen=True)
class Catalog:
    """Every command and group the bot serves, in the order discovered."""

    commands: tuple[Command, ...] = ()
    groups: tuple[Group, ...] = ()

    def __post_init__(self) -> None:
        names = [c.name for c in self.commands]
        if doubled := {n for n in names if names.count(n) > 1}:
            raise ValueError(f"commands declared twice: {sorted(doubled)}")
        groups = {g.name for g in self.groups}
        if lost := [c.name for c in self.commands if c.group and c.group not in groups]:
            raise ValueError(f"commands of undeclared groups: {lost}")

    def get(self, name: str) -> Command | None:
        return next((c for c in self.commands if c.name == name), None)

    def group(self, name: str) -> Group | None:
        return next((g for g in self.groups if g.name == name), None)

    def where(self, command: Command) -> Where:
        group = self.group(command.group) if command.group else None
        return group.where if group is not None else command.where

    @property
    def terminal(self) -> list[Command]:
        return [c for c in self.commands if c.in_terminal]

    @property
    def discord_only(self) -> list[Command]:
        return [c for c in self.commands if not c.in_terminal]

    def pick(self, name: str) -> tuple[Command, tuple[str, ...]] | None:
        """The command whose select menu ``name`` is, and the fields a choice sets."""
        return next(((c, c.picks[name]) for c in self.commands if name in c.picks), None)

    def action(self, name: str) -> Action | None:
        return next((g.actions[name] for g in self.groups if name in g.actions), None)

    def question(self, command: Command, raw: Mapping[str, Any], today: pd.Timestamp) -> Question:
        """The options as typed, parsed (and for /ask, read onto the command it means)."""
        options = command.options.parse(raw, today)
        if command.route is not None:
            return command.route(options, today, self)
        return Question(command, options)


# Runs a blocking, picklable ``fn(*args)`` off the event loop: in a thread by
# default; the Discord bot uses worker processes (see bot/workers.py).
Offload = Callable[..., Awaitable[Any]]


async def in_thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


@dataclass(frozen=True)
class Services:
    """What an answer may use, handed in by the bot (never imported globals)."""

    market: MarketData
    clock: Callable[[], pd.Timestamp]
    offload: Offload = in_thread
    # FRED series (DFF, DGS2, live: the HY OAS); None where a caller needs no rates data.
    fred: MarketData | None = None
    # Every command the bot serves (/about lists them, /ask reads questions onto them).
    catalog: Catalog = Catalog()
    # Draw the answers' charts. The terminal leaves them out unless --chart asks for one: drawing
    # imports matplotlib, a second of a terminal answer that nobody would see.
    charts: bool = True


class Observer(Protocol):
    """Told how each question ended (the bot's metrics): outcome and seconds from its creation, when known."""

    def answered(self, command: str, outcome: str, acknowledged: float | None, answered: float | None) -> None: ...


class Unobserved:
    def answered(self, command: str, outcome: str, acknowledged: float | None, answered: float | None) -> None:
        pass


@dataclass
class ProcessState:
    """What /status says of this process: the bot keeps it up to date."""

    started: pd.Timestamp
    version: str
    shard_count: int | None = None  # once connected
    last_cycle: CycleSeen | None = None  # the latest alert cycle this process ran


@dataclass(frozen=True)
class CycleSeen:
    at: pd.Timestamp
    mode: str  # intraday, settled
    outcome: str  # judged, standby, skipped, failed
    seconds: float


@dataclass(frozen=True)
class Context:
    """What the bot hands every command at start (built once, by the composition root)."""

    responder: Any  # commands.kit.respond.Responder
    store: CommandStore
    # Posts a sample alert to a channel (mentioning the role); raises a MarketbotError saying what to fix.
    post_sample: Callable[[int, int | None], Awaitable[None]]
    observer: Observer = Unobserved()
    process: ProcessState | None = None


async def answer(services: Services, question: Question) -> Answer:
    """The answer to ``question``, uncached (the terminal; the bot goes through its Responder)."""
    assert question.command.answer is not None, f"/{question.command.name} does not answer"
    result = await question.command.answer(services, question.options)
    return question.reading.apply(result) if question.reading else result
