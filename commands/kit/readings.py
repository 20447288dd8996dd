"""The credit-or-rates reading in words: /credit, /banks, the KRE alert and the digest say it alike.

The figures and the verdict are analytics.credit's; here only how they are said. Percentages
keep their sign at the precision shown; z-scores have two decimals, and more where that would round
one across the rule's threshold for it (``fmt.against``: -1.496 beside "z ≤ -1.5" is -1.496, never -1.50).
"""

from __future__ import annotations

import math
from typing import Any

from analytics import credit as cr
from analytics.credit import CreditReading, RatesBackdrop, ScoredMove
from analytics.errors import DataUnavailable, MarketbotError
from analytics.sources.base import Prices
from commands.kit import format as fmt
from commands.kit.command import Services

PRIMARY = {
    "rates": "Rates",
    "credit": "Credit",
    "both": "Both rates and credit",
    "neither": "Neither rates nor credit",
    "no_selloff": "No selloff to read",
}


def backdrop_text(b: RatesBackdrop) -> str:
    """The stock of rate losses at the window's first close."""
    return (
        f"2-year {fmt.bp(b.dgs2_change_24m_bp)} over 24 months and {fmt.bp(b.dgs2_change_12m_bp)} over 12, "
        f"TLT {fmt.pct(b.tlt_from_3y_high)} from its 3-year high"
    )


# The rule's threshold for each scored move, by the name analytics.credit gives it (a credit measure: CREDIT_Z).
LIMITS = {"KRE": (), "2-year": (cr.FLIGHT_Z,), "KRE against XLF": (cr.BANK_Z,), "HY OAS": (cr.HY_OAS_Z,)}


def z_text(m: ScoredMove, *more: float) -> str:
    """``z -2.25``: never rounded across the move's threshold (or ``more``, such as the worst credit z)."""
    return f"z {fmt.against(m.z, (*LIMITS.get(m.name, (cr.CREDIT_Z,)), *more), decimals=2)}"


def move_text(m: ScoredMove) -> str:
    """``HY excess return -2.7% (z -2.25)``; a yield's move in bp."""
    size = fmt.bp(m.change) if m.unit == "bp" else fmt.pct(m.change, 2)
    return f"{m.name} {size} ({z_text(m)})"


def credit_text(r: CreditReading) -> str:
    """The credit measures' z-scores (their moves are in the fields): ``HY excess return z -2.25, ...``."""
    return ", ".join(f"{m.name} {z_text(m)}" for m in r.credit_moves)


def banks_text(r: CreditReading) -> str:
    """``KRE against XLF z -2.31``, kept apart from the worst credit z where the verdict compares them."""
    more = (r.worst_credit_z,) if r.reading.credit_stress and math.isfinite(r.worst_credit_z) else ()
    return f"KRE against XLF {z_text(r.bank_vs_financials, *more)}"


def headline(r: CreditReading) -> str:
    """One sentence: the verdict first, then the figures that decided it."""
    reading = r.reading
    span = f"KRE {fmt.pct(r.kre.change)} over {r.sessions} session{'s' if r.sessions != 1 else ''} to {fmt.day(r.end)}"
    stock = backdrop_text(r.backdrop)
    credit = credit_text(r)
    banks = banks_text(r)
    if reading.primary == "no_selloff":
        credit_state = "under stress all the same" if reading.credit_stress else "calm"
        backdrop = "a stock of rate losses" if reading.rates_backdrop else "no rates backdrop"
        return f"No selloff to read: {span}; credit {credit_state} ({credit}); {backdrop} ({stock})."
    if reading.primary == "rates" and reading.credit_stress:
        text = (
            f"Rates: {span} on a stock of rate losses ({stock}); credit fell too ({credit}) but less than "
            f"the banks did against financials ({banks}), read as contagion"
        )
    elif reading.primary == "rates":
        text = f"Rates: {span} on a stock of rate losses ({stock}), with credit calm ({credit})"
    elif reading.primary == "both":
        text = (
            f"Both: {span} on a stock of rate losses ({stock}), and credit fell further than the banks did "
            f"against financials ({credit}; {banks})"
        )
    elif reading.primary == "credit":
        text = f"Credit: {span} with credit under stress ({credit}) and no rates backdrop ({stock})"
    else:
        text = f"Neither: {span} with no rates backdrop ({stock}) and credit calm ({credit})"
    if reading.primary in ("credit", "neither") or not reading.credit_stress:
        text += f"; {banks}, " + ("bank-specific" if reading.bank_specific else "not bank-specific")
    if reading.flight_to_quality:
        text += f"; the 2-year fell {fmt.bp(-r.two_year.move).lstrip('+')} ({z_text(r.two_year)}), a flight to quality"
    return text + "."


def flags_text(r: CreditReading) -> str:
    """The four flags beside the verdict: ``rates backdrop yes · credit stress yes · ...``."""
    reading = r.reading
    flags = (
        ("rates backdrop", reading.rates_backdrop),
        ("credit stress", reading.credit_stress),
        ("flight to quality", reading.flight_to_quality),
        ("bank-specific", reading.bank_specific),
    )
    return f"{PRIMARY[reading.primary]} · " + " · ".join(f"{name} {'yes' if on else 'no'}" for name, on in flags)


def line(r: CreditReading) -> str:
    """The one line /banks, the KRE alert and the digest give: verdict, why, and where the figures are."""
    reading = r.reading
    why = []
    if reading.rates_backdrop:
        why.append(f"a stock of rate losses ({backdrop_text(r.backdrop)})")
    if reading.credit_stress:
        contagion = reading.primary == "rates"
        why.append(f"credit stress{', read as contagion' if contagion else ''} ({credit_text(r)})")
    elif r.credit_moves:
        why.append(f"credit calm ({credit_text(r)})")
    if reading.flight_to_quality:
        why.append(f"a flight to quality (2-year {fmt.bp(r.two_year.move)})")
    if reading.bank_specific:
        why.append(f"bank-specific ({banks_text(r)})")
    verdict = PRIMARY[reading.primary]
    if reading.primary == "no_selloff":
        verdict += f" (KRE {fmt.pct(r.kre.change)} over {r.sessions} session{'s' if r.sessions != 1 else ''})"
    return f"{verdict}: " + "; ".join(why) + f". `/credit as_of:{fmt.day(r.end)} window:{r.sessions}`."


def reading_data(r: CreditReading) -> dict[str, Any]:
    """The reading and every figure behind it, JSON-ready (fractions as percent, bp, z)."""
    b = r.backdrop

    def move(m: ScoredMove | None) -> dict[str, Any] | None:
        if m is None:
            return None
        bp = m.unit == "bp"
        size = {"change_bp": m.change} if bp else {"change_pct": m.change * 100, "log_move_pct": m.move * 100}
        return {
            **size,
            "z": m.z,
            "daily_sd": m.daily_sd if bp else m.daily_sd * 100,
            "daily_sd_unit": "bp" if bp else "log %",
            "sessions": m.sessions,
            "sample": [m.sample_start.date().isoformat(), m.sample_end.date().isoformat()],
        }

    return {
        "label": r.label,
        "start": r.start.date().isoformat(),
        "end": r.end.date().isoformat(),
        "sessions": r.sessions,
        "reading": r.reading.as_dict(),
        "backdrop": {
            "as_of": b.as_of.date().isoformat(),
            "dgs2_pct": b.dgs2,
            "dgs2_change_12m_bp": b.dgs2_change_12m_bp,
            "dgs2_change_24m_bp": b.dgs2_change_24m_bp,
            "ief_return_12m_pct": b.ief_return_12m * 100,
            "tlt_from_3y_high_pct": b.tlt_from_3y_high * 100,
            "tlt_high_date": b.tlt_high_date.date().isoformat(),
        },
        "kre": move(r.kre),
        "two_year": move(r.two_year),
        "kre_vs_xlf": move(r.bank_vs_financials),
        "hy_excess": move(r.hy_excess),
        "loans_bkln": move(r.loans),
        "bdcs_vs_spy": move(r.private_credit),
        "hy_oas": move(r.hy_oas),
        "missing": list(r.missing),
    }


async def fetch_inputs(services: Services) -> tuple[Prices, Prices, str]:
    """What the reading reads: KRE, XLF, SPY and the credit and Treasury ETFs; DGS2 (and live, the HY OAS)."""
    prices = await services.market.closes(list(cr.SYMBOLS))
    if services.fred is None:
        raise DataUnavailable("The reading needs the 2-year yield from FRED, which is not configured here.")
    fred = await services.fred.closes([cr.DGS2])
    oas_note = ""  # offline, the reading itself says the OAS is live only
    if services.fred.source.live:
        try:
            oas = await services.fred.closes([cr.HY_OAS])
            fred = Prices(fred.closes.join(oas.closes, how="outer"), fred.provenance)
            oas_note = ""
        except MarketbotError as exc:
            oas_note = f"HY OAS unavailable: {str(exc).rstrip('.')}"
    return prices, fred, oas_note
