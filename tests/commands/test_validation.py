"""Options judged before any data is fetched: each command's options parsed (``catalog.question``), before deferring."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.errors import InvalidInput, InvalidSymbol
from bot.console import ask
from bot.discovery import discover

NOW = pd.Timestamp("2026-11-24 15:00Z")


@pytest.mark.parametrize(
    ("command", "options", "error", "message"),
    [
        ("compare", {"start": "last tuesday"}, InvalidInput,
         "Start `last tuesday` is not a date: use YYYY-MM-DD or one of oct-2022-low, svb, march-2023, oct-2025, ytd, max, 1m, 3m, 6m, 1y, 3y, 5y, 10y."),
        ("compare", {"end": "max"}, InvalidInput, "`max` only works as a start."),
        ("compare", {"end": "yesterday"}, InvalidInput,
         "End `yesterday` is not a date: use YYYY-MM-DD or one of oct-2022-low, svb, march-2023, oct-2025, 1m, 3m, 6m, 1y, 3y, 5y, 10y."),
        ("compare", {"start": "2026-11-25"}, InvalidInput, "Start 2026-11-25 is in the future."),
        ("compare", {"start": "2023-12-31", "end": "2022-12-31"}, InvalidInput,
         "Start 2023-12-31 must be before end 2022-12-31."),
        ("compare", {"start": "svb", "end": "2023-01-03"}, InvalidInput,
         "Start svb (2023-03-08) must be before end 2023-01-03."),
        ("compare", {"a": "@everyone"}, InvalidSymbol, "a: `＠everyone` is not a valid symbol"),
        ("compare", {"b": "K`R"}, InvalidSymbol, "b: `KR` is not a valid symbol"),
        ("compare", {"a": "kre", "b": "KRE"}, InvalidInput, "Pick two different symbols to compare."),
        ("performance", {"symbols": "SPY @here"}, InvalidSymbol, "`＠here` is not a valid symbol"),
        ("performance", {"start": "2030-01-02"}, InvalidInput, "Start 2030-01-02 is in the future."),
        ("quote", {"symbols": " ".join(f"S{i}" for i in range(11))}, InvalidInput, "At most 10 symbols at a time (got 11)."),
        ("banks", {"as_of": "max"}, InvalidInput,
         "as_of `max` is not a date: use YYYY-MM-DD or one of oct-2022-low, svb, march-2023, oct-2025."),
        ("banks", {"as_of": "2026-12-01"}, InvalidInput, "as_of 2026-12-01 is in the future."),
        ("alerts replay", {"rule": "spx"}, InvalidInput, "Replay works for the rules ratio, kre; `spx` is not one."),
        ("alerts replay", {"sensitivity": "LOUD"}, InvalidInput, "`LOUD` is not one."),
        ("alerts replay", {"end": "ytd"}, InvalidInput, "`ytd` only works as a start."),
    ],
)  # fmt: skip
def test_bad_options_are_refused_without_data(command, options, error, message):
    with pytest.raises(error) as info:
        discover().question(discover().get(command), options, NOW)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("command", "options"),
    [
        ("compare", {}),
        ("compare", {"a": "iwm", "b": "spy", "start": "oct-2022-low", "end": "svb"}),
        ("compare", {"start": "2026-11-24"}),  # today: not the future (the data decides whether it has a close)
        ("compare", {"start": "2025-01-01", "end": "1m"}),  # a relative end needs the data: judged later
        ("performance", {"symbols": "NVDA, meta", "start": "ytd"}),
        ("quote", {}),
        ("banks", {"as_of": "svb"}),
        ("banks", {"as_of": ""}),
        ("history", {}),
        ("rates", {}),
        ("about", {}),
        ("alerts replay", {"rule": "Ratio", "sensitivity": "quiet", "start": "max"}),
    ],
)
def test_good_options_pass(command, options):
    discover().question(discover().get(command), options, NOW)


async def test_the_terminal_runs_the_same_check(services):
    with pytest.raises(InvalidInput, match="must be before end 2022-12-31"):
        await ask(services, "compare", ["start:2023-12-31", "end:2022-12-31"])
