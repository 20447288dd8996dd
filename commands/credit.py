"""/credit: credit or rates? KRE's move split into what lines up with credit and with the 2-year yield."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics import credit as cr
from analytics.charts import credit_chart
from analytics.errors import DataUnavailable, MarketbotError
from analytics.sources.base import Prices
from analytics.sources.snapshot import LATER_BASIS, LATER_BASIS_NOTE
from analytics.windows import AS_OF_WORDS, fixed_day, snap_to_sessions
from commands.kit import format as fmt
from commands.kit.answer import Answer
from commands.kit.command import AskHint, Command, Services
from commands.kit.footer import footer, provenance_data
from commands.kit.options import Options, day_option, option, whole_number

CHART_START = pd.Timestamp("2022-09-01")  # the chart spans both episodes
CHART_SPAN = pd.DateOffset(years=1)  # at least this much before an earlier as-of


@dataclass(frozen=True)
class CreditOptions(Options):
    as_of: str = day_option("A past date to check instead of the last close, e.g. 2025-10-21 (default: the last close)")
    window: int = option(
        f"Sessions in the window ending at as_of (1-{cr.MAX_WINDOW}, default {cr.DEFAULT_WINDOW})",
        str(cr.DEFAULT_WINDOW),
        parse=whole_number(1, cr.MAX_WINDOW, "window"),
        max_length=5,
    )


async def answer(services: Services, o: CreditOptions) -> Answer:
    """The split for the ``window`` sessions ending at ``as_of``, beside March 2023 and October 2025."""
    day = fixed_day(o.as_of, "as_of", services.clock(), AS_OF_WORDS) if o.as_of else None
    prices, fred, oas_note = await fetch(services)
    return await services.offload(_answer, prices, fred, oas_note, day, o.window, services.clock())


async def fetch(services: Services) -> tuple[Prices, Prices, str]:
    """KRE and the credit ETFs; DGS2 (and, from live FRED only, the HY OAS). Says what is missing."""
    prices = await services.market.closes(list(cr.SYMBOLS))
    if services.fred is None:
        raise DataUnavailable("The credit split needs the 2-year yield from FRED, which is not configured here.")
    fred = await services.fred.closes([cr.DGS2])
    oas_note = "HY OAS: live FRED only (its licence forbids bundling it)"
    if services.fred.source.live:
        try:
            oas = await services.fred.closes([cr.HY_OAS])
            fred = Prices(fred.closes.join(oas.closes, how="outer"), fred.provenance)
            oas_note = ""
        except MarketbotError as exc:
            oas_note = f"HY OAS unavailable: {str(exc).rstrip('.')}"
    return prices, fred, oas_note


def session_for(prices: Prices, day: pd.Timestamp | None, now: pd.Timestamp, notes: list[str]) -> pd.Timestamp:
    kre = prices.closes[cr.KRE].dropna().index
    if day is None:
        return kre[-1]
    return snap_to_sessions(day, kre, now, "as_of", notes, "KRE's history")


def _answer(
    prices: Prices, fred: Prices, oas_note: str, day: pd.Timestamp | None, sessions: int, now: pd.Timestamp
) -> Answer:
    notes: list[str] = []
    session = session_for(prices, day, now, notes)
    report = cr.credit_report(prices.closes, fred.closes, session, sessions)
    splits = (report.now, *report.episodes)
    fields = [(_title(s), split_text(s)) for s in splits]
    fields.append(("Method", cr.METHOD))
    if oas_note:
        fields.append(("Missing", oas_note + "."))
    if notes:
        fields.append(("Date", " ".join(notes)))
    episodes = "; ".join(f"{s.label}: {verdict(s)}" for s in report.episodes)
    summary = f"{_span(report.now)}: {verdict(report.now)}" + (f" ({episodes})" if episodes else "") + "."
    text = footer(prices.provenance, list(cr.SYMBOLS), now, window=_span(report.now), as_of=session)
    text += f" · Yields: {fred.provenance.describe(now)}"
    later = [s for s in cr.SYMBOLS if s in LATER_BASIS]
    if later and not prices.provenance.live:
        text += f" · {', '.join(later)}: {LATER_BASIS_NOTE}"
    return Answer(
        command="credit",
        title="Credit or rates?",
        summary=summary,
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
            "method": cr.METHOD,
            "thresholds": {"min_r2": cr.MIN_R2, "min_abs_t": cr.MIN_T, "trailing_sessions": cr.TRAILING},
            "now": split_data(report.now),
            "episodes": [split_data(s) for s in report.episodes],
            "missing": [oas_note] if oas_note else [],
            "basis_note": {s: LATER_BASIS_NOTE for s in later} if not prices.provenance.live else {},
        },
        chart=credit_chart(
            prices.closes,
            fred.closes,
            min(CHART_START, session - CHART_SPAN),
            session,
            cr.EPISODES,
            caption=footer(prices.provenance, [cr.KRE, cr.HYG, cr.IEF], now, as_of=session)
            + f" · Yields: {fred.provenance.describe(now)}",
        ),
        chart_name="credit.png",
    )


def _span(s: cr.Split) -> str:
    return f"{fmt.day(s.start)} → {fmt.day(s.end)} ({s.sessions} session{'s' if s.sessions != 1 else ''})"


def _title(s: cr.Split) -> str:
    return f"{'Now' if s.label == 'now' else s.label}: {_span(s)}"


def _pts(value: float) -> str:
    """A log-return part in percentage points."""
    return f"{value * 100:+.1f}"


def verdict(s: cr.Split) -> str:
    """One phrase: KRE's move and which factor lines up with more of it."""
    head = f"KRE {fmt.pct(s.kre_return)}"
    if s.parts is None:
        return f"{head}, no split ({s.fit.refusal})"
    p = s.parts
    bigger = "credit" if abs(p["credit"]) >= abs(p["rates"]) else "rates"
    text = f"{head}; credit {_pts(p['credit'])} pts, rates {_pts(p['rates'])} pts"
    if abs(p["residual"]) > abs(p["credit"]) + abs(p["rates"]):
        return f"{text}, most of it ({_pts(p['residual'])} pts) explained by neither"
    return f"{text}: more {bigger} than {'rates' if bigger == 'credit' else 'credit'}"


def split_text(s: cr.Split) -> str:
    f = s.fit
    lines = []
    if s.parts is None:
        lines.append(f"KRE {fmt.pct(s.kre_return)} (log {_pts(s.kre_log_move)}%). No split: {f.refusal}.")
    else:
        p = s.parts
        lines.append(
            f"KRE {fmt.pct(s.kre_return)} = log {_pts(s.kre_log_move)} pts: rates {_pts(p['rates'])} + credit "
            f"{_pts(p['credit'])} + intercept {_pts(p['intercept'])} + residual {_pts(p['residual'])}"
        )
    t = f.t
    lines.append(
        f"Fit {fmt.day(f.start)}–{fmt.day(f.end)} ({f.sessions} sessions): R² {f.r2:.2f}; "
        f"rates beta {f.beta['rates'] * 1e4:+.1f} bp of KRE per bp (SE {f.se['rates'] * 1e4:.1f}, t {t['rates']:+.1f}); "
        f"credit beta {f.beta['credit']:+.2f} (SE {f.se['credit']:.2f}, t {t['credit']:+.1f})"
    )
    ctx = " · ".join(f"{sym} {fmt.pct(v)}" for sym, v in s.context.items())
    oas = f" · HY OAS {s.hy_oas_change_bp:+.0f} bp" if s.hy_oas_change_bp is not None else ""
    lines.append(f"2-year {s.dgs2_change_bp:+.0f} bp · HYG/IEF {fmt.pct(s.hyg_ief_change)} · {ctx}{oas}")
    return "\n".join(lines)


def split_data(s: cr.Split) -> dict:
    f = s.fit
    return {
        "label": s.label,
        "start": s.start.date().isoformat(),
        "end": s.end.date().isoformat(),
        "sessions": s.sessions,
        "kre_return_pct": s.kre_return * 100,
        "kre_log_move_pct": s.kre_log_move * 100,
        "dgs2_change_bp": s.dgs2_change_bp,
        "hyg_ief_log_move_pct": s.credit_log_move * 100,
        "hyg_ief_change_pct": s.hyg_ief_change * 100,
        "hy_oas_change_bp": s.hy_oas_change_bp,
        "context_returns_pct": {k: v * 100 for k, v in s.context.items()},
        "split_log_pct": None if s.parts is None else {k: v * 100 for k, v in s.parts.items()},
        "refused": f.refusal or None,
        "fit": {
            "start": f.start.date().isoformat(),
            "end": f.end.date().isoformat(),
            "sessions": f.sessions,
            "r2": f.r2,
            "alpha": f.alpha,
            "alpha_se": f.alpha_se,
            "beta_rates_per_bp": f.beta["rates"],
            "se_rates": f.se["rates"],
            "t_rates": f.t["rates"],
            "beta_credit": f.beta["credit"],
            "se_credit": f.se["credit"],
            "t_credit": f.t["credit"],
        },
    }


# -- the one field /banks shows: the split of its session's move -------------------------------------


async def inputs_or_reason(services: Services) -> tuple[Prices, Prices] | str:
    """What ``banks_field`` needs, or why it is not at hand (the bank answer goes on without it)."""
    try:
        prices, fred, _ = await fetch(services)
    except MarketbotError as exc:
        return str(exc).rstrip(".")
    return prices, fred


def banks_field(inputs: tuple[Prices, Prices] | str, session: pd.Timestamp) -> tuple[tuple[str, str], dict]:
    """("Credit or rates", one line) and its figures: the split of KRE's move on ``session``."""
    if isinstance(inputs, str):
        return ("Credit or rates", f"not available: {inputs}."), {"error": inputs}
    prices, fred = inputs
    try:
        start = cr.window_start(prices.closes, session, 1)
        split = cr.credit_split(prices.closes.loc[:session], fred.closes.loc[:session], start, session, "session")
    except MarketbotError as exc:
        return ("Credit or rates", f"not available: {str(exc).rstrip('.')}."), {"error": str(exc)}
    text = f"{fmt.day(session)}: {verdict(split)} (R² {split.fit.r2:.2f}). Method and windows: `/credit as_of:{fmt.day(session)}`."
    return ("Credit or rates", text), {**split_data(split), "method": cr.METHOD, "fred_source": fred.provenance.source}


COMMANDS = (
    Command(
        name="credit",
        rank=70,
        description="Credit or rates? KRE's move split into credit (HYG/IEF) and the 2-year yield, vs 2023 and Oct 2025",
        options=CreditOptions,
        answer=answer,
        ask=AskHint(
            r"\b(?:credit|spreads?|high yield|junk|hyg|leveraged loans?|bdcs?|defaults?|borrowers?)\b",
            "is it credit or rates",
        ),
        chart=True,
    ),
)
