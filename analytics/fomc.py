"""The FOMC's policy decision days, 2010-2026, and the next decision after a date.

``data/fomc_decisions.csv`` (columns ``date,kind``) lists every announcement day from 2010-01-27
to 2026-12-09: the second day of each two-day meeting, eight a year, plus the emergency decisions
of 2020-03-03 and 2020-03-15 (``kind`` ``unscheduled``; the 03-15 decision replaced the meeting
scheduled for 2020-03-17/18). The last decision before the file's first row was 2009-12-16, so the
calendar answers "the next decision after DATE" for any DATE from 2009-12-16 to the day before its
last row; outside that it says so instead of guessing.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass
from importlib import resources
from typing import Literal

import pandas as pd

from analytics.errors import InsufficientHistory

DECISIONS_FILE = "data/fomc_decisions.csv"
# The last decision before the calendar's first row (2009-12-15/16 meeting): from this day on,
# the next decision is in the file.
CALENDAR_FROM = pd.Timestamp("2009-12-16")


@dataclass(frozen=True)
class Decision:
    date: pd.Timestamp  # the announcement day
    kind: Literal["scheduled", "unscheduled"]


@functools.cache
def fomc_decisions() -> tuple[Decision, ...]:
    """Every decision day in the bundled calendar, in date order."""
    text = resources.files("analytics").joinpath(DECISIONS_FILE).read_text("utf-8")
    rows = [Decision(pd.Timestamp(row["date"]), _kind(row["kind"])) for row in csv.DictReader(io.StringIO(text))]
    return tuple(sorted(rows, key=lambda d: d.date))


def _kind(text: str) -> Literal["scheduled", "unscheduled"]:
    if text not in ("scheduled", "unscheduled"):
        raise ValueError(f"{DECISIONS_FILE}: unknown kind {text!r}")
    return "scheduled" if text == "scheduled" else "unscheduled"


def next_decision(after: pd.Timestamp) -> Decision:
    """The first decision dated strictly after ``after`` (a decision day looks to the next one).

    Raises ``InsufficientHistory`` before ``CALENDAR_FROM`` (a decision in between could be missing)
    and from the calendar's last decision on.
    """
    after = pd.Timestamp(after).normalize()
    decisions = fomc_decisions()
    if after < CALENDAR_FROM:
        raise InsufficientHistory(
            f"The FOMC calendar starts with the decision after {CALENDAR_FROM.date()}; "
            f"it does not reach back to {after.date()}."
        )
    found = next((d for d in decisions if d.date > after), None)
    if found is None:
        raise InsufficientHistory(
            f"The FOMC calendar ends with the decision of {decisions[-1].date.date()}: "
            f"no next decision after {after.date()}."
        )
    return found


def decisions_between(after: pd.Timestamp, through: pd.Timestamp) -> tuple[Decision, ...]:
    """Decisions dated after ``after`` and on or before ``through``; both ends must be in the calendar's reach."""
    after, through = pd.Timestamp(after).normalize(), pd.Timestamp(through).normalize()
    decisions = fomc_decisions()
    if after < CALENDAR_FROM:
        next_decision(after)  # raises with the calendar's start
    if through > decisions[-1].date:
        raise InsufficientHistory(
            f"The FOMC calendar ends with the decision of {decisions[-1].date.date()}; "
            f"it does not reach {through.date()}."
        )
    return tuple(d for d in decisions if after < d.date <= through)
