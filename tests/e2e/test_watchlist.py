"""/watchlist end to end: the real bot on the snapshot as of 2023-03-13, over the loopback Discord, on SQLite.

A server with no list gets a private hint; a non-manager's change is refused privately; a manager adds
symbols (aliases normalised, an unknown one refused with its reason) and removes one; `show` answers
publicly with figures checked against the snapshot CSV read here with plain pandas; the list survives a
restart; and `marketbot alerts check` posts that day's digest with the server's watchlist section.
"""

from __future__ import annotations

import gzip
from importlib import resources

import pandas as pd
import pytest

from tests.e2e.test_alerts import ALERT_DAY, DIGESTS, MANAGE_GUILD, TIMEOUT, alerts_in, connected, subscribe
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord

pytestmark = pytest.mark.asyncio(loop_scope="module")

CHANNEL = FakeDiscord.CHANNEL_ID
MEMBER = 0x400 | 0x800  # view and send: not a manager
DAY, BEFORE = pd.Timestamp(ALERT_DAY), pd.Timestamp("2023-03-10")


@pytest.fixture(scope="module")
def closes() -> pd.DataFrame:
    """The packaged snapshot CSV, read independently of the bot's data layer, up to 2023-03-13."""
    with resources.files("analytics").joinpath("data/prices_daily.csv.gz").open("rb") as fh:
        long = pd.read_csv(gzip.open(fh), parse_dates=["date"])
    return long.pivot(index="date", columns="symbol", values="close").loc[:DAY]


def start_bot(fake: FakeDiscord, home, **settings: str) -> BotProcess:
    # Ticks an hour apart: the start-up tick finds nothing to post, and no tick races the check below.
    return BotProcess(fake.env(), home, MARKETBOT_DB=str(home / "marketbot.sqlite3"), MARKETBOT_AS_OF=ALERT_DAY,
                      MARKETBOT_ALERT_INTERVAL_SECONDS="3600", MARKETBOT_WORKERS="0", **settings)  # fmt: skip


async def watchlist(fake: FakeDiscord, sub: str, permissions: int = MANAGE_GUILD, symbols: str | None = None):
    options = [{"name": "symbols", "value": symbols}] if symbols is not None else []
    interaction = await fake.inject_command("watchlist", [{"name": sub, "type": 1, "options": options}],
                                            permissions=permissions, channel_id=CHANNEL)  # fmt: skip
    return await interaction.answered(TIMEOUT)


def table(message) -> dict[str, list[str]]:
    """The show answer's table rows by symbol: [close, 1d, 1m, YTD]."""
    [embed] = message.embeds
    rows = {}
    for field in embed["fields"]:
        if field["name"].startswith("Performance"):
            for line in field["value"].strip("`\n").splitlines()[1:]:
                symbol, *figures = line.split()
                rows[symbol] = figures
    return rows


def expected(closes: pd.DataFrame, symbol: str) -> list[str]:
    s = closes[symbol].dropna()
    month = s[s.index <= pd.Timestamp("2023-02-13")].iloc[-1]
    ytd = s[s.index <= pd.Timestamp("2022-12-31")].iloc[-1]
    return [f"{s.iloc[-1]:,.2f}", signed(s.iloc[-1] / s.iloc[-2] - 1), signed(s.iloc[-1] / month - 1),
            signed(s.iloc[-1] / ytd - 1)]  # fmt: skip


def signed(change: float) -> str:
    """One decimal, or as many as keep a small change from reading as zero (NVDA +0.004%)."""
    percent = change * 100
    decimals = next(d for d in range(1, 8) if round(percent, d) != 0)
    return f"{percent:+.{decimals}f}%"


async def test_add_show_remove_refusals_restart_and_the_digest(fake, tmp_path, closes):
    fake.add_text_channels([DIGESTS], listed=True)
    bot = await connected(fake, start_bot(fake, tmp_path))
    try:
        hint = await watchlist(fake, "show", MEMBER)
        assert hint.ephemeral and hint.content.startswith("This server has no watchlist yet.")

        refused = await watchlist(fake, "add", MEMBER, "KRE")
        assert refused.ephemeral and "needs the Manage Server or Manage Channels permission" in refused.content

        added = await watchlist(fake, "add", symbols="kre $NVDA spx ZZZZ")
        assert added.ephemeral
        lines = added.content.splitlines()
        assert lines[0] == "Added: KRE, NVDA, ^GSPC." and lines[-1].startswith("The watchlist has 3 of 25 symbols")
        assert any(line.startswith("Not added: ") and "ZZZZ" in line for line in lines)  # with the data source's reason

        again = await watchlist(fake, "add", symbols="NVDA")
        assert again.content.startswith("Already on the list: NVDA.")

        shown = await watchlist(fake, "show", MEMBER)  # anyone may look
        assert not shown.ephemeral and shown.attachment_names == ["watchlist.png"]
        rows = table(shown)
        assert rows == {s: expected(closes, s) for s in ("KRE", "NVDA", "^GSPC")}
        days = [float(r[1].rstrip("%")) for r in rows.values()]
        assert days == sorted(days, reverse=True)  # best day first
        [embed] = shown.embeds
        assert embed["image"]["url"] == "attachment://watchlist.png"
        assert "As of close 2023-03-13" in embed["footer"]["text"] and "Basis: " in embed["footer"]["text"]

        refused = await watchlist(fake, "remove", MEMBER, "NVDA")
        assert refused.ephemeral and "Manage Server or Manage Channels" in refused.content
        removed = await watchlist(fake, "remove", symbols="nvda IWM")
        assert removed.ephemeral and removed.content.splitlines()[:2] == ["Removed: NVDA.", "Not on the list: IWM."]
    finally:
        assert await bot.stop() == 0

    bot = await connected(fake, start_bot(fake, tmp_path))
    try:
        assert set(table(await watchlist(fake, "show"))) == {"KRE", "^GSPC"}  # kept across the restart
        reply = await subscribe(fake, CHANNEL, permissions=MANAGE_GUILD, rule="digest", channel=DIGESTS)
        assert "Subscribed: digest" in reply.content
    finally:
        assert await bot.stop() == 0  # while it runs it is the alert evaluator: the check would stand by

    check = start_bot(fake, tmp_path)
    await check.start("alerts", "check")
    assert await check.wait(TIMEOUT) == 0, check.log
    [digest] = [m for m in alerts_in(fake, DIGESTS) if m.embeds[0]["title"] == "Daily digest · 2023-03-13"]
    fields = {f["name"]: f["value"] for f in digest.embeds[0]["fields"]}
    moves = {s: (closes[s][DAY] / closes[s][BEFORE] - 1) * 100 for s in ("KRE", "^GSPC")}
    assert fields["Watchlist on 2023-03-13"] == f"^GSPC {moves['^GSPC']:+.1f}% · KRE {moves['KRE']:+.1f}%"
    # The day's credit-or-rates reading (2023-03-10 → 03-13), as /credit reads it (tests/commands/test_credit_commands.py).
    assert fields["Credit or rates"].startswith("Rates: a stock of rate losses (2-year ")
    assert fields["Credit or rates"].endswith("`/credit as_of:2023-03-13 window:1`.")
    assert "Traceback" not in bot.log + check.log, bot.log + check.log
