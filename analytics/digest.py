"""The daily digest: one compact look at a settled session.

Small caps against large caps (the ratio rule's series), regional banks (KRE,
KRE/SPY and the bank-stress level), rates, the credit-or-rates reading of KRE's move, and the alerts the rules
rules give that session at the subscriber's sensitivity; for a server with a watchlist, each of its
symbols' move that session. Every figure comes
from the modules that define it (``alerts``, ``banks``, ``rates``), so the
digest never disagrees with /banks, /rates or an alert. A part that cannot be
computed is left out with its reason; the rest still goes out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd

from analytics import banks, credit, rates
from analytics.alerts.evaluate import day_move, evaluate
from analytics.alerts.events import PRESETS, AlertEvent, DayMove
from analytics.alerts.rules import RULES
from analytics.errors import InsufficientHistory, InvalidInput, MarketbotError
from analytics.watchlist import WatchDay

T = TypeVar("T")

# What the credit-or-rates reading reads (with FRED's DGS2).
CREDIT_SYMBOLS = credit.SYMBOLS
# What each part reads beyond the alert rules' symbols, fetched separately so one failing does not drop the others.
PART_SYMBOLS = {"banks": banks.SYMBOLS, "rates": rates.SYMBOLS, "credit": CREDIT_SYMBOLS}


@dataclass(frozen=True)
class Digest:
    session: pd.Timestamp
    preset: str  # the sensitivity the day's alerts are judged at
    ratio: DayMove | None
    kre: DayMove | None
    stress: banks.BankStress | None
    rates: rates.Rates | None
    events: tuple[AlertEvent, ...]  # the day's alerts of every rule
    # Parts left out, each (part, why): ratio, kre, banks, rates, credit, or a rule's alerts ("alerts ratio").
    missing: tuple[tuple[str, str], ...]
    credit: credit.CreditReading | None = None  # credit or rates? KRE's move that session, read by the stated rule
    # The receiving server's watchlist that session (one digest per sensitivity, then per server with a list).
    watchlist: WatchDay | None = None

    @property
    def empty(self) -> bool:
        """None of the session's market moves could be computed: there is nothing worth posting."""
        return not (self.ratio or self.kre or self.stress)


def daily_digest(
    closes: pd.DataFrame,
    session: pd.Timestamp,
    preset: str = "standard",
    unavailable: Mapping[str, str] | None = None,
    fred: pd.DataFrame | None = None,
) -> Digest:
    """The digest of ``session`` from the closes up to it.

    ``unavailable``: why the data of a part could not be had (its fetch failed), by
    part: "banks", "rates" or "credit"; that part is then left out with that reason.
    ``fred``: FRED's series (DGS2) for the credit-or-rates reading; without it there is none.
    """
    return daily_digests(closes, session, (preset,), unavailable, fred)[preset]


def daily_digests(
    closes: pd.DataFrame,
    session: pd.Timestamp,
    presets: Iterable[str],
    unavailable: Mapping[str, str] | None = None,
    fred: pd.DataFrame | None = None,
) -> dict[str, Digest]:
    """The digest at each of ``presets``: the market figures once, the alerts listed at each sensitivity."""
    presets = list(dict.fromkeys(presets))
    for preset in presets:
        if preset not in PRESETS:
            raise InvalidInput(f"Unknown alert preset `{preset}`: choose {', '.join(PRESETS)}.")
    session = pd.Timestamp(session)
    unavailable = unavailable or {}
    missing: list[tuple[str, str]] = []

    def part(name: str, compute: Callable[[], T], no_data: str | None = None) -> T | None:
        if no_data:  # its fetch failed: say why, compute nothing
            missing.append((name, no_data))
            return None
        try:
            return compute()
        except MarketbotError as exc:
            missing.append((name, str(exc)))
            return None

    ratio = part("ratio", lambda: day_move(closes, "ratio", session))
    kre = part("kre", lambda: day_move(closes, "kre", session))
    stress = part("banks", lambda: banks.bank_stress(closes, session), unavailable.get("banks"))
    yields = part("rates", lambda: _rates(closes, session), unavailable.get("rates"))
    # The reading is an add-on: without FRED's data it was not asked for (a failed fetch is said).
    reading = None
    if "credit" in unavailable or fred is not None:
        reading = part("credit", lambda: _credit(closes, fred, session), unavailable.get("credit"))
    market_missing = tuple(missing)
    digests = {}
    for preset in presets:
        missing[:] = market_missing
        events: list[AlertEvent] = []
        for rule in RULES:
            evaluation = part(f"alerts {rule}", functools.partial(evaluate, closes, rule, session, preset))
            if evaluation is not None and evaluation.skipped:
                missing.append((f"alerts {rule}", evaluation.skipped))
            elif evaluation is not None:
                events += evaluation.events
        digests[preset] = Digest(session, preset, ratio, kre, stress, yields, tuple(events), tuple(missing), reading)
    return digests


def _rates(closes: pd.DataFrame, session: pd.Timestamp) -> rates.Rates:
    absent = [s for s in rates.SYMBOLS if s not in closes.columns]
    if absent:
        raise InsufficientHistory(f"No {', '.join(absent)} data.")
    return rates.rates(closes, session)


def _credit(closes: pd.DataFrame, fred: pd.DataFrame | None, session: pd.Timestamp) -> credit.CreditReading:
    if fred is None:
        raise InsufficientHistory("No FRED data (the 2-year yield).")
    return credit.credit_reading_for_session(closes, fred, session)
