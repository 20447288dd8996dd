"""Alert fan-out over the loopback Discord: one alert posted to many channels (issue 5).

The fake caps POST /channels/*/messages at --rate per rolling second and answers a
global 429 beyond it (Discord's global limit: 50 requests a second). The bot's
database is seeded with --channels `kre` subscriptions (standard preset), one per
channel, before the real bot starts on the snapshot as of 2023-03-13; its first
alert tick posts the March 2023 KRE alert to all of them. Reported: time from the
first to the last message, messages per second (overall and per 1-second window),
the 429s the fake answered, duplicates and misses, and the bot's rate-limit log lines.
Target: at least 45 messages a second sustained, no 429 storm, exactly one per channel.

--engine postgres puts the bot's database on PostgreSQL (a server this script starts,
as the tests do, or --pg-url's); the default is SQLite, a file in the bot's home.

Run: python bench/alert_delivery.py [--channels 1000] [--rate 50] [--engine sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.storage.open import open_store
from commands.kit.store import NewSubscription
from tests.fakes.bot_process import BotProcess
from tests.fakes.discord_server import FakeDiscord

FIRST_CHANNEL = 1_400_000_000_000_000_000
INTERVAL = 2  # seconds between alert ticks
SETTLE = 3.0  # seconds to keep watching after the last expected message, for duplicates

# bot log lines worth counting: label -> pattern
LOG_PATTERNS = {
    "discord.py 429 retries": r"We are being rate limited\. .* Retrying in",
    "discord.py global limit hits": r"Global rate limit has been hit",
    "discord.py 429 too long (raised)": r"Timeout of .* was too long",
    "bot: alert send failed, will retry": r"Alert to channel \d+ failed",
    "bot: subscription paused": r"Pausing subscription",
    "tracebacks": r"Traceback",
}


async def seed(db: str, channel_ids: list[int]) -> None:
    storage = await open_store(db)
    try:
        await storage.subscribe(
            [
                NewSubscription(FakeDiscord.GUILD_ID, channel_id, "kre", "standard", None, FakeDiscord.USER_ID)
                for channel_id in channel_ids
            ]
        )
    finally:
        await storage.close()


async def delivery_states(db: str, n: int) -> tuple[collections.Counter[str], int]:
    storage = await open_store(db)
    try:
        subs = await storage.subscriptions()
        last = await storage.last_deliveries(s.id for s in subs)
        states = collections.Counter(d.state for d in last.values())
        states["none"] = n - len(last)
        return states, sum(not s.active for s in subs)
    finally:
        await storage.close()


def per_second(times: list[float], start: float) -> list[int]:
    """Counts in consecutive 1-second windows from `start`; the last, partial window dropped."""
    if not times:
        return []
    bins = collections.Counter(int(t - start) for t in times)
    return [bins.get(i, 0) for i in range(int(max(times) - start))]


def row(label: str, value: object) -> str:
    return f"  {label:<44} {value}"


async def main(n: int, rate: int, timeout: float, engine: str, pg_url: str | None) -> int:
    channel_ids = [FIRST_CHANNEL + i for i in range(n)]
    wanted = set(channel_ids)
    fake = FakeDiscord()
    fake.add_text_channels(channel_ids)  # unlisted: REST only, as the bot posts through partial messageables
    fake.channel_message_rate = rate
    await fake.start()
    home = Path(tempfile.mkdtemp(prefix="marketbot-bench-alerts-"))
    server = None
    if engine == "postgres":
        if pg_url is None:
            from tests.pg_server import start_server  # a server of its own, as the tests do

            server = start_server()
            pg_url = server.create_database()
        db = pg_url
    else:
        db = str(home / "marketbot.sqlite3")
    bot = BotProcess(
        fake.env(),
        home,
        MARKETBOT_DB=db,
        MARKETBOT_AS_OF="2023-03-13",
        MARKETBOT_ALERT_INTERVAL_SECONDS=str(INTERVAL),
    )
    await seed(db, channel_ids)

    def alerts() -> list[Any]:
        return [m for m in fake.channel_messages() if m.channel_id in wanted]

    started = time.perf_counter()
    await bot.start()
    timed_out = False
    try:
        await fake.wait_ready(60)
        try:
            async with asyncio.timeout(timeout):
                while len({m.channel_id for m in alerts()}) < n:
                    await asyncio.sleep(0.05)
        except TimeoutError:
            timed_out = True
        await asyncio.sleep(SETTLE)
    finally:
        code = await bot.stop()
        await fake.stop()
    states, paused = await delivery_states(db, n)
    if server is not None:
        server.cleanup()

    messages = alerts()
    posts = fake.find_requests("POST", r"/channels/\d+/messages$")
    statuses = collections.Counter(r.status for r in fake.requests)
    post_statuses = collections.Counter(r.status for r in posts)
    per_channel = collections.Counter(m.channel_id for m in messages)
    duplicates = sum(1 for c in per_channel.values() if c > 1)
    missing = n - len(per_channel)

    print(f"alert delivery: {n} channels on {engine}, fake global cap {rate} channel messages per rolling second")
    if messages:
        times = sorted(m.at for m in messages)
        first, last = times[0], times[-1]
        span = last - first
        windows = per_second(times, first)
        print(row("bot start to first alert", f"{first - started:.2f} s"))
        print(row("first to last alert", f"{span:.2f} s"))
        print(
            row(
                "messages / s overall",
                f"{(len(times) - 1) / span:.1f}" if span > 0 else "n/a",
            )
        )
        if windows:
            print(
                row(
                    f"messages / s per 1 s window ({len(windows)} full)",
                    f"min {min(windows)}  median {statistics.median(windows):g}  max {max(windows)}",
                )
            )
            print(row("  windows (first 40)", " ".join(map(str, windows[:40]))))
    print(row("alert messages recorded", len(messages)))
    print(
        row(
            "channels with exactly one / none / >1",
            f"{sum(c == 1 for c in per_channel.values())} / {missing} / {duplicates}",
        )
    )
    print(row("nonce-deduplicated resends (fake)", fake.deduplicated_nonces))
    print(
        row(
            "POST .../messages requests",
            f"{len(posts)} ({len(posts) / max(1, len(messages)):.2f} per message)",
        )
    )
    print(row("  by status", dict(sorted(post_statuses.items()))))
    glob = len(fake.rate_limited_at)
    print(
        row(
            "429s: global (rate cap) / other / total",
            f"{glob} / {statuses[429] - glob} / {statuses[429]}",
        )
    )
    if fake.rate_limited_at:
        bins = per_second(fake.rate_limited_at + [max(fake.rate_limited_at) + 1], min(fake.rate_limited_at))
        print(
            row(
                "  global 429s per second: max / seconds with any",
                f"{max(bins)} / {sum(b > 0 for b in bins)}",
            )
        )
    print(row("deliveries in the DB (last per subscription)", dict(sorted(states.items()))))
    print(row("subscriptions paused", paused))
    print(row("bot exit code", code))
    if timed_out:
        print(row("TIMED OUT", f"after {timeout:.0f} s"))
    log = bot.log
    print("bot log:")
    for label, pattern in LOG_PATTERNS.items():
        hits = [line for line in log.splitlines() if re.search(pattern, line)]
        print(row(label, len(hits)))
        if hits and label != "tracebacks":
            print(row("  e.g.", hits[0][:150]))
    print(f"bot log file: {bot.log_path}")
    ok = not timed_out and missing == 0 and duplicates == 0
    return 0 if ok else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument(
        "--rate",
        type=int,
        default=50,
        help="the fake's global cap on channel messages per second",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to wait for every channel's alert",
    )
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", help="a PostgreSQL database to use (default: start a server, as the tests do)")
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.channels, args.rate, args.timeout, args.engine, args.pg_url)))
