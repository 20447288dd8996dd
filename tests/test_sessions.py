import pandas as pd
import pytest

from analytics.errors import InvalidInput
from analytics.sessions import (
    is_regular_hours,
    is_session,
    last_settled_session,
    sessions_between,
    snap_to_session,
)

T = pd.Timestamp


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-24 21:30Z", "2026-11-24"),  # Tuesday, 16:30 New York: settled
        ("2026-11-24 21:15Z", "2026-11-23"),  # 16:15: closed but not yet settled
        ("2026-11-24 18:00Z", "2026-11-23"),  # during the session
        ("2026-11-24 13:00Z", "2026-11-23"),  # before the open
        ("2026-11-26 18:00Z", "2026-11-25"),  # Thanksgiving: no session
        ("2026-11-27 18:19Z", "2026-11-25"),  # half day, closes 13:00 New York (18:00Z)
        ("2026-11-27 18:20Z", "2026-11-27"),  # ... settled 20 minutes later
        ("2026-11-29 12:00Z", "2026-11-27"),  # Sunday
        ("2026-07-06 23:00Z", "2026-07-06"),  # summer time: close is 20:00Z
        ("2026-07-06 20:10Z", "2026-07-02"),  # 16:10 EDT not settled; July 3 2026 is a holiday (observed)
    ],
)
def test_last_settled_session(now, expected):
    assert last_settled_session(T(now)) == T(expected)


def test_naive_now_is_utc():
    assert last_settled_session(T("2026-11-24 21:30")) == T("2026-11-24")


@pytest.mark.parametrize(
    ("now", "open_"),
    [
        ("2026-11-24 14:29Z", False),
        ("2026-11-24 14:30Z", True),
        ("2026-11-24 20:59Z", True),
        ("2026-11-24 21:00Z", False),
        ("2026-11-27 17:59Z", True),  # half day
        ("2026-11-27 18:00Z", False),
        ("2026-11-26 16:00Z", False),  # holiday
        ("2026-11-28 16:00Z", False),  # Saturday
    ],
)
def test_regular_hours(now, open_):
    assert is_regular_hours(T(now)) is open_


def test_is_session():
    assert is_session("2023-03-13")
    assert not is_session("2023-03-11")  # Saturday
    assert not is_session("2025-01-09")  # national day of mourning (Carter)
    assert not is_session("2012-10-29")  # Hurricane Sandy


def test_snap_to_previous_session_is_reported():
    snapped = snap_to_session("2025-10-19")  # Sunday
    assert snapped.session == T("2025-10-17")
    assert snapped.snapped
    assert snapped.describe() == "2025-10-17 (2025-10-19 was not a trading day)"
    same = snap_to_session("2025-10-17")
    assert not same.snapped and same.describe() == "2025-10-17"


def test_snap_out_of_calendar_range():
    with pytest.raises(InvalidInput, match="before"):
        snap_to_session("1950-01-03")
    with pytest.raises(InvalidInput, match="future"):
        snap_to_session("2199-01-02")


def test_sessions_between_counts_2023():
    sessions = sessions_between(T("2023-01-01"), T("2023-12-31"))
    assert len(sessions) == 250
    assert sessions[0] == T("2023-01-03") and sessions[-1] == T("2023-12-29")
