"""/credit: credit or rates? A regional-bank selloff read by a stated rule, beside March 2023 and October 2025."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics import credit as cr
from analytics.sources.base import Prices
from analytics.sources.snapshot import LATER_BASIS, LATER_BASIS_NOTE
from analytics.windows import AS_OF_WORDS, EPISODE_DAYS, fixed_day, snap_to_sessions
from commands.kit import format as fmt
from commands.kit import readings
from commands.kit.answer import Answer
from commands.kit.command import AskHint, Command, Services
from commands.kit.fields import chunk_lines, numbered
from commands.kit.footer import footer, provenance_data
from commands.kit.options import Options, day_option, option, whole_number

CHART_START = pd.Timestamp("2022-09-01")  # the chart spans both episodes
CHART_SPAN = pd.DateOffset(years=1)  # at least this much before an earlier as-of


def _window(text: Any, today: pd.Timestamp, name: str) -> int | None:
    """Sessions in the window; none given: 5, or an episode's own length when as_of names one."""
    return whole_number(1, cr.MAX_WINDOW, "window")(text, today, name) if str(text).strip() else None


@dataclass(frozen=True)
class CreditOptions(Options):
    as_of: str = day_option(
        "A past date, or march-2023 / oct-2025 (the episodes), e.g. 2025-10-21 (default: the last close)"
    )
    window: int | None = option(
        f"Sessions in the window ending at as_of (1-{cr.MAX_WINDOW}, default {cr.DEFAULT_WINDOW}; an episode: its own)",
        "",
        parse=_window,
        max_length=5,
    )

    @property
    def sessions(self) -> int:
        return self.window or EPISODE_DAYS.get(self.as_of, ("", cr.DEFAULT_WINDOW))[1]


async def answer(services: Services, o: CreditOptions) -> Answer:
    """The reading of the ``window`` sessions ending at ``as_of``, beside the episodes that end by then."""
    day = fixed_day(o.as_of, "as_of", services.clock(), AS_OF_WORDS) if o.as_of else None
    prices, fred, oas_note = await readings.fetch_inputs(services)
    return await services.offload(_answer, prices, fred, oas_note, day, o.sessions, services.clock(), services.charts)


def _answer(
    prices: Prices,
    fred: Prices,
    oas_note: str,
    day: pd.Timestamp | None,
    sessions: int,
    now: pd.Timestamp,
    charts: bool,
) -> Answer:

    notes: list[str] = []
    kre = prices.closes[cr.KRE].dropna().index
    if day is None:  # the last close whose 2-year FRED has published (live, usually the one before the last)
        session = cr.last_readable_session(prices.closes, fred.closes)
        if session < kre[-1]:
            notes.append(
                f"FRED has not published the 2-year for {fmt.day(kre[-1])} yet (it does the next business day): "
                f"read to {fmt.day(session)}."
            )
    else:
        session = snap_to_sessions(day, kre, now, "as_of", notes, "KRE's history")
    reading = cr.credit_reading_for_window(prices.closes, fred.closes, session, sessions)
    episodes = [e for e in cr.credit_reading_for_episodes(prices.closes, fred.closes, session)
                if (e.start, e.end) != (reading.start, reading.end)]  # fmt: skip
    b = reading.backdrop
    fields = [
        ("Reading", readings.flags_text(reading)),
        (
            f"Rates backdrop at {fmt.day(b.as_of)} (a stock)",
            f"2-year {fmt.level(b.dgs2)}: {fmt.bp(b.dgs2_change_12m_bp)} over 12 months, "
            f"{fmt.bp(b.dgs2_change_24m_bp)} over 24 · IEF {fmt.pct(b.ief_return_12m)} over 12 months (total return) · "
            f"TLT {fmt.pct(b.tlt_from_3y_high)} from its 3-year high ({fmt.day(b.tlt_high_date)})",
        ),
        ("Credit in the window (flows)", "\n".join(readings.move_text(m) for m in reading.credit_moves)),
        (
            "Flight to quality, banks",
            f"{readings.move_text(reading.two_year)}\n{readings.move_text(reading.bank_vs_financials)}\n"
            f"{readings.move_text(reading.kre)}",
        ),
    ]
    fields += [(f"{e.label}: {_span(e)}", readings.line(e)) for e in episodes]
    fields += numbered("Method", chunk_lines(_sentences(cr.METHOD)), more="(more)")
    missing = [*reading.missing, *([oas_note] if oas_note else [])]
    if missing:
        fields.append(("Not in the reading", "\n".join(dict.fromkeys(m.rstrip(".") + "." for m in missing))))
    if notes:
        fields.append(("Date", " ".join(notes)))
    text = footer(prices.provenance, list(cr.SYMBOLS), now, window=_span(reading), as_of=session)
    text += f" · Yields: {fred.provenance.describe(now)}"
    later = [s for s in cr.SYMBOLS if s in LATER_BASIS]
    if later and not prices.provenance.live:
        text += f" · {', '.join(later)}: {LATER_BASIS_NOTE}"
    caption = footer(prices.provenance, [cr.KRE, cr.HYG, cr.IEF], now, as_of=session)
    caption += f" · Yields: {fred.provenance.describe(now)}"
    return Answer(
        command="credit",
        title="Credit or rates?",
        summary=readings.headline(reading),
        fields=tuple(fields),
        footer=text,
        data={
            "command": "credit",
            **provenance_data(prices.provenance, session),
            "fred": {
                "source": fred.provenance.source,
                "last_date": fred.provenance.last_session.date().isoformat(),
                "stale": fred.provenance.stale,
                "note": fred.provenance.note,
            },
            **readings.reading_data(reading),
            "episodes": [readings.reading_data(e) for e in episodes],
            "method": cr.METHOD,
            "thresholds": {
                "backdrop_2y_rise_24m_bp": cr.BACKDROP_2Y_RISE_BP,
                "backdrop_tlt_from_3y_high_pct": cr.BACKDROP_TLT_FROM_HIGH * 100,
                "credit_z": cr.CREDIT_Z,
                "hy_oas_z": cr.HY_OAS_Z,
                "flight_to_quality_z": cr.FLIGHT_Z,
                "bank_specific_z": cr.BANK_Z,
                "trailing_sessions": cr.TRAILING,
                "hy_duration_ratio": cr.HY_DURATION_RATIO,
            },
            "missing": missing,
            "basis_note": {s: LATER_BASIS_NOTE for s in later} if not prices.provenance.live else {},
        },
        chart=_chart(prices.closes, fred.closes, session, caption) if charts else None,
        chart_name="credit.png",
    )


def _chart(closes: pd.DataFrame, fred: pd.DataFrame, session: pd.Timestamp, caption: str) -> bytes:
    from analytics.charts import credit_chart  # here, not at import: see analytics.charts

    return credit_chart(closes, fred, min(CHART_START, session - CHART_SPAN), session, cr.EPISODES, caption=caption)


def _span(r: cr.CreditReading) -> str:
    return f"{fmt.day(r.start)} → {fmt.day(r.end)} ({r.sessions} session{'s' if r.sessions != 1 else ''})"


def _sentences(text: str) -> list[str]:
    """The method's sentences, one a line (they go into fields of at most 1,024 characters)."""
    return [s if s.endswith(".") else s + "." for s in text.split(". ") if s]


COMMANDS = (
    Command(
        name="credit",
        rank=70,
        description="Credit or rates? A bank selloff read by a stated rule, beside March 2023 and October 2025",
        options=CreditOptions,
        answer=answer,
        ask=AskHint(
            r"\b(?:credit|spreads?|high yield|junk|hyg|leveraged loans?|bdcs?|defaults?|borrowers?)\b",
            "is it credit or rates",
        ),
        chart=True,
    ),
)
