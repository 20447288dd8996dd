"""Every word of an alert and of the daily digest: the events are numbers (analytics.alerts), said here.

A rule's own words are its entry in ``WORDING``; the triggers all rules share, and the backstops,
are worded by their type. Nothing here imports Discord: alerts are rendered in worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.alerts.events import PRESETS, AlertEvent, DayMove, DrawdownTrigger, MoveTrigger, Trigger, Watched
from analytics.alerts.rules import RULES
from analytics.credit import CreditReading
from analytics.digest import CREDIT_SYMBOLS, Digest
from analytics.rates import SYMBOLS as RATE_SYMBOLS
from analytics.rates import Rates, Yield
from analytics.sources.base import Provenance
from analytics.watchlist import WatchDay
from commands.kit import format as fmt
from commands.kit import readings
from commands.kit.answer import Answer
from commands.kit.fields import chunk_lines, numbered
from commands.kit.footer import footer, provenance_data


@dataclass(frozen=True)
class Wording:
    """A rule's own words."""

    about: str  # what it watches, for /alerts subscribe and its replies
    rises: str  # the verb for an upward move ("rose", "jumped")


WORDING = {
    "ratio": Wording("the Russell 2000 / S&P 500 ratio (IWM/SPY where an index is missing)", "rose"),
    "kre": Wording("the regional-bank ETF KRE, with KRE/SPY as context", "jumped"),
}
DIGEST_ABOUT = "one post after each close: RUT/SPX, KRE, bank stress, rates, the day's alerts"
# The digest's parts, as named where one is left out (analytics.digest.Digest.missing).
PARTS = {"ratio": "Small vs large caps", "kre": "KRE", "banks": "Bank stress", "rates": "Rates", "credit": "Credit"}


def about(rule: str) -> str:
    return DIGEST_ABOUT if rule == "digest" else WORDING[rule].about


# -- one event ---------------------------------------------------------------------------------


def series(watched: Watched) -> str:
    """``^RUT/^GSPC``; a stand-in says so: ``IWM/SPY (stand-in: ^RUT missing)``."""
    if not watched.stands_in_for:
        return watched.name
    return f"{watched.name} (stand-in: {' and '.join(watched.stands_in_for)} missing)"


def reasons(event: AlertEvent) -> list[str]:
    """One sentence per trigger, strongest first."""
    return [reason(event, trigger) for trigger in event.triggers]


def headline(event: AlertEvent) -> str:
    return reason(event, event.top)


def reason(event: AlertEvent, trigger: Trigger) -> str:
    name, day = event.watched.name, fmt.day(event.session)
    if isinstance(trigger, MoveTrigger):
        verb = WORDING[event.rule].rises if trigger.move > 0 else "fell"
        span = f"on {day}" if trigger.sessions == 1 else f"over the {trigger.sessions} sessions to {day}"
        first = "" if trigger.sessions == 1 else f", the first session past {trigger.limit:g}σ"
        return (
            f"{name} {verb} {_size(trigger.move)} {span}, a {_sigma(abs(trigger.zscore), event.preset)} move{first} "
            f"({trigger.level}: {threshold(event, trigger, with_preset=False)})"
        )
    if isinstance(trigger, DrawdownTrigger):
        limit = f"{-trigger.limit:.0%}"
        return (
            f"{name} is down {_size(trigger.move)} over the {trigger.sessions} sessions to {day} "
            f"({trigger.close:,.2f} against {trigger.base_close:,.2f} on {fmt.day(trigger.base_session)}), "
            f"the first session past {limit} down ({trigger.level}: {threshold(event, trigger)})"
        )
    side = "high" if trigger.up else "low"
    return (
        f"{name} closed at {trigger.value:.4f} on {day}, {'above' if trigger.up else 'below'} its 52-week {side} "
        f"of {trigger.record:.4f} ({fmt.day(trigger.record_session)}), "
        f"the first {'upward' if trigger.up else 'downward'} "
        f"break in {trigger.memory} sessions ({trigger.level}: {threshold(event, trigger)})"
    )


def threshold(event: AlertEvent, trigger: Trigger | None = None, *, with_preset: bool = True) -> str:
    """The threshold crossed: ``|z| ≥ 3 (sharp, standard)``, ``KRE down 20% or more over 30 sessions``."""
    trigger = trigger or event.top
    if isinstance(trigger, MoveTrigger):
        test = "|z|" if trigger.sessions == 1 else f"{trigger.sessions}-session |z|"
        text = f"{test} ≥ {trigger.limit:g}"
        return f"{text} ({trigger.level}, {event.preset})" if with_preset else text
    if isinstance(trigger, DrawdownTrigger):
        return f"{event.watched.name} down {-trigger.limit:.0%} or more over {trigger.sessions} sessions"
    return f"52-week {'high' if trigger.up else 'low'}, first in {trigger.memory} sessions"


def event_data(event: AlertEvent) -> dict[str, Any]:
    return {
        "date": event.session.date().isoformat(),
        "rule": event.rule,
        "level": event.level,
        "series": series(event.watched),
        "move_pct": event.move_pct,
        "zscore": event.zscore,
        "threshold": threshold(event),
        "reasons": reasons(event),
        "day_move_pct": event.context.day_move_pct,
        "percentile": event.context.percentile,
    }


def alert_answer(
    event: AlertEvent,
    values: pd.Series,
    provenance: Provenance,
    now: pd.Timestamp,
    credit: CreditReading | str | None = None,
) -> Answer:
    """The embed for one alert: the move, z-score, threshold, why, context and a small chart.

    ``credit``: for a KRE alert after the close, the credit-or-rates reading of the session, or why
    there is none (None: intraday, when the session has no closes to read yet)."""
    from analytics.charts import alert_chart  # here, not at import: see analytics.charts

    ctx = event.context
    z = (
        _sigma(event.zscore, event.preset, signed=True)
        if event.zscore is not None
        else "a backstop (whatever the volatility)"
    )
    comparable = (
        f"{fmt.day(ctx.last_comparable)} ({fmt.pct(ctx.last_comparable_move_pct / 100)})"
        if ctx.last_comparable is not None and ctx.last_comparable_move_pct is not None
        else "none in the data"
    )
    fields = [
        ("Move", f"{fmt.pct(event.move_pct / 100)} · z {z}"),
        ("Threshold crossed", f"{threshold(event)} · preset {event.preset}"),
        ("Why", "\n".join(reasons(event))),
        (
            "Context",
            f"The day's move ({fmt.pct(ctx.day_move_pct / 100)}) is at the {ctx.percentile:.1f} percentile "
            "of daily moves "
            f"since {fmt.day(ctx.percentile_since)}; the last day at least as unusual: {comparable}.",
        ),
    ]
    context = RULES[event.rule].context
    if ctx.context_move_pct is not None and context is not None:
        fields.append((context.name, f"{fmt.pct(ctx.context_move_pct / 100)} on the day"))
    symbols = list(event.watched.symbols)
    extra: dict[str, Any] = {}
    if RULES[event.rule].credit_reading:
        line = credit_line(credit)
        fields.append(("Credit or rates", line))
        if isinstance(credit, CreditReading):
            symbols += [s for s in CREDIT_SYMBOLS if s not in symbols]
        extra = {"credit": readings.reading_data(credit) if isinstance(credit, CreditReading) else None,
                 "credit_line": line}  # fmt: skip
    caption = footer(provenance, symbols, now, as_of=event.session)
    return Answer(
        command="alert",
        title=f"{event.level.capitalize()} move: {series(event.watched)}",
        summary=headline(event),
        fields=tuple(fields),
        footer=caption,
        data={"command": "alert", **provenance_data(provenance, event.session), **event_data(event), **extra},
        chart=alert_chart(values, event.session, event.watched.name, caption=caption),
        chart_name="alert.png",
    )


def credit_line(credit: CreditReading | str | None) -> str:
    """The alert's line on credit or rates: the reading, why there is none, or when there will be one."""
    if credit is None:  # intraday: the credit ETFs and the 2-year are read close to close
        return "Read on the session's closes: see the daily digest after the close."
    if isinstance(credit, str):
        return f"Not read: {credit.rstrip('.')}."
    return readings.line(credit)


# -- the daily digest -----------------------------------------------------------------------------


def digest_headline(digest: Digest) -> str:
    parts = [f"Digest for {fmt.day(digest.session)}"]
    if digest.ratio:
        parts.append(f"{digest.ratio.watched.name} {fmt.pct(digest.ratio.move_pct / 100)}")
    if digest.kre:
        parts.append(f"KRE {fmt.pct(digest.kre.move_pct / 100)}")
    if digest.stress:
        parts.append(f"bank stress {digest.stress.level}")
    parts.append(_count(len(digest.events), "alert"))
    return ", ".join(parts)


def digest_answer(digest: Digest, provenance: Provenance, now: pd.Timestamp) -> Answer:
    """The daily digest: compact, no chart; parts that could not be computed are named."""
    day = fmt.day(digest.session)
    verdict, fields = [], []
    if digest.ratio:
        r = digest.ratio
        verdict.append(f"{r.watched.name} {fmt.pct(r.move_pct / 100)} ({_z(r.zscore, digest.preset)})")
        legs = " · ".join(f"{s} {fmt.pct(m / 100)}" for s, m in zip(r.watched.symbols, r.part_moves_pct, strict=True))
        fields.append(
            (
                "Small vs large caps",
                f"{series(r.watched)} {fmt.pct(r.move_pct / 100)}, {_z(r.zscore, digest.preset)} · {legs}",
            )
        )
    if digest.kre:
        k = digest.kre
        verdict.append(f"KRE {fmt.pct(k.move_pct / 100)} ({_z(k.zscore, digest.preset)})")
        fields.append(
            (
                "KRE",
                f"{fmt.pct(k.move_pct / 100)}, {_z(k.zscore, digest.preset)} · "
                f"KRE/SPY {fmt.pct(_fraction(k.context_move_pct))}",
            )
        )
    if digest.stress:
        s, b = digest.stress, digest.stress.breadth
        verdict.append(f"bank stress {s.level}")
        fields.append(
            (
                f"Bank stress: {s.level} ({s.points} points)",
                f"KRE {fmt.pct(s.kre_drawdown_52w)} from its 52-week high · "
                f"KRE/SPY 20d {fmt.pct(s.vs_spy.change_20d)} · "
                f"{b.down_2pct}/{b.banks} banks down over 2% · {b.at_52w_low}/{b.banks} at 52-week lows",
            )
        )
    if digest.rates:
        fields.append(("Rates", _rates_line(digest.rates, digest.session)))
    events = "\n".join(headline(e) for e in digest.events)  # each names its level
    fields.append((f"Alerts today ({digest.preset})", events or f"None at the {digest.preset} sensitivity."))
    if digest.credit is not None:
        fields.append(("Credit or rates", readings.line(digest.credit)))
    if digest.watchlist:
        fields += _watchlist_fields(digest.watchlist)
    if digest.missing:
        fields.append(("Left out", "\n".join(f"{_part(name)}: {why}" for name, why in digest.missing)))
    symbols = list(
        dict.fromkeys(
            [
                *(digest.ratio.watched.symbols if digest.ratio else ("^RUT", "^GSPC")),
                "KRE",
                "SPY",
                "XLF",
                *RATE_SYMBOLS,
                *(CREDIT_SYMBOLS if digest.credit else ()),
                *(s for s, _ in (digest.watchlist.moves if digest.watchlist else ())),
                *(s for s, _, _ in (digest.watchlist.yields if digest.watchlist else ())),
            ]
        )
    )
    return Answer(
        command="digest",
        title=f"Daily digest · {day}",
        summary=f"{day}: {', '.join(verdict) or 'no market moves (see what was left out)'}; "
        f"{_count(len(digest.events), 'alert')}.",
        fields=tuple(fields),
        footer=footer(provenance, symbols, now, as_of=digest.session),
        data={"command": "digest", **provenance_data(provenance, digest.session), **digest_data(digest)},
    )


def digest_data(digest: Digest) -> dict[str, Any]:
    def move(m: DayMove | None) -> dict[str, Any] | None:
        return (
            None
            if m is None
            else {
                "series": series(m.watched),
                "move_pct": m.move_pct,
                "zscore": m.zscore,
                "parts": dict(zip(m.watched.symbols, m.part_moves_pct, strict=True)),
                "context_move_pct": m.context_move_pct,
            }
        )

    stress, yields = digest.stress, digest.rates
    return {
        "date": digest.session.date().isoformat(),
        "preset": digest.preset,
        "ratio": move(digest.ratio),
        "kre": move(digest.kre),
        "bank_stress": stress and {"level": stress.level, "points": stress.points},
        "rates": yields
        and {
            y.symbol: {"session": y.session.date().isoformat(), "level_pct": y.level, "change_1d_bp": y.change_1d_bp}
            for y in (yields.bill, yields.ten_year)
        }
        | {"curve_10y_3m_bp": yields.curve_bp},
        "alerts": [event_data(e) for e in digest.events],
        "credit": readings.reading_data(digest.credit) if digest.credit is not None else None,
        "watchlist": digest.watchlist
        and {
            "moves_pct": {symbol: move * 100 for symbol, move in digest.watchlist.moves},
            "yields": {s: {"level_pct": level, "change_1d_bp": bp} for s, level, bp in digest.watchlist.yields},
            "missing": list(digest.watchlist.missing),
        },
        "missing": [f"{_part(name)}: {why}" for name, why in digest.missing],
    }


def _part(name: str) -> str:
    """A digest part's name as said: "Bank stress", "kre alerts"."""
    return PARTS.get(name) or f"{name.removeprefix('alerts ')} alerts"


def _watchlist_fields(day: WatchDay) -> list[tuple[str, str]]:
    """The server's symbols' moves that session, best first, then its yields (level, change in bp: not ranked with
    the returns), over as many fields as they need."""
    lines = [
        " · ".join(f"{symbol} {fmt.pct(move)}" for symbol, move in day.moves[i : i + 5])
        for i in range(0, len(day.moves), 5)
    ]
    lines += [
        "Yields: "
        + " · ".join(f"{symbol} {fmt.level(level)} ({fmt.bp(bp)})" for symbol, level, bp in day.yields[i : i + 4])
        for i in range(0, len(day.yields), 4)
    ]
    lines += [f"Not shown: {reason}" for reason in day.missing]
    return numbered(f"Watchlist on {fmt.day(day.session)}", chunk_lines(lines))


def _limits(preset: str) -> tuple[float, ...]:
    """The preset's |z| thresholds, both signs: what a z printed beside them must not be rounded across."""
    t = PRESETS[preset]
    return (t.notable, -t.notable, t.sharp, -t.sharp)


def _sigma(zscore: float, preset: str, signed: bool = False) -> str:
    """``2.5σ``; 2.496 at a 2.5 threshold is ``2.49σ`` (fmt.against)."""
    return f"{fmt.against(zscore, _limits(preset), signed=signed)}σ"


def _z(zscore: float | None, preset: str) -> str:
    if zscore is None:
        return "no z (too little volatility history)"
    return f"z {fmt.against(zscore, _limits(preset))}"


def _fraction(percent: float | None) -> float | None:
    return percent / 100 if percent is not None else None


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _size(fraction: float) -> str:
    """An unsigned percentage (the verb carries the sign): -0.1234 -> '12.3%'."""
    return fmt.pct(abs(fraction)).lstrip("+")


def _rates_line(r: Rates, session: pd.Timestamp) -> str:
    def one(name: str, y: Yield) -> str:
        change = f" ({fmt.bp(y.change_1d_bp)})" if y.change_1d_bp is not None else ""
        stale = f" on {fmt.day(y.session)}" if y.session != session else ""
        return f"{name} {fmt.level(y.level)}{change}{stale}"

    return (
        f"{one('10-year', r.ten_year)} · {one('13-week bill (bond-equivalent)', r.bill)} · "
        f"10y minus 3m {fmt.bp(r.curve_bp)}"
    )
