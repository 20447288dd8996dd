"""analytics.digest (and alerts.day_move): the daily digest on the real snapshot.

Moves and z-scores are recomputed here from the hand-pivoted CSV (``raw_closes``)
by explicit loops; bank stress and the alert events are checked for equality
with the modules that define them (tested in test_banks.py / test_alerts.py).
The 13-week bill is bond-equivalent (converted here from the bill's price); the
credit-or-rates reading of the session is checked for equality with
analytics.credit and its figures against test_credit.py's independent reference.
"""

from __future__ import annotations

import math
from importlib import resources

import pandas as pd
import pytest

from analytics import banks, credit
from analytics.alerts.evaluate import day_move, evaluate
from analytics.alerts.events import PRESETS, AlertEvent
from analytics.alerts.rules import RULES
from analytics.digest import Digest, daily_digest, daily_digests
from analytics.errors import InsufficientHistory, InvalidInput
from bot.alerts.cycle import post_key
from commands.alerts.messages import digest_data, digest_headline, series, threshold

from ._helpers import T, move_zscores_loop, short_message
from .test_credit import expected as expected_reading

REL = 1e-12
REL_Z = 1e-9  # the EWMA by loop against pandas' ewm
MARCH_13 = T("2023-03-13")
CALM = T("2023-06-13")  # no alert from either rule, even at the sensitive preset
COLUMBUS_2025 = T("2025-10-13")  # NYSE open, bond market closed: the snapshot repeats the last yields
NOT_BANKS = [s for s in banks.SYMBOLS if s not in ("KRE", "SPY")]  # XLF and the basket


# ---------------------------------------------------------------- independent reference


class Ref:
    """One series' simple moves and daily z-scores by explicit loops (the series has no holes once it starts)."""

    def __init__(self, values: pd.Series) -> None:
        values = values.dropna()
        self.dates, self.v = values.index, [float(x) for x in values.to_numpy()]
        self.z = [math.nan, math.nan, *move_zscores_loop(self.v)]  # z[j]: the move into row j

    def at(self, day: pd.Timestamp) -> tuple[float, float]:
        j = self.dates.get_loc(day)
        return self.v[j] / self.v[j - 1] - 1, self.z[j]


def leg_move(raw: pd.DataFrame, symbol: str, day: pd.Timestamp) -> float:
    s = raw[symbol].dropna()
    j = s.index.get_loc(day)
    return float(s.iloc[j] / s.iloc[j - 1] - 1)


def bey(discount_pct: float, days: int = 91) -> float:
    """The 13-week bill's bond-equivalent yield: its price from the discount, then the simple yield on that price."""
    price = 100 * (1 - discount_pct / 100 * days / 360)
    return (100 - price) / price * 365 / days * 100


def previous_quote_bp(raw: pd.DataFrame, symbol: str, day: pd.Timestamp) -> tuple[pd.Timestamp, float, float]:
    """(session, level, change in bp against the quote before it) of the last yield on or before ``day``;
    the bill's level and change on its bond-equivalent yield."""
    s = raw[symbol].dropna().loc[:day]
    if symbol == "^IRX":
        s = s.map(bey)
    return s.index[-1], float(s.iloc[-1]), (float(s.iloc[-1]) - float(s.iloc[-2])) * 100


def _read(name: str) -> pd.DataFrame:
    with (resources.files("analytics") / "data" / name).open("rb") as fh:
        return pd.read_csv(fh, compression="gzip")


@pytest.fixture(scope="module")
def fred() -> pd.DataFrame:
    wide = _read("fred_daily.csv.gz").pivot(index="date", columns="series", values="value")
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index, format="%Y-%m-%d")).as_unit("ns")
    return wide.sort_index()


@pytest.fixture(scope="module")
def all_closes(raw_closes) -> pd.DataFrame:
    """The snapshot with the credit and Treasury ETFs (credit_daily) joined on, as the bot fetches them."""
    wide = _read("credit_daily.csv.gz").pivot(index="date", columns="symbol", values="close")
    wide.index = pd.DatetimeIndex(pd.to_datetime(wide.index, format="%Y-%m-%d")).as_unit("ns")
    return raw_closes.join(wide, how="left")


@pytest.fixture(scope="module")
def ratio_ref(raw_closes) -> Ref:
    return Ref(raw_closes["^RUT"] / raw_closes["^GSPC"])


@pytest.fixture(scope="module")
def kre_ref(raw_closes) -> Ref:
    return Ref(raw_closes["KRE"])


@pytest.fixture(scope="module")
def march_13(closes) -> dict[str, Digest]:
    return {preset: daily_digest(closes, MARCH_13, preset) for preset in PRESETS}


def rule_events(closes: pd.DataFrame, session: pd.Timestamp, preset: str) -> tuple[AlertEvent, ...]:
    return tuple(e for rule in RULES for e in evaluate(closes, rule, session, preset).events)


# ---------------------------------------------------------------- 2023-03-13, every part


def test_march_13_small_vs_large_caps(march_13, raw_closes, ratio_ref):
    r = march_13["standard"].ratio
    rut, spx = raw_closes["^RUT"], raw_closes["^GSPC"]
    move = (rut[MARCH_13] / spx[MARCH_13]) / (rut[T("2023-03-10")] / spx[T("2023-03-10")]) - 1
    ref_move, ref_z = ratio_ref.at(MARCH_13)
    assert ref_move == pytest.approx(move, rel=REL)
    assert (r.rule, r.session, series(r.watched), r.watched.symbols) == (
        "ratio", MARCH_13, "^RUT/^GSPC", ("^RUT", "^GSPC"),
    )  # fmt: skip
    assert r.move_pct == pytest.approx(move * 100, rel=REL)
    assert r.zscore == pytest.approx(ref_z, rel=REL_Z)
    assert r.part_moves_pct == pytest.approx(
        (leg_move(raw_closes, "^RUT", MARCH_13) * 100, leg_move(raw_closes, "^GSPC", MARCH_13) * 100), rel=REL
    )
    assert r.context_move_pct is None
    assert (round(r.move_pct, 1), round(r.zscore, 2), round(r.part_moves_pct[0], 1)) == (-1.5, -2.11, -1.6)


def test_march_13_kre(march_13, raw_closes, kre_ref):
    k = march_13["standard"].kre
    move, z = kre_ref.at(MARCH_13)
    kre, spy = raw_closes["KRE"], raw_closes["SPY"]
    kre_spy = (kre[MARCH_13] / spy[MARCH_13]) / (kre[T("2023-03-10")] / spy[T("2023-03-10")]) - 1
    assert (k.rule, series(k.watched), k.watched.symbols) == ("kre", "KRE", ("KRE",))
    assert k.move_pct == pytest.approx(move * 100, rel=REL)
    assert k.part_moves_pct == pytest.approx((move * 100,), rel=REL)
    assert k.zscore == pytest.approx(z, rel=REL_Z)
    assert k.context_move_pct == pytest.approx(kre_spy * 100, rel=REL)
    assert (round(k.move_pct, 1), round(k.zscore, 1), round(k.context_move_pct, 1)) == (-12.3, -4.9, -12.2)


def test_march_13_bank_stress_is_the_banks_module_figure(march_13, closes):
    stress = march_13["standard"].stress
    expected = banks.bank_stress(closes, MARCH_13)
    assert stress == expected
    assert (stress.level, stress.points) == (expected.level, expected.points) == ("severe", 8)


def test_march_13_rates_levels_and_one_day_changes(march_13, raw_closes):
    got = march_13["standard"].rates
    for y, symbol in ((got.bill, "^IRX"), (got.ten_year, "^TNX")):
        session, level, change = previous_quote_bp(raw_closes, symbol, MARCH_13)
        assert (y.symbol, y.session) == (symbol, session) and session == MARCH_13
        assert y.level == pytest.approx(level, rel=REL)
        assert y.change_1d_bp == pytest.approx(change, rel=1e-9)
    assert got.ten_year.level == 3.515 and round(got.ten_year.change_1d_bp, 6) == -18.0  # 3.695 on 2023-03-10
    # The bill: 4.658 discount (4.803 on 2023-03-10) is 4.779% bond-equivalent, down 15 bp (14.5 on the quotes).
    assert got.bill.quoted == 4.658 and round(got.bill.level, 3) == 4.779 and round(got.bill.change_1d_bp, 1) == -15.1
    assert got.curve_bp == pytest.approx((3.515 - bey(4.658)) * 100, rel=1e-9)
    assert round(got.curve_bp) == -126  # -114 on the quotes


@pytest.mark.parametrize("preset", list(PRESETS))
def test_events_are_the_rules_events_at_the_preset(march_13, closes, preset):
    digest = march_13[preset]
    assert digest.preset == preset
    assert digest.events == rule_events(closes, MARCH_13, preset)
    assert digest.missing == ()


def test_events_differ_by_preset(march_13, ratio_ref):
    """The ratio's -2.11σ day is notable at sensitive and standard (|z| ≥ 1.5 / 2), nothing at quiet (< 2.5)."""
    _, z = ratio_ref.at(MARCH_13)
    assert 2.0 <= abs(z) < 2.5
    keys = {p: [e.key for e in d.events] for p, d in march_13.items()}
    ratio, kre = ("ratio", "2023-03-13", "notable"), ("kre", "2023-03-13", "sharp")
    assert keys == {"sensitive": [ratio, kre], "standard": [ratio, kre], "quiet": [kre]}
    assert len(march_13["quiet"].events) < len(march_13["sensitive"].events)


def test_march_13_headline_key_and_not_empty(march_13, ratio_ref, kre_ref):
    digest = march_13["standard"]
    r, _ = ratio_ref.at(MARCH_13)
    k, _ = kre_ref.at(MARCH_13)
    expected = f"Digest for 2023-03-13, ^RUT/^GSPC {r * 100:+.1f}%, KRE {k * 100:+.1f}%, bank stress severe, 2 alerts"
    assert digest_headline(digest) == expected
    assert expected == "Digest for 2023-03-13, ^RUT/^GSPC -1.5%, KRE -12.3%, bank stress severe, 2 alerts"
    assert digest_headline(march_13["quiet"]).endswith("bank stress severe, 1 alert")
    assert post_key(digest) == ("digest", "2023-03-13", "digest")  # delivered under rule "digest", level "digest"
    assert digest.session == MARCH_13 and not digest.empty


def test_the_digest_does_not_look_ahead_or_touch_its_input(march_13, closes, raw_closes):
    cut = daily_digest(closes.loc[:MARCH_13], MARCH_13)
    assert cut == march_13["standard"]
    pd.testing.assert_frame_equal(closes, raw_closes)


# ---------------------------------------------------------------- other days


def test_a_day_without_alerts(closes, raw_closes, ratio_ref, kre_ref):
    for preset in PRESETS:
        digest = daily_digest(closes, CALM, preset)
        assert digest.events == () == rule_events(closes, CALM, preset) and digest.missing == ()
    r, rz = ratio_ref.at(CALM)
    k, kz = kre_ref.at(CALM)
    assert abs(rz) < 1.5 and abs(kz) < 1.5  # below even the sensitive notable threshold
    assert digest.ratio.move_pct == pytest.approx(r * 100, rel=REL) and digest.kre.zscore == pytest.approx(kz, rel=REL_Z)
    assert digest_headline(digest) == f"Digest for 2023-06-13, ^RUT/^GSPC {r * 100:+.1f}%, KRE {k * 100:+.1f}%, bank stress {digest.stress.level}, 0 alerts"
    assert digest.stress == banks.bank_stress(closes, CALM)


def test_columbus_day_2025_bond_quotes_unchanged(closes, raw_closes, ratio_ref):
    for symbol in ("^IRX", "^TNX"):
        assert raw_closes.loc[COLUMBUS_2025, symbol] == raw_closes.loc[T("2025-10-10"), symbol]
    digest = daily_digest(closes, COLUMBUS_2025)
    for y in (digest.rates.bill, digest.rates.ten_year):
        assert y.session == COLUMBUS_2025 and y.quoted == raw_closes.loc[COLUMBUS_2025, y.symbol]
        assert y.change_1d_bp == 0.0
    assert (digest.rates.ten_year.level, digest.rates.bill.quoted) == (4.051, 3.853)
    assert digest.rates.bill.level == pytest.approx(bey(3.853), rel=REL)
    r, _ = ratio_ref.at(COLUMBUS_2025)  # stocks traded: the equity parts move
    assert digest.ratio.move_pct == pytest.approx(r * 100, rel=REL) and round(digest.ratio.move_pct, 1) == 1.2
    assert digest.missing == ()


@pytest.mark.parametrize(
    "day, quote_day, base_day",
    [
        ("2016-11-11", "2016-11-10", "2016-11-09"),  # Veterans Day: no yields; the last quote is the day before
        ("2016-11-14", "2016-11-14", "2016-11-10"),  # the next day's change is against that last quote
    ],
)
def test_one_day_change_is_against_the_previous_quote(closes, raw_closes, day, quote_day, base_day):
    digest = daily_digest(closes, T(day))
    for y in (digest.rates.bill, digest.rates.ten_year):
        s = raw_closes[y.symbol].map(bey) if y.symbol == "^IRX" else raw_closes[y.symbol]
        assert y.session == T(quote_day)
        assert y.change_1d_bp == pytest.approx((s[T(quote_day)] - s[T(base_day)]) * 100, rel=1e-9)
    assert digest.ratio.session == T(day) and digest.missing == ()


# ---------------------------------------------------------------- credit or rates: the session's reading


READING_KEYS = ("kre", "two_year", "hy_excess", "loans", "private_credit", "bank_vs_financials")


def assert_reading_matches_reference(got: credit.CreditReading, closes, fred, start, end) -> None:
    exp = expected_reading(closes, fred, start, end)
    assert (got.start, got.end, got.sessions) == (start, end, exp["sessions"]) and exp["sessions"] == 1
    assert got.backdrop.dgs2_change_24m_bp == pytest.approx(exp["dgs2_24m"], rel=1e-9)
    assert got.backdrop.tlt_from_3y_high == pytest.approx(exp["tlt"], rel=1e-9)
    for key in READING_KEYS:
        assert getattr(got, key).change == pytest.approx(exp[key]["change"], rel=1e-8, abs=1e-12), key
        assert getattr(got, key).z == pytest.approx(exp[key]["z"], rel=1e-8), key


@pytest.fixture(scope="module")
def march_13_read(all_closes, fred) -> Digest:
    return daily_digest(all_closes, MARCH_13, fred=fred)


def test_march_13_credit_part_reads_rates(march_13_read, march_13, all_closes, fred):
    got = march_13_read.credit
    assert got == credit.credit_reading_for_session(all_closes, fred, MARCH_13)
    assert_reading_matches_reference(got, all_closes, fred, T("2023-03-10"), MARCH_13)
    assert got.reading.as_dict() == {
        "primary": "rates", "rates_backdrop": True, "credit_stress": True, "flight_to_quality": True,
        "bank_specific": True,
    }  # fmt: skip
    assert got.two_year.change == pytest.approx((4.03 - 4.60) * 100)  # DGS2 4.60 -> 4.03
    assert march_13_read.missing == ()
    # The reading is an add-on: every other part is the digest's without it.
    standard = march_13["standard"]
    assert (march_13_read.ratio, march_13_read.kre, march_13_read.stress, march_13_read.rates) == (
        standard.ratio, standard.kre, standard.stress, standard.rates,
    )  # fmt: skip
    assert march_13_read.events == standard.events and standard.credit is None


def test_october_16_2025_credit_part_reads_credit(all_closes, fred):
    day = T("2025-10-16")
    digest = daily_digest(all_closes, day, fred=fred)
    got = digest.credit
    assert got == credit.credit_reading_for_session(all_closes, fred, day)
    assert_reading_matches_reference(got, all_closes, fred, T("2025-10-15"), day)
    assert got.reading.as_dict() == {
        "primary": "credit", "rates_backdrop": False, "credit_stress": True, "flight_to_quality": False,
        "bank_specific": True,
    }  # fmt: skip
    assert digest.missing == ()


def test_the_reading_is_computed_once_for_every_preset(all_closes, fred):
    both = daily_digests(all_closes, MARCH_13, ["quiet", "sensitive"], fred=fred)
    assert both["quiet"].credit is both["sensitive"].credit is not None


def test_the_reading_does_not_look_ahead(march_13_read, all_closes, fred):
    assert daily_digest(all_closes.loc[:MARCH_13], MARCH_13, fred=fred.loc[:MARCH_13]) == march_13_read


def test_without_fred_there_is_no_reading_and_nothing_is_said(all_closes):
    digest = daily_digest(all_closes, MARCH_13)
    assert digest.credit is None and digest.missing == ()


@pytest.mark.parametrize(
    ("case", "says"),
    [
        ("fetch failed", "Yahoo Finance cannot be reached right now."),
        ("no DGS2", "2-year yield (FRED DGS2)"),
        ("no credit ETFs", "IEF"),
        ("too early", "No credit measure"),
    ],
)
def test_a_reading_that_cannot_be_made_is_left_out_with_why(closes, all_closes, fred, case, says):
    if case == "fetch failed":
        digest = daily_digest(all_closes, MARCH_13, unavailable={"credit": says}, fred=fred)
        assert digest.missing == (("credit", says),)
        assert daily_digest(all_closes, MARCH_13, unavailable={"credit": says}).missing == (("credit", says),)
    elif case == "no DGS2":
        digest = daily_digest(all_closes, MARCH_13, fred=fred.drop(columns="DGS2"))
    elif case == "no credit ETFs":
        digest = daily_digest(closes, MARCH_13, fred=fred)  # the snapshot without credit_daily
    else:
        digest = daily_digest(all_closes, T("2008-02-28"), fred=fred)  # HYG from 2007-04-11: under 253 sessions
    assert digest.credit is None
    (why,) = [why for part, why in digest.missing if part == "credit"]
    assert says in why
    short_message(why, limit=300)
    assert digest_data(digest)["missing"][-1].startswith("Credit: ")
    assert digest.ratio is not None and not digest.empty  # the rest still goes out


# ---------------------------------------------------------------- parts left out


@pytest.fixture(scope="module")
def without_banks(closes) -> pd.DataFrame:
    return closes.drop(columns=NOT_BANKS)


def test_without_bank_columns_stress_is_left_out_and_the_rest_stays(without_banks, march_13):
    full = march_13["standard"]
    digest = daily_digest(without_banks, MARCH_13)
    assert digest.stress is None
    (reason,) = digest_data(digest)["missing"]
    assert reason.startswith("Bank stress: ") and "XLF" in reason
    assert (digest.ratio, digest.kre, digest.rates, digest.events) == (full.ratio, full.kre, full.rates, full.events)
    assert not digest.empty
    assert digest_headline(digest) == "Digest for 2023-03-13, ^RUT/^GSPC -1.5%, KRE -12.3%, 2 alerts"


def test_bank_and_rates_data_unavailable_leaves_those_parts_out_with_the_reason(closes, without_banks, march_13):
    why = "Yahoo Finance cannot be reached right now."
    digest = daily_digest(closes, MARCH_13, unavailable={"banks": why, "rates": why})
    assert digest_data(digest)["missing"] == [f"Bank stress: {why}", f"Rates: {why}"]
    only_rates = daily_digest(closes, MARCH_13, unavailable={"rates": why})
    assert digest_data(only_rates)["missing"] == [f"Rates: {why}"] and only_rates.stress == march_13["standard"].stress
    assert digest.rates is None and digest.stress is None and digest.ratio is not None and not digest.empty
    assert daily_digest(without_banks, MARCH_13, unavailable={"banks": why, "rates": why}).missing == digest.missing


def test_digests_at_several_presets_share_the_market_figures(closes):
    both = daily_digests(closes, MARCH_13, ["quiet", "sensitive", "quiet"])
    assert list(both) == ["quiet", "sensitive"]
    for preset, digest in both.items():
        assert digest == daily_digest(closes, MARCH_13, preset)
    assert both["quiet"].stress is both["sensitive"].stress  # computed once
    with pytest.raises(InvalidInput, match="loud"):
        daily_digests(closes, MARCH_13, ["standard", "loud"])


def test_without_rut_the_ratio_is_iwm_over_spy(closes, raw_closes):
    digest = daily_digest(closes.drop(columns=["^RUT"]), MARCH_13)
    r = digest.ratio
    assert series(r.watched) == "IWM/SPY (stand-in: ^RUT missing)" and r.watched.symbols == ("IWM", "SPY")
    iwm_spy = Ref(raw_closes["IWM"] / raw_closes["SPY"])
    move, z = iwm_spy.at(MARCH_13)
    assert r.move_pct == pytest.approx(move * 100, rel=REL) and r.zscore == pytest.approx(z, rel=REL_Z)
    assert r.part_moves_pct == pytest.approx(
        (leg_move(raw_closes, "IWM", MARCH_13) * 100, leg_move(raw_closes, "SPY", MARCH_13) * 100), rel=REL
    )
    assert digest_headline(digest).startswith(f"Digest for 2023-03-13, IWM/SPY {move * 100:+.1f}%, KRE")
    assert all(series(e.watched) == series(r.watched) for e in digest.events if e.rule == "ratio")
    assert digest.missing == ()


def test_all_parts_missing_is_empty(closes):
    digest = daily_digest(closes[["AAPL", "MSFT"]], MARCH_13)
    assert digest.empty
    assert (digest.ratio, digest.kre, digest.stress, digest.rates, digest.events) == (None, None, None, None, ())
    names = [m.split(":")[0] for m in digest_data(digest)["missing"]]
    assert names == ["Small vs large caps", "KRE", "Bank stress", "Rates", "ratio alerts", "kre alerts"]
    assert digest_headline(digest) == "Digest for 2023-03-13, 0 alerts"


def test_unknown_preset_is_refused(closes):
    with pytest.raises(InvalidInput) as err:
        daily_digest(closes, MARCH_13, "loud")
    short_message(err.value, "loud", "standard")


# ---------------------------------------------------------------- day_move


@pytest.mark.parametrize("rule", list(RULES))
@pytest.mark.parametrize(
    "day, message",
    [
        ("2023-03-11", "2023-03-11 is not a session in the data."),
        ("2026-02-23", "No closes for 2026-02-23 yet (the data ends 2026-02-20)."),
    ],
)
def test_day_move_outside_the_sessions_raises(closes, rule, day, message):
    with pytest.raises(InsufficientHistory) as err:
        day_move(closes, rule, T(day))
    assert short_message(err.value, day) == message


@pytest.mark.parametrize(
    "rule, symbol, where, message",
    [
        ("kre", "KRE", "2023-03-13", "No KRE close on 2023-03-13."),
        ("kre", "KRE", "2023-03-10", "No KRE close on 2023-03-10, the session before."),
        ("ratio", "^GSPC", "2023-03-13", "No ^GSPC close on 2023-03-13."),  # bad data, not a switch to IWM/SPY
        ("ratio", "^RUT", "2023-03-10", "No ^RUT close on 2023-03-10, the session before."),
    ],
)
def test_day_move_on_a_nan_close_raises_naming_the_date(closes, rule, symbol, where, message):
    edited = closes.copy()
    edited.loc[T(where), symbol] = math.nan
    with pytest.raises(InsufficientHistory) as err:
        day_move(edited, rule, MARCH_13)
    assert short_message(err.value, where, symbol) == message
    digest = daily_digest(edited, MARCH_13)  # the digest leaves that part out and says why
    part = digest.ratio if rule == "ratio" else digest.kre
    assert part is None and any(m.endswith(message) for m in digest_data(digest)["missing"])


@pytest.mark.parametrize(
    "rule, session",
    [("kre", "2023-03-13"), ("kre", "2023-03-09"), ("ratio", "2023-03-13"), ("ratio", "2024-07-11")],
)
def test_day_move_equals_the_daily_figures_of_the_event(closes, rule, session):
    (event,) = evaluate(closes, rule, T(session)).events
    move = day_move(closes, rule, T(session))
    assert series(move.watched) == series(event.watched)
    assert move.zscore == event.context.day_zscore
    assert move.move_pct == event.context.day_move_pct
    assert move.context_move_pct == event.context.context_move_pct
    if threshold(event).startswith("|z|"):  # the daily trigger is the strongest: the event's own z
        assert move.zscore == event.zscore and move.move_pct == event.move_pct
