"""/watchlist: the show answer's figures against the snapshot read independently, its order, table, chart
and JSON; the 1-month return and the digest's day moves; the permission check and the add reply."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import discord
import pandas as pd
import pytest

from analytics.errors import InvalidInput, InvalidSymbol
from analytics.watchlist import MAX_SYMBOLS, WatchChange, calc_month_return, watch_day
from bot.discovery import discover
from commands.kit.command import Context, answer
from commands.kit.errors import Refused
from commands.kit.fields import NotAllowed
from commands.kit.slash import slash_commands
from commands.watchlist import HINT, LISTED, ListedOptions, can_manage_watchlist, change_text
from tests.commands.conftest import NOW
from tests.commands.test_handlers import png_size

LAST = pd.Timestamp("2026-02-20")  # the snapshot's last session


async def show(services, *, symbols: str):
    """The answer /watchlist show gives for a list: the ``watchlist show`` answer command, its options parsed."""
    return await answer(services, services.catalog.question(LISTED, {"symbols": symbols}, services.clock()))


def independent(raw: pd.Series) -> tuple[float, float, float]:
    """1d, 1m and YTD returns by plain pandas: previous row, last row dated on or before 2026-01-20 and 2025-12-31."""
    s = raw.dropna()
    day = s.iloc[-1] / s.iloc[-2] - 1
    month = s.iloc[-1] / s[s.index <= pd.Timestamp("2026-01-20")].iloc[-1] - 1
    ytd = s.iloc[-1] / s[s.index <= pd.Timestamp("2025-12-31")].iloc[-1] - 1
    return day, month, ytd


async def test_show_figures_match_the_snapshot_read_independently(services, raw_closes):
    answer = await show(services, symbols="KRE ^RUT nvda SPX $XLF")
    rows = {r["symbol"]: r for r in answer.data["rows"]}
    assert set(rows) == {"KRE", "^RUT", "NVDA", "^GSPC", "XLF"}  # aliases and case normalised
    for symbol, row in rows.items():
        day, month, ytd = independent(raw_closes[symbol])
        assert row["close"] == pytest.approx(raw_closes[symbol].dropna().iloc[-1], rel=1e-12)
        assert row["day_change_pct"] == pytest.approx(day * 100, rel=1e-12)
        assert row["month_return_pct"] == pytest.approx(month * 100, rel=1e-12)
        assert row["ytd_return_pct"] == pytest.approx(ytd * 100, rel=1e-12)
        assert (row["session"], row["month_base"], row["ytd_base"]) == ("2026-02-20", "2026-01-20", "2025-12-31")
    days = [r["day_change_pct"] for r in answer.data["rows"]]
    assert days == sorted(days, reverse=True)  # best day first
    assert (answer.data["as_of"], answer.data["source"], answer.data["missing"]) == ("2026-02-20", "snapshot", [])
    json.loads(answer.to_json())


async def test_show_table_text_footer_and_chart(services, raw_closes):
    answer = await show(services, symbols="KRE ^RUT")
    day, month, ytd = independent(raw_closes["KRE"])
    table = dict(answer.fields)["Performance"]
    kre = next(line for line in table.splitlines() if line.startswith("KRE"))
    assert kre.split() == ["KRE", f"{raw_closes['KRE'].dropna().iloc[-1]:,.2f}", f"{day * 100:+.1f}%",
                           f"{month * 100:+.1f}%", f"{ytd * 100:+.1f}%"]  # fmt: skip
    assert "1m: from the last close a month before (2026-01-20)" in dict(answer.fields)["Returns"]
    assert "Basis: total return (KRE); price (^RUT)" in answer.footer and "As of close 2026-02-20" in answer.footer
    assert answer.summary.startswith("2 symbols as of the close of 2026-02-20; best day: ")
    assert png_size(answer.chart) == (1600, 1000) and answer.chart_name == "watchlist.png"


async def test_a_full_list_splits_its_table_over_fields_within_discords_limit(services):
    symbols = "KRE ^RUT ^GSPC IWM SPY QQQ XLF KBE NVDA META GOOGL MSFT AAPL AMZN AVGO TSLA TLT ZION WAL KEY CFG RF HBAN FITB MTB"
    answer = await show(services, symbols=symbols)
    tables = [value for name, value in answer.fields if name.startswith("Performance")]
    assert len(answer.data["rows"]) == MAX_SYMBOLS
    assert all(len(t) <= 1024 for t in tables)
    assert sum(t.count("\n") - 2 for t in tables) == MAX_SYMBOLS  # every row once (a header and fences per field)


async def test_a_symbol_without_data_is_named_and_the_rest_answered(services):
    answer = await show(services, symbols="KRE ZZZZ")
    assert [r["symbol"] for r in answer.data["rows"]] == ["KRE"]
    assert [m["symbol"] for m in answer.data["missing"]] == ["ZZZZ"]
    assert "Not shown: ZZZZ" in answer.summary and "ZZZZ" in dict(answer.fields)["Not shown"]


def test_show_validates_before_any_data():
    with pytest.raises(InvalidSymbol):
        ListedOptions.parse({"symbols": "KRE; DROP"}, NOW)
    with pytest.raises(InvalidInput):
        ListedOptions.parse({"symbols": " ".join(f"S{i}" for i in range(MAX_SYMBOLS + 1))}, NOW)


def test_month_return_from_the_last_close_a_calendar_month_before(raw_closes):
    kre = raw_closes["KRE"].dropna().loc[:"2023-03-13"]
    base, value = calc_month_return(kre)
    assert base == pd.Timestamp("2023-02-13")  # 2023-02-13 was a Monday session
    assert value == pytest.approx(kre.loc["2023-03-13"] / kre.loc["2023-02-13"] - 1, rel=1e-15)
    # A month before 2023-05-15 is a Saturday: the base is the Friday before it.
    base, _ = calc_month_return(raw_closes["KRE"].dropna().loc[:"2023-05-15"])
    assert base == pd.Timestamp("2023-04-14")
    assert calc_month_return(kre.iloc[-5:]) == (None, pytest.approx(math.nan, nan_ok=True))


def test_watch_day_moves_into_the_session_and_names_what_it_lacks(raw_closes):
    closes = raw_closes[["KRE", "NVDA"]].loc[:"2023-03-13"]
    day = watch_day(closes, pd.Timestamp("2023-03-13"), ["NVDA", "KRE", "XLF", "BAD", "GONE"],
                    {"BAD": "BAD: unknown symbol", "GONE": "Yahoo timed out"})
    kre = raw_closes["KRE"].loc["2023-03-13"] / raw_closes["KRE"].loc["2023-03-10"] - 1
    nvda = raw_closes["NVDA"].loc["2023-03-13"] / raw_closes["NVDA"].loc["2023-03-10"] - 1
    assert day.moves == (("NVDA", pytest.approx(nvda, rel=1e-12)), ("KRE", pytest.approx(kre, rel=1e-12)))
    assert day.missing == ("XLF: no close on 2023-03-13", "BAD: unknown symbol", "GONE: Yahoo timed out")


def interaction(
    *, guild: int | None = 1, manage_guild: bool = False, manage_channels: bool = False, server_install: bool = True
) -> SimpleNamespace:
    """``server_install``: the server has added marketbot (False: the user's own install used in a server)."""
    return SimpleNamespace(
        guild_id=guild,
        permissions=discord.Permissions(manage_guild=manage_guild, manage_channels=manage_channels),
        is_guild_integration=lambda: guild is not None and server_install,
    )


def slash_group(name: str):
    """A slash command group as the bot builds it from the declarations."""
    context = Context(responder=None, store=None, post_sample=None)
    return next(c for c in slash_commands(discover(), context) if c.name == name)


def test_changes_need_manage_server_or_manage_channels_in_a_server():
    # The declared check raises the reason (NotAllowed); the slash commands' check turns it into Refused.
    for allowed in (interaction(manage_guild=True), interaction(manage_channels=True)):
        can_manage_watchlist(allowed)
    with pytest.raises(NotAllowed, match="Manage Server or Manage Channels"):
        can_manage_watchlist(interaction())
    with pytest.raises(NotAllowed, match="direct messages"):
        can_manage_watchlist(interaction(guild=None, manage_guild=True))
    # The slash commands check where they are used first (Where.SERVER: a server that added marketbot),
    # then who may use them; discord.py runs the checks in order and stops at the first refusal.
    for name in ("add", "remove"):
        checks = slash_group("watchlist").get_command(name).checks
        where, manager = checks
        assert where(interaction()) and where(interaction(manage_guild=True))  # anyone, in a server that added it
        with pytest.raises(Refused, match=r"^/watchlist works in a server channel, not in direct messages\.$"):
            where(interaction(guild=None, manage_guild=True))
        with pytest.raises(Refused, match=r"^/watchlist works in a server that has added marketbot; .*account only"):
            where(interaction(manage_guild=True, server_install=False))
        assert manager(interaction(manage_guild=True)) and manager(interaction(manage_channels=True))
        with pytest.raises(Refused, match="Manage Server or Manage Channels"):
            manager(interaction())
        with pytest.raises(Refused, match="direct messages"):
            manager(interaction(guild=None, manage_guild=True))

        def run(i: SimpleNamespace, checks=checks) -> bool:
            return all(check(i) for check in checks)

        assert run(interaction(manage_guild=True)) and run(interaction(manage_channels=True))
        with pytest.raises(Refused, match="Manage Server or Manage Channels"):
            run(interaction())
        with pytest.raises(Refused, match="has added marketbot"):  # where comes first: a manager or not
            run(interaction(manage_guild=True, server_install=False))


def test_the_add_reply_says_what_happened_to_each_symbol():
    text = change_text(WatchChange(["KRE"], ["SPY"], ["NVDA"]), {"ZZZZ": "ZZZZ: unknown symbol"}, 25)
    assert text.splitlines() == [
        "Added: KRE.",
        "Already on the list: SPY.",
        "Not added, the list is full (25 symbols): NVDA. `/watchlist remove` makes room.",
        "Not added: ZZZZ: unknown symbol",
        "The watchlist has 25 of 25 symbols; `/watchlist show` shows it.",
    ]


def test_the_slash_command_is_a_group_with_add_remove_and_show():
    group = slash_group("watchlist")
    assert isinstance(group, discord.app_commands.Group) and group.name == "watchlist"
    assert sorted(c.name for c in group.commands) == ["add", "remove", "show"]
    assert "/watchlist add" in HINT
