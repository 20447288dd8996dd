"""/rates: the 13-week bill and the 10-year note, their changes and the curve; and the policy path the bill
and the 2-year imply, fitted and labelled an approximation, with the next FOMC decision (and its odds from
the fed funds future, live only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics import rate_path as rp
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
    """Yields and the curve; the policy rate, the 2-year, the fitted path and the next decision."""
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
        return await services.fred.closes([rp.POLICY, rp.TWO_YEAR]), ""
    except MarketbotError as exc:
        return None, str(exc).rstrip(".")


async def _future(services: Services) -> tuple[tuple[float, pd.Timestamp] | None, str]:
    """The front-month fed funds future's last settled close, from a live source only."""
    if not services.market.source.live:
        return None, ""
    try:
        closes = (await services.market.closes([rp.FED_FUNDS_FUTURE])).closes[rp.FED_FUNDS_FUTURE].dropna()
    except MarketbotError as exc:
        return None, f"ZQ=F unavailable: {str(exc).rstrip('.')}"
    return (float(closes.iloc[-1]), closes.index[-1]), ""


def odds_text(steps: float) -> str:
    """The move priced for a meeting, as CME's FedWatch says it: the odds of one 25 bp step; past one step,
    that step fully priced and the odds of a second (50 bp); past two, the steps priced."""
    word = "cut" if steps >= 0 else "hike"
    size = abs(steps)
    if size <= 1:
        return f"{size * 100:.0f}% odds of a 25 bp {word}"
    if size <= 2:
        return f"a 25 bp {word} fully priced and {(size - 1) * 100:.0f}% odds of a 50 bp {word}"
    return f"{size:.1f} steps of 25 bp priced ({size * 25:.0f} bp {word})"


def _yield_text(y: r.Yield) -> str:
    level = f"{y.quoted:.3f}% discount = {y.level:.3f}% bond-equivalent" if y.symbol == r.BILL else f"{y.level:.2f}%"
    return (
        f"{level} · 1m {fmt.bp(y.change_bp['1m'])} (since {fmt.day(y.since['1m'])}) · "
        f"3m {fmt.bp(y.change_bp['3m'])} (since {fmt.day(y.since['3m'])})"
    )


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
    curve = f"{fmt.bp(result.curve_bp)} ({'inverted' if result.curve_bp < 0 else 'positive'})"
    fields: list[tuple[str, str]] = [
        ("13-week bill (^IRX)", _yield_text(result.bill)),
        ("10-year note (^TNX)", _yield_text(result.ten_year)),
        ("10y minus 3m (bill bond-equivalent)", curve),
    ]
    summary = (
        f"10-year {result.ten_year.level:.2f}%, 13-week bill {result.bill.level:.2f}% (bond-equivalent), "
        f"curve {fmt.bp(result.curve_bp)}."
    )
    data: dict[str, Any] = {
        "command": "rates",
        **provenance_data(prices.provenance, result.as_of),
        "yields": {
            y.symbol: {
                "session": y.session.date().isoformat(),
                "level_pct": y.level,
                "quoted_pct": y.quoted,
                "basis": "bond-equivalent (from the quoted discount yield)" if y.symbol == r.BILL else "as quoted",
                "change_1m_bp": y.change_bp["1m"],
                "change_3m_bp": y.change_bp["3m"],
            }
            for y in (result.bill, result.ten_year)
        },
        "curve_10y_3m_bp": result.curve_bp,
    }
    text = footer(prices.provenance, list(r.SYMBOLS), now, as_of=result.as_of)
    if fred is None:
        fields.append(("Rate path", f"not available: {fred_note}."))
        data["rate_path"] = {"error": fred_note}
    else:
        try:
            path = rp.rate_path_reading(fred.closes, prices.closes[r.BILL], session)
        except MarketbotError as exc:
            fields.append(("Rate path", f"not available: {str(exc).rstrip('.')}."))
            data["rate_path"] = {"error": str(exc).rstrip(".")}
        else:
            odds, odds_note = _odds(path, future, future_note)
            summary += f" {_path_sentence(path)}"
            later = rp.policy_afterwards(fred.closes, session, path.end_of_next_year)
            fields += _path_fields(path, odds, odds_note, later)
            data["rate_path"] = _path_data(path, fred, odds, odds_note, later)
        text += f" · Rates: {fred.provenance.describe(now)}"
    if notes:
        fields.append(("Date", " ".join(notes)))
    return Answer(command="rates", title="Rates", summary=summary, fields=tuple(fields), footer=text, data=data)


def _odds(
    path: rp.RatePathReading, future: tuple[float, pd.Timestamp] | None, note: str
) -> tuple[rp.MeetingOdds | None, str]:
    """The next decision's odds by CME's FedWatch method, when a live front-month price is at hand."""
    if future is None or path.next_decision is None:
        return None, note or "no fed funds future price (ZQ=F is read live from Yahoo only; none is bundled)"
    try:
        return rp.meeting_odds(path.next_decision.date, future[0], future[1], path.policy), ""
    except MarketbotError as exc:
        return None, str(exc).rstrip(".")


def _cuts(value: float) -> str:
    """``2.0 cuts``; a negative count is hikes."""
    n = abs(value)
    return f"{n:.1f} {'cut' if value >= 0 else 'hike'}{'' if round(n, 1) == 1 else 's'}"


def _path_sentence(p: rp.RatePathReading) -> str:
    if p.fit is None or p.cuts_by_end_of_next_year is None:
        return "No smooth policy path fits the bill and the 2-year today (see Rate path)."
    terminal = f", toward {p.terminal:.2f}%" if p.terminal is not None else ""
    return (
        f"The bill and the 2-year fit a path of about {_cuts(p.cuts_by_end_of_next_year)} from {p.policy:.2f}% by "
        f"the end of {p.end_of_next_year.year}{terminal} (an approximation: no term premium)."
    )


def _path_fields(
    p: rp.RatePathReading, odds: rp.MeetingOdds | None, odds_note: str, later: tuple[pd.Timestamp, float] | None
) -> list[tuple[str, str]]:
    fields = [
        ("Policy rate (effective fed funds, FRED DFF)", f"{p.policy:.2f}% ({fmt.day(p.policy_date)})"),
        ("2-year Treasury (FRED DGS2)", f"{p.two_year:.2f}% ({fmt.day(p.two_year_date)})"),
    ]
    if p.fit is None:
        fields.append(("Rate path (fitted to the bill and the 2-year)", p.no_fit))
    else:
        steps = [f"{_cuts(p.cuts_by_end_of_next_year or 0)} by the end of {p.end_of_next_year.year}"]
        if p.next_decision is not None and p.cuts_by_next_decision is not None:
            steps.insert(0, f"{_cuts(p.cuts_by_next_decision)} by the next decision ({fmt.day(p.next_decision.date)})")
        terminal = (
            f"terminal {p.terminal:.2f}%"
            if p.terminal is not None
            else "terminal rate not identified (too slow a path)"
        )
        fields.append(
            (
                "Rate path (fitted; an approximation)",
                f"{'; '.join(steps)}; {terminal}, τ {p.fit.tau:.2f} years. Assumptions: {p.assumptions}.",
            )
        )
    decision = p.next_decision
    meeting = f"{fmt.day(decision.date)} ({decision.kind})" if decision is not None else "not in the calendar"
    if odds is None:
        fields.append(("Next FOMC decision", f"{meeting}; no odds: {odds_note}."))
    else:
        fields.append(
            (
                "Next FOMC decision (CME FedWatch method)",
                f"{meeting}: ZQ=F {odds.future_price:.4f} on {fmt.day(odds.future_session)} (Yahoo Finance) → "
                f"implied {odds.implied:.3f}%, N {odds.days_in_month}, M {odds.days_before}, rate after "
                f"{odds.r_end:.3f}% → {odds_text(odds.cut_probability)}. "
                f"{rp.FUTURE_ASSUMPTION}.",
            )
        )
    said = "; ".join(p.notes)
    fields.append(("Not in the data", said[:1].upper() + said[1:] + "."))
    if later is not None:
        date, value = later
        fields.append(
            (
                "What happened afterwards",
                f"effective fed funds {value:.2f}% on {fmt.day(date)}, {fmt.bp((value - p.policy) * 100)} since "
                f"{fmt.day(p.policy_date)} ({_cuts((p.policy - value) / rp.STEP)}): realised, not what was priced.",
            )
        )
    return fields


def _path_data(
    p: rp.RatePathReading,
    fred: Prices,
    odds: rp.MeetingOdds | None,
    odds_note: str,
    later: tuple[pd.Timestamp, float] | None,
) -> dict[str, Any]:
    fit = p.fit
    return {
        "as_of": p.as_of.date().isoformat(),
        "source": fred.provenance.source,
        "stale": fred.provenance.stale,
        "note": fred.provenance.note,
        "policy_rate": {"symbol": rp.POLICY, "date": p.policy_date.date().isoformat(), "level_pct": p.policy},
        "bill_13w": {
            "symbol": rp.BILL,
            "date": p.bill_date.date().isoformat(),
            "discount_pct": p.bill_discount,
            "bond_equivalent_pct": p.bill,
        },
        "two_year": {"symbol": rp.TWO_YEAR, "date": p.two_year_date.date().isoformat(), "level_pct": p.two_year},
        "fit": None if fit is None else {"terminal_pct": fit.terminal, "tau_years": fit.tau},
        "no_fit": p.no_fit or None,
        "terminal_pct": p.terminal,
        "next_decision": None
        if p.next_decision is None
        else {"date": p.next_decision.date.date().isoformat(), "kind": p.next_decision.kind},
        "cuts_by_next_decision": p.cuts_by_next_decision,
        "end_of_next_year": p.end_of_next_year.date().isoformat(),
        "cuts_by_end_of_next_year": p.cuts_by_end_of_next_year,
        # The old "(2-year − policy)/0.25": the average gap over two years in 25 bp steps, not a count of cuts.
        "average_gap_25bp_steps": p.gap_steps,
        "two_year_day": None
        if p.two_year_day is None
        else {
            "date": p.two_year_day.date.date().isoformat(),
            "change_bp": p.two_year_day.change_bp,
            "z": p.two_year_day.z,
            "distorted": p.two_year_day.distorted,
        },
        "assumptions": p.assumptions,
        "notes": list(p.notes),
        "fedwatch": None
        if odds is None
        else {
            "future": rp.FED_FUNDS_FUTURE,
            "price": odds.future_price,
            "session": odds.future_session.date().isoformat(),
            "implied_pct": odds.implied,
            "r_start_pct": odds.r_start,
            "days_in_month": odds.days_in_month,
            "days_before_meeting": odds.days_before,
            "r_end_pct": odds.r_end,
            "cut_probability": odds.cut_probability,
            "method": rp.FUTURE_ASSUMPTION,
            "source": "Yahoo Finance",
        },
        "fedwatch_missing": odds_note or None,
        "policy_rate_afterwards": None
        if later is None
        else {"date": later[0].date().isoformat(), "level_pct": later[1], "realised": True},
    }


COMMANDS = (
    Command(
        name="rates",
        rank=60,
        description="Bill and 10-year yields, the curve, and the rate path the bill and 2-year imply",
        options=RatesOptions,
        answer=answer,
        cooldown=LIGHT,
        ask=AskHint(
            r"\b(?:rates?|yields?|treasur(?:y|ies)|bills?|curve|inver\w*|fed|fomc|cuts?|hikes?|interest)\b",
            "what are rates doing",
        ),
    ),
)
