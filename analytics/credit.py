"""Rates or credit? A reading of a regional-bank selloff by a stated rule, every input beside it.

(The reading is worded in commands/kit/readings.py: analytics gives the figures and the verdict.)

Three groups of figures, then a rule (``METHOD`` states it in plain words for the answer):

- **Rates backdrop**, a stock measured at the window's first close: the 2-year yield's change over
  the prior 12 and 24 months, IEF's 12-month total return, and TLT against its 3-year high. These
  stand for the unrealised losses on long securities that a hiking cycle leaves on bank balance
  sheets (the 2023 mechanism), whatever happens inside the window.
- **Credit now**, flows inside the window, each duration-neutral or market-neutral: high-yield
  excess return (log HYG − 0.45 × log IEF; 0.45 ≈ HYG's duration of ~3.5 years over IEF's ~7.5),
  leveraged loans (BKLN, floating rate, near-zero duration), private credit (BIZD against SPY), and
  the ICE BofA high-yield OAS (FRED ``BAMLH0A0HYM2``) when a live series is at hand.
- **Flight to quality and bank-specific**: the 2-year's change in the window; KRE against XLF.

Conventions (they reproduce the figures the tests recompute independently):

- Sessions are KRE's sessions (the NYSE days the close frame has a KRE close for). The window runs
  from the close of ``start`` (its *first close*) to the close of ``end``; ``sessions`` counts the
  daily moves between them.
- FRED values go to sessions by "latest value dated on or before" (``series.to_session_values``),
  so a Treasury-market holiday on which the NYSE trades counts as a zero change of the 2-year.
- "Over the prior 12 / 24 months": the DGS2 value on or before the first close minus the value on
  or before the same calendar day 12 / 24 months earlier (``pd.DateOffset(months=...)``, which clips
  the 29th-31st to the month's end), in basis points.
- IEF's 12-month total return: simple, adjusted close at the first close over the adjusted close on
  or before the same day a year earlier, minus one.
- TLT's 3-year high: the highest adjusted close dated within the 3 calendar years up to and including
  the first close (``pd.DateOffset(years=3)``); the figure is close / high − 1 (simple, ≤ 0). TLT
  must have closes going back the full 3 years.
- A window move is scored as z = move / (daily SD × √sessions): for prices, the move is the log move
  of the (relative) series and the daily SD is the sample standard deviation (ddof 1) of its daily log
  moves over the ``TRAILING`` sessions up to and including the first close (the move into the first
  close is the sample's last); for the 2-year and the OAS, the move is the change in bp and the
  daily SD is of the daily bp changes on the same sessions. The sample must be complete: no missing
  close, no fill. The percentages shown are simple: exp(log move) − 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analytics.errors import InsufficientHistory, InvalidInput
from analytics.series import latest_on_or_before, to_session_values

KRE, XLF, SPY, TLT, IEF, HYG, BKLN, BIZD = "KRE", "XLF", "SPY", "TLT", "IEF", "HYG", "BKLN", "BIZD"
SYMBOLS = (KRE, XLF, SPY, TLT, IEF, HYG, BKLN, BIZD)
DGS2, HY_OAS = "DGS2", "BAMLH0A0HYM2"

TRAILING = 252  # daily moves behind each z-score
HY_DURATION_RATIO = 0.45  # HYG duration (~3.5y) over IEF duration (~7.5y), rounded
BACKDROP_MONTHS = (12, 24)
TLT_HIGH_YEARS = 3

# The rule's thresholds, chosen once from first principles before any selloff other than the two
# episodes was read (see METHOD and the report); not tuned to any table.
BACKDROP_2Y_RISE_BP = 200.0  # 2-year up at least this much over the prior 24 months ...
BACKDROP_TLT_FROM_HIGH = -0.20  # ... and TLT at least 20% below its 3-year high
CREDIT_Z = -1.5  # a credit measure's window z at or below this is stress
HY_OAS_Z = 1.5  # the OAS widening: z at or above this is stress (live only)
FLIGHT_Z = -2.0  # the 2-year falling this many SDs in the window is a flight to quality
BANK_Z = -2.0  # KRE against XLF at or below this is bank-specific

DEFAULT_WINDOW = 5
MAX_WINDOW = 60
EPISODES = (
    ("March 2023", pd.Timestamp("2023-03-08"), pd.Timestamp("2023-03-13")),
    ("October 2025", pd.Timestamp("2025-10-15"), pd.Timestamp("2025-10-16")),
)
# The selloffs the rule is run over (see ``to_selloff_windows``).
SELLOFF_1D = -0.04
SELLOFF_3D = -0.08

Primary = Literal["rates", "credit", "both", "neither", "no_selloff"]

METHOD = (
    f"Rates backdrop (a stock, at the window's first close): on when the 2-year yield rose at least "
    f"{BACKDROP_2Y_RISE_BP:.0f} bp over the prior 24 months and TLT is at least {-BACKDROP_TLT_FROM_HIGH:.0%} "
    f"below its 3-year high (the unrealised losses a hiking cycle leaves on banks' long securities). "
    f"Every window move is scored as a z: its log move (bp for yields) over the daily standard deviation of "
    f"the {TRAILING} sessions up to the first close times √sessions. Credit stress: on when any of high-yield "
    f"excess return (log HYG − {HY_DURATION_RATIO} × log IEF), leveraged loans (BKLN) or private credit (BIZD "
    f"against SPY) has z ≤ {CREDIT_Z:g}, or the high-yield OAS widened with z ≥ {HY_OAS_Z:g} (live only). "
    f"Flight to quality: the 2-year's z ≤ {FLIGHT_Z:g}. Bank-specific: KRE against XLF z ≤ {BANK_Z:g}. "
    f"Primary: rates when the backdrop is on and credit is calm, or credit is stressed but the banks fell "
    f"further against financials (a lower z) than any credit measure did: credit read as contagion from the "
    f"banks; both when the backdrop is on and some credit measure fell further than the banks did; credit "
    f"when credit is stressed without the backdrop; neither otherwise. The rule reads a fall: when KRE did not "
    f"fall over the window, there is no selloff to explain."
)


@dataclass(frozen=True)
class ScoredMove:
    """One series' move over the window, scored against its own trailing daily moves."""

    name: str
    start: pd.Timestamp  # the first close
    end: pd.Timestamp
    sessions: int  # daily moves in the window
    unit: Literal["log", "bp"]
    move: float  # log move (fraction) for prices and ratios; change in bp for yields and spreads
    change: float  # simple change, exp(move) − 1, for prices; the bp change again for yields
    daily_sd: float  # sample SD (ddof 1) of the TRAILING daily moves, same unit as ``move``
    sample_start: pd.Timestamp  # the first and last sessions whose daily move is in the sample
    sample_end: pd.Timestamp  # = start
    z: float  # move / (daily_sd · √sessions)


@dataclass(frozen=True)
class RatesBackdrop:
    """The stock of rate losses at ``as_of`` (the window's first close)."""

    as_of: pd.Timestamp
    dgs2: float  # percent, the latest value on or before as_of
    dgs2_date: pd.Timestamp
    dgs2_12m_ago: float
    dgs2_12m_date: pd.Timestamp  # the date of the value used, on or before as_of − 12 months
    dgs2_change_12m_bp: float
    dgs2_24m_ago: float
    dgs2_24m_date: pd.Timestamp
    dgs2_change_24m_bp: float
    ief_return_12m: float  # simple total return (adjusted closes), fraction
    ief_12m_date: pd.Timestamp
    tlt_from_3y_high: float  # close / highest close in the 3 years up to as_of − 1 (≤ 0)
    tlt_high: float
    tlt_high_date: pd.Timestamp


@dataclass(frozen=True)
class Reading:
    """The rule's verdict. ``as_dict()`` is the data form the answers and alerts carry."""

    primary: Primary
    rates_backdrop: bool
    credit_stress: bool
    flight_to_quality: bool
    bank_specific: bool

    def as_dict(self) -> dict[str, str | bool]:
        return {
            "primary": self.primary,
            "rates_backdrop": self.rates_backdrop,
            "credit_stress": self.credit_stress,
            "flight_to_quality": self.flight_to_quality,
            "bank_specific": self.bank_specific,
        }


@dataclass(frozen=True)
class CreditReading:
    """A window's reading with every figure that went into it."""

    label: str
    start: pd.Timestamp  # the first close
    end: pd.Timestamp
    sessions: int
    kre: ScoredMove  # context: the selloff itself
    backdrop: RatesBackdrop
    two_year: ScoredMove  # DGS2 change in the window, bp
    bank_vs_financials: ScoredMove  # log KRE − log XLF
    hy_excess: ScoredMove | None  # log HYG − 0.45 log IEF; None where HYG or IEF lack the history
    loans: ScoredMove | None  # BKLN (from 2011)
    private_credit: ScoredMove | None  # log BIZD − log SPY (from 2013)
    hy_oas: ScoredMove | None  # bp; only with a live BAMLH0A0HYM2 series
    worst_credit_z: float  # the most stressed credit z, the OAS's sign flipped so lower is worse
    reading: Reading
    missing: tuple[str, ...]  # credit measures left out, each with why

    @property
    def credit_moves(self) -> tuple[ScoredMove, ...]:
        return tuple(m for m in (self.hy_excess, self.loans, self.private_credit, self.hy_oas) if m is not None)

    @property
    def figures(self) -> dict[str, float | None]:
        """Every input figure by name, plain numbers (fractions, bp, z), None where not available."""
        b = self.backdrop
        out: dict[str, float | None] = {
            "dgs2_change_12m_bp": b.dgs2_change_12m_bp,
            "dgs2_change_24m_bp": b.dgs2_change_24m_bp,
            "ief_return_12m": b.ief_return_12m,
            "tlt_from_3y_high": b.tlt_from_3y_high,
        }
        for key, move in (
            ("kre", self.kre),
            ("two_year", self.two_year),
            ("bank_vs_financials", self.bank_vs_financials),
            ("hy_excess", self.hy_excess),
            ("loans", self.loans),
            ("private_credit", self.private_credit),
            ("hy_oas", self.hy_oas),
        ):
            out[f"{key}_change"] = move.change if move else None
            out[f"{key}_z"] = move.z if move else None
        return out


# -- series on KRE's sessions ---------------------------------------------------------------------


def to_sessions(closes: pd.DataFrame) -> pd.DatetimeIndex:
    """KRE's sessions: the dates with a KRE close."""
    if KRE not in closes.columns:
        raise InsufficientHistory("The credit reading needs KRE closes.")
    return closes[KRE].dropna().index


def to_log_close(closes: pd.DataFrame, symbol: str, sessions: pd.DatetimeIndex) -> pd.Series:
    """log close of ``symbol`` on ``sessions``; NaN where it has no close (not filled)."""
    if symbol not in closes.columns:
        return pd.Series(np.nan, index=sessions, name=symbol)
    return np.log(closes[symbol].reindex(sessions))


def to_bp_on_sessions(fred: pd.DataFrame, series: str, sessions: pd.DatetimeIndex) -> pd.Series:
    """A FRED series (percent) in bp on ``sessions``: the latest value dated on or before each one."""
    return to_session_values(fred[series], sessions) * 100


def calc_scored_move(
    level: pd.Series, start: pd.Timestamp, end: pd.Timestamp, name: str, unit: Literal["log", "bp"]
) -> ScoredMove:
    """Score ``level[end] − level[start]`` against the ``TRAILING`` daily moves ending at ``start``.

    ``level`` is a log price (or log ratio) or a yield in bp, indexed by sessions that include
    ``start`` and ``end``. Raises ``InsufficientHistory`` when the endpoints or any of the
    ``TRAILING + 1`` values behind the sample are missing (nothing is filled).
    """
    sessions = level.index
    i, j = sessions.get_loc(start), sessions.get_loc(end)
    if i < TRAILING:
        raise InsufficientHistory(f"{name} needs {TRAILING + 1} sessions up to {start.date()}; the data has {i + 1}.")
    window = level.iloc[i - TRAILING : i + 1]
    first = level.first_valid_index()
    if first is None or first > window.index[0]:
        since = f"starts {first.date()}" if first is not None else f"has no data up to {end.date()}"
        raise InsufficientHistory(f"{name} {since}: fewer than {TRAILING + 1} sessions up to {start.date()}.")
    if window.isna().any() or math.isnan(level.iloc[j]):
        first_gap = window.index[window.isna()][0] if window.isna().any() else end
        raise InsufficientHistory(
            f"{name} has no value on {first_gap.date()}, inside the {TRAILING} sessions up to "
            f"{start.date()} or the window."
        )
    daily = window.diff().iloc[1:]
    sd = float(daily.std(ddof=1))
    n = j - i
    move = float(level.iloc[j] - level.iloc[i])
    if sd == 0:
        raise InsufficientHistory(f"{name} did not move in the {TRAILING} sessions up to {start.date()}.")
    change = math.expm1(move) if unit == "log" else move
    return ScoredMove(
        name=name,
        start=start,
        end=end,
        sessions=n,
        unit=unit,
        move=move,
        change=change,
        daily_sd=sd,
        sample_start=daily.index[0],
        sample_end=daily.index[-1],
        z=move / (sd * math.sqrt(n)),
    )


# -- the backdrop ---------------------------------------------------------------------------------


def calc_rates_backdrop(closes: pd.DataFrame, fred: pd.DataFrame, as_of: pd.Timestamp) -> RatesBackdrop:
    """The stock figures at the close of ``as_of`` (a session with TLT and IEF closes).

    Input contract: ``closes`` has TLT and IEF adjusted closes; ``fred`` has DGS2 in percent, on
    FRED's own dates. Values dated after ``as_of`` are never read.
    """
    for symbol in (TLT, IEF):
        if symbol not in closes.columns:
            raise InsufficientHistory(f"The rates backdrop needs {symbol} closes.")
    if DGS2 not in fred.columns:
        raise InsufficientHistory("The rates backdrop needs the 2-year yield (FRED DGS2).")
    dgs2 = fred[DGS2]
    date_now, y_now = latest_on_or_before(dgs2, as_of, "2-year yield (DGS2)")
    back = {}
    for months in BACKDROP_MONTHS:
        day = as_of - pd.DateOffset(months=months)
        if dgs2.dropna().index[0] > day:
            raise InsufficientHistory(
                f"DGS2 does not reach back to {day.date()}, {months} months before {as_of.date()}."
            )
        back[months] = latest_on_or_before(dgs2, day, "2-year yield (DGS2)")
    ief = closes[IEF].dropna().loc[:as_of]
    year_ago = as_of - pd.DateOffset(months=12)
    if ief.empty or ief.index[-1] != as_of or ief.index[0] > year_ago:
        raise InsufficientHistory(f"IEF's 12-month return needs closes from {year_ago.date()} to {as_of.date()}.")
    ief_date, ief_then = latest_on_or_before(ief, year_ago, "IEF close")
    tlt = closes[TLT].dropna().loc[:as_of]
    since = as_of - pd.DateOffset(years=TLT_HIGH_YEARS)
    if tlt.empty or tlt.index[-1] != as_of or tlt.index[0] > since:
        raise InsufficientHistory(f"TLT's 3-year high needs closes from {since.date()} to {as_of.date()}.")
    last3 = tlt.loc[since:]
    high_date = last3.idxmax()
    high = float(last3.loc[high_date])
    return RatesBackdrop(
        as_of=as_of,
        dgs2=y_now,
        dgs2_date=date_now,
        dgs2_12m_ago=back[12][1],
        dgs2_12m_date=back[12][0],
        dgs2_change_12m_bp=(y_now - back[12][1]) * 100,
        dgs2_24m_ago=back[24][1],
        dgs2_24m_date=back[24][0],
        dgs2_change_24m_bp=(y_now - back[24][1]) * 100,
        ief_return_12m=float(ief.iloc[-1]) / ief_then - 1,
        ief_12m_date=ief_date,
        tlt_from_3y_high=float(tlt.iloc[-1]) / high - 1,
        tlt_high=high,
        tlt_high_date=high_date,
    )


# -- the rule -------------------------------------------------------------------------------------


def calc_worst_credit_z(credit_z: list[float], hy_oas_z: float | None) -> float:
    """The most stressed credit z, the OAS's sign flipped (a widening is stress): lower is worse."""
    scores = [*credit_z, *([-hy_oas_z] if hy_oas_z is not None else [])]
    if not scores:
        raise InsufficientHistory("No credit measure (HYG with IEF, BKLN, BIZD with SPY, HY OAS) covers the window.")
    return min(scores)


def calc_reading(
    kre_move: float,
    backdrop: RatesBackdrop,
    two_year_z: float,
    bank_vs_financials_z: float,
    credit_z: list[float],
    hy_oas_z: float | None = None,
) -> Reading:
    """The stated rule (``METHOD``) on the figures; ``credit_z`` are the price-based credit z's available.
    The rule reads a fall: when KRE did not fall (``kre_move`` ≥ 0) there is no selloff to explain."""
    rates_backdrop = (
        backdrop.dgs2_change_24m_bp >= BACKDROP_2Y_RISE_BP and backdrop.tlt_from_3y_high <= BACKDROP_TLT_FROM_HIGH
    )
    credit_stress = any(z <= CREDIT_Z for z in credit_z) or (hy_oas_z is not None and hy_oas_z >= HY_OAS_Z)
    worst = calc_worst_credit_z(credit_z, hy_oas_z)
    primary: Primary
    if kre_move >= 0:
        primary = "no_selloff"  # the flags still say what credit and rates did
    elif rates_backdrop and credit_stress:
        # Contagion when the banks led: their own move against financials more extreme than any credit move.
        primary = "rates" if bank_vs_financials_z <= worst else "both"
    elif rates_backdrop:
        primary = "rates"
    elif credit_stress:
        primary = "credit"
    else:
        primary = "neither"
    return Reading(
        primary=primary,
        rates_backdrop=rates_backdrop,
        credit_stress=credit_stress,
        flight_to_quality=two_year_z <= FLIGHT_Z,
        bank_specific=bank_vs_financials_z <= BANK_Z,
    )


# -- the entry points -----------------------------------------------------------------------------


def last_readable_session(closes: pd.DataFrame, fred: pd.DataFrame) -> pd.Timestamp:
    """The last KRE session a reading can end on: FRED posts a day's 2-year the next business day."""
    published = fred[DGS2].dropna().index
    kre = closes[KRE].dropna().index
    readable = kre[kre <= published[-1]] if len(published) else kre[:0]
    if readable.empty:
        raise InsufficientHistory("No KRE session has its 2-year yield (FRED DGS2) published yet.")
    return readable[-1]


def credit_reading(
    closes: pd.DataFrame, fred: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, label: str = ""
) -> CreditReading:
    """The reading of KRE's move from the close of ``start`` to the close of ``end`` (both KRE sessions).

    Input contract: ``closes`` holds adjusted closes with at least KRE, XLF, TLT, IEF and one credit
    source (HYG, BKLN, or BIZD with SPY) over the ``TRAILING`` sessions before ``start``; ``fred``
    holds DGS2 in percent on FRED's dates, and BAMLH0A0HYM2 when live. Nothing after ``end`` is read.
    """
    if DGS2 not in fred.columns:
        raise InsufficientHistory("The credit reading needs the 2-year yield (FRED DGS2).")
    published = fred[DGS2].dropna().index
    if len(published) and published[-1] < end:
        # FRED posts a day's 2-year the next business day: read now, the day's move would be a false 0 bp.
        # (A bond-market holiday has later values after it, and is carried forward like any gap.)
        raise InsufficientHistory(
            f"FRED has not published the 2-year yield (DGS2) for {end.date()} yet "
            f"(latest {published[-1].date()}); it does the next business day."
        )
    closes, fred = closes.loc[:end], fred.loc[:end]
    sessions = to_sessions(closes)
    if start not in sessions or end not in sessions or start >= end:
        raise InsufficientHistory(f"No KRE window from {start.date()} to {end.date()} in the data.")
    if XLF not in closes.columns:
        raise InsufficientHistory(f"The credit reading needs {XLF} closes.")
    log = {s: to_log_close(closes, s, sessions) for s in SYMBOLS}

    def score(level: pd.Series, name: str, unit: Literal["log", "bp"] = "log") -> ScoredMove:
        return calc_scored_move(level, start, end, name, unit)

    kre = score(log[KRE], "KRE")
    two_year = score(to_bp_on_sessions(fred, DGS2, sessions), "2-year", "bp")
    banks = score(log[KRE] - log[XLF], "KRE against XLF")
    backdrop = calc_rates_backdrop(closes, fred, start)
    missing: list[str] = []

    def optional(symbols: tuple[str, ...], level: pd.Series, name: str) -> ScoredMove | None:
        absent = [s for s in symbols if s not in closes.columns]
        if absent:
            missing.append(f"{name}: no {' or '.join(absent)} closes in the data")
            return None
        try:
            return score(level, name)
        except InsufficientHistory as exc:
            missing.append(str(exc).rstrip("."))
            return None

    hy = optional((HYG, IEF), log[HYG] - HY_DURATION_RATIO * log[IEF], "HY excess return")
    loans = optional((BKLN,), log[BKLN], "leveraged loans (BKLN)")
    private = optional((BIZD, SPY), log[BIZD] - log[SPY], "BDCs against SPY")
    oas = None
    if HY_OAS in fred.columns and fred[HY_OAS].notna().any():
        try:
            oas = score(to_bp_on_sessions(fred, HY_OAS, sessions), "HY OAS", "bp")
        except InsufficientHistory as exc:
            missing.append(str(exc).rstrip("."))
    else:
        missing.append("HY OAS: the live FRED series BAMLH0A0HYM2 is not at hand (it is never bundled)")
    credit_z = [m.z for m in (hy, loans, private) if m is not None]
    worst = calc_worst_credit_z(credit_z, oas.z if oas else None)
    reading = calc_reading(kre.move, backdrop, two_year.z, banks.z, credit_z, oas.z if oas else None)
    return CreditReading(
        label=label,
        start=start,
        end=end,
        sessions=kre.sessions,
        kre=kre,
        backdrop=backdrop,
        two_year=two_year,
        bank_vs_financials=banks,
        hy_excess=hy,
        loans=loans,
        private_credit=private,
        hy_oas=oas,
        worst_credit_z=worst,
        reading=reading,
        missing=tuple(missing),
    )


def credit_reading_for_window(
    closes: pd.DataFrame, fred: pd.DataFrame, as_of: pd.Timestamp, sessions: int = DEFAULT_WINDOW, label: str = ""
) -> CreditReading:
    """/credit: the window of ``sessions`` daily moves ending at the last KRE session on or before ``as_of``."""
    if not 1 <= sessions <= MAX_WINDOW:
        raise InvalidInput(f"The window must be 1 to {MAX_WINDOW} sessions.")
    kre = to_sessions(closes.loc[:as_of])
    if len(kre) <= sessions:
        raise InsufficientHistory(f"KRE has fewer than {sessions + 1} sessions up to {as_of.date()}.")
    return credit_reading(closes, fred, kre[-sessions - 1], kre[-1], label)


def credit_reading_for_session(
    closes: pd.DataFrame, fred: pd.DataFrame, session: pd.Timestamp, label: str = ""
) -> CreditReading:
    """The KRE alert and the daily digest: the one-session window ending at ``session`` (a KRE session)."""
    kre = to_sessions(closes.loc[:session])
    if len(kre) < 2 or kre[-1] != session:
        raise InsufficientHistory(f"No KRE close on {session.date()} and the session before it.")
    return credit_reading(closes, fred, kre[-2], session, label)


def credit_reading_for_episodes(
    closes: pd.DataFrame, fred: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[CreditReading, ...]:
    """The reference episodes (``EPISODES``) that end on or before ``as_of``."""
    return tuple(credit_reading(closes, fred, s, e, label) for label, s, e in EPISODES if e <= as_of)


@dataclass(frozen=True)
class SelloffWindow:
    """A regional-bank selloff session and the window read for it."""

    session: pd.Timestamp
    sessions: int  # 1 for a one-day drop, 3 for a three-session drop
    kre_return: float  # simple, over the window


def to_selloff_windows(closes: pd.DataFrame) -> tuple[SelloffWindow, ...]:
    """Every session where KRE fell more than 4% in the day (a 1-session window) or its 3-session move
    was below −8% (a 3-session window); a session meeting both gives both windows. Simple returns."""
    kre = closes[KRE].dropna()
    out = []
    for n, limit in ((1, SELLOFF_1D), (3, SELLOFF_3D)):
        moves = (kre / kre.shift(n) - 1).dropna()
        out += [SelloffWindow(day, n, float(move)) for day, move in moves[moves < limit].items()]
    return tuple(sorted(out, key=lambda w: (w.session, w.sessions)))
