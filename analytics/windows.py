"""Windows of time: ISO dates and named anchors resolved to sessions in the data."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pandas as pd

from analytics.errors import InsufficientHistory, InvalidInput
from analytics.sessions import is_session, to_session_date
from analytics.symbols import echo_text

# Named anchors a user can type for start or end, with what they mean.
ANCHOR_DATES = {
    "oct-2022-low": (dt.date(2022, 10, 12), "2022-10-12, the S&P 500's bear-market closing low"),
    "svb": (dt.date(2023, 3, 8), "2023-03-08, the last close before the March 2023 bank crisis"),
    "march-2023": (dt.date(2023, 3, 13), "2023-03-13, KRE's worst day of the March 2023 bank crisis"),
    "oct-2025": (dt.date(2025, 10, 16), "2025-10-16, the day Zions and Western Alliance disclosed loan losses"),
}
# The two bank episodes as days judged (/credit, /banks): the anchor, and the sessions of the episode
# ending then (March 2023: 03-08 -> 03-13; October 2025: 10-15 -> 10-16; as analytics.credit.EPISODES).
EPISODE_DAYS = {"march-2023": ("2023-03-13", 3), "oct-2025": ("2025-10-16", 1)}
RELATIVE = {
    "1m": (pd.DateOffset(months=1), "one month before the end"),
    "3m": (pd.DateOffset(months=3), "three months before the end"),
    "6m": (pd.DateOffset(months=6), "six months before the end"),
    "1y": (pd.DateOffset(years=1), "one year before the end"),
    "3y": (pd.DateOffset(years=3), "three years before the end"),
    "5y": (pd.DateOffset(years=5), "five years before the end"),
    "10y": (pd.DateOffset(years=10), "ten years before the end"),
}
SPECIAL = {
    "ytd": "the last close of the previous year",
    "max": "the first close both symbols have",
}
ANCHORS: dict[str, str] = {
    **{k: v[1] for k, v in ANCHOR_DATES.items()},
    **{k: v for k, v in SPECIAL.items()},
    **{k: v[1] for k, v in RELATIVE.items()},
}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
OLDEST_YEAR = 1900
LATEST_YEAR = 2200  # far beyond any data, and inside pandas' nanosecond range


@dataclass(frozen=True)
class Window:
    start: pd.Timestamp  # the session whose close is the base
    end: pd.Timestamp  # the session whose close is the result
    notes: tuple[str, ...] = ()  # dates that were snapped, said plainly
    # The calendar day the start named, before snapping (for listing days from it, not returns).
    asked_start: pd.Timestamp | None = field(default=None, compare=False)

    def label(self) -> str:
        return f"{self.start.date().isoformat()} → {self.end.date().isoformat()}"


# The words each field accepts besides a YYYY-MM-DD date.
START_WORDS = tuple(ANCHORS)
END_WORDS = (*ANCHOR_DATES, *RELATIVE)  # ytd and max only make sense as a start
AS_OF_WORDS = tuple(ANCHOR_DATES)


def parse_date(text: str, what: str, words: tuple[str, ...] = START_WORDS) -> pd.Timestamp:
    """A strict ``YYYY-MM-DD`` date, or a short message saying what to type (``words``: the anchors accepted)."""
    text = text.strip()
    if not _ISO_DATE.fullmatch(text):
        choices = f" or one of {', '.join(words)}" if words else ""
        raise InvalidInput(f"{what} `{echo_text(text)}` is not a date: use YYYY-MM-DD{choices}.")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{what} {text} is not a real date.") from None
    if day.year < OLDEST_YEAR:
        raise InvalidInput(f"{what} {text} is too far back.")
    if day.year > LATEST_YEAR:
        raise InvalidInput(f"{what} {text} is in the future.")
    return pd.Timestamp(day).as_unit("ns")


def fixed_day(text: str, what: str, today: pd.Timestamp, words: tuple[str, ...]) -> pd.Timestamp | None:
    """The calendar day ``text`` names, checked without any data.

    A date or a named date anchor gives its day, never in the future; an
    anchor that needs the data (1y, ytd, max) gives None; anything else is
    an ``InvalidInput`` that lists ``words``, the anchors this field accepts.
    """
    key = text.strip().lower()
    if key in ANCHOR_DATES and key in words:
        day = pd.Timestamp(ANCHOR_DATES[key][0]).as_unit("ns")  # in the future too in a replay before it
    elif key in words:
        return None
    else:
        day = parse_date(text, what, words)
    if day > to_session_date(today):
        raise InvalidInput(f"{what} {day.date()} is in the future.")
    return day


def check_window(start_text: str | None, end_text: str | None, today: pd.Timestamp, default_start: str = "1y") -> None:
    """Everything about a start and an end that can be judged before fetching any data.

    The words and dates themselves, future days, and the order of two fixed
    days (dates or named anchors); ``resolve_window`` judges the rest on the data.
    """
    start_text = (start_text or "").strip() or default_start
    end_text = (end_text or "").strip()
    _start_only(end_text)
    end = fixed_day(end_text, "End", today, END_WORDS) if end_text else None
    start = fixed_day(start_text, "Start", today, START_WORDS)
    if start is not None and end is not None and start >= end:
        raise InvalidInput(f"Start {_said(start_text, start)} must be before end {_said(end_text, end)}.")


def _start_only(end_text: str) -> None:
    if end_text.strip().lower() in SPECIAL:
        raise InvalidInput(f"`{end_text.strip().lower()}` only works as a start.")


def _said(text: str, day: pd.Timestamp) -> str:
    """What the user typed, with the day it means when that is not plain (an anchor, a snapped date)."""
    text = text.strip()
    return text if text == day.date().isoformat() else f"{echo_text(text)} ({day.date()})"


def snap_to_sessions(
    day: pd.Timestamp,
    sessions: pd.DatetimeIndex,
    today: pd.Timestamp,
    what: str,
    notes: list[str],
    history_name: str = "the data",
    earlier: str = "",
) -> pd.Timestamp:
    """The session in ``sessions`` on or before ``day``; a snap is appended to ``notes``.

    ``today`` (the calendar date now) tells a future date from one past the data;
    ``earlier`` is what else to try for a day before the data (e.g. " or `max`").
    """
    first, last = sessions[0], sessions[-1]
    if day > to_session_date(today):
        raise InvalidInput(f"{what} {day.date()} is in the future.")
    if day > last:
        raise InsufficientHistory(f"{what} {day.date()} is after the last close in the data ({last.date()}).")
    if day < first:
        raise InsufficientHistory(
            f"{what} {day.date()} is before {history_name} starts ({first.date()}); try a later date{earlier}."
        )
    session = sessions[sessions.searchsorted(day, side="right") - 1]
    if session != day:
        why = "is not a trading day" if not is_session(day) else "has no close for every symbol"
        notes.append(f"{what} {day.date()} {why}; used {session.date()}.")
    return session


def resolve_window(
    start_text: str | None,
    end_text: str | None,
    sessions: pd.DatetimeIndex,
    today: pd.Timestamp,
    default_start: str = "1y",
    history_name: str = "the data",
) -> Window:
    """Resolve user text for start and end against ``sessions`` (the data's dates).

    A date without a close snaps to the previous session that has one, and a
    note says so. ``today`` is the calendar date now, to tell future from missing.
    ``history_name`` names what starts first in messages (e.g. "CFG's history").
    """
    if sessions.empty:
        raise InsufficientHistory("There are no closes to work with.")
    notes: list[str] = []
    first, last = sessions[0], sessions[-1]

    def snap(day: pd.Timestamp, what: str, earlier: str = "") -> pd.Timestamp:
        return snap_to_sessions(day, sessions, today, what, notes, history_name, earlier)

    end_text = (end_text or "").strip()
    end_key = end_text.lower()
    if not end_key:
        end = last
    elif end_key in RELATIVE:
        end = snap(last - RELATIVE[end_key][0], "End")
    else:
        _start_only(end_text)
        end = snap(fixed_day(end_text, "End", today, END_WORDS), "End")

    start_text = (start_text or "").strip() or default_start
    start_key = start_text.lower()
    if start_key == "max":
        asked = start = first
    elif start_key == "ytd":
        asked = pd.Timestamp(year=end.year, month=1, day=1)
        before = sessions[sessions < asked]
        if before.empty:
            raise InsufficientHistory(f"The data starts in {end.year}; there is no close before this year.")
        start = before[-1]
    else:
        if start_key in RELATIVE:
            asked = end - RELATIVE[start_key][0]
        else:
            asked = fixed_day(start_text, "Start", today, START_WORDS)
        start = snap(asked, "Start", " or `max`")

    if start >= end:
        if start == end:
            raise InvalidInput(
                f"Start {echo_text(start_text)} and end {echo_text(end_text or 'the last close')} fall on the same "
                f"session ({start.date()}): pick days further apart."
            )
        raise InvalidInput(
            f"Start {_said(start_text, start)} must be before end {_said(end_text or 'the last close', end)}."
        )
    return Window(start, end, tuple(notes), asked)
