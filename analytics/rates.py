"""Rates context: the 13-week bill and the 10-year note, their changes and the curve; and the
rate path: the policy rate, the 2-year yield, "cuts priced", and the next meeting's odds."""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources

import pandas as pd

from analytics.errors import InsufficientHistory, InvalidInput

BILL, TEN_YEAR = "^IRX", "^TNX"
SYMBOLS = (BILL, TEN_YEAR)
STEP_BP = 25
CHANGES = {"1m": pd.DateOffset(months=1), "3m": pd.DateOffset(months=3)}


@dataclass(frozen=True)
class Yield:
    symbol: str
    session: pd.Timestamp
    level: float  # percent, e.g. 3.963
    change_bp: dict[str, float]  # "1m", "3m" -> basis points
    since: dict[str, pd.Timestamp]  # the session each change is measured from
    change_1d_bp: float | None  # against the previous quote (None for the first)


@dataclass(frozen=True)
class Rates:
    bill: Yield
    ten_year: Yield
    as_of: pd.Timestamp
    curve_bp: float  # 10-year minus 13-week bill, basis points

    @property
    def bill_steps_3m(self) -> float:
        """The bill yield's 3-month change in 25 bp steps (a cut or hike is usually 25 bp)."""
        return self.bill.change_bp["3m"] / STEP_BP


def rates(closes: pd.DataFrame, as_of: pd.Timestamp) -> Rates:
    """Yields are in percent; Treasury-market holidays have no row and are skipped, not filled."""

    def one(symbol: str) -> Yield:
        series = closes[symbol].loc[:as_of].dropna()
        if series.empty:
            raise InsufficientHistory(f"No {symbol} yield on or before {as_of.date()}.")
        session, level = series.index[-1], float(series.iloc[-1])
        change, since = {}, {}
        for name, offset in CHANGES.items():
            before = series.loc[: session - offset]
            if before.empty:
                raise InsufficientHistory(f"Not enough {symbol} history for its {name} change.")
            since[name] = before.index[-1]
            change[name] = (level - float(before.iloc[-1])) * 100
        previous = (level - float(series.iloc[-2])) * 100 if len(series) > 1 else None
        return Yield(symbol, session, level, change, since, previous)

    bill, ten = one(BILL), one(TEN_YEAR)
    return Rates(bill, ten, as_of=max(bill.session, ten.session), curve_bp=(ten.level - bill.level) * 100)


# -- the rate path: policy rate, bill, 2-year, and what the futures say about the next meeting ------

POLICY, TWO_YEAR, FED_FUNDS_FUTURE = "DFF", "DGS2", "ZQ=F"
MEETINGS_FILE = "data/fomc_meetings.csv"
CUTS_ASSUMPTION = (
    "approximation: the 2-year yield read as the average policy rate expected over two years (no term "
    "premium), its gap to the effective fed funds rate counted in 25 bp steps; an average, not an end point"
)
FUTURE_ASSUMPTION = (
    "CME FedWatch method on the front-month 30-day fed funds future (ZQ=F, taken as the current calendar "
    "month's contract; implied rate = 100 − price), starting rate = the latest effective fed funds rate"
)
NO_PATH = "no dated fed funds contracts (Yahoo serves only the front month ZQ=F): no path beyond the next meeting"


@functools.cache
def fomc_meetings() -> tuple[pd.Timestamp, ...]:
    """Scheduled FOMC decision days (the last day of each meeting), 2025-2026."""
    text = resources.files("analytics").joinpath(MEETINGS_FILE).read_text("utf-8")
    return tuple(pd.Timestamp(row["date"]) for row in csv.DictReader(io.StringIO(text)))


def next_meeting(after: pd.Timestamp) -> pd.Timestamp | None:
    """The first scheduled decision day after ``after`` (None past the calendar's end)."""
    return next((m for m in fomc_meetings() if m > after), None)


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
    return r_end, (r_start - r_end) / 0.25


def meeting_odds(
    meeting: pd.Timestamp, future_price: float, future_session: pd.Timestamp, r_start: float
) -> MeetingOdds:
    """Odds for ``meeting`` from the front-month future observed on ``future_session`` (same month only)."""
    if (meeting.year, meeting.month) != (future_session.year, future_session.month):
        raise InsufficientHistory(
            f"The next meeting ({meeting.date()}) is not in the front month's contract month; {NO_PATH}."
        )
    n, m = meeting.days_in_month, meeting.day - 1
    implied = 100 - future_price
    r_end, probability = calc_fedwatch(r_start, implied, n, m)
    return MeetingOdds(meeting, future_price, future_session, implied, r_start, n, m, r_end, probability)


@dataclass(frozen=True)
class Level:
    name: str
    symbol: str
    source: str
    date: pd.Timestamp
    value: float  # percent


@dataclass(frozen=True)
class RatePath:
    as_of: pd.Timestamp
    policy: Level  # DFF, FRED
    bill: Level | None  # ^IRX, Yahoo or the snapshot
    two_year: Level  # DGS2, FRED
    steps_priced: float  # (DGS2 − DFF)/0.25: negative = cuts, positive = hikes
    next_meeting: pd.Timestamp | None
    odds: MeetingOdds | None
    missing: tuple[str, ...]  # what the data does not allow, in words
    policy_later: Level | None  # the latest DFF after as_of in the data: what happened, not what was priced

    @property
    def gap_bp(self) -> float:
        return (self.two_year.value - self.policy.value) * 100


def rate_path(
    fred: pd.DataFrame,
    as_of: pd.Timestamp,
    bills: pd.Series | None = None,
    future: tuple[float, pd.Timestamp] | None = None,
    fred_source: str = "FRED",
    bill_source: str = "Yahoo Finance",
) -> RatePath:
    """The policy rate, 13-week bill and 2-year yield on or before ``as_of``; "cuts priced";
    the next meeting's odds when a front-month future price (price, session) is at hand."""

    def level(series: pd.Series, name: str, symbol: str, source: str) -> Level:
        values = series.loc[:as_of].dropna()
        if values.empty:
            raise InsufficientHistory(f"No {name} ({symbol}) on or before {as_of.date()}.")
        return Level(name, symbol, source, values.index[-1], float(values.iloc[-1]))

    for series in (POLICY, TWO_YEAR):
        if series not in fred.columns:
            raise InsufficientHistory(f"The rate path needs FRED {series}.")
    policy = level(fred[POLICY], "effective fed funds rate", POLICY, fred_source)
    two = level(fred[TWO_YEAR], "2-year Treasury yield", TWO_YEAR, fred_source)
    bill = level(bills, "13-week bill", BILL, bill_source) if bills is not None else None
    meeting = next_meeting(as_of)
    missing = [NO_PATH]
    odds = None
    if future is None:
        missing.insert(0, "no fed funds future price (ZQ=F is read live from Yahoo only; none is bundled)")
    elif meeting is None:
        missing.insert(0, "no scheduled FOMC meeting after this date in the calendar")
    else:
        try:
            odds = meeting_odds(meeting, future[0], future[1], policy.value)
        except InsufficientHistory as exc:
            missing.insert(0, str(exc).rstrip("."))
            missing.remove(NO_PATH)
    later = fred[POLICY].loc[as_of + pd.Timedelta(days=1) :].dropna()
    policy_later = (
        Level(policy.name, POLICY, fred_source, later.index[-1], float(later.iloc[-1])) if len(later) else None
    )
    return RatePath(
        as_of=as_of,
        policy=policy,
        bill=bill,
        two_year=two,
        steps_priced=(two.value - policy.value) / 0.25,
        next_meeting=meeting,
        odds=odds,
        missing=tuple(missing),
        policy_later=policy_later,
    )
