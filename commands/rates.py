"""/rates: the 13-week bill and the 10-year note, their changes and the curve; and the rate path:
the policy rate, the 2-year yield, "cuts priced", and the next meeting's odds when a live future is at hand."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics import rates as r
from analytics.errors import MarketbotError
from analytics.sources.base import Prices
from analytics.windows import AS_OF_WORDS, fixed_day, snap_to_sessions
from commands.kit import format as fmt
from commands.kit.answer import Answer
from commands.kit.command import LIGHT, AskHint, Command, Services
from commands.kit.footer import footer, provenance_data
from commands.kit.options import Options, day_option


@dataclass(frozen=True)
class RatesOptions(Options):
    as_of: str = day_option("A past date to check instead of the last close, e.g. 2025-10-21 (default: the last close)")


async def answer(services: Services, o: RatesOptions) -> Answer:
    """Yields, their 1- and 3-month changes, the 10y-3m spread and the bill's move in 25 bp steps;
    the policy rate, the 2-year yield and the cuts they imply; the next meeting's odds when live."""
    now = services.clock()
    day = fixed_day(o.as_of, "as_of", now, AS_OF_WORDS) if o.as_of else None
    prices = await services.market.closes(list(r.SYMBOLS))
    fred, fred_note = await _fred(services)
    future, future_note = (None, "") if day is not None else await _future(services)
    return _answer(prices, now, day, fred, fred_note, future, future_note)  # arithmetic: no thread needed


async def _fred(services: Services) -> tuple[Prices | None, str]:
    if services.fred is None:
        return None, "FRED data is not configured here"
    try:
        return await services.fred.closes([r.POLICY, r.TWO_YEAR]), ""
    except MarketbotError as exc:
        return None, str(exc).rstrip(".")


async def _future(services: Services) -> tuple[tuple[float, pd.Timestamp] | None, str]:
    """The front-month fed funds future's last settled close, from a live source only."""
    if not services.market.source.live:
        return None, ""
    try:
        closes = (await services.market.closes([r.FED_FUNDS_FUTURE])).closes[r.FED_FUNDS_FUTURE].dropna()
    except MarketbotError as exc:
        return None, f"ZQ=F unavailable: {str(exc).rstrip('.')}"
    return (float(closes.iloc[-1]), closes.index[-1]), ""


def _bp(value: float) -> str:
    return f"{value:+.0f} bp"


def _answer(
    prices: Prices,
    now: pd.Timestamp,
    day: pd.Timestamp | None = None,
    fred: Prices | None = None,
    fred_note: str = "",
    future: tuple[float, pd.Timestamp] | None = None,
    future_note: str = "",
) -> Answer:
    notes: list[str] = []
    session = prices.provenance.last_session
    if day is not None:
        session = snap_to_sessions(day, prices.closes.index, now, "as_of", notes, "the yields' history")
    result = r.rates(prices.closes, session)
    steps = result.bill_steps_3m
    move = f"The bill yield moved {_bp(result.bill.change_bp['3m'])} in 3 months"
    if abs(steps) < 0.5:
        implied = f"{move}: less than half a 25 bp step."
    else:
        implied = f"{move}: about {abs(steps):.1f} quarter-point {'cuts' if steps < 0 else 'hikes'}."
    fields = tuple(
        (
            f"{name} ({y.symbol})",
            f"{y.level:.2f}% · 1m {_bp(y.change_bp['1m'])} (since {y.since['1m'].date()}) · "
            f"3m {_bp(y.change_bp['3m'])} (since {y.since['3m'].date()})",
        )
        for name, y in (("13-week bill", result.bill), ("10-year note", result.ten_year))
    ) + (("10y minus 3m", f"{_bp(result.curve_bp)} ({'inverted' if result.curve_bp < 0 else 'positive'})"),)
    summary = f"10-year {result.ten_year.level:.2f}%, 13-week bill {result.bill.level:.2f}%, curve {_bp(result.curve_bp)}. {implied}"
    data = {
        "command": "rates",
        **provenance_data(prices.provenance, result.as_of),
        "yields": {
            y.symbol: {
                "session": y.session.date().isoformat(),
                "level_pct": y.level,
                "change_1m_bp": y.change_bp["1m"],
                "change_3m_bp": y.change_bp["3m"],
            }
            for y in (result.bill, result.ten_year)
        },
        "curve_10y_3m_bp": result.curve_bp,
        "bill_25bp_steps_3m": steps,
    }
    path = None
    if fred is not None:
        path = r.rate_path(
            fred.closes,
            session,
            bills=prices.closes[r.BILL],
            future=future,
            fred_source=fred.provenance.source,
            bill_source=prices.provenance.source,
        )
        fields += _path_fields(path) + ((("Fed funds future", future_note),) if future_note else ())
        summary += f" {_cuts_sentence(path)}"
    else:
        fields += (("Rate path", f"not available: {fred_note}."),)
    if notes:
        fields += (("Date", " ".join(notes)),)
    data["rate_path"] = _path_data(path, fred, future_note) if path is not None else {"error": fred_note}
    text = footer(prices.provenance, list(r.SYMBOLS), now, as_of=result.as_of)
    if fred is not None:
        text += f" · Rates: {fred.provenance.describe(now)}"
    return Answer(command="rates", title="Rates", summary=summary, fields=fields, footer=text, data=data)


def _cuts_sentence(p: r.RatePath) -> str:
    steps = p.steps_priced
    if abs(steps) < 0.5:
        return f"The 2-year yield is within half a 25 bp step of the policy rate ({_bp(p.gap_bp)}): no move priced on average."
    word = "cuts" if steps < 0 else "hikes"
    return (
        f"The 2-year yield is {_bp(p.gap_bp)} from the policy rate: roughly {abs(steps):.1f} quarter-point {word} "
        f"on average over two years (an approximation: no term premium)."
    )


def _path_fields(p: r.RatePath) -> tuple[tuple[str, str], ...]:
    def level(x: r.Level) -> str:
        return f"{x.value:.2f}% ({fmt.day(x.date)}, {x.symbol}, {x.source})"

    fields = [("Policy rate (effective fed funds)", level(p.policy))]  # the bill has its field above
    fields.append(("2-year Treasury", level(p.two_year)))
    fields.append(
        (
            "Cuts priced (approximation)",
            f"(2-year − policy)/0.25 = {p.steps_priced:+.2f} steps of 25 bp ({_bp(p.gap_bp)}); {r.CUTS_ASSUMPTION}.",
        )
    )
    meeting = f"FOMC decision {fmt.day(p.next_meeting)}" if p.next_meeting is not None else "none in the calendar"
    if p.odds is None:
        fields.append(("Next meeting", f"{meeting}; no odds without a fed funds future price."))
    else:
        o = p.odds
        word = "cut" if o.cut_probability >= 0 else "hike"
        fields.append(
            (
                "Next meeting (CME FedWatch method)",
                f"{meeting}: ZQ=F {o.future_price:.4f} on {fmt.day(o.future_session)} (Yahoo Finance) → implied {o.implied:.3f}%, "
                f"N {o.days_in_month}, M {o.days_before}, rate after {o.r_end:.3f}% → {abs(o.cut_probability) * 100:.0f}% odds of a 25 bp {word}. "
                f"{r.FUTURE_ASSUMPTION}.",
            )
        )
    fields.append(("Not in the data", "; ".join(p.missing) + "."))
    if p.policy_later is not None:
        fields.append(
            (
                "What happened afterwards",
                f"effective fed funds {p.policy_later.value:.2f}% on {fmt.day(p.policy_later.date)} "
                f"({_bp((p.policy_later.value - p.policy.value) * 100)} since {fmt.day(p.policy.date)}): realised, not what was priced.",
            )
        )
    return tuple(fields)


def _path_data(p: r.RatePath, fred: Prices, future_note: str) -> dict:
    def level(x: r.Level | None) -> dict | None:
        return (
            None
            if x is None
            else {"symbol": x.symbol, "date": x.date.date().isoformat(), "level_pct": x.value, "source": x.source}
        )

    o = p.odds
    return {
        "as_of": p.as_of.date().isoformat(),
        "source": fred.provenance.source,
        "stale": fred.provenance.stale,
        "note": fred.provenance.note,
        "policy_rate": level(p.policy),
        "bill_13w": level(p.bill),
        "two_year": level(p.two_year),
        "gap_2y_minus_policy_bp": p.gap_bp,
        "cuts_priced_25bp_steps": p.steps_priced,
        "cuts_priced_assumption": r.CUTS_ASSUMPTION,
        "next_meeting": p.next_meeting.date().isoformat() if p.next_meeting is not None else None,
        "fedwatch": None
        if o is None
        else {
            "future": r.FED_FUNDS_FUTURE,
            "price": o.future_price,
            "session": o.future_session.date().isoformat(),
            "implied_pct": o.implied,
            "r_start_pct": o.r_start,
            "days_in_month": o.days_in_month,
            "days_before_meeting": o.days_before,
            "r_end_pct": o.r_end,
            "cut_probability": o.cut_probability,
            "method": r.FUTURE_ASSUMPTION,
            "source": "Yahoo Finance",
        },
        "missing": list(p.missing) + ([future_note] if future_note else []),
        "policy_rate_afterwards": level(p.policy_later),
    }


COMMANDS = (
    Command(
        name="rates",
        rank=60,
        description="The 13-week bill and 10-year yields, their changes and the curve",
        options=RatesOptions,
        answer=answer,
        cooldown=LIGHT,
        ask=AskHint(
            r"\b(?:rates?|yields?|treasur(?:y|ies)|bills?|curve|inver\w*|fed|fomc|cuts?|hikes?|interest)\b",
            "what are rates doing",
        ),
    ),
)
