"""Judging a rule: on one session, over a span of history, and the session's move for the digest.

Triggers, each judged against the watched series' own volatility (RiskMetrics EWMA, lambda 0.94),
with the preset's thresholds (``notable``, ``sharp``):

- daily: today's log move / the previous session's volatility (the value of ``series.to_move_zscores``);
- 5 sessions: the log move over 5 sessions / (the volatility of the window's base session x sqrt 5).
  The base session is the one before the window's first move: like the daily rule, the yardstick is
  the one known before the moves it judges, so a run of big days cannot dilute itself (for one
  session this is exactly the daily rule). Overlapping windows see one episode for days, so this
  trigger counts at a level only on the session it first reaches it: when the previous session's
  5-session |z| in the same direction was below that level's threshold (or unknown). An escalation
  (notable, then sharp) still fires at sharp; staying at a level, or falling back, does not fire;

and the rule's backstops (``analytics.alerts.rules``), whatever the volatility.

One rule on one session gives at most one event: the highest level among its triggers, every
trigger kept, strongest first. Every figure at a session uses closes up to that session only.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analytics.alerts.events import (
    LEVELS,
    PRESETS,
    AlertEvent,
    Context,
    DayMove,
    Evaluation,
    MoveTrigger,
    Thresholds,
    Trigger,
    Watched,
)
from analytics.alerts.rules import RULES, Rule, positive, watched_values
from analytics.errors import InsufficientHistory, InvalidInput
from analytics.series import calc_percentile_rank, to_ewma_volatility, to_log_returns

MIN_HISTORY = 60  # sessions with a close before the judged one
WINDOW_SESSIONS = 5
RANK_SINCE = pd.Timestamp("2015-01-01")  # daily moves are ranked among those since (as in analytics.banks)


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
    judge = _rule(rule)
    session = pd.Timestamp(session)
    frame = _frame_to(closes, session, latest)
    if frame.empty or frame.index[-1] != session:
        return Evaluation(rule, session, None, (), _no_row(closes, session))
    watched = _watched_at_end(frame, judge)
    if missing := _missing_symbol(frame, watched):
        return Evaluation(rule, session, watched, (), f"No {missing} closes up to {_day(session)}.")
    panel = _panel(frame, watched, judge)
    i = len(frame) - 1
    _require_history(panel, watched, np.array([i]))
    if bad := _bad_close(frame, watched, i):
        return Evaluation(rule, session, watched, (), bad)
    event = _event_at(panel, i, judge, watched, preset, thresholds)
    return Evaluation(rule, session, watched, (event,) if event else (), None)


def replay(
    closes: pd.DataFrame, rule: str, start: pd.Timestamp, end: pd.Timestamp, preset: str = "standard"
) -> list[AlertEvent]:
    """The events ``evaluate`` gives for every session in [start, end], computed in one pass per series.

    Raises InsufficientHistory if a session in the range has too little history to be judged.
    """
    thresholds = _thresholds(preset)
    judge = _rule(rule)
    frame = closes.loc[:end]
    in_range = np.asarray(frame.index >= pd.Timestamp(start))
    events = []
    for watched, applies in judge.watch_plan(frame, _started(frame, judge)):
        rows = in_range & applies & _has_closes(frame, watched)
        if not rows.any():
            continue
        panel = _panel(frame, watched, judge)
        _require_history(panel, watched, np.flatnonzero(rows))
        for i in np.flatnonzero(rows & _may_fire(panel, judge, thresholds)):
            if event := _event_at(panel, int(i), judge, watched, preset, thresholds):
                events.append(event)
    return sorted(events, key=lambda e: e.session)


def day_move(closes: pd.DataFrame, rule: str, session: pd.Timestamp) -> DayMove:
    """The watched series' move on ``session`` from the previous close, figured exactly as ``evaluate`` does.

    Raises InsufficientHistory when the session or its base has no usable close.
    """
    judge = _rule(rule)
    session = pd.Timestamp(session)
    frame = closes.loc[:session]
    if frame.empty or frame.index[-1] != session:
        raise InsufficientHistory(_no_row(closes, session))
    watched = _watched_at_end(frame, judge)
    missing = _missing_symbol(frame, watched)
    bad = f"No {missing} closes up to {_day(session)}." if missing else None
    if not bad and len(frame) < 2:
        bad = f"No close before {_day(session)}."
    if bad := bad or _bad_close(frame, watched, len(frame) - 1):
        raise InsufficientHistory(bad)
    row = _panel(frame, watched, judge).iloc[-1]
    context = row["context_move"] if "context_move" in row.index else math.nan
    return DayMove(
        rule=rule,
        session=session,
        watched=watched,
        part_moves_pct=tuple(float(frame[s].iat[-1] / frame[s].iat[-2] - 1) * 100 for s in watched.symbols),
        move_pct=float(row["move_1"]) * 100,
        zscore=_or_none(float(row["z_1"])),
        context_move_pct=_or_none(float(context) * 100),
    )


def watched_on(closes: pd.DataFrame, rule: str, session: pd.Timestamp) -> Watched:
    """The series ``rule`` watches on ``session`` (the ratio's stand-in before both indexes have closes)."""
    return _watched_at_end(closes.loc[:session], _rule(rule))


# ---------------------------------------------------------------- inputs


def _thresholds(preset: str) -> Thresholds:
    if preset not in PRESETS:
        raise InvalidInput(f"Unknown alert preset `{preset}`: choose {', '.join(PRESETS)}.")
    return PRESETS[preset]


def _rule(rule: str) -> Rule:
    if rule not in RULES:
        raise InvalidInput(f"Unknown alert rule `{rule}`: choose {', '.join(RULES)}.")
    return RULES[rule]


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


def _started(frame: pd.DataFrame, judge: Rule) -> dict[str, np.ndarray]:
    return {s: positive(frame, s).notna().cummax().to_numpy() for s in judge.symbols}


def _watched_at_end(frame: pd.DataFrame, judge: Rule) -> Watched:
    return next(w for w, applies in judge.watch_plan(frame, _started(frame, judge)) if applies[-1])


def _has_closes(frame: pd.DataFrame, watched: Watched) -> np.ndarray:
    """Per session: every symbol of ``watched`` has had a usable close by then."""
    started = [positive(frame, s).notna().cummax().to_numpy() for s in watched.symbols]
    return np.logical_and.reduce(started)


def _missing_symbol(frame: pd.DataFrame, watched: Watched) -> str | None:
    return next((s for s in watched.symbols if positive(frame, s).isna().all()), None)


def _require_history(panel: pd.DataFrame, watched: Watched, rows: np.ndarray) -> None:
    prior = panel["prior"].to_numpy()[rows]
    short = np.flatnonzero(prior < MIN_HISTORY)
    if short.size:
        i = rows[short[0]]
        stands_in = f" (stand-in: {' and '.join(watched.stands_in_for)} missing)" if watched.stands_in_for else ""
        raise InsufficientHistory(
            f"{watched.name}{stands_in} has {prior[short[0]]} sessions before {_day(panel.index[i])}; "
            f"alerts need {MIN_HISTORY}."
        )


def _bad_close(frame: pd.DataFrame, watched: Watched, i: int) -> str | None:
    """Why the session or its base cannot be judged, if a close is missing or not a positive number."""
    for row, role in ((i, ""), (i - 1, ", the session before")):
        day = _day(frame.index[row])
        for symbol in watched.symbols:
            value = frame[symbol].iat[row]
            if math.isnan(value):
                return f"No {symbol} close on {day}{role}."
            if not math.isfinite(value) or value <= 0:
                return f"{symbol}'s close on {day}{role} is not a positive number ({value})."
    return None


# ---------------------------------------------------------------- the per-session figures


def _panel(frame: pd.DataFrame, watched: Watched, judge: Rule) -> pd.DataFrame:
    """Every figure the triggers need, one row per session of ``frame`` (NaN where it cannot be computed)."""
    value = watched_values(frame, watched)
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
    return pd.DataFrame(columns | judge.columns(frame, value), index=frame.index)


def _may_fire(panel: pd.DataFrame, judge: Rule, thresholds: Thresholds) -> np.ndarray:
    """Sessions where some trigger fires: the same tests as ``_triggers``, on whole columns."""
    z_5, before = panel["z_5"], panel["z_5_before"]
    fires = (panel["z_1"].abs() >= thresholds.notable).to_numpy()
    fires = fires | _first_reached(z_5, before, thresholds.notable) | _first_reached(z_5, before, thresholds.sharp)
    return panel["judged"].to_numpy() & (fires | judge.fires(panel))


# ---------------------------------------------------------------- triggers and the event


def _event_at(
    panel: pd.DataFrame, i: int, judge: Rule, watched: Watched, preset: str, thresholds: Thresholds
) -> AlertEvent | None:
    if not panel["judged"].iat[i]:
        return None
    triggers = [*_move_triggers(panel.iloc[i], thresholds), *judge.backstops(panel, i)]
    if not triggers:
        return None
    ranked = tuple(sorted(triggers, key=_strength, reverse=True))
    return AlertEvent(judge.name, panel.index[i], ranked[0].level, preset, watched, ranked, _context(panel, i))


def _strength(trigger: Trigger) -> tuple[int, bool, float]:
    """Level first; at one level a z trigger before a backstop, then the larger |z|."""
    z = trigger.zscore if isinstance(trigger, MoveTrigger) else None
    return (LEVELS.index(trigger.level), z is not None, abs(z) if z is not None else 0.0)


def _move_triggers(row: pd.Series, thresholds: Thresholds) -> list[Trigger]:
    found: list[Trigger] = []
    for sessions, move, z in ((1, row["move_1"], row["z_1"]), (WINDOW_SESSIONS, row["move_5"], row["z_5"])):
        level = _level(z, thresholds) if sessions == 1 else _level_first_reached(z, row["z_5_before"], thresholds)
        if level is not None:
            found.append(MoveTrigger(level, float(move), sessions, float(z), getattr(thresholds, level)))
    return found


def _level(z: float, thresholds: Thresholds) -> str | None:
    size = abs(z)  # NaN compares False: no volatility, no trigger
    return "sharp" if size >= thresholds.sharp else "notable" if size >= thresholds.notable else None


def _first_reached(z: np.ndarray | float, before: np.ndarray | float, limit: float) -> np.ndarray:
    """|z| is at or above ``limit`` and ``before`` (the previous session's z) was not, in the same direction.

    An unknown ``before`` (NaN) counts as below; so does one of the opposite sign. Elementwise, so
    ``_may_fire`` (whole columns) and ``_move_triggers`` (one session) apply the very same test.
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
        context_move_pct=_or_none(float(context_move) * 100),
    )


def _day(ts: pd.Timestamp) -> str:
    return ts.date().isoformat()


def _or_none(value: float) -> float | None:
    return None if math.isnan(value) else float(value)
