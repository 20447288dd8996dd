"""analytics.fomc: the full decision calendar and the next decision after a date.

Expected values are read from the packaged CSV with the csv module here, and written out by hand
from the Federal Reserve's calendars for the cases that matter.
"""

from __future__ import annotations

import csv
from importlib import resources

import pandas as pd
import pytest

from analytics.errors import InsufficientHistory
from analytics.fomc import decisions_between, fomc_decisions, next_decision

from ._helpers import T, short_message


def _rows() -> list[dict[str, str]]:
    text = (resources.files("analytics") / "data" / "fomc_decisions.csv").read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_the_bundled_calendar_is_the_shared_one():
    rows = _rows()
    assert list(rows[0]) == ["date", "kind"]
    assert len(rows) == 137  # 8 a year for 2010-2026, plus one in 2020 (two emergencies replacing one meeting)
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert [r["date"] for r in rows if r["kind"] == "unscheduled"] == ["2020-03-03", "2020-03-15"]
    assert {r["kind"] for r in rows} == {"scheduled", "unscheduled"}
    per_year = pd.Series([d[:4] for d in dates]).value_counts()
    assert per_year.loc["2020"] == 9 and (per_year.drop("2020") == 8).all() and len(per_year) == 17
    got = fomc_decisions()
    assert [d.date for d in got] == [T(x) for x in dates] and [d.kind for d in got] == [r["kind"] for r in rows]
    # Known decision days (PRICES.md's checks).
    for day in ("2015-09-17", "2018-11-08", "2023-03-22", "2024-11-07", "2025-10-29", "2025-12-10"):
        assert day in dates


@pytest.mark.parametrize(
    ("after", "expected", "kind"),
    [
        ("2009-12-16", "2010-01-27", "scheduled"),  # the calendar's first reachable day
        ("2010-01-01", "2010-01-27", "scheduled"),
        ("2010-06-23", "2010-08-10", "scheduled"),  # a decision day looks to the next one
        ("2010-07-04", "2010-08-10", "scheduled"),
        ("2020-03-02", "2020-03-03", "unscheduled"),
        ("2020-03-03", "2020-03-15", "unscheduled"),  # between the two emergency decisions
        ("2020-03-10", "2020-03-15", "unscheduled"),
        ("2020-03-15", "2020-04-29", "scheduled"),  # the 03-17/18 meeting was replaced
        ("2020-03-17", "2020-04-29", "scheduled"),
        ("2023-03-13", "2023-03-22", "scheduled"),  # the SVB week (rates.next_meeting said 2025-01-29)
        ("2023-12-31", "2024-01-31", "scheduled"),
        ("2025-10-21", "2025-10-29", "scheduled"),
        ("2026-02-20", "2026-03-18", "scheduled"),
        ("2026-10-28", "2026-12-09", "scheduled"),
    ],
)
def test_next_decision(after, expected, kind):
    got = next_decision(T(after))
    assert (got.date, got.kind) == (T(expected), kind)


def test_next_decision_ignores_the_time_of_day():
    assert next_decision(pd.Timestamp("2023-03-22 15:00")).date == T("2023-05-03")


@pytest.mark.parametrize("after", ["2009-12-15", "2008-10-08", "2008-06-02", "1999-01-01"])
def test_before_the_calendar_says_so(after):
    with pytest.raises(InsufficientHistory) as err:
        next_decision(T(after))
    short_message(err.value, "2009-12-16", after)


@pytest.mark.parametrize("after", ["2026-12-09", "2027-01-15"])
def test_after_the_calendar_says_so(after):
    with pytest.raises(InsufficientHistory) as err:
        next_decision(T(after))
    short_message(err.value, "2026-12-09", after)


def test_decisions_between():
    got = decisions_between(T("2025-10-21"), T("2026-12-31") - pd.Timedelta(days=22))  # through 2026-12-09
    assert [d.date for d in got] == [T(x) for x in (
        "2025-10-29", "2025-12-10", "2026-01-28", "2026-03-18", "2026-04-29",
        "2026-06-17", "2026-07-29", "2026-09-16", "2026-10-28", "2026-12-09",
    )]  # fmt: skip
    assert [d.date for d in decisions_between(T("2020-02-29"), T("2020-03-31"))] == [T("2020-03-03"), T("2020-03-15")]
    with pytest.raises(InsufficientHistory):
        decisions_between(T("2025-10-21"), T("2026-12-31"))
    with pytest.raises(InsufficientHistory):
        decisions_between(T("2009-06-01"), T("2010-12-31"))
