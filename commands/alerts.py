"""/alerts: subscriptions (managers only), replay of the rules over history, and the alert message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Protocol

import discord
import pandas as pd
from discord import app_commands
from discord.ext.commands import GroupCog

from analytics import alerts as rules
from analytics.charts import alert_chart
from analytics.credit import CreditMove, credit_line, credit_moved
from analytics.digest import CREDIT_SYMBOLS, Digest
from analytics.errors import InvalidInput, MarketbotError
from analytics.rates import SYMBOLS as RATE_SYMBOLS
from analytics.rates import Rates, Yield
from analytics.sources.base import Prices, Provenance
from analytics.symbols import echo_text
from analytics.watchlist import WatchDay
from analytics.windows import check_window, resolve_window
from commands import format as fmt
from commands.answer import Answer, checked_by
from commands.autocomplete import anchor_choices, end_anchor_choices
from commands.errors import Refused
from commands.footer import footer, provenance_data
from commands.limits import light_cooldown
from commands.respond import Responder
from commands.services import Services
from commands.subscriptions import RULE_CHOICES, Delivery, NewSubscription, Subscription

SYMBOLS = ("^RUT", "^GSPC", "IWM", "SPY", "KRE")  # everything the ratio and kre rules read
MAX_LISTED = 25  # replay events listed in Discord (JSON has all)
FIELD_LIMIT = 1024  # Discord's limit on one field's value
EVENT_BUDGET = 4000  # characters of events in one answer: with the rest, inside Discord's 6000 per embed
RULE_HELP = {
    "ratio": "the Russell 2000 / S&P 500 ratio (IWM/SPY where an index is missing)",
    "kre": "the regional-bank ETF KRE, with KRE/SPY as context",
    "digest": "one post after each close: RUT/SPX, KRE, bank stress, rates, the day's alerts",
}


# -- the alert message ---------------------------------------------------------------


def alert_answer(event: rules.AlertEvent, preset: str, values: pd.Series, provenance: Provenance, now: pd.Timestamp,
                 credit: Prices | None = None) -> Answer:  # fmt: skip
    """The embed for one alert: the move, z-score, threshold, why, context and a small chart.

    ``credit``: for a KRE alert, the closes of the credit line's symbols (``credit_part``)."""
    ctx = event.context
    z = f"{event.zscore:+.1f}σ" if event.zscore is not None else "a backstop (whatever the volatility)"
    comparable = (
        f"{fmt.day(ctx.last_comparable)} ({fmt.pct(ctx.last_comparable_move_pct / 100)})"
        if ctx.last_comparable is not None
        else "none in the data"
    )
    fields = [
        ("Move", f"{fmt.pct(event.move_pct / 100)} · z {z}"),
        ("Threshold crossed", f"{event.threshold} · preset {preset}"),
        ("Why", "\n".join(event.reasons)),
        (
            "Context",
            f"The day's move ({fmt.pct(ctx.day_move_pct / 100)}) is at the {ctx.percentile:.1f} percentile of daily moves "
            f"since {fmt.day(ctx.percentile_since)}; the last day at least as unusual: {comparable}.",
        ),
    ]
    if ctx.kre_spy_move_pct is not None:
        fields.append(("KRE/SPY", f"{fmt.pct(ctx.kre_spy_move_pct / 100)} on the day"))
    symbols = [s for s in SYMBOLS if s in event.series] or ["KRE"]
    extra: dict[str, Any] = {}
    if event.rule == "kre":
        line, move = credit_text(event.session, credit)
        fields.append(("Credit", line))
        symbols += [s for s in CREDIT_SYMBOLS if s != "KRE"] if move else []
        extra = {"credit": credit_data(move), "credit_line": line}
    return Answer(
        command="alert",
        title=f"{event.level.capitalize()} move: {event.series}",
        summary=event.headline,
        fields=tuple(fields),
        footer=footer(provenance, symbols, now, as_of=event.session),
        data={"command": "alert", **provenance_data(provenance, event.session), **event_data(event), **extra},
        chart=alert_chart(values, event.session, event.series.split(" ")[0], caption=footer(provenance, symbols, now, as_of=event.session)),
        chart_name="alert.png",
    )


def credit_part(event: rules.AlertEvent, prices: Prices) -> Prices | None:
    """What a KRE alert needs to say whether credit moved with it: the credit symbols' closes, or why not."""
    if event.rule != "kre":
        return None
    have = [s for s in CREDIT_SYMBOLS if s in prices.closes.columns]
    return Prices(prices.closes[have], prices.provenance, {s: e for s, e in prices.missing.items() if s in CREDIT_SYMBOLS})


def credit_text(session: pd.Timestamp, credit: Prices | None) -> tuple[str, CreditMove | None]:
    """The alert's credit line, and the figures when it could be judged."""
    if credit is not None and credit.missing:
        return f"Not judged: {fmt.not_shown(credit.missing)}", None
    if credit is None or session not in credit.closes.index or any(s not in credit.closes for s in CREDIT_SYMBOLS):
        # Intraday: the session has no closes yet (the credit ETFs are judged close to close).
        return "Judged on the session's closes: see the daily digest after the close.", None
    try:
        move = credit_moved(credit.closes, session)
    except MarketbotError as exc:
        return f"Not judged: {exc}", None
    return credit_line(move), move


def event_data(event: rules.AlertEvent) -> dict[str, Any]:
    return {
        "date": event.session.date().isoformat(),
        "rule": event.rule,
        "level": event.level,
        "series": event.series,
        "move_pct": event.move_pct,
        "zscore": event.zscore,
        "threshold": event.threshold,
        "reasons": list(event.reasons),
        "day_move_pct": event.context.day_move_pct,
        "percentile": event.context.percentile,
    }


def watched_values(closes: pd.DataFrame, event: rules.AlertEvent) -> pd.Series:
    """The series an event is about, for its chart."""
    parts = event.series.split(" ")[0].split("/")
    return closes[parts[0]] / closes[parts[1]] if len(parts) == 2 else closes[parts[0]]


def digest_answer(digest: Digest, provenance: Provenance, now: pd.Timestamp) -> Answer:
    """The daily digest: compact, no chart; parts that could not be computed are named."""
    day = fmt.day(digest.session)
    verdict, fields = [], []
    if digest.ratio:
        r = digest.ratio
        verdict.append(f"{r.series.split(' ')[0]} {fmt.pct(r.move_pct / 100)} ({_z(r.zscore)})")
        legs = " · ".join(f"{s} {fmt.pct(m / 100)}" for s, m in zip(r.symbols, r.part_moves_pct, strict=True))
        fields.append(("Small vs large caps", f"{r.series} {fmt.pct(r.move_pct / 100)}, {_z(r.zscore)} · {legs}"))
    if digest.kre:
        k = digest.kre
        verdict.append(f"KRE {fmt.pct(k.move_pct / 100)} ({_z(k.zscore)})")
        fields.append(("KRE", f"{fmt.pct(k.move_pct / 100)}, {_z(k.zscore)} · KRE/SPY {fmt.pct(_fraction(k.context_move_pct))}"))
    if digest.stress:
        s, b = digest.stress, digest.stress.breadth
        verdict.append(f"bank stress {s.level}")
        fields.append((
            f"Bank stress: {s.level} ({s.points} points)",
            f"KRE {fmt.pct(s.kre_drawdown_52w)} from its 52-week high · KRE/SPY 20d {fmt.pct(s.vs_spy.change_20d)} · "
            f"{b.down_2pct}/{b.banks} banks down over 2% · {b.at_52w_low}/{b.banks} at 52-week lows",
        ))  # fmt: skip
    if digest.rates:
        fields.append(("Rates", _rates_line(digest.rates, digest.session)))
    events = "\n".join(e.headline for e in digest.events)  # each names its level
    fields.append((f"Alerts today ({digest.preset})", events or f"None at the {digest.preset} sensitivity."))
    if digest.credit_line:
        fields.append(("Credit", digest.credit_line))
    if digest.watchlist:
        fields += _watchlist_fields(digest.watchlist)
    if digest.missing:
        fields.append(("Left out", "\n".join(digest.missing)))
    count = len(digest.events)
    symbols = list(dict.fromkeys([*(digest.ratio.symbols if digest.ratio else rules.INDEXES), "KRE", "SPY", "XLF",
                                  *RATE_SYMBOLS, *(CREDIT_SYMBOLS if digest.credit else ()),
                                  *(s for s, _ in (digest.watchlist.moves if digest.watchlist else ()))]))  # fmt: skip
    return Answer(
        command="digest",
        title=f"Daily digest · {day}",
        summary=f"{day}: {', '.join(verdict) or 'no market moves (see what was left out)'}; "
        f"{count} alert{'' if count == 1 else 's'}.",
        fields=tuple(fields),
        footer=footer(provenance, symbols, now, as_of=digest.session),
        data={"command": "digest", **provenance_data(provenance, digest.session), **digest_data(digest)},
    )


def digest_data(digest: Digest) -> dict[str, Any]:
    def move(m: rules.DayMove | None) -> dict[str, Any] | None:
        return m and {"series": m.series, "move_pct": m.move_pct, "zscore": m.zscore,
                      "parts": dict(zip(m.symbols, m.part_moves_pct, strict=True)), "context_move_pct": m.context_move_pct}  # fmt: skip

    stress, yields = digest.stress, digest.rates
    return {
        "date": digest.session.date().isoformat(),
        "preset": digest.preset,
        "ratio": move(digest.ratio),
        "kre": move(digest.kre),
        "bank_stress": stress and {"level": stress.level, "points": stress.points},
        "rates": yields and {
            y.symbol: {"session": y.session.date().isoformat(), "level_pct": y.level, "change_1d_bp": y.change_1d_bp}
            for y in (yields.bill, yields.ten_year)
        } | {"curve_10y_3m_bp": yields.curve_bp},
        "alerts": [event_data(e) for e in digest.events],
        "credit": credit_data(digest.credit),
        "watchlist": digest.watchlist and {
            "moves_pct": {symbol: move * 100 for symbol, move in digest.watchlist.moves},
            "missing": list(digest.watchlist.missing),
        },
        "missing": list(digest.missing),
    }  # fmt: skip


def credit_data(move: CreditMove | None) -> dict[str, Any] | None:
    return move and {"kre_z": move.kre_z, "hyg_ief_z": move.hyg_ief_z, "bkln_z": move.bkln_z, "moved_with": move.moved_with}


def _watchlist_fields(day: WatchDay) -> list[tuple[str, str]]:
    """The server's symbols' moves that session, best first, over as many fields as they need."""
    lines = [" · ".join(f"{symbol} {fmt.pct(move)}" for symbol, move in day.moves[i : i + 5])
             for i in range(0, len(day.moves), 5)]  # fmt: skip
    lines += [f"Not shown: {reason}" for reason in day.missing]
    chunks = _join([line[:FIELD_LIMIT] for line in lines])
    name = f"Watchlist on {fmt.day(day.session)}"
    return [(name if len(chunks) == 1 else f"{name} ({i}/{len(chunks)})", chunk) for i, chunk in enumerate(chunks, 1)]


def _z(zscore: float | None) -> str:
    return f"z {zscore:+.1f}" if zscore is not None else "no z (too little volatility history)"


def _fraction(percent: float | None) -> float | None:
    return percent / 100 if percent is not None else None


def _rates_line(r: Rates, session: pd.Timestamp) -> str:
    def one(name: str, y: Yield) -> str:
        change = f" ({y.change_1d_bp:+.0f} bp)" if y.change_1d_bp is not None else ""
        stale = f" on {fmt.day(y.session)}" if y.session != session else ""
        return f"{name} {y.level:.2f}%{change}{stale}"

    return f"{one('10-year', r.ten_year)} · {one('13-week bill', r.bill)} · 10y minus 3m {r.curve_bp:+.0f} bp"


# -- /alerts replay (anyone; also `marketbot ask alerts replay`) ---------------------------


def validate_replay(today: pd.Timestamp, rule: str, start: str, end: str, sensitivity: str) -> tuple[str, str]:
    """The rule and sensitivity (the preset), normalised, and the window's text checked; no data needed."""
    if rule.strip().lower() not in rules.RULES:
        raise InvalidInput(f"Replay works for the rules {', '.join(rules.RULES)}; `{echo_text(rule.strip())}` is not one.")
    if sensitivity.strip().lower() not in rules.PRESETS:
        raise InvalidInput(
            f"Sensitivity is one of {', '.join(rules.PRESETS)}; `{echo_text(sensitivity.strip())}` is not one."
        )
    check_window(start, end, today)
    return rule.strip().lower(), sensitivity.strip().lower()


@checked_by(validate_replay)
async def replay(
    services: Services, rule: str = "kre", start: str = "1y", end: str = "", sensitivity: str = "standard"
) -> Answer:
    """The sessions a rule would have fired on, with the figures, to judge thresholds before subscribing."""
    rule, preset = validate_replay(services.clock(), rule, start, end, sensitivity)
    prices = await services.market.closes(list(SYMBOLS))
    return await services.offload(_replay_answer, prices, rule, preset, start, end, services.clock())


def _replay_answer(prices: Prices, rule: str, preset: str, start: str, end: str, now: pd.Timestamp) -> Answer:
    window = resolve_window(start, end, prices.closes.index, now)
    # Sessions on or after the day asked for: a snapped start (a weekend) is a return's base, not a judged day.
    sessions = prices.closes.index
    first = sessions[sessions.searchsorted(window.asked_start or window.start)]
    judged = f"{fmt.day(first)} → {fmt.day(window.end)}"  # one window for the headline, the footer and the JSON
    events = rules.replay(prices.closes, rule, first, window.end, preset)
    years = max((window.end - first).days / 365.25, 1 / 365.25)
    sharp = sum(e.level == "sharp" for e in events)
    summary = (
        f"The {rule} rule ({preset}) would have fired {len(events)} times from {fmt.day(first)} to "
        f"{fmt.day(window.end)} ({len(events) / years:.1f} a year), {sharp} of them sharp."
    )
    fields = _event_fields([e.headline for e in events])  # each headline names its day and level
    # The judged days start at ``first``: a snapped start is said that way, not as the base session before it.
    notes = [n for n in window.notes if not n.startswith("Start ")]
    asked = window.asked_start
    if asked is not None and asked != first:
        notes.append(f"Start {fmt.day(asked)} is not a trading day; judged from {fmt.day(first)}.")
    if notes:
        fields.append(("Dates", " ".join(notes)))
    return Answer(
        command="alerts replay",
        title=f"Alert replay: {rule}",
        summary=summary,
        fields=tuple(fields),
        footer=footer(prices.provenance, _replay_symbols(rule, events), now, judged, window.end),
        data={
            "command": "alerts replay",
            **provenance_data(prices.provenance, window.end),
            "rule": rule,
            "preset": preset,
            "start": first.date().isoformat(),
            "end": window.end.date().isoformat(),
            "date_notes": notes,
            "events": [event_data(e) for e in events],
        },
    )


def _replay_symbols(rule: str, events: list[rules.AlertEvent]) -> list[str]:
    """The symbols the rule's events were judged on (the ratio's stand-ins only where they were used)."""
    used = [s for e in events for s in e.series.split(" ")[0].split("/")]
    if rule == "ratio":
        return list(dict.fromkeys(used or rules.INDEXES))
    return ["KRE", "SPY"]  # KRE, with KRE/SPY as context


def _event_fields(lines: list[str]) -> list[tuple[str, str]]:
    """The latest events, newest last, over as many fields as they need; the names say how many of all are shown."""
    if not lines:
        return [("Events", "None.")]
    kept: list[str] = []
    for line in reversed(lines[-MAX_LISTED:]):
        if sum(len(k) + 1 for k in kept) + len(line) > EVENT_BUDGET:
            break
        kept.insert(0, line[:FIELD_LIMIT])
    head = f"All {len(lines)} events" if len(kept) == len(lines) else f"Latest {len(kept)} of {len(lines)} events"
    chunks = _join(kept)
    return [(head if len(chunks) == 1 else f"{head} ({i}/{len(chunks)})", chunk) for i, chunk in enumerate(chunks, 1)]


def _join(lines: list[str], limit: int = FIELD_LIMIT) -> list[str]:
    """Whole lines in order, grouped into texts of at most ``limit`` characters (one per field)."""
    chunks: list[str] = []
    for line in lines:
        if chunks and len(chunks[-1]) + 1 + len(line) <= limit:
            chunks[-1] += "\n" + line
        else:
            chunks.append(line)
    return chunks


# -- the Discord cog -------------------------------------------------------------------


class SubscriptionStore(Protocol):
    """What the cog needs from storage (part of bot.store.Store). Its failures raise StoreUnavailable,
    whose message is the user's ("... nothing was changed")."""

    async def subscribe(self, subs: Sequence[NewSubscription]) -> list[tuple[Subscription, bool]]: ...
    async def unsubscribe(self, guild_id: int, channel_id: int, rules: Iterable[str]) -> int: ...
    async def subscriptions(self, guild_id: int | None = None, *, active_only: bool = False) -> list[Subscription]: ...
    async def last_deliveries(self, subscription_ids: Iterable[int]) -> dict[int, Delivery]: ...


# Posts a sample alert to a channel (mentioning the role); raises MarketbotError saying what to fix.
SamplePoster = Callable[[int, int | None], Awaitable[None]]


def can_manage_alerts(interaction: discord.Interaction) -> bool:
    """Checked in our code: Discord's default_permissions can be changed by any server admin."""
    if interaction.guild_id is None:
        raise Refused("Alerts are set up in a server channel, not in direct messages.")
    perms = interaction.permissions
    if not (perms.manage_guild or perms.manage_channels):
        raise Refused("Changing alerts needs the Manage Server or Manage Channels permission.")
    return True


RULE_OPTIONS = [app_commands.Choice(name=f"{k}: {v}"[:100], value=k) for k, v in RULE_HELP.items()]
ALL_RULES = app_commands.Choice(name="all: " + ", ".join(RULE_CHOICES), value="all")
REPLAY_OPTIONS = [choice for choice in RULE_OPTIONS if choice.value in rules.RULES]
SENSITIVITY = [
    app_commands.Choice(name=f"{name}: notable at |z| ≥ {t.notable:g}, sharp at |z| ≥ {t.sharp:g}", value=name)
    for name, t in rules.PRESETS.items()
]


class Alerts(GroupCog, group_name="alerts", group_description="Alerts when the RUT/SPX ratio or KRE moves sharply, and a daily digest"):
    def __init__(self, responder: Responder, store: SubscriptionStore, post_sample: SamplePoster) -> None:
        self.responder = responder
        self.store = store
        self.post_sample = post_sample
        super().__init__()

    @app_commands.command(name="subscribe", description="Post alerts for a rule in a channel (Manage Server/Channels)")
    @app_commands.describe(
        rule="What to watch (all: ratio, kre and the daily digest)",
        channel="Where to post (default: this channel)",
        sensitivity="How unusual a move must be (default standard; for digest, the alerts it lists)",
        role="A role to mention with each alert (default: none)",
    )
    @app_commands.choices(rule=[*RULE_OPTIONS, ALL_RULES], sensitivity=SENSITIVITY)
    @app_commands.check(can_manage_alerts)
    async def subscribe(
        self,
        interaction: discord.Interaction,
        rule: str,
        channel: discord.TextChannel | None = None,
        sensitivity: str = "standard",
        role: discord.Role | None = None,
    ) -> None:
        target = channel.id if channel else interaction.channel_id
        chosen = list(RULE_CHOICES) if rule == "all" else [rule]
        if any(r not in RULE_CHOICES for r in chosen) or sensitivity not in rules.PRESETS:
            raise InvalidInput("Pick a rule and a sensitivity from the list.")
        # Deferred first: Discord's 3 s cannot depend on the database (a write waits a few seconds at most,
        # then says nothing was changed). All the rules in one transaction: all saved, or none.
        await interaction.response.defer(ephemeral=True, thinking=True)
        role_id = role.id if role else None
        saved = await self.store.subscribe(
            [NewSubscription(interaction.guild_id, target, name, sensitivity, role_id, interaction.user.id) for name in chosen]
        )
        lines = [f"{'Subscribed' if created else 'Updated'}: {sub.rule} ({RULE_HELP[sub.rule]}), {sensitivity}"
                 for sub, created in saved]  # fmt: skip
        mention = f", mentioning {role.mention}" if role else ""
        await interaction.followup.send(
            f"<#{target}>{mention}:\n" + "\n".join(lines) + "\nUse `/alerts test` to check that I can post there."
            + role_warning(role, interaction.app_permissions),
            ephemeral=True,
        )

    @app_commands.command(name="unsubscribe", description="Stop alerts for a rule in a channel (Manage Server/Channels)")
    @app_commands.describe(rule="Which rule to stop (all: every rule)", channel="Which channel (default: this one)")
    @app_commands.choices(rule=[*RULE_OPTIONS, ALL_RULES])
    @app_commands.check(can_manage_alerts)
    async def unsubscribe(self, interaction: discord.Interaction, rule: str, channel: discord.TextChannel | None = None) -> None:
        target = channel.id if channel else interaction.channel_id
        chosen = list(RULE_CHOICES) if rule == "all" else [rule]
        await interaction.response.defer(ephemeral=True, thinking=True)  # before the database, as in subscribe
        removed = await self.store.unsubscribe(interaction.guild_id, target, chosen)
        text = f"Removed {removed} subscription{'s' if removed != 1 else ''} in <#{target}>." if removed else (
            f"<#{target}> had no such subscription; `/alerts list` shows what there is.")  # fmt: skip
        await interaction.followup.send(text, ephemeral=True)

    @app_commands.command(name="list", description="This server's alert subscriptions, their state and last alert")
    @app_commands.guild_only()
    @light_cooldown
    async def list_(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        subs = await self.store.subscriptions(interaction.guild_id)
        last = await self.store.last_deliveries(s.id for s in subs)
        for page in subscription_pages(subs, last):
            await interaction.followup.send(page, ephemeral=True)

    @app_commands.command(name="test", description="Post a sample alert to check permissions (Manage Server/Channels)")
    @app_commands.describe(channel="Where to post (default: this channel)", role="A role to mention (default: none)")
    @app_commands.check(can_manage_alerts)
    async def test(self, interaction: discord.Interaction, channel: discord.TextChannel | None = None,
                   role: discord.Role | None = None) -> None:  # fmt: skip
        await interaction.response.defer(ephemeral=True, thinking=True)
        target = channel.id if channel else interaction.channel_id
        await self.post_sample(target, role.id if role else None)
        await interaction.followup.send(f"Posted a sample alert in <#{target}>.", ephemeral=True)

    @app_commands.command(name="replay", description="The days a rule would have fired, to judge it before subscribing")
    @app_commands.describe(
        rule="ratio or kre",
        start="A date or an anchor (default 1y)",
        end="A date (default: the last close)",
        sensitivity="How unusual a move must be (default standard)",
    )
    @app_commands.choices(rule=REPLAY_OPTIONS, sensitivity=SENSITIVITY)
    @app_commands.autocomplete(start=anchor_choices, end=end_anchor_choices)
    @light_cooldown
    async def replay_(self, interaction: discord.Interaction, rule: str = "kre",
                      start: app_commands.Range[str, 1, 20] = "1y", end: app_commands.Range[str, 1, 20] = "",
                      sensitivity: str = "standard") -> None:  # fmt: skip
        await self.responder.answer(interaction, replay, rule=rule, start=start, end=end, sensitivity=sensitivity)


def role_warning(role: discord.Role | None, bot_permissions: discord.Permissions) -> str:
    """A role nobody may mention is shown in the alert but notifies no one, unless the bot may mention any role."""
    if role is None or role.mentionable or bot_permissions.mention_everyone:
        return ""
    return (f"\nNote: {role.mention} cannot be mentioned, so alerts will show it without notifying anyone. "
            "Turn on \"Allow anyone to @mention this role\" in Server Settings → Roles.")  # fmt: skip


MAX_PAGES = 10  # messages per /alerts list (about 30 subscriptions each); beyond them, a count


def subscription_pages(subs: list[Subscription], last: dict[int, Delivery], limit: int = 2000) -> list[str]:
    """One line per subscription, in messages of whole lines; never cut silently: the rest is counted."""
    if not subs:
        return ["No alert subscriptions in this server. `/alerts subscribe` adds one."]
    lines = []
    for sub in subs:
        state = "active" if sub.active else f"PAUSED: {sub.paused_reason}"
        role = f", mentions <@&{sub.role_id}>" if sub.role_id else ""
        delivery = last.get(sub.id)
        latest = f"; last alert {delivery.session} {delivery.level} ({delivery.state})" if delivery else "; no alert yet"
        lines.append(f"<#{sub.channel_id}> {sub.rule} ({sub.preset}{role}): {state}{latest}"[: limit // 2])
    room = limit - 100  # for the count of those left out
    pages: list[list[str]] = [[]]
    for shown, line in enumerate(lines):
        if sum(len(kept) + 1 for kept in pages[-1]) + len(line) > room:
            if len(pages) == MAX_PAGES:
                pages[-1].append(f"… and {len(lines) - shown} more ({len(lines)} subscriptions in all; "
                                 "`/alerts unsubscribe` removes those no longer needed).")  # fmt: skip
                break
            pages.append([])
        pages[-1].append(line)
    return ["\n".join(page) for page in pages]
