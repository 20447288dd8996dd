"""/status: what marketbot is doing for this server, for its managers, privately.

This server's alert subscriptions (channel, rule, sensitivity, paused and how to fix it), the last
alert posted here, the watchlist's size, where the data comes from and how fresh it is, and the
process answering: version, uptime, the server's shard, whether it evaluates the alerts and when
its last alert cycle ran.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.watchlist import MAX_SYMBOLS
from commands.kit import format as fmt
from commands.kit.answer import Answer
from commands.kit.command import LIGHT, Command, Context, CycleSeen, ProcessState, Where
from commands.kit.fields import chunk_lines, numbered, require_manager
from commands.kit.options import NoOptions
from commands.kit.store import Delivery, Subscription

FIX = "give me View Channel, Send Messages, Embed Links and Attach Files there, then `/alerts subscribe` again"


def can_see_status(interaction: Any) -> None:
    require_manager(interaction, "/status", "/status is about a server: use it in a server channel.")


async def status(interaction: Any, options: NoOptions, context: Context) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    guild = interaction.guild_id
    subs = await context.store.subscriptions(guild)
    last = await context.store.last_deliveries(s.id for s in subs)
    listed = await context.store.watchlist(guild)
    services = context.responder.services
    sources = [services.market.describe(), *([services.fred.describe()] if services.fred is not None else [])]
    count = getattr(interaction.client, "shard_count", None) or 1
    answer = status_answer(subs, last, len(listed), sources, context.process, (guild >> 22) % count, count,
                           services.clock())  # fmt: skip
    await context.responder.send_private(interaction, answer)


def status_answer(
    subs: list[Subscription],
    last: dict[int, Delivery],
    watchlist_size: int,
    sources: list[str],
    process: ProcessState | None,
    shard: int,
    shard_count: int,
    now: pd.Timestamp,
) -> Answer:
    paused = [s for s in subs if not s.active]
    lines = [f"<#{s.channel_id}> {s.rule} ({s.preset}): {'active' if s.active else 'PAUSED'}" for s in subs]
    fields = numbered("Alerts here", chunk_lines(lines or ["None: `/alerts subscribe` adds one."]))
    if paused:
        fix = [f"<#{s.channel_id}> {s.rule}: {s.paused_reason}. To fix: {FIX}." for s in paused]
        fields += numbered("Paused (Discord refused a post)", chunk_lines(fix))
    latest = max(last.values(), key=lambda d: (d.session, d.claimed_at), default=None)
    fields.append(("Last alert here", _delivery(latest, {s.id: s for s in subs}) if latest else "None yet."))
    fields.append(("Watchlist", f"{watchlist_size} of {MAX_SYMBOLS} symbols" if watchlist_size else "Empty."))
    fields.append(("Data", "\n".join(sources)))
    if process is not None:
        fields.append(("Alerts evaluated", _cycle(process.last_cycle)))
        uptime = _age(now - process.started)
        fields.append(
            ("marketbot", f"version {process.version} · up {uptime} · this server on shard {shard} of {shard_count}")
        )
    summary = (
        f"{len(subs)} alert subscription{'' if len(subs) == 1 else 's'} here"
        + (f", {len(paused)} paused" if paused else "")
        + f"; watchlist {watchlist_size} of {MAX_SYMBOLS}."
    )
    return Answer(command="status", title="marketbot in this server", summary=summary, fields=tuple(fields),
                  data={"command": "status", "subscriptions": len(subs), "paused": len(paused)})  # fmt: skip


def _delivery(d: Delivery, subs: dict[int, Subscription]) -> str:
    sub = subs.get(d.subscription_id)
    where = f" in <#{sub.channel_id}>" if sub is not None else ""
    when = f" at {d.finished_at[:16].replace('T', ' ')} UTC" if d.finished_at else ""
    outcome = {"sent": "posted", "failed": f"not posted ({d.error})", "claimed": "being sent"}.get(d.state, d.state)
    return f"{d.rule} {d.level} of {d.session}{where}: {outcome}{when}."


def _cycle(seen: CycleSeen | None) -> str:
    if seen is None:
        return "No alert cycle has run in this process yet (it runs at start, then every few minutes)."
    when = f"{fmt.day(seen.at)} {seen.at:%H:%M} UTC"
    if seen.outcome == "standby":
        return f"By another marketbot process (this one stands by and takes over if it stops); checked {when}."
    return f"By this process: last cycle {when} ({seen.mode}, {seen.outcome}, {seen.seconds:.1f} s)."


def _age(span: pd.Timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    days, hours = divmod(minutes // 60, 24)
    return f"{days} d {hours} h" if days else f"{hours} h {minutes % 60} min"


COMMANDS = (
    Command(
        name="status",
        rank=85,
        description="What marketbot does for this server: alerts, last alert, paused channels, data (managers)",
        act=status,
        checks=(can_see_status,),
        cooldown=LIGHT,
        where=Where.SERVER,
    ),
)
