"""The NYSE trading calendar: sessions, settled closes and date snapping.

Everything here speaks in *session dates*: tz-naive midnight ``pd.Timestamp``
values, the same labels the close frames are indexed by.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

import exchange_calendars as xcals
import pandas as pd

from analytics.errors import InvalidInput
from analytics.prepared import prepared

NEW_YORK = "America/New_York"
# Yahoo's daily close for an index is final some minutes after the bell;
# until then the day's bar is treated as live, not settled.
SETTLE_DELAY = pd.Timedelta(minutes=20)
CALENDAR_START = "1985-01-02"


@functools.cache
def nyse() -> xcals.ExchangeCalendar:
    """The XNYS calendar, built once a day (0.15 s; prepared): it covers 1985 to a year from now."""
    today = dt.datetime.now(dt.UTC).date().isoformat().encode()
    return prepared("nyse", today, (__file__,), lambda: xcals.get_calendar("XNYS", start=CALENDAR_START))


def to_session_date(value: dt.date | str | pd.Timestamp) -> pd.Timestamp:
    """A date-like value as a tz-naive midnight timestamp (no calendar check)."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_convert(NEW_YORK).tz_localize(None)
    return ts.normalize().as_unit("ns")


def utc_now() -> pd.Timestamp:
    return pd.Timestamp.now(tz="UTC")


def _as_utc(now: pd.Timestamp | dt.datetime) -> pd.Timestamp:
    ts = pd.Timestamp(now)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def is_session(day: dt.date | str | pd.Timestamp) -> bool:
    return bool(nyse().is_session(to_session_date(day)))


def last_settled_session(now: pd.Timestamp | dt.datetime) -> pd.Timestamp:
    """The most recent session whose close has settled by ``now``."""
    now = _as_utc(now)
    cal = nyse()
    today = to_session_date(now)
    session = cal.date_to_session(today, direction="previous")
    if session == today and now < cal.session_close(session) + SETTLE_DELAY:
        session = cal.previous_session(session)
    return session


def is_regular_hours(now: pd.Timestamp | dt.datetime) -> bool:
    """True while the NYSE regular session is open (half days included)."""
    now = _as_utc(now)
    day = to_session_date(now)
    cal = nyse()
    if not cal.is_session(day):
        return False
    return cal.session_open(day) <= now < cal.session_close(day)


def sessions_between(start: pd.Timestamp, end: pd.Timestamp) -> pd.DatetimeIndex:
    """All sessions from ``start`` to ``end`` inclusive."""
    return nyse().sessions_in_range(to_session_date(start), to_session_date(end)).as_unit("ns")


@dataclass(frozen=True)
class SnappedDate:
    """A requested date and the session used for it (they differ when snapped)."""

    requested: pd.Timestamp
    session: pd.Timestamp

    @property
    def snapped(self) -> bool:
        return self.requested != self.session

    def describe(self) -> str:
        if not self.snapped:
            return self.session.date().isoformat()
        return f"{self.session.date().isoformat()} ({self.requested.date().isoformat()} was not a trading day)"


def snap_to_session(day: dt.date | str | pd.Timestamp) -> SnappedDate:
    """The session on or before ``day``: a weekend or holiday snaps back."""
    requested = to_session_date(day)
    cal = nyse()
    if requested < cal.first_session:
        raise InvalidInput(f"{requested.date()} is before {cal.first_session.date()}, the start of our calendar.")
    if requested > cal.last_session:
        raise InvalidInput(f"{requested.date()} is too far in the future.")
    return SnappedDate(requested, cal.date_to_session(requested, direction="previous"))
