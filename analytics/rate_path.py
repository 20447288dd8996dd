"""The rate path, honestly: a policy path fitted to the 3-month bill and the 2-year yield.

"Cuts priced ≈ (2-year − DFF)/0.25" counts the gap between today's rate and the *average* rate
over two years, not the number of cuts. Here the path is fitted instead:

- The path: an exponential approach from today's policy rate r0 (DFF) to a terminal rate r_T,
  r(t) = r_T + (r0 − r_T)·e^(−t/τ), t in years. Two parameters, r_T and τ.
- Two points: the 13-week bill read as the average of the path over [0, 0.25 y], the 2-year as its
  average over [0, 2 y]. The average over [0, T] is r_T + (r0 − r_T)·(τ/T)(1 − e^(−T/τ)).
- Solving: the ratio (r0 − bill)/(r0 − 2-year) depends on τ alone, falling from 1 (τ → 0) to
  0.25/2 = 1/8 (τ → ∞); τ is found by bisection, then r_T from the 2-year. A ratio outside that
  range (the bill and the 2-year on opposite sides of DFF, or the bill further from DFF than the
  2-year) has no path of this shape: ``NoPathFit`` says so, and no number is given.
- Time: t = calendar days / 365.25 from the 2-year's date. A cut is 25 bp.
- The bill: Yahoo's ``^IRX`` is a *discount* yield; it is converted to a bond-equivalent yield,
  BEY = 365·d / (360 − d·t) with d the discount rate as a fraction and t = 91 days, before it is
  compared with DFF, the 2-year or the 10-year (e.g. 3.785 discount → 3.875 BEY).

Assumptions (``ASSUMPTIONS``, stated with every number): no term premium (the 2-year is the expected
average policy rate), the bill trades at the expected policy rate (bills can trade cheap or rich to
policy, e.g. around debt-ceiling episodes or heavy issuance), and a smooth path (it cannot show a
step: by a decision a few days away it shows the drift, not the odds of a move there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from analytics.errors import InsufficientHistory, InvalidInput, MarketbotError
from analytics.fomc import Decision, next_decision
from analytics.series import latest_on_or_before

POLICY, TWO_YEAR, FED_FUNDS_FUTURE = "DFF", "DGS2", "ZQ=F"
BILL, TEN_YEAR = "^IRX", "^TNX"
BILL_DAYS = 91  # the 13-week bill's term in the BEY formula
BILL_HORIZON = 0.25  # years the bill is read as averaging over
TWO_YEAR_HORIZON = 2.0
DAYS_PER_YEAR = 365.25
STEP = 0.25  # percentage points in a cut
TAU_MIN = 1 / DAYS_PER_YEAR  # a day: faster is a jump, not a path
TAU_MAX = 10.0  # years: slower and the terminal rate is not identified by two points within 2 years
# The terminal rate is shown only when the path covers at least this share of its move within the
# 2 years the data spans (τ ≤ 2/ln 2 ≈ 2.9 years); beyond that it is an extrapolation of a nearly
# straight line, while the cuts by dates within 2 years stay well determined.
TERMINAL_SHARE = 0.5
BISECTION_STEPS = 200
TRAILING = 252
BIG_MOVE_Z = 3.0  # a 2-year day move beyond this many daily SDs distorts the read

ASSUMPTIONS = (
    "a smooth path r(t) = r_T + (r0 − r_T)·e^(−t/τ) from the effective fed funds rate r0, "
    "fitted so that its average over 3 months equals the 13-week bill (bond-equivalent) and its average over 2 "
    "years equals the 2-year yield; no term premium, bills priced at the expected policy rate (they can trade "
    "cheap or rich to it), a cut = 25 bp; a smooth path shows the drift by a date, not the odds of a move at one "
    "meeting"
)
NO_FUTURES = "the fed funds or SOFR futures strip that would price each meeting is not in our data"


class NoPathFit(MarketbotError):
    """The bill and the 2-year cannot both be matched by a path of the stated shape."""


def calc_bond_equivalent_yield(discount_pct: float, days: int = BILL_DAYS) -> float:
    """A bill's bond-equivalent yield in percent from its discount yield in percent (terms up to 182 days).

    BEY = 365·d / (360 − d·t), d the discount rate as a fraction, t the days to maturity.
    """
    if not 0 < days <= 182:
        raise ValueError("The simple BEY formula holds for bills of up to 182 days.")
    d = discount_pct / 100
    return 365 * d / (360 - d * days) * 100


def calc_curve_bp(ten_year_pct: float, bill_discount_pct: float) -> float:
    """10-year minus 3-month in bp, the bill converted to its bond-equivalent yield first."""
    return (ten_year_pct - calc_bond_equivalent_yield(bill_discount_pct)) * 100


def _share(horizon: float, tau: float) -> float:
    """(τ/T)(1 − e^(−T/τ)): how much of the gap r0 − r_T is still in the average over [0, T]."""
    x = horizon / tau
    return -math.expm1(-x) / x


def calc_path_rate(r0: float, terminal: float, tau: float, t: float) -> float:
    """r(t) = r_T + (r0 − r_T)·e^(−t/τ), percent; t in years."""
    return terminal + (r0 - terminal) * math.exp(-t / tau)


@dataclass(frozen=True)
class PathFit:
    """The fitted path: percent, years."""

    r0: float  # the policy rate the path starts from
    bill: float  # bond-equivalent, the 3-month average it matches
    two_year: float  # the 2-year average it matches
    terminal: float  # r_T
    tau: float  # years

    def rate_at(self, t: float) -> float:
        return calc_path_rate(self.r0, self.terminal, self.tau, t)

    def cuts_by(self, t: float) -> float:
        """25 bp cuts from r0 to the path at t years (negative: hikes)."""
        return (self.r0 - self.rate_at(t)) / STEP

    @property
    def terminal_identified(self) -> bool:
        """True when at least ``TERMINAL_SHARE`` of the move r0 → r_T happens within the 2-year horizon."""
        return 1 - math.exp(-TWO_YEAR_HORIZON / self.tau) >= TERMINAL_SHARE


def calc_path_ratio(tau: float) -> float:
    """(r0 − bill)/(r0 − 2-year) for a path with this τ (r_T cancels): from 1 at τ → 0 to 1/8 at τ → ∞."""
    return (1 - _share(BILL_HORIZON, tau)) / (1 - _share(TWO_YEAR_HORIZON, tau))


def fit_path(r0: float, bill: float, two_year: float) -> PathFit:
    """The path through the three rates (percent; ``bill`` bond-equivalent). Raises ``NoPathFit``."""
    gap_bill, gap_two = r0 - bill, r0 - two_year
    if gap_two == 0 and gap_bill == 0:
        return PathFit(r0, bill, two_year, terminal=r0, tau=math.inf)  # flat: no move priced
    if gap_two == 0 or gap_bill / gap_two <= 0:
        raise NoPathFit(
            f"No smooth path fits: the bill ({bill:.3f}%) and the 2-year ({two_year:.2f}%) are not on the same side "
            f"of the policy rate ({r0:.2f}%), a hump or a dip this two-parameter path cannot draw."
        )
    ratio = gap_bill / gap_two
    lo_ratio, hi_ratio = calc_path_ratio(TAU_MAX), calc_path_ratio(TAU_MIN)
    if not lo_ratio < ratio < hi_ratio:
        why = (
            "the bill is about as far from the policy rate as the 2-year, or further: the whole move would come "
            "within days and the path cannot draw a jump"
            if ratio >= hi_ratio
            else "the bill prices little of the move the 2-year prices, so the path would have to start slowly and "
            "speed up (a move expected later), which an approach that moves fastest at the start cannot draw"
        )
        raise NoPathFit(f"No smooth path fits policy {r0:.2f}%, bill {bill:.3f}%, 2-year {two_year:.2f}%: {why}.")
    lo, hi = math.log(TAU_MIN), math.log(TAU_MAX)  # calc_path_ratio falls as τ grows
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        if calc_path_ratio(math.exp(mid)) > ratio:
            lo = mid
        else:
            hi = mid
    tau = math.exp((lo + hi) / 2)
    terminal = r0 - gap_two / (1 - _share(TWO_YEAR_HORIZON, tau))
    return PathFit(r0, bill, two_year, terminal, tau)


def calc_years(start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Calendar days from ``start`` to ``end`` over 365.25."""
    return (end - start).days / DAYS_PER_YEAR


def calc_two_year_for_cuts(r0: float, bill: float, cuts: float, t: float) -> float:
    """The 2-year yield (percent) at which the fitted path has ``cuts`` 25 bp cuts by ``t`` years,
    holding the policy rate and the bill. Raises ``NoPathFit`` when no 2-year level gets there."""
    gap_bill = r0 - bill
    if gap_bill == 0:
        raise NoPathFit("With the bill at the policy rate no smooth path moves; no 2-year level changes that.")
    # Feasible 2-year gaps: gap_bill / ratio with the ratio strictly inside (ratio(TAU_MAX), ratio(TAU_MIN)).
    edge = 1e-9
    near, far = gap_bill / calc_path_ratio(TAU_MIN) * (1 + edge), gap_bill / calc_path_ratio(TAU_MAX) * (1 - edge)

    def cuts_at(gap_two: float) -> float:
        return fit_path(r0, bill, r0 - gap_two).cuts_by(t)

    lo_cuts, hi_cuts = cuts_at(near), cuts_at(far)
    if not min(lo_cuts, hi_cuts) <= cuts <= max(lo_cuts, hi_cuts):
        raise NoPathFit(
            f"With policy {r0:.2f}% and bill {bill:.3f}%, the fitted path gives between {min(lo_cuts, hi_cuts):.1f} "
            f"and {max(lo_cuts, hi_cuts):.1f} cuts by then at any 2-year level; {cuts:g} is out of reach."
        )
    lo, hi = near, far
    rising = hi_cuts > lo_cuts
    for _ in range(BISECTION_STEPS):
        mid = (lo + hi) / 2
        if (cuts_at(mid) < cuts) == rising:
            lo = mid
        else:
            hi = mid
    return r0 - (lo + hi) / 2


@dataclass(frozen=True)
class TwoYearDay:
    """The 2-year's last daily move against its own recent daily moves (FRED's dates)."""

    date: pd.Timestamp  # the DGS2 observation on or before as_of
    previous: pd.Timestamp  # the observation before it
    change_bp: float
    daily_sd_bp: float  # sample SD (ddof 1) of the TRAILING daily changes before ``date``
    z: float
    distorted: bool  # |z| > BIG_MOVE_Z: a flight to quality (falling) or a rout (rising) distorts the read

    @property
    def note(self) -> str:
        if not self.distorted:
            return ""
        what = "a flight to quality" if self.change_bp < 0 else "a sharp sell-off"
        return (
            f"The 2-year moved {self.change_bp:+.0f} bp on {self.date.date()} ({self.z:+.1f} daily SDs): {what} "
            f"distorts what it says about the policy path."
        )


def calc_two_year_day(fred: pd.DataFrame, as_of: pd.Timestamp) -> TwoYearDay:
    """DGS2's change on its latest observation on or before ``as_of``, scored against the ``TRAILING``
    changes before it (DGS2's own business days; a Treasury holiday is no observation, not a zero)."""
    dgs2 = fred[TWO_YEAR].dropna().loc[:as_of]
    if len(dgs2) < TRAILING + 2:
        raise InsufficientHistory(f"The 2-year's day move needs {TRAILING + 2} observations up to {as_of.date()}.")
    changes = dgs2.diff().iloc[1:] * 100
    today, before = float(changes.iloc[-1]), changes.iloc[-TRAILING - 1 : -1]
    sd = float(before.std(ddof=1))
    if sd == 0:
        raise InsufficientHistory(f"The 2-year did not move in the {TRAILING} days before {dgs2.index[-1].date()}.")
    z = today / sd
    return TwoYearDay(dgs2.index[-1], dgs2.index[-2], today, sd, z, abs(z) > BIG_MOVE_Z)


@dataclass(frozen=True)
class RatePathReading:
    """What the bill and the 2-year say about the policy path, with the rates they came from."""

    as_of: pd.Timestamp
    policy: float  # DFF, percent
    policy_date: pd.Timestamp
    bill_discount: float  # ^IRX as quoted (discount basis)
    bill: float  # bond-equivalent, percent
    bill_date: pd.Timestamp
    two_year: float  # DGS2
    two_year_date: pd.Timestamp  # the date the path's time runs from
    fit: PathFit | None  # None when no path fits (``no_fit`` says why)
    no_fit: str
    next_decision: Decision | None  # None when the calendar does not reach (``notes`` says why)
    cuts_by_next_decision: float | None  # along the smooth path (see ASSUMPTIONS): drift, not odds
    end_of_next_year: pd.Timestamp
    cuts_by_end_of_next_year: float | None
    two_year_day: TwoYearDay | None
    notes: tuple[str, ...]
    assumptions: str = ASSUMPTIONS

    @property
    def terminal(self) -> float | None:
        """r_T, when the path reaches at least half-way to it within 2 years (else an extrapolation: None)."""
        return self.fit.terminal if self.fit and self.fit.terminal_identified else None

    @property
    def gap_steps(self) -> float:
        """The old "(2-year − DFF)/0.25": the average gap over two years in 25 bp steps, not a count of cuts."""
        return (self.two_year - self.policy) / STEP

    def cuts_by(self, day: pd.Timestamp) -> float | None:
        return self.fit.cuts_by(calc_years(self.two_year_date, day)) if self.fit else None


def rate_path_reading(fred: pd.DataFrame, bills: pd.Series, as_of: pd.Timestamp) -> RatePathReading:
    """The fitted path as of ``as_of``.

    Input contract: ``fred`` has DFF and DGS2 in percent on FRED's dates; ``bills`` is ``^IRX`` as
    Yahoo quotes it (a discount yield in percent) on its sessions. Each rate is its latest value on
    or before ``as_of``; nothing later is read.
    """
    for series in (POLICY, TWO_YEAR):
        if series not in fred.columns:
            raise InsufficientHistory(f"The rate path needs FRED {series}.")
    policy_date, policy = latest_on_or_before(fred[POLICY], as_of, "effective fed funds rate (DFF)")
    two_date, two = latest_on_or_before(fred[TWO_YEAR], as_of, "2-year yield (DGS2)")
    bill_date, discount = latest_on_or_before(bills, as_of, "13-week bill (^IRX)")
    bill = calc_bond_equivalent_yield(discount)
    notes: list[str] = []
    if len({policy_date, two_date, bill_date}) > 1:
        notes.append(
            f"the rates are of different days: DFF {policy_date.date()}, bill {bill_date.date()}, "
            f"2-year {two_date.date()}"
        )
    try:
        fit, no_fit = fit_path(policy, bill, two), ""
    except NoPathFit as exc:
        fit, no_fit = None, str(exc)
    if fit is not None and not fit.terminal_identified:
        notes.append(
            f"no terminal rate: the fitted path is so slow (τ {fit.tau:.1f} years) that less than half of its move "
            f"falls within the 2 years the data covers"
        )
    try:
        decision = next_decision(two_date)
    except InsufficientHistory as exc:
        decision = None
        notes.append(str(exc).rstrip("."))
    end_next = pd.Timestamp(year=two_date.year + 1, month=12, day=31)
    try:
        day = calc_two_year_day(fred, as_of)
    except InsufficientHistory as exc:
        day = None
        notes.append(str(exc).rstrip("."))
    if day is not None and day.distorted:
        notes.append(day.note.rstrip("."))
    notes.append(NO_FUTURES)
    return RatePathReading(
        as_of=as_of,
        policy=policy,
        policy_date=policy_date,
        bill_discount=discount,
        bill=bill,
        bill_date=bill_date,
        two_year=two,
        two_year_date=two_date,
        fit=fit,
        no_fit=no_fit,
        next_decision=decision,
        cuts_by_next_decision=fit.cuts_by(calc_years(two_date, decision.date)) if fit and decision else None,
        end_of_next_year=end_next,
        cuts_by_end_of_next_year=fit.cuts_by(calc_years(two_date, end_next)) if fit else None,
        two_year_day=day,
        notes=tuple(notes),
    )


# -- the next decision's odds from the front-month fed funds future (live only) -----------------------

FUTURE_ASSUMPTION = (
    "CME FedWatch method on the front-month 30-day fed funds future (ZQ=F, taken as the current calendar "
    "month's contract; implied rate = 100 − price), starting rate = the latest effective fed funds rate"
)


@dataclass(frozen=True)
class MeetingOdds:
    """CME FedWatch for one meeting month: the month's average rate split around the meeting."""

    meeting: pd.Timestamp
    future_price: float
    future_session: pd.Timestamp
    implied: float  # 100 - price, percent
    r_start: float  # percent: the rate before the meeting
    days_in_month: int  # N
    days_before: int  # M: days of the month before the meeting day
    r_end: float  # percent: the rate after the meeting the price implies
    cut_probability: float  # of one 25 bp cut; negative means a hike is priced instead


def calc_fedwatch(r_start: float, implied: float, days_in_month: int, days_before: int) -> tuple[float, float]:
    """(r_end, probability of a 25 bp cut): r_end = (N·implied − M·r_start)/(N − M), p = (r_start − r_end)/0.25."""
    if not 0 <= days_before < days_in_month:
        raise InvalidInput("The meeting must fall inside the contract month.")
    r_end = (days_in_month * implied - days_before * r_start) / (days_in_month - days_before)
    return r_end, (r_start - r_end) / STEP


def meeting_odds(
    meeting: pd.Timestamp, future_price: float, future_session: pd.Timestamp, r_start: float
) -> MeetingOdds:
    """Odds for ``meeting`` from the front-month future observed on ``future_session`` (same month only)."""
    if (meeting.year, meeting.month) != (future_session.year, future_session.month):
        raise InsufficientHistory(
            f"The next decision ({meeting.date()}) is not in the front month's contract month; {NO_FUTURES}."
        )
    n, m = meeting.days_in_month, meeting.day - 1
    implied = 100 - future_price
    r_end, probability = calc_fedwatch(r_start, implied, n, m)
    return MeetingOdds(meeting, future_price, future_session, implied, r_start, n, m, r_end, probability)


def policy_afterwards(
    fred: pd.DataFrame, as_of: pd.Timestamp, until: pd.Timestamp
) -> tuple[pd.Timestamp, float] | None:
    """In a replay of the past: the effective fed funds rate on or before ``until`` (the horizon the path
    spoke of), dated after ``as_of``: what happened, not what was priced. None when the data ends at ``as_of``."""
    later = fred[POLICY].loc[as_of + pd.Timedelta(days=1) : until].dropna()
    return (later.index[-1], float(later.iloc[-1])) if len(later) else None
