"""analytics.alerts: sharp-move alerts on the real snapshot, recomputed here by explicit loops."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.alerts.evaluate import evaluate, replay
from analytics.alerts.events import PRESETS, AlertEvent, Thresholds
from analytics.alerts.rules import RULES
from analytics.errors import InsufficientHistory, InvalidInput
from commands.alerts import messages
from commands.alerts.messages import headline, series, threshold

from ._helpers import T, ewma_vol_loop, percentile, short_message

REL = 1e-12
YEAR = pd.Timedelta(days=364)  # 52 weeks
SINCE_2015 = T("2015-01-01")
LEVEL_RANK = {None: 0, "notable": 1, "sharp": 2}


# ---------------------------------------------------------------- the independent reference


class Reference:
    """Every figure of one watched series, per session, by explicit loops over its closes (no holes)."""

    def __init__(self, values: pd.Series, kre_spy: pd.Series | None = None) -> None:
        assert values.loc[values.first_valid_index() :].notna().all()  # "N sessions earlier" = N rows back
        values = values.dropna()
        self.dates, self.v = values.index, values.to_numpy()
        self.row = {d: j for j, d in enumerate(self.dates)}
        logs = [math.log(self.v[j] / self.v[j - 1]) for j in range(1, len(self.v))]
        vols = ewma_vol_loop(logs)
        self.vol = [math.nan, *vols]  # the volatility known at each session's close
        self.kre_spy = kre_spy
        self._breaks: dict[int, tuple[bool, bool]] = {}

    def z1(self, j: int) -> float:
        return math.log(self.v[j] / self.v[j - 1]) / self.vol[j - 1] if j >= 2 else math.nan

    def z5(self, j: int) -> float:
        return math.log(self.v[j] / self.v[j - 5]) / (self.vol[j - 5] * math.sqrt(5)) if j >= 6 else math.nan

    def move(self, j: int, sessions: int = 1) -> float:
        return self.v[j] / self.v[j - sessions] - 1

    def drawdown_crossed(self, j: int) -> bool:
        def down(k: int) -> bool:
            return k >= 30 and self.move(k, 30) <= -0.20

        return down(j) and not down(j - 1)

    def breaks(self, j: int) -> tuple[bool, bool]:
        """(above the 52-week high, below the 52-week low), the session itself excluded."""
        if j not in self._breaks:
            day = self.dates[j]
            if self.dates[0] > day - YEAR:
                self._breaks[j] = (False, False)
            else:
                window = self.v[int(np.searchsorted(self.dates, day - YEAR)) : j]  # dates in [day - 52w, day)
                self._breaks[j] = (self.v[j] > window.max(), self.v[j] < window.min())
        return self._breaks[j]

    def first_breaks(self, j: int) -> tuple[bool, bool]:
        now = self.breaks(j)
        before = [self.breaks(k) for k in range(max(j - 20, 0), j)]
        return tuple(now[d] and not any(b[d] for b in before) for d in (0, 1))

    def level5(self, j: int, th: Thresholds) -> str | None:
        """The 5-session trigger: a level counts only on the session |z5| first reaches it (same direction)."""
        z, before = self.z5(j), self.z5(j - 1)
        for level, limit in (("sharp", th.sharp), ("notable", th.notable)):
            held = not math.isnan(before) and (before > 0) == (z > 0) and abs(before) >= limit
            if abs(z) >= limit and not held:
                return level
        return None

    def level(self, j: int, rule: str, th: Thresholds) -> str | None:
        levels = [_level(self.z1(j), th), self.level5(j, th)]
        if rule == "kre" and self.drawdown_crossed(j):
            levels.append("sharp")
        if rule == "ratio" and any(self.first_breaks(j)):
            levels.append("notable")
        return max(levels, key=LEVEL_RANK.get)

    def percentile(self, j: int) -> float:
        moves = np.abs(self.v[1 : j + 1] / self.v[:j] - 1)
        return percentile(moves[self.dates[1 : j + 1] >= SINCE_2015], abs(self.move(j)))

    def last_comparable(self, j: int) -> pd.Timestamp:
        return next(self.dates[k] for k in range(j - 1, 1, -1) if abs(self.z1(k)) >= abs(self.z1(j)))


def reasons(event: AlertEvent) -> tuple[str, ...]:
    """The event's reasons, strongest first (worded by commands.alerts.messages)."""
    return tuple(messages.reasons(event))


def _level(z: float, th: Thresholds) -> str | None:
    return "sharp" if abs(z) >= th.sharp else "notable" if abs(z) >= th.notable else None


@pytest.fixture(scope="module")
def kre_ref(raw_closes) -> Reference:
    kre, spy = raw_closes["KRE"].to_numpy(), raw_closes["SPY"].to_numpy()
    return Reference(raw_closes["KRE"], pd.Series(kre / spy, index=raw_closes.index))


@pytest.fixture(scope="module")
def ratio_ref(raw_closes) -> Reference:
    return Reference(pd.Series(raw_closes["^RUT"].to_numpy() / raw_closes["^GSPC"].to_numpy(), raw_closes.index))


def one_event(closes, rule, session, preset="standard", **kw) -> AlertEvent:
    result = evaluate(closes, rule, T(session), preset, **kw)
    assert result.skipped is None and len(result.events) == 1, result
    return result.events[0]


# ---------------------------------------------------------------- golden: KRE on the real snapshot


def test_presets_and_rules():
    assert tuple(RULES) == ("ratio", "kre")
    assert PRESETS == {
        "sensitive": Thresholds(1.5, 2.5),
        "standard": Thresholds(2.0, 3.0),
        "quiet": Thresholds(2.5, 4.0),
    }


def test_kre_2023_03_13_is_sharp_with_exact_figures(closes, raw_closes, kre_ref):
    j = kre_ref.row[T("2023-03-13")]
    e = one_event(closes, "kre", "2023-03-13")
    assert (e.rule, e.session, e.level, series(e.watched)) == ("kre", T("2023-03-13"), "sharp", "KRE")
    assert e.key == ("kre", "2023-03-13", "sharp")
    # The 5-session fall is 10.2σ, but it has been past 3σ since 2023-03-09: it does not fire again.
    # The strongest trigger is the day's own 4.9σ fall.
    assert round(kre_ref.z5(j), 1) == -10.2 and kre_ref.z5(j - 1) <= -3
    assert kre_ref.level5(j, PRESETS["standard"]) is None
    assert e.zscore == pytest.approx(kre_ref.z1(j), rel=REL)
    assert e.move_pct == pytest.approx(kre_ref.move(j) * 100, rel=REL)
    assert threshold(e) == "|z| ≥ 3 (sharp, standard)"
    c = e.context
    assert c.day_zscore == pytest.approx(kre_ref.z1(j), rel=REL)
    kre = raw_closes["KRE"]
    assert c.day_move_pct == pytest.approx((kre["2023-03-13"] / kre["2023-03-10"] - 1) * 100, rel=REL)
    assert (round(c.day_move_pct, 1), round(c.day_zscore, 1), round(e.zscore, 1)) == (-12.3, -4.9, -4.9)
    assert c.percentile == pytest.approx(kre_ref.percentile(j), rel=REL)
    assert c.percentile_since == T("2015-01-02")
    assert c.last_comparable == kre_ref.last_comparable(j) == T("2023-03-09")
    assert c.last_comparable_move_pct == pytest.approx(kre_ref.move(j - 2) * 100, rel=REL)
    kre_spy = kre_ref.kre_spy
    assert c.context_move_pct == pytest.approx((kre_spy["2023-03-13"] / kre_spy["2023-03-10"] - 1) * 100, rel=REL)
    assert reasons(e) == (
        "KRE fell 12.3% on 2023-03-13, a 4.9σ move (sharp: |z| ≥ 3)",
        (
            "KRE is down 27.1% over the 30 sessions to 2023-03-13 (40.62 against 55.69 on 2023-01-27), "
            "the first session past 20% down (sharp: KRE down 20% or more over 30 sessions)"
        ),
    )
    assert kre_ref.drawdown_crossed(j) and kre_ref.move(j, 30) == pytest.approx(40.62 / 55.69 - 1, abs=1e-4)


def test_kre_2023_03_09_is_sharp_on_the_day(closes, kre_ref):
    j = kre_ref.row[T("2023-03-09")]
    e = one_event(closes, "kre", "2023-03-09")
    assert e.level == "sharp" and threshold(e) == "|z| ≥ 3 (sharp, standard)"
    assert e.zscore == pytest.approx(kre_ref.z1(j), rel=REL)
    assert e.move_pct == pytest.approx(kre_ref.move(j) * 100, rel=REL)
    assert headline(e) == "KRE fell 8.1% on 2023-03-09, a 5.8σ move (sharp: |z| ≥ 3)"
    assert e.context.last_comparable == kre_ref.last_comparable(j) == T("2020-03-09")


def test_kre_early_may_2023(closes, kre_ref):
    events = replay(closes, "kre", T("2023-05-01"), T("2023-05-05"))
    expected = [d for d in kre_ref.dates[(kre_ref.dates >= "2023-05-01") & (kre_ref.dates <= "2023-05-05")]
                if kre_ref.level(kre_ref.row[d], "kre", PRESETS["standard"])]  # fmt: skip
    assert [e.session for e in events] == expected == [T("2023-05-02"), T("2023-05-04")]
    may2, may4 = events
    assert may2.level == "notable" and may2.zscore == pytest.approx(kre_ref.z1(kre_ref.row[T("2023-05-02")]), rel=REL)
    assert headline(may2) == "KRE fell 6.3% on 2023-05-02, a 2.4σ move (notable: |z| ≥ 2)"
    assert may4.zscore == pytest.approx(kre_ref.z5(kre_ref.row[T("2023-05-04")]), rel=REL)
    assert headline(may4) == (
        "KRE fell 14.0% over the 5 sessions to 2023-05-04, a 2.5σ move, the first session past 2σ "
        "(notable: 5-session |z| ≥ 2)"
    )


def test_kre_march_2020(closes, kre_ref):
    events = {e.session: e for e in replay(closes, "kre", T("2020-03-01"), T("2020-03-31"))}
    assert events[T("2020-03-09")].level == "sharp"
    assert events[T("2020-03-09")].zscore == pytest.approx(kre_ref.z1(kre_ref.row[T("2020-03-09")]), rel=REL)
    assert headline(events[T("2020-03-09")]) == "KRE fell 15.5% on 2020-03-09, a 6.1σ move (sharp: |z| ≥ 3)"
    # 2020-03-09 is also where the 5-session fall first reaches 3σ (from 1.8σ); it stays past 3σ to 03-12,
    # which fired again before the first-crossing rule. Sharp now: the 30-session backstop, and 03-09.
    j = kre_ref.row[T("2020-03-09")]
    assert abs(kre_ref.z5(j - 1)) < 2 and all(kre_ref.z5(k) <= -3 for k in range(j, j + 4))
    five = "KRE fell 25.3% over the 5 sessions to 2020-03-09, a 6.0σ move, the first session past 3σ"
    assert reasons(events[T("2020-03-09")])[1].startswith(five)
    assert [d for d, e in events.items() if e.level == "sharp"] == [T("2020-03-06"), T("2020-03-09")]
    assert list(events) == [T(d) for d in ("2020-03-02", "2020-03-05", "2020-03-06", "2020-03-09", "2020-03-16")]


def test_kre_march_2023_episode_fires_the_5_session_trigger_once_per_level(closes, kre_ref):
    """KRE's 5-session |z| is 2 or more on every session from 2023-03-07 to 03-17, and 3 or more from 03-09 to
    03-15. The 5-session trigger fires at notable on 03-07 (first past 2σ) and at sharp on 03-09 (first past
    3σ), and never again in the episode: neither while it stays past a level nor when it falls back to notable."""
    th = PRESETS["standard"]
    march = kre_ref.dates[(kre_ref.dates >= "2023-03-01") & (kre_ref.dates <= "2023-03-31")]
    z5 = {d: kre_ref.z5(kre_ref.row[d]) for d in march}
    assert [d for d in march if z5[d] <= -2] == [T(d) for d in ("2023-03-07", "2023-03-08", "2023-03-09",
        "2023-03-10", "2023-03-13", "2023-03-14", "2023-03-15", "2023-03-16", "2023-03-17")]  # fmt: skip
    assert [d for d in march if z5[d] <= -3] == [T(d) for d in ("2023-03-09", "2023-03-10", "2023-03-13",
        "2023-03-14", "2023-03-15")]  # fmt: skip
    assert all(abs(z) < 2 for d, z in z5.items() if d < T("2023-03-07") or d > T("2023-03-17"))
    assert {d: lvl for d in march if (lvl := kre_ref.level5(kre_ref.row[d], th))} == {
        T("2023-03-07"): "notable",
        T("2023-03-09"): "sharp",
    }

    events = replay(closes, "kre", T("2023-03-01"), T("2023-03-31"))
    assert [(e.session, e.level) for e in events] == [
        (T("2023-03-02"), "notable"),  # the daily trigger
        (T("2023-03-07"), "notable"),  # the daily trigger and the 5-session trigger's first notable
        (T("2023-03-09"), "sharp"),  # the daily trigger and the 5-session trigger's first sharp
        (T("2023-03-13"), "sharp"),  # the daily trigger and the 30-session backstop
    ]
    five = {e.session: r for e in events for r in reasons(e) if "over the 5 sessions" in r}
    assert five == {
        T("2023-03-07"): (
            "KRE fell 5.8% over the 5 sessions to 2023-03-07, a 2.1σ move, the first session past 2σ "
            "(notable: 5-session |z| ≥ 2)"
        ),
        T("2023-03-09"): (
            "KRE fell 11.1% over the 5 sessions to 2023-03-09, a 3.9σ move, the first session past 3σ "
            "(sharp: 5-session |z| ≥ 3)"
        ),
    }
    # 2023-03-10 (the day SVB failed): a 5.8σ 5-session fall, but past 3σ since 03-09, and a 1.8σ day.
    quiet_day = evaluate(closes, "kre", T("2023-03-10"))
    assert quiet_day.skipped is None and quiet_day.events == ()


def test_kre_5_session_escalation_still_fires_at_sharp(closes, kre_ref):
    """2024-02: the 5-session fall reaches 2σ on 02-01, stays between 2σ and 3σ, and reaches 3σ on 02-06.
    Both are 5-session-only events (no daily move of 2σ); 02-02 and 02-05, still past 2σ, are silent."""
    th = PRESETS["standard"]
    days = [T(d) for d in ("2024-01-31", "2024-02-01", "2024-02-02", "2024-02-05", "2024-02-06", "2024-02-07")]
    z5 = [kre_ref.z5(kre_ref.row[d]) for d in days]
    assert -2 < z5[0] and -3 < z5[1] <= -2 and -3 < z5[2] <= -2 and -3 < z5[3] <= -2 and z5[4] <= -3 < z5[5]
    assert all(abs(kre_ref.z1(kre_ref.row[d])) < 2 for d in days[1:])
    events = replay(closes, "kre", days[1], days[-1])
    assert [(e.session, e.level, threshold(e)) for e in events] == [
        (T("2024-02-01"), "notable", "5-session |z| ≥ 2 (notable, standard)"),
        (T("2024-02-06"), "sharp", "5-session |z| ≥ 3 (sharp, standard)"),
    ]
    assert [kre_ref.level5(kre_ref.row[d], th) for d in days] == [None, "notable", None, None, "sharp", None]
    notable, sharp = events
    assert notable.zscore == pytest.approx(z5[1], rel=REL) and sharp.zscore == pytest.approx(z5[4], rel=REL)
    assert sharp.move_pct == pytest.approx(kre_ref.move(kre_ref.row[days[4]], 5) * 100, rel=REL)
    assert reasons(sharp) == (
        (
            "KRE fell 11.0% over the 5 sessions to 2024-02-06, a 3.3σ move, the first session past 3σ "
            "(sharp: 5-session |z| ≥ 3)"
        ),
    )
    assert notable.key != sharp.key


def _five_session_reasons(kre: np.ndarray, start: int) -> dict[int, str]:
    idx = pd.bdate_range("2024-01-02", periods=len(kre)).as_unit("ns")
    f = pd.DataFrame({"KRE": kre, "SPY": 400.0}, index=idx)
    found = {}
    for e in replay(f, "kre", idx[start], idx[-1]):
        found |= {idx.get_loc(e.session): r for r in reasons(e) if "over the 5 sessions" in r}
    return found


def test_5_session_trigger_in_the_other_direction_is_a_new_crossing():
    """A 5% fall on row 100 keeps the 5-session |z| past 3 for rows 100-104; a 10% jump on row 105 takes it
    past 3 upward: the previous session's was past 3, but the other way, so the jump fires."""
    pattern = np.array([1, -1, 1, -1, 0]) * 0.004  # any 5 sessions in a row sum to 0: only the shocks move 5 sessions
    logs = np.tile(pattern, 24)[:115]
    logs[100], logs[105] = math.log(0.95), math.log(1.10)
    kre = 100 * np.exp(np.cumsum(logs))
    ref = Reference(pd.Series(kre, pd.bdate_range("2024-01-02", periods=len(kre))))
    assert abs(ref.z5(99)) < 2 and all(ref.z5(j) <= -3 for j in range(100, 105))
    assert all(ref.z5(j) >= 3 for j in range(105, 110)) and abs(ref.z5(110)) < 2
    found = _five_session_reasons(kre, 90)
    assert list(found) == [100, 105]
    assert found[100].startswith("KRE fell") and "the first session past 3σ (sharp" in found[100]
    assert found[105].startswith("KRE jumped") and "the first session past 3σ (sharp" in found[105]


def test_an_unknown_previous_5_session_z_counts_as_below(closes):
    """With 2023-03-02's close missing, 2023-03-09 has no 5-session figure: 2023-03-10's 5-session fall,
    past 3σ, is then a first crossing (on the full data it is not: 03-09 was past 3σ already)."""
    edited = closes.copy()
    edited.loc["2023-03-02", "KRE"] = math.nan
    before = evaluate(edited, "kre", T("2023-03-09"))
    assert not any("5 sessions" in r for r in reasons(before.events[0]))
    e = evaluate(edited, "kre", T("2023-03-10")).events[0]
    assert (e.level, threshold(e)) == ("sharp", "5-session |z| ≥ 3 (sharp, standard)")
    assert evaluate(closes, "kre", T("2023-03-10")).events == ()


def test_drawdown_backstop_fires_once_when_first_crossed(closes, kre_ref):
    """March 2020: KRE stays 20%+ below its close of 30 sessions earlier for weeks; one backstop event."""
    march = [d for d in kre_ref.dates if T("2020-03-01") <= d <= T("2020-04-30")]
    below = [d for d in march if kre_ref.move(kre_ref.row[d], 30) <= -0.20]
    assert below[0] == T("2020-03-06") and len(below) > 30
    events = replay(closes, "kre", march[0], march[-1])
    backstop = [e.session for e in events if any("over 30 sessions" in r for r in reasons(e))]
    assert backstop == [T("2020-03-06")]
    e = events[[x.session for x in events].index(T("2020-03-06"))]
    assert (e.level, e.zscore, threshold(e)) == ("sharp", None, "KRE down 20% or more over 30 sessions")
    assert e.move_pct == pytest.approx(kre_ref.move(kre_ref.row[T("2020-03-06")], 30) * 100, rel=REL)


def test_drawdown_backstop_on_a_hand_built_fall():
    idx = pd.bdate_range("2024-01-01", periods=120).as_unit("ns")
    kre = np.where(np.arange(120) % 2 == 0, 100.0, 101.0)
    kre[80:] = 100.0 * 0.99 ** np.arange(1, 41)  # -1% a session: crosses -20% over 30 sessions, then stays
    f = pd.DataFrame({"KRE": kre, "SPY": 400.0}, index=idx)
    thirty = kre[30:] / kre[:-30] - 1
    first = 30 + int(np.argmax(thirty <= -0.20))
    assert (thirty[first - 30 :] <= -0.20).all()
    events = replay(f, "kre", idx[70], idx[-1])
    assert [e.session for e in events if any("over 30 sessions" in r for r in reasons(e))] == [idx[first]]


def test_calm_stretches(closes, kre_ref):
    """Volatility-relative rules fire at a steady rate, calm or not: a calm stretch is quieter, not silent."""
    assert [e.session for e in replay(closes, "kre", T("2019-10-01"), T("2019-12-31"))] == [T("2019-12-12")]
    half = replay(closes, "kre", T("2017-06-01"), T("2017-12-31"))
    assert len(half) == 14 and sum(e.level == "sharp" for e in half) == 4
    assert max(abs(e.context.day_move_pct) for e in half) < 3.5  # all small moves in absolute terms
    assert all(e.zscore is not None for e in half)  # no backstop
    assert not [e for e in replay(closes, "kre", T("2017-06-01"), T("2017-12-31"), "quiet") if e.level == "sharp"]


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize("preset", ["standard", "sensitive"])
def test_replay_2015_2025_matches_the_reference_session_by_session(closes, kre_ref, ratio_ref, rule, preset):
    ref = kre_ref if rule == "kre" else ratio_ref
    days = ref.dates[(ref.dates >= "2015-01-01") & (ref.dates <= "2025-12-31")]
    expected = {d: lvl for d in days if (lvl := ref.level(ref.row[d], rule, PRESETS[preset]))}
    got = {e.session: e.level for e in replay(closes, rule, T("2015-01-01"), T("2025-12-31"), preset)}
    assert got == expected


# ---------------------------------------------------------------- golden: the ^RUT/^GSPC ratio


def test_ratio_2024_07_11_small_caps_surge(closes, raw_closes, ratio_ref):
    j = ratio_ref.row[T("2024-07-11")]
    e = one_event(closes, "ratio", "2024-07-11")
    assert (e.level, series(e.watched)) == ("sharp", "^RUT/^GSPC")
    rut, spx = raw_closes["^RUT"], raw_closes["^GSPC"]
    day = (rut["2024-07-11"] / spx["2024-07-11"]) / (rut["2024-07-10"] / spx["2024-07-10"]) - 1
    assert e.move_pct == pytest.approx(day * 100, rel=REL)
    assert e.zscore == pytest.approx(ratio_ref.z1(j), rel=REL)
    assert headline(e) == "^RUT/^GSPC rose 4.5% on 2024-07-11, a 6.2σ move (sharp: |z| ≥ 3)"
    assert e.context.context_move_pct is None


def test_ratio_52_week_break_fires_only_the_first_time_in_20_sessions(closes, ratio_ref):
    """2016-11-11: the ratio closed above its 52-week high, and kept doing so on the next sessions."""
    j = ratio_ref.row[T("2016-11-11")]
    assert ratio_ref.first_breaks(j) == (True, False)
    again = [ratio_ref.dates[k] for k in range(j + 1, j + 21) if ratio_ref.breaks(k)[0]]
    assert len(again) >= 2
    events = replay(closes, "ratio", T("2016-11-11"), ratio_ref.dates[j + 20])
    broke = [e.session for e in events if any("52-week high" in r for r in reasons(e))]
    assert broke == [T("2016-11-11")]
    window = ratio_ref.v[(ratio_ref.dates >= T("2016-11-11") - YEAR) & (ratio_ref.dates < T("2016-11-11"))]
    reason = next(r for r in reasons(events[0]) if "52-week" in r)
    assert f"closed at {ratio_ref.v[j]:.4f}" in reason and f"52-week high of {window.max():.4f}" in reason


def _break_sessions(rut: np.ndarray) -> list[pd.Timestamp]:
    idx = pd.bdate_range("2023-01-02", periods=len(rut)).as_unit("ns")
    f = pd.DataFrame({"^RUT": rut, "^GSPC": 1.0}, index=idx)
    return [e.session for e in replay(f, "ratio", idx[270], idx[-1]) if any("52-week" in r for r in reasons(e))]


@pytest.mark.parametrize(("spike_at", "fires"), [(322, False), (323, True)])
def test_52_week_break_on_a_hand_built_series(spike_at, fires):
    rut = np.where(np.arange(330) % 2 == 0, 100.0, 100.5)
    rut[300:303] = [101.0, 101.5, 102.0]  # three new highs in a row (the last at row 302): one event
    rut[spike_at] = 103.0  # 20 sessions after row 302 it still counts as a repeat; 21 after, a first again
    idx = pd.bdate_range("2023-01-02", periods=len(rut))
    assert _break_sessions(rut) == [idx[300]] + ([idx[spike_at]] if fires else [])


@pytest.mark.parametrize(("days_before", "breaks"), [(364, False), (365, True)])
def test_52_week_window_starts_exactly_52_weeks_before(days_before, breaks):
    idx = pd.bdate_range("2023-01-02", periods=328).as_unit("ns")  # ends on a Wednesday
    session = idx[-1]
    rut = np.where(np.arange(len(idx)) % 2 == 0, 100.0, 100.5)
    rut[idx.get_loc(session - pd.Timedelta(days=days_before))] = 110.0  # the high, in the window or just out
    rut[-1] = 105.0
    f = pd.DataFrame({"^RUT": rut, "^GSPC": 1.0}, index=idx)
    found = [r for e in evaluate(f, "ratio", session).events for r in reasons(e)]
    assert any("above its 52-week high of 100.5000" in r for r in found) is breaks


# ---------------------------------------------------------------- presets and levels


def test_presets_are_monotone(closes, kre_ref, ratio_ref):
    """A looser preset gives more events, and alerts on every day a stricter one does, except on one kind of
    day: the stricter preset's 5-session |z| first reaches its threshold while the looser's has been past its
    own since an earlier session of the same run, on whose first day the looser preset already alerted."""
    for rule, ref in (("kre", kre_ref), ("ratio", ratio_ref)):
        counts = {p: replay(closes, rule, T("2015-01-01"), T("2025-12-31"), p) for p in PRESETS}
        assert len(counts["sensitive"]) >= len(counts["standard"]) >= len(counts["quiet"]) > 0
        days = {p: {e.session for e in events} for p, events in counts.items()}
        for looser, stricter in (("sensitive", "standard"), ("standard", "quiet")):
            loose = PRESETS[looser]
            for day in days[stricter] - days[looser]:
                j = ref.row[day]
                assert ref.level5(j, PRESETS[stricter]) and ref.level5(j, loose) is None
                assert abs(ref.z1(j)) < loose.notable
                run = j  # back to the first session of the run past the looser notable threshold
                while np.sign(ref.z5(run - 1)) == np.sign(ref.z5(j)) and abs(ref.z5(run - 1)) >= loose.notable:
                    run -= 1
                assert run < j and ref.dates[run] in days[looser]


def test_escalation_gives_a_different_key_per_level(closes, kre_ref):
    day = T("2017-08-10")
    assert 2.5 <= abs(kre_ref.z1(kre_ref.row[day])) < 3
    sensitive, standard = one_event(closes, "kre", day, "sensitive"), one_event(closes, "kre", day, "standard")
    assert (sensitive.level, standard.level) == ("sharp", "notable")
    assert threshold(sensitive) == "|z| ≥ 2.5 (sharp, sensitive)"
    assert sensitive.key == ("kre", "2017-08-10", "sharp") and standard.key == ("kre", "2017-08-10", "notable")
    assert evaluate(closes, "kre", day, "quiet").events[0].level == "notable"


# ---------------------------------------------------------------- bad data, refusals, intraday


@pytest.mark.parametrize("value", [math.nan, 0.0, -5.0])
@pytest.mark.parametrize("where", ["2023-03-13", "2023-03-10"])
def test_a_bad_close_at_the_session_or_its_base_is_skipped(closes, value, where):
    edited = closes.copy()
    edited.loc[where, "KRE"] = value
    result = evaluate(edited, "kre", T("2023-03-13"))
    assert result.events == () and where in result.skipped and "KRE" in result.skipped


def test_a_bad_close_earlier_is_not_a_move(closes):
    edited = closes.copy()
    edited.loc["2023-03-06", "KRE"] = 0.0  # the 5-session base of 2023-03-13
    result = evaluate(edited, "kre", T("2023-03-13"))
    assert result.skipped is None and threshold(result.events[0]) == "|z| ≥ 3 (sharp, standard)"
    after = evaluate(edited, "kre", T("2023-03-07"))  # its base is the bad close
    assert after.events == () and "2023-03-06" in after.skipped


def test_all_nan_kre_is_skipped(closes):
    edited = closes.copy()
    edited["KRE"] = math.nan
    result = evaluate(edited, "kre", T("2023-03-13"))
    assert result.events == () and result.skipped == "No KRE closes up to 2023-03-13."
    assert replay(edited, "kre", T("2023-01-01"), T("2023-12-31")) == []


def test_ratio_stand_in_when_an_index_is_missing(closes):
    edited = closes.copy()
    edited["^RUT"] = math.nan
    e = one_event(edited, "ratio", "2024-07-11")
    assert series(e.watched) == "IWM/SPY (stand-in: ^RUT missing)"
    iwm, spy = closes["IWM"], closes["SPY"]
    day = (iwm["2024-07-11"] / spy["2024-07-11"]) / (iwm["2024-07-10"] / spy["2024-07-10"]) - 1
    assert e.move_pct == pytest.approx(day * 100, rel=REL) and headline(e).startswith("IWM/SPY rose")
    assert one_event(closes.drop(columns=["^RUT"]), "ratio", "2024-07-11") == e
    edited["IWM"] = math.nan
    assert evaluate(edited, "ratio", T("2024-07-11")).skipped == "No IWM closes up to 2024-07-11."


def test_session_outside_the_data_is_skipped(closes):
    assert evaluate(closes, "kre", T("2023-03-11")).skipped == "2023-03-11 is not a session in the data."
    after_the_end = evaluate(closes, "kre", T("2026-02-23"))
    assert after_the_end.skipped == "No closes for 2026-02-23 yet (the data ends 2026-02-20)."


@pytest.mark.parametrize("n", [1, 30, 60])
def test_too_little_history_raises(n):
    idx = pd.bdate_range("2024-01-01", periods=n).as_unit("ns")
    f = pd.DataFrame({"KRE": np.linspace(10, 12, n), "SPY": 1.0}, index=idx)
    with pytest.raises(InsufficientHistory) as err:
        evaluate(f, "kre", idx[-1])
    short_message(err.value, "KRE", idx[-1].date().isoformat(), "60")
    with pytest.raises(InsufficientHistory):
        replay(f, "kre", idx[0], idx[-1])


def test_unknown_rule_or_preset(closes):
    with pytest.raises(InvalidInput) as err:
        evaluate(closes, "spy", T("2023-03-13"))
    short_message(err.value, "spy")
    with pytest.raises(InvalidInput) as err:
        replay(closes, "kre", T("2023-01-01"), T("2023-02-01"), "loud")
    short_message(err.value, "loud", "standard")


def test_intraday_latest_price_gives_the_settled_event(closes, raw_closes):
    session = T("2023-03-13")
    settled = evaluate(closes, "kre", session)
    live = {"KRE": raw_closes.loc[session, "KRE"], "SPY": raw_closes.loc[session, "SPY"]}
    before = closes.copy()
    assert evaluate(closes.loc[:"2023-03-10"], "kre", session, latest=live) == settled
    garbled = closes.loc[:session].copy()
    garbled.loc[session, ["KRE", "SPY"]] = [1.0, math.nan]  # the live price replaces the session's close
    assert evaluate(garbled, "kre", session, latest=live) == settled
    pd.testing.assert_frame_equal(closes, before)  # the input is left untouched
    missing_spy = evaluate(closes.loc[:"2023-03-10"], "kre", session, latest={"KRE": live["KRE"]})
    assert missing_spy.events[0].context.context_move_pct is None  # SPY's close is not known yet


@pytest.mark.parametrize(
    ("rule", "start", "end", "preset"),
    [
        ("kre", "2023-03-01", "2023-05-31", "standard"),
        ("kre", "2024-01-02", "2024-03-28", "sensitive"),
        ("ratio", "2024-07-01", "2024-10-31", "standard"),
    ],
)
def test_replay_equals_evaluate_session_by_session(closes, rule, start, end, preset):
    sessions = closes.loc[start:end].index
    by_evaluate = [e for s in sessions for e in evaluate(closes, rule, s, preset).events]
    assert replay(closes, rule, T(start), T(end), preset) == by_evaluate
    assert len(by_evaluate) >= 5
    assert any(r.startswith(f"{by_evaluate[0].watched.name} ") and "5 sessions" in r
               for e in by_evaluate for r in reasons(e))  # fmt: skip


@pytest.mark.parametrize(("rule", "session"), [("kre", "2023-03-13"), ("kre", "2020-03-06"), ("ratio", "2016-11-11")])
def test_no_look_ahead(closes, rule, session):
    assert evaluate(closes.loc[:session], rule, T(session)) == evaluate(closes, rule, T(session))
    since_2015 = replay(closes, rule, SINCE_2015, T(session))
    assert replay(closes.loc[:session], rule, SINCE_2015, T(session)) == since_2015
