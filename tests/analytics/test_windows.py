"""analytics.windows: named anchors on the real sessions, and every edge of resolve_window."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.errors import InsufficientHistory, InvalidInput
from analytics.windows import (
    ANCHOR_DATES,
    ANCHORS,
    AS_OF_WORDS,
    EPISODE_DAYS,
    Window,
    check_window,
    fixed_day,
    parse_date,
    resolve_window,
)

from ._helpers import LAST_SESSION, NOW, T, months_back, on_or_before, short_message

# Real NYSE sessions around New Year 2024 (2024-01-01 is a holiday; 6-7 Jan a weekend).
DAYS = [
    "2023-12-27", "2023-12-28", "2023-12-29", "2024-01-02", "2024-01-03", "2024-01-04",
    "2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10", "2024-01-11", "2024-01-12",
]  # fmt: skip
SESSIONS = pd.DatetimeIndex(pd.to_datetime(DAYS)).as_unit("ns")
TODAY = T("2024-01-12")


def resolve(start, end, sessions=SESSIONS, today=TODAY, **kw) -> Window:
    return resolve_window(start, end, sessions, today, **kw)


# ---------------------------------------------------------------- the real sessions (^RUT and ^GSPC)


@pytest.fixture(scope="module")
def pair_sessions(raw_closes) -> pd.DatetimeIndex:
    return raw_closes[["^RUT", "^GSPC"]].dropna().index


def test_pair_sessions_run_from_1987_to_the_snapshot_end(pair_sessions):
    assert pair_sessions[0] == T("1987-09-10") and pair_sessions[-1] == LAST_SESSION
    assert len(pair_sessions) == 9685


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("oct-2022-low", "2022-10-12"),
        ("svb", "2023-03-08"),
        ("march-2023", "2023-03-13"),
        ("oct-2025", "2025-10-16"),
        ("max", "1987-09-10"),
        ("ytd", "2025-12-31"),
    ],
)
def test_named_start_anchors_on_the_snapshot(pair_sessions, start, expected):
    window = resolve_window(start, None, pair_sessions, NOW)
    assert window == Window(T(expected), LAST_SESSION, ())
    assert T(expected) in pair_sessions


@pytest.mark.parametrize(
    ("key", "months"), [("1m", 1), ("3m", 3), ("6m", 6), ("1y", 12), ("3y", 36), ("5y", 60), ("10y", 120)]
)
def test_relative_start_anchors_snap_to_the_previous_session(pair_sessions, key, months):
    target = months_back(LAST_SESSION, months)
    session, _ = on_or_before(pd.Series(1.0, index=pair_sessions), target)
    window = resolve_window(key, None, pair_sessions, NOW)
    assert (window.start, window.end) == (session, LAST_SESSION)
    if session == target:
        assert window.notes == ()
    else:  # e.g. 3y lands on Presidents' Day 2023, 5y and 10y on a Saturday
        assert len(window.notes) == 1
        short_message(window.notes[0], target.date().isoformat(), session.date().isoformat(), "not a trading day")


def test_3y_lands_on_a_holiday(pair_sessions):
    window = resolve_window("3y", None, pair_sessions, NOW)
    assert window.start == T("2023-02-17")
    assert window.notes == ("Start 2023-02-20 is not a trading day; used 2023-02-17.",)


def test_default_start_is_one_year(pair_sessions):
    assert resolve_window(None, None, pair_sessions, NOW).start == T("2025-02-20")
    assert resolve_window(None, "2025-10-21", pair_sessions, NOW).start == T("2024-10-21")


@pytest.mark.parametrize(
    ("start", "end", "expected_start", "expected_end"),
    [
        ("oct-2022-low", "svb", "2022-10-12", "2023-03-08"),
        ("ytd", "oct-2022-low", "2021-12-31", "2022-10-12"),
        ("1y", "1y", "2024-02-20", "2025-02-20"),  # end 1y before the last session; start 1y before that
        ("max", "svb", "1987-09-10", "2023-03-08"),
        ("ytd", "2025-10-21", "2024-12-31", "2025-10-21"),
        ("OCT-2022-LOW", " 2025-10-21 ", "2022-10-12", "2025-10-21"),
        ("svb", "march-2023", "2023-03-08", "2023-03-13"),  # the March 2023 episode as /compare's window
        ("march-2023", "oct-2025", "2023-03-13", "2025-10-16"),
        ("2025-10-15", "Oct-2025", "2025-10-15", "2025-10-16"),
    ],
)
def test_end_given_as_an_anchor(pair_sessions, start, end, expected_start, expected_end):
    window = resolve_window(start, end, pair_sessions, NOW)
    assert (window.start, window.end, window.notes) == (T(expected_start), T(expected_end), ())


@pytest.mark.parametrize("anchor", ["svb", "oct-2022-low", "march-2023"])
def test_anchor_before_the_data_is_insufficient_history(anchor):
    with pytest.raises(InsufficientHistory) as err:
        resolve(anchor, None)
    short_message(err.value, "2023-12-27")


def test_every_anchor_is_documented():
    assert set(ANCHORS) == {
        "oct-2022-low", "svb", "march-2023", "oct-2025", "ytd", "max", "1m", "3m", "6m", "1y", "3y", "5y", "10y",
    }  # fmt: skip
    assert all(ANCHORS.values())
    # Each dated anchor's text starts with its date.
    assert all(text.startswith(day.isoformat()) for day, text in ANCHOR_DATES.values())


def test_the_episode_days_are_the_credit_readings_episodes(raw_closes):
    """march-2023 and oct-2025 are the days judged; the episode ends there and spans its own sessions
    (KRE's: 2023-03-08 -> 03-13 is 3 daily moves, 2025-10-15 -> 10-16 is 1), as analytics.credit.EPISODES."""
    from analytics.credit import EPISODES

    assert EPISODE_DAYS == {"march-2023": ("2023-03-13", 3), "oct-2025": ("2025-10-16", 1)}
    kre = raw_closes["KRE"].dropna().index
    for (anchor, (day, sessions)), (_, start, end) in zip(EPISODE_DAYS.items(), EPISODES, strict=True):
        assert ANCHOR_DATES[anchor][0].isoformat() == day == end.date().isoformat()
        assert kre.get_loc(T(day)) - kre.get_loc(start) == sessions
    assert set(EPISODE_DAYS) <= set(AS_OF_WORDS)


# ---------------------------------------------------------------- hand-built sessions: exact windows


@pytest.mark.parametrize(
    ("start", "end", "expected_start", "expected_end", "notes"),
    [
        ("2024-01-02", "2024-01-10", "2024-01-02", "2024-01-10", ()),
        ("2024-01-06", "2024-01-10", "2024-01-05", "2024-01-10",
         ("Start 2024-01-06 is not a trading day; used 2024-01-05.",)),
        ("2024-01-07", None, "2024-01-05", "2024-01-12",
         ("Start 2024-01-07 is not a trading day; used 2024-01-05.",)),
        ("2024-01-01", "2024-01-03", "2023-12-29", "2024-01-03",
         ("Start 2024-01-01 is not a trading day; used 2023-12-29.",)),  # New Year's Day
        ("2023-12-30", "2024-01-07", "2023-12-29", "2024-01-05",
         ("End 2024-01-07 is not a trading day; used 2024-01-05.",
          "Start 2023-12-30 is not a trading day; used 2023-12-29.")),
        ("2023-12-27", "2024-01-12", "2023-12-27", "2024-01-12", ()),  # the data's first and last sessions
        ("max", "2024-01-03", "2023-12-27", "2024-01-03", ()),
        (" MAX ", None, "2023-12-27", "2024-01-12", ()),
        ("ytd", "2024-01-10", "2023-12-29", "2024-01-10", ()),  # ytd in January: the previous year's last close
        ("YTD", None, "2023-12-29", "2024-01-12", ()),
        ("ytd", "2024-01-02", "2023-12-29", "2024-01-02", ()),  # the first session of the year
    ],
)  # fmt: skip
def test_resolve_window_small(start, end, expected_start, expected_end, notes):
    window = resolve(start, end)
    assert window == Window(T(expected_start), T(expected_end), notes)
    assert window.label() == f"{expected_start} → {expected_end}"


@pytest.mark.parametrize(
    ("start", "end", "asked"),
    [("2024-01-06", "2024-01-10", "2024-01-06"), ("2024-01-02", None, "2024-01-02"), ("ytd", "2024-01-10", "2024-01-01"),
     ("max", None, "2023-12-27")],
)  # fmt: skip
def test_the_window_keeps_the_day_its_start_named(start, end, asked):
    """Snapping picks a return's base close; the day asked for is kept for listing days from it."""
    assert resolve(start, end).asked_start == T(asked)


def test_a_session_missing_from_the_data_snaps_with_its_own_note():
    sessions = SESSIONS.drop(T("2024-01-03"))  # a real session, but a symbol has no close on it
    window = resolve("2024-01-03", "2024-01-10", sessions)
    assert window.start == T("2024-01-02")
    assert window.notes == ("Start 2024-01-03 has no close for every symbol; used 2024-01-02.",)


def test_ytd_when_the_data_starts_this_year():
    sessions = SESSIONS[SESSIONS >= T("2024-01-01")]
    with pytest.raises(InsufficientHistory) as err:
        resolve("ytd", "2024-01-10", sessions)
    short_message(err.value, "2024")


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        ("2024-01-10", "2024-01-05", ("2024-01-10", "2024-01-05")),  # start after end
        ("2024-01-05", "2024-01-05", ("2024-01-05",)),  # start == end
        ("2024-01-06", "2024-01-05", ("2024-01-05",)),  # equal once the Saturday snaps back
        ("2024-01-05", "2024-01-07", ("2024-01-05",)),  # end Sunday snaps to the start
        ("max", "2023-12-27", ("2023-12-27",)),  # max as start on the first session
    ],
)
def test_start_not_before_end_is_invalid(start, end, named):
    with pytest.raises(InvalidInput) as err:
        resolve(start, end)
    short_message(err.value, *named)


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        ("2024-01-13", None, "2024-01-13"),  # the day after today
        ("2030-01-01", None, "2030-01-01"),
        ("2024-01-02", "2024-02-01", "2024-02-01"),
        ("2024-01-02", "2262-04-11", "2262-04-11"),  # the last day a ns timestamp can hold
    ],
)
def test_future_dates_are_invalid(start, end, named):
    with pytest.raises(InvalidInput) as err:
        resolve(start, end)
    assert "future" in short_message(err.value, named)


@pytest.mark.parametrize("which", ["start", "end"])
@pytest.mark.parametrize("text", ["2262-04-12", "9999-12-31"])
def test_far_future_dates_are_invalid(which, text):
    """Regression: past 2262-04-11 the ns timestamp overflowed into pandas' OutOfBoundsDatetime."""
    args = (text, None) if which == "start" else ("2024-01-02", text)
    with pytest.raises(InvalidInput) as err:
        resolve(*args)
    short_message(err.value, text, "future")


def test_future_is_judged_in_new_york():
    # 03:00 UTC on the 12th is still the 11th in New York: the 12th is tomorrow there.
    with pytest.raises(InvalidInput) as err:
        resolve("2024-01-02", "2024-01-12", today=pd.Timestamp("2024-01-12 03:00", tz="UTC"))
    short_message(err.value, "2024-01-12", "future")
    window = resolve("2024-01-02", "2024-01-12", today=pd.Timestamp("2024-01-12 15:00", tz="UTC"))
    assert window.end == T("2024-01-12")


def test_after_the_data_but_not_future_is_insufficient_history():
    with pytest.raises(InsufficientHistory) as err:
        resolve("2024-01-02", "2024-02-01", today=T("2024-03-01"))
    short_message(err.value, "2024-02-01", "2024-01-12")


@pytest.mark.parametrize("start", ["2023-12-26", "2000-01-03", "1900-01-01"])
def test_dates_before_the_data_are_insufficient_history(start):
    with pytest.raises(InsufficientHistory) as err:
        resolve(start, "2024-01-10")
    short_message(err.value, start, "2023-12-27")


def test_end_before_the_data_is_insufficient_history():
    with pytest.raises(InsufficientHistory) as err:
        resolve("max", "2023-12-01")
    short_message(err.value, "2023-12-01", "2023-12-27")


@pytest.mark.parametrize("text", ["1899-12-31", "1000-06-15"])
def test_dates_before_1900_are_invalid(text):
    with pytest.raises(InvalidInput) as err:
        resolve(text, None)
    short_message(err.value, text)


MALFORMED = [
    "2024-13-01",  # month 13
    "2024-02-30",  # no such day
    "2023-02-29",  # not a leap year
    "0000-01-01",  # year zero
    "yesterday",
    "2024/01/02",
    "2024-1-2",
    "24-01-02",
    "20240102",
    "2024-01-02 00:00",
    "2024-01-02 extra",
    "'; drop table",
    "２０２４-０１-０２",  # full-width digits match \d but are not an ISO date
    "-1",
    "nan",
    "none",
]


@pytest.mark.parametrize("text", MALFORMED)
@pytest.mark.parametrize("which", ["start", "end"])
def test_malformed_dates_are_invalid_input_naming_the_value(which, text):
    args = (text, "2024-01-10") if which == "start" else ("2024-01-02", text)
    with pytest.raises(InvalidInput) as err:
        resolve(*args)
    short_message(err.value, text, "Start" if which == "start" else "End")


@pytest.mark.parametrize("text", ["'; DROP TABLE", "YESTERDAY", "Last Week", "2024-01-02T00:00"])
def test_mixed_case_malformed_dates_are_named(text):
    with pytest.raises(InvalidInput) as err:
        resolve(text, None)
    short_message(err.value, text)  # as typed, not lower-cased


@pytest.mark.parametrize("which", ["start", "end"])
def test_malformed_date_is_echoed_as_typed(which):
    """Regression: the text was lower-cased before parsing, so the message showed `'; drop table`."""
    args = ("'; DROP TABLE", None) if which == "start" else ("2024-01-02", "'; DROP TABLE")
    with pytest.raises(InvalidInput) as err:
        resolve(*args)
    short_message(err.value, "'; DROP TABLE")


@pytest.mark.parametrize(
    "text", ["2024-01-02" + "9" * 5000, "x" * 100_000, "1" * 300, "2024-01-0" + "\u0661" * 1000, "'" * 2000]
)
@pytest.mark.parametrize("which", ["start", "end"])
def test_very_long_strings_give_a_short_message(which, text):
    args = (text, None) if which == "start" else ("2024-01-02", text)
    with pytest.raises(InvalidInput) as err:
        resolve(*args)
    short_message(err.value, text[:20])
    assert text[:21] not in str(err.value)  # only a short prefix is echoed


@pytest.mark.parametrize("anchor", ["ytd", "YTD", "max"])
def test_start_only_anchors_are_refused_as_end(anchor):
    with pytest.raises(InvalidInput) as err:
        resolve("2024-01-02", anchor)
    short_message(err.value, anchor.lower())


def test_no_sessions_is_insufficient_history():
    with pytest.raises(InsufficientHistory) as err:
        resolve("max", None, sessions=pd.DatetimeIndex([], dtype="datetime64[ns]"))
    short_message(err.value)


def test_a_single_session_cannot_make_a_window():
    one = SESSIONS[:1]
    with pytest.raises(InvalidInput):
        resolve("max", None, sessions=one)
    with pytest.raises(InsufficientHistory) as err:
        resolve(None, None, sessions=one)  # default 1y start falls before the data
    short_message(err.value, "2022-12-27")


def test_two_sessions_make_the_smallest_window():
    two = SESSIONS[:2]
    assert resolve("max", None, sessions=two) == Window(T("2023-12-27"), T("2023-12-28"), ())


def test_blank_end_means_the_last_session():
    assert resolve("2024-01-02", "").end == T("2024-01-12")
    assert resolve("2024-01-02", "   ").end == T("2024-01-12")


@pytest.mark.parametrize("blank", [None, "", "   "])
def test_blank_start_means_the_default_start(blank):
    """Regression: a whitespace start was parsed as a date ('Start `` is not a date')."""
    assert resolve(blank, None, default_start="max").start == T("2023-12-27")
    assert resolve(blank, "2024-01-10", default_start="ytd").start == T("2023-12-29")


def test_parse_date_returns_a_midnight_ns_timestamp():
    day = parse_date(" 2024-01-02 ", "Start")
    assert day == T("2024-01-02") and day.unit == "ns" and day.tzinfo is None


# ---------------------------------------------------------------- judged before any data (check_window)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2024-01-10", "2024-01-03", "Start 2024-01-10 must be before end 2024-01-03."),
        ("svb", "2023-01-03", "Start svb (2023-03-08) must be before end 2023-01-03."),
        ("2024-01-13", "", "Start 2024-01-13 is in the future."),
        ("", "2024-01-13", "End 2024-01-13 is in the future."),
        ("", "ytd", "`ytd` only works as a start."),
        ("march-2023", "svb", "Start march-2023 (2023-03-13) must be before end svb (2023-03-08)."),
        (
            "nope",
            "",
            "Start `nope` is not a date: use YYYY-MM-DD or one of oct-2022-low, svb, march-2023, oct-2025, ytd, max, 1m",
        ),
        (
            "",
            "Nope",
            "End `Nope` is not a date: use YYYY-MM-DD or one of oct-2022-low, svb, march-2023, oct-2025, "
            "1m, 3m, 6m, 1y, 3y, 5y, 10y.",
        ),
    ],
)
def test_check_window_refuses_what_no_data_can_fix(start, end, message):
    with pytest.raises(InvalidInput) as info:
        check_window(start, end, TODAY)
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(("start", "end"), [("", ""), ("1y", "svb"), ("max", "2024-01-12"), ("2023-06-01", "1y"), ("ytd", "")])
def test_check_window_leaves_the_rest_to_the_data(start, end):
    check_window(start, end, TODAY)


def test_fixed_day_as_of_accepts_named_days_only():
    assert fixed_day("SVB", "as_of", TODAY, AS_OF_WORDS) == T("2023-03-08")
    assert fixed_day(" March-2023 ", "as_of", NOW, AS_OF_WORDS) == T("2023-03-13")
    assert fixed_day("oct-2025", "as_of", NOW, AS_OF_WORDS) == T("2025-10-16")
    with pytest.raises(
        InvalidInput, match=r"^as_of `1y` is not a date: use YYYY-MM-DD or one of oct-2022-low, svb, march-2023, oct-2025\.$"
    ):
        fixed_day("1y", "as_of", TODAY, AS_OF_WORDS)


@pytest.mark.parametrize("check", ["as_of", "start"])
def test_an_anchor_after_today_is_in_the_future_like_its_date(check):
    """Today 2024-01-12: `oct-2025` names 2025-10-16, which is refused as a typed 2025-10-16 is."""
    with pytest.raises(InvalidInput, match=r"2025-10-16 is in the future\.$"):
        fixed_day("2025-10-16", "as_of", TODAY, AS_OF_WORDS)  # the date typed: refused
    with pytest.raises(InvalidInput, match=r"2025-10-16 is in the future\.$"):
        if check == "as_of":
            fixed_day("oct-2025", "as_of", TODAY, AS_OF_WORDS)
        else:
            check_window("oct-2025", "", TODAY)


def test_a_window_refused_on_the_data_names_what_was_typed():
    with pytest.raises(InvalidInput, match=r"^Start 2024-01-06 and end 2024-01-07 fall on the same session \(2024-01-05\): pick days"):
        resolve("2024-01-06", "2024-01-07")  # a weekend: both snap to 2024-01-05


def test_only_a_start_is_offered_max_before_the_data():
    with pytest.raises(InsufficientHistory, match=r"try a later date or `max`\.$"):
        resolve("2023-01-03", "")
    with pytest.raises(InsufficientHistory, match=r"try a later date\.$"):
        resolve("", "2023-01-03")
