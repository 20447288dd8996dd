"""Sharp-move alerts: which watched series moved unusually on a session, by a stated rule.

Two rules watch two series:

- ``ratio``: the ^RUT/^GSPC close ratio. From the first session on which both
  indexes have a close, the ratio of the indexes is watched; before that (or
  when the data has no closes for one of them at all) IWM/SPY stands in and the
  event's ``series`` says so. A missing index *close* on one session is bad
  data (the session is skipped), not a reason to switch series.
- ``kre``: the KRE close, with the KRE/SPY move reported alongside.

Triggers, each judged against the series' own volatility (RiskMetrics EWMA,
lambda 0.94), with the preset's thresholds (``notable``, ``sharp``):

- daily: today's log move / the previous session's volatility (the value of
  ``series.to_move_zscores``);
- 5 sessions: the log move over 5 sessions / (the volatility of the window's
  base session x sqrt 5). The base session is the one before the window's first
  move: like the daily rule, the yardstick is the one known before the moves it
  judges, so a run of big days cannot dilute itself (for one session this is
  exactly the daily rule). Overlapping windows see one episode for days, so this
  trigger counts at a level only on the session it first reaches it: when the
  previous session's 5-session |z| in the same direction was below that level's
  threshold (or unknown). An escalation (notable, then sharp) still fires at
  sharp; staying at a level, or falling back to a lower one, does not fire.

Backstops, whatever the volatility:

- kre: KRE down 20% or more against its close 30 sessions earlier -> sharp, on
  the session it first crosses (it was not down 20% the session before);
- ratio: a close above the highest / below the lowest of the previous 52 weeks
  (``series.FIFTY_TWO_WEEKS``, the session itself excluded), with no break in
  the same direction in the previous 20 sessions -> notable.

One rule on one session gives at most one event: the highest level among its
triggers, every trigger listed in ``reasons``. "N sessions earlier" counts rows
of the close frame (NYSE sessions), so a missing close is never bridged into a
move. Every figure at a session uses closes up to that session only.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.errors import InsufficientHistory, InvalidInput
from analytics.series import FIFTY_TWO_WEEKS, calc_percentile_rank, to_ewma_volatility, to_log_returns

RULES = ("ratio", "kre")
LEVELS = ("notable", "sharp")  # lowest first
MIN_HISTORY = 60  # sessions with a close before the judged one
WINDOW_SESSIONS = 5
DRAWDOWN_SESSIONS, DRAWDOWN_LIMIT = 30, -0.20
BREAK_MEMORY = 20  # a 52-week break counts only if the previous 20 sessions had none in its direction
YEAR = pd.Timedelta(**FIFTY_TWO_WEEKS.kwds)  # the same 52 weeks as a fixed span, which rolling() needs
RANK_SINCE = pd.Timestamp("2015-01-01")  # daily moves are ranked among those since (as in analytics.banks)
INDEXES, STAND_INS = ("^RUT", "^GSPC"), ("IWM", "SPY")
# What each rule reads: fetched per rule, so one rule's missing symbol leaves the others judged.
RULE_SYMBOLS = {"ratio": (*INDEXES, *STAND_INS), "kre": ("KRE", "SPY")}
BREAKS = ((True, "break_up"), (False, "break_down"))  # (upward, the panel column that flags it)


@dataclass(frozen=True)
class Thresholds:
    notable: float  # |z| at or above this is notable
    sharp: float  # |z| at or above this is sharp


PRESETS = {
    "sensitive": Thresholds(notable=1.5, sharp=2.5),
    "standard": Thresholds(notable=2.0, sharp=3.0),
    "quiet": Thresholds(notable=2.5, sharp=4.0),
}


@dataclass(frozen=True)
class Context:
    """How the session's one-day move compares with the series' history."""

    day_move_pct: float  # the session's simple move, percent
    day_zscore: float | None  # its daily z-score (None without volatility)
    percentile: float  # 0-100: share of |daily moves| since ``percentile_since``, this one included, at or below it
    percentile_since: pd.Timestamp  # 2015-01-01, or the series' first move for earlier sessions
    last_comparable: pd.Timestamp | None  # the latest earlier session with a |daily z| at least as large
    last_comparable_move_pct: float | None  # that session's simple move, percent
    kre_spy_move_pct: float | None  # kre only: KRE/SPY's move that session, percent


@dataclass(frozen=True)
class AlertEvent:
    rule: str
    session: pd.Timestamp
    level: str  # "notable" or "sharp"
    series: str  # what was watched, e.g. "^RUT/^GSPC" or "IWM/SPY (stand-in: ^RUT missing)"
    move_pct: float  # the strongest trigger's move (1, 5 or 30 sessions), percent
    zscore: float | None  # the strongest trigger's z-score; None when it is a backstop
    threshold: str  # the strongest trigger's threshold, e.g. "|z| ≥ 3 (sharp, standard)"
    reasons: tuple[str, ...]  # one sentence per trigger, strongest first
    context: Context

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity for delivery: one alert per rule, session and level."""
        return (self.rule, self.session.date().isoformat(), self.level)

    @property
    def headline(self) -> str:
        return self.reasons[0]


@dataclass(frozen=True)
class Evaluation:
    rule: str
    session: pd.Timestamp
    series: str  # "" when the session was skipped before a series could be chosen
    events: tuple[AlertEvent, ...]  # at most one
    skipped: str | None  # why the session could not be judged (missing or bad closes); None when judged
    unchecked: tuple[str, ...]  # triggers left out for a missing base close, with why


@dataclass(frozen=True)
class DayMove:
    """A session's one-day move of what a rule watches, with the z-score its daily trigger uses."""

    rule: str
    session: pd.Timestamp
    series: str  # as in AlertEvent.series
    symbols: tuple[str, ...]  # the series' parts, e.g. ("^RUT", "^GSPC")
    part_moves_pct: tuple[float, ...]  # each part's own move, percent, in the order of ``symbols``
    move_pct: float
    zscore: float | None  # None without volatility
    context_move_pct: float | None  # kre: KRE/SPY's move, percent


@dataclass(frozen=True)
class _Watched:
    label: str
    numerator: str
    denominator: str | None = None


@dataclass(frozen=True)
class _Trigger:
    level: str
    move: float  # fraction
    zscore: float | None
    threshold: str
    reason: str


KRE = _Watched("KRE", "KRE")
KRE_SPY = _Watched("KRE/SPY", "KRE", "SPY")


def evaluate(
    closes: pd.DataFrame,
    rule: str,
    session: pd.Timestamp,
    preset: str = "standard",
    latest: dict[str, float] | None = None,
) -> Evaluation:
    """Judge ``rule`` on ``session`` from the closes up to it.

    ``latest`` (intraday): live prices for ``session``. Each replaces that
    symbol's close on the session, or becomes it when the frame ends before the
    session (a row is added); the base stays the previous settled close (the
    frame's row before the session). Symbols that are not columns are ignored.
    """
    thresholds = _thresholds(preset)
    _check_rule(rule)
    session = pd.Timestamp(session)
    frame = _frame_to(closes, session, latest)
    if frame.empty or frame.index[-1] != session:
        return _skipped(rule, session, "", _no_row(closes, session))
    watched = next(w for w, applies in _watch_plan(frame, rule) if applies[-1])
    missing = _missing_symbol(frame, watched)
    if missing:
        return _skipped(rule, session, watched.label, f"No {missing} closes up to {_day(session)}.")
    panel = _panel(frame, watched, rule)
    i = len(frame) - 1
    _require_history(panel, watched, np.array([i]))
    bad = _bad_close(frame, watched, i)
    if bad:
        return _skipped(rule, session, watched.label, bad)
    event = _event_at(panel, i, rule, watched, preset, thresholds)
    return Evaluation(rule, session, watched.label, (event,) if event else (), None, _unchecked(panel, i, rule))


def replay(
    closes: pd.DataFrame, rule: str, start: pd.Timestamp, end: pd.Timestamp, preset: str = "standard"
) -> list[AlertEvent]:
    """The events ``evaluate`` gives for every session in [start, end], computed in one pass per series.

    Raises InsufficientHistory if a session in the range has too little history to be judged.
    """
    thresholds = _thresholds(preset)
    _check_rule(rule)
    frame = closes.loc[:end]
    in_range = np.asarray(frame.index >= pd.Timestamp(start))
    events = []
    for watched, applies in _watch_plan(frame, rule):
        rows = in_range & applies & _has_closes(frame, watched)
        if not rows.any():
            continue
        panel = _panel(frame, watched, rule)
        _require_history(panel, watched, np.flatnonzero(rows))
        for i in np.flatnonzero(rows & _may_fire(panel, rule, thresholds)):
            event = _event_at(panel, i, rule, watched, preset, thresholds)
            if event:
                events.append(event)
    return sorted(events, key=lambda e: e.session)


def day_move(closes: pd.DataFrame, rule: str, session: pd.Timestamp) -> DayMove:
    """The watched series' move on ``session`` from the previous close, figured exactly as ``evaluate`` does.

    Raises InsufficientHistory when the session or its base has no usable close.
    """
    _check_rule(rule)
    session = pd.Timestamp(session)
    frame = closes.loc[:session]
    if frame.empty or frame.index[-1] != session:
        raise InsufficientHistory(_no_row(closes, session))
    watched = next(w for w, applies in _watch_plan(frame, rule) if applies[-1])
    missing = _missing_symbol(frame, watched)
    bad = f"No {missing} closes up to {_day(session)}." if missing else None
    if not bad and len(frame) < 2:
        bad = f"No close before {_day(session)}."
    bad = bad or _bad_close(frame, watched, len(frame) - 1)
    if bad:
        raise InsufficientHistory(bad)
    row = _panel(frame, watched, rule).iloc[-1]
    parts = _symbols(watched)
    context = row["context_move"] if "context_move" in row.index else math.nan
    return DayMove(
        rule=rule,
        session=session,
        series=watched.label,
        symbols=parts,
        part_moves_pct=tuple(float(frame[s].iat[-1] / frame[s].iat[-2] - 1) * 100 for s in parts),
        move_pct=float(row["move_1"]) * 100,
        zscore=_or_none(float(row["z_1"])),
        context_move_pct=_or_none(float(context) * 100),
    )


def alerts_per_year(events: list[AlertEvent]) -> dict[int, int]:
    """Event counts by calendar year of the session (years without events are absent)."""
    counts: dict[int, int] = {}
    for event in events:
        counts[event.session.year] = counts.get(event.session.year, 0) + 1
    return dict(sorted(counts.items()))


# ---------------------------------------------------------------- inputs


def _thresholds(preset: str) -> Thresholds:
    if preset not in PRESETS:
        raise InvalidInput(f"Unknown alert preset `{preset}`: choose {', '.join(PRESETS)}.")
    return PRESETS[preset]


def _check_rule(rule: str) -> None:
    if rule not in RULES:
        raise InvalidInput(f"Unknown alert rule `{rule}`: choose {', '.join(RULES)}.")


def _frame_to(closes: pd.DataFrame, session: pd.Timestamp, latest: dict[str, float] | None) -> pd.DataFrame:
    """The closes up to ``session``, with the live prices of ``latest`` as its closes."""
    frame = closes.loc[:session]
    if not latest:
        return frame
    if closes.empty or session > closes.index[-1]:  # only past the data's end: never invent a session inside it
        added = frame.index.append(pd.DatetimeIndex([session]).as_unit(frame.index.unit))
        frame = frame.reindex(added.rename(frame.index.name))
    frame = frame.copy()
    for symbol, price in latest.items():
        if symbol in frame.columns:
            frame.loc[session, symbol] = float(price)
    return frame


def _no_row(closes: pd.DataFrame, session: pd.Timestamp) -> str:
    if closes.empty or session > closes.index[-1]:
        ends = f" (the data ends {_day(closes.index[-1])})" if not closes.empty else ""
        return f"No closes for {_day(session)} yet{ends}."
    return f"{_day(session)} is not a session in the data."


def _positive(frame: pd.DataFrame, symbol: str) -> pd.Series:
    """The symbol's closes, with anything but a finite positive number as NaN: bad data is never a move."""
    if symbol not in frame.columns:
        return pd.Series(np.nan, index=frame.index)
    values = frame[symbol].astype("float64")
    return values.where(np.isfinite(values) & (values > 0))


def _values(frame: pd.DataFrame, watched: _Watched) -> pd.Series:
    values = _positive(frame, watched.numerator)
    return values / _positive(frame, watched.denominator) if watched.denominator else values


def _symbols(watched: _Watched) -> tuple[str, ...]:
    return (watched.numerator, watched.denominator) if watched.denominator else (watched.numerator,)


def _has_closes(frame: pd.DataFrame, watched: _Watched) -> np.ndarray:
    """Per session: every symbol of ``watched`` has had a usable close by then."""
    started = [_positive(frame, s).notna().cummax().to_numpy() for s in _symbols(watched)]
    return np.logical_and.reduce(started)


def _missing_symbol(frame: pd.DataFrame, watched: _Watched) -> str | None:
    return next((s for s in _symbols(watched) if _positive(frame, s).isna().all()), None)


def _watch_plan(frame: pd.DataFrame, rule: str) -> Iterator[tuple[_Watched, np.ndarray]]:
    """Each series the rule watches, with the sessions on which it is the one watched."""
    if rule == "kre":
        yield KRE, np.ones(len(frame), bool)
        return
    started = {s: _positive(frame, s).notna().cummax().to_numpy() for s in INDEXES}
    index_ready = started["^RUT"] & started["^GSPC"]
    yield _Watched("/".join(INDEXES), *INDEXES), index_ready
    for missing in (("^RUT",), ("^GSPC",), INDEXES):
        lacks = np.logical_and.reduce([~started[s] if s in missing else started[s] for s in INDEXES])
        label = f"{'/'.join(STAND_INS)} (stand-in: {' and '.join(missing)} missing)"
        yield _Watched(label, *STAND_INS), lacks


def _require_history(panel: pd.DataFrame, watched: _Watched, rows: np.ndarray) -> None:
    prior = panel["prior"].to_numpy()[rows]
    short = np.flatnonzero(prior < MIN_HISTORY)
    if short.size:
        i = rows[short[0]]
        raise InsufficientHistory(
            f"{watched.label} has {prior[short[0]]} sessions before {_day(panel.index[i])}; "
            f"alerts need {MIN_HISTORY}."
        )


def _bad_close(frame: pd.DataFrame, watched: _Watched, i: int) -> str | None:
    """Why the session or its base cannot be judged, if a close is missing or not a positive number."""
    for row, role in ((i, ""), (i - 1, ", the session before")):
        day = _day(frame.index[row])
        for symbol in _symbols(watched):
            value = frame[symbol].iat[row]
            if math.isnan(value):
                return f"No {symbol} close on {day}{role}."
            if not math.isfinite(value) or value <= 0:
                return f"{symbol}'s close on {day}{role} is not a positive number ({value})."
    return None


def _skipped(rule: str, session: pd.Timestamp, series: str, why: str) -> Evaluation:
    return Evaluation(rule, session, series, (), why, ())


# ---------------------------------------------------------------- the per-session figures


def _panel(frame: pd.DataFrame, watched: _Watched, rule: str) -> pd.DataFrame:
    """Every figure the triggers need, one row per session of ``frame`` (NaN where it cannot be computed)."""
    value = _values(frame, watched)
    present = value.dropna()
    vol = to_ewma_volatility(to_log_returns(present)).reindex(frame.index)
    vol = vol.where(vol > 0)  # a flat stretch cannot judge a move
    valid = value.notna()
    base_5 = value.shift(WINDOW_SESSIONS)
    columns = {
        "value": value,
        "prior": valid.cumsum().shift(1, fill_value=0),
        "judged": valid & valid.shift(1, fill_value=False),
        "move_1": value / value.shift(1) - 1,
        "z_1": np.log(value / value.shift(1)) / vol.shift(1),
        "move_5": value / base_5 - 1,
        "z_5": np.log(value / base_5) / (vol.shift(WINDOW_SESSIONS) * math.sqrt(WINDOW_SESSIONS)),
    }
    columns["z_5_before"] = columns["z_5"].shift(1)  # the previous session's: the 5-session trigger's first crossing
    if rule == "kre":
        move_30 = value / value.shift(DRAWDOWN_SESSIONS) - 1
        down = move_30 <= DRAWDOWN_LIMIT
        columns |= {
            "move_30": move_30,
            "drawdown_crossed": down & ~down.shift(1, fill_value=False),
            "context_move": _values(frame, KRE_SPY).pct_change(fill_method=None),
        }
    else:
        columns |= _breaks(value)
    return pd.DataFrame(columns, index=frame.index)


def _breaks(value: pd.Series) -> dict[str, pd.Series]:
    """52-week highs and lows (the session excluded), and whether each is the first in 20 sessions."""
    high = value.rolling(YEAR, closed="left").max()
    low = value.rolling(YEAR, closed="left").min()
    first = value.first_valid_index()
    covered = pd.Series(first is not None and value.index - YEAR >= first, index=value.index)
    up, down = covered & (value > high), covered & (value < low)
    return {
        "covered": covered,
        "break_up": up & ~_any_in_previous(up, BREAK_MEMORY),
        "break_down": down & ~_any_in_previous(down, BREAK_MEMORY),
    }


def _any_in_previous(flags: pd.Series, sessions: int) -> pd.Series:
    return flags.astype(int).rolling(sessions, min_periods=1).sum().shift(1, fill_value=0) > 0


def _may_fire(panel: pd.DataFrame, rule: str, thresholds: Thresholds) -> np.ndarray:
    """Sessions where some trigger fires: the same tests as ``_triggers``, on whole columns."""
    z_5, before = panel["z_5"], panel["z_5_before"]
    fires = (panel["z_1"].abs() >= thresholds.notable).to_numpy()
    fires = fires | _first_reached(z_5, before, thresholds.notable) | _first_reached(z_5, before, thresholds.sharp)
    if rule == "kre":
        fires = fires | panel["drawdown_crossed"].to_numpy()
    else:
        fires = fires | (panel["break_up"] | panel["break_down"]).to_numpy()
    return panel["judged"].to_numpy() & fires


# ---------------------------------------------------------------- triggers and the event


def _event_at(
    panel: pd.DataFrame, i: int, rule: str, watched: _Watched, preset: str, thresholds: Thresholds
) -> AlertEvent | None:
    triggers = _triggers(panel, i, rule, watched, preset, thresholds)
    if not triggers:
        return None
    ranked = sorted(triggers, key=_strength, reverse=True)
    top = ranked[0]
    return AlertEvent(
        rule=rule,
        session=panel.index[i],
        level=top.level,
        series=watched.label,
        move_pct=float(top.move) * 100,
        zscore=top.zscore,
        threshold=top.threshold,
        reasons=tuple(t.reason for t in ranked),
        context=_context(panel, i),
    )


def _strength(trigger: _Trigger) -> tuple[int, bool, float]:
    """Level first; at one level a z trigger before a backstop, then the larger |z|."""
    z = trigger.zscore
    return (LEVELS.index(trigger.level), z is not None, abs(z) if z is not None else 0.0)


def _triggers(
    panel: pd.DataFrame, i: int, rule: str, watched: _Watched, preset: str, thresholds: Thresholds
) -> list[_Trigger]:
    row = panel.iloc[i]
    if not row["judged"]:
        return []
    name, day, rises = watched.label.split(" ")[0], _day(panel.index[i]), "jumped" if rule == "kre" else "rose"
    found = []
    for sessions, move, z in ((1, row["move_1"], row["z_1"]), (WINDOW_SESSIONS, row["move_5"], row["z_5"])):
        level = _level(z, thresholds) if sessions == 1 else _level_first_reached(z, row["z_5_before"], thresholds)
        if level is None:
            continue
        verb = rises if move > 0 else "fell"
        span = f"on {day}" if sessions == 1 else f"over the {sessions} sessions to {day}"
        test = "|z|" if sessions == 1 else f"{sessions}-session |z|"
        limit = getattr(thresholds, level)
        first = "" if sessions == 1 else f", the first session past {limit:g}σ"
        reason = f"{name} {verb} {_size(move)} {span}, a {abs(z):.1f}σ move{first} ({level}: {test} ≥ {limit:g})"
        found.append(_Trigger(level, move, float(z), f"{test} ≥ {limit:g} ({level}, {preset})", reason))
    if rule == "kre" and row["drawdown_crossed"]:
        found.append(_drawdown_trigger(panel, i))
    if rule == "ratio":
        found += [_break_trigger(panel, i, name, up) for up, column in BREAKS if row[column]]
    return found


def _level(z: float, thresholds: Thresholds) -> str | None:
    size = abs(z)  # NaN compares False: no volatility, no trigger
    return "sharp" if size >= thresholds.sharp else "notable" if size >= thresholds.notable else None


def _first_reached(z: np.ndarray | float, before: np.ndarray | float, limit: float) -> np.ndarray | np.bool_:
    """|z| is at or above ``limit`` and ``before`` (the previous session's z) was not, in the same direction.

    An unknown ``before`` (NaN) counts as below; so does one of the opposite sign. Elementwise, so
    ``_may_fire`` (whole columns) and ``_triggers`` (one session) apply the very same test.
    """
    z, before = np.asarray(z, dtype="float64"), np.asarray(before, dtype="float64")
    held = (np.sign(before) == np.sign(z)) & (np.abs(before) >= limit)  # NaN compares False: not held
    return (np.abs(z) >= limit) & ~held


def _level_first_reached(z: float, before: float, thresholds: Thresholds) -> str | None:
    """The 5-session trigger's level: the highest level ``z`` reaches on this session and did not the session before."""
    for level in reversed(LEVELS):
        if _first_reached(z, before, getattr(thresholds, level)):
            return level
    return None


def _drawdown_trigger(panel: pd.DataFrame, i: int) -> _Trigger:
    values, move = panel["value"], panel["move_30"].iat[i]
    then = i - DRAWDOWN_SESSIONS
    threshold = f"KRE down {-DRAWDOWN_LIMIT:.0%} or more over {DRAWDOWN_SESSIONS} sessions"
    reason = (
        f"KRE is down {_size(move)} over the {DRAWDOWN_SESSIONS} sessions to {_day(panel.index[i])} "
        f"({values.iat[i]:,.2f} against {values.iat[then]:,.2f} on {_day(panel.index[then])}), "
        f"the first session past {-DRAWDOWN_LIMIT:.0%} down (sharp: {threshold})"
    )
    return _Trigger("sharp", move, None, threshold, reason)


def _break_trigger(panel: pd.DataFrame, i: int, name: str, up: bool) -> _Trigger:
    session, value = panel.index[i], panel["value"].iat[i]
    year = panel["value"].iloc[:i].loc[session - YEAR :]
    record_day = year.idxmax() if up else year.idxmin()
    side = "high" if up else "low"
    threshold = f"52-week {side}, first in {BREAK_MEMORY} sessions"
    reason = (
        f"{name} closed at {value:.4f} on {_day(session)}, {'above' if up else 'below'} its 52-week {side} "
        f"of {year.loc[record_day]:.4f} ({_day(record_day)}), the first {'upward' if up else 'downward'} break "
        f"in {BREAK_MEMORY} sessions (notable: {threshold})"
    )
    return _Trigger("notable", panel["move_1"].iat[i], None, threshold, reason)


def _context(panel: pd.DataFrame, i: int) -> Context:
    moves, zscores, index = panel["move_1"].to_numpy(), panel["z_1"].to_numpy(), panel.index
    # Ranked among the moves since 2015 (as in analytics.banks); before 2015, among all the series' moves.
    start = int(index.searchsorted(RANK_SINCE)) if index[i] >= RANK_SINCE else 0
    ranked = moves[start : i + 1]
    first = start + int(np.argmax(~np.isnan(ranked)))
    day_move, z = float(moves[i]), float(zscores[i])
    earlier = np.flatnonzero(np.abs(zscores[:i]) >= abs(z)) if not math.isnan(z) else np.array([], int)
    last = int(earlier[-1]) if earlier.size else None
    context_move = panel["context_move"].iat[i] if "context_move" in panel else math.nan
    return Context(
        day_move_pct=day_move * 100,
        day_zscore=_or_none(z),
        percentile=calc_percentile_rank(pd.Series(np.abs(ranked)), abs(day_move)),
        percentile_since=index[first],
        last_comparable=index[last] if last is not None else None,
        last_comparable_move_pct=float(moves[last]) * 100 if last is not None else None,
        kre_spy_move_pct=_or_none(float(context_move) * 100),
    )


def _unchecked(panel: pd.DataFrame, i: int, rule: str) -> tuple[str, ...]:
    """Triggers of a judged session that could not be computed, and why."""
    row, index = panel.iloc[i], panel.index

    def base(sessions: int) -> str:
        return _day(index[i - sessions]) if i >= sessions else "a session before the data"

    notes = []
    if math.isnan(row["z_1"]):
        notes.append(f"daily move: no volatility on {base(1)}")
    if math.isnan(row["z_5"]):
        notes.append(f"{WINDOW_SESSIONS}-session move: no close or volatility on {base(WINDOW_SESSIONS)}")
    if rule == "kre" and math.isnan(row["move_30"]):
        notes.append(f"{DRAWDOWN_SESSIONS}-session drawdown: no close on {base(DRAWDOWN_SESSIONS)}")
    if rule == "ratio" and not row["covered"]:
        notes.append("52-week break: less than 52 weeks of history")
    return tuple(notes)


# ---------------------------------------------------------------- text


def _size(fraction: float) -> str:
    """An unsigned percentage (the verb carries the sign): -0.1234 -> '12.3%'."""
    return f"{abs(fraction) * 100:.1f}%"


def _day(ts: pd.Timestamp) -> str:
    return ts.date().isoformat()


def _or_none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
