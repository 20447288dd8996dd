"""How numbers read: yields in levels and bp, signs kept when rounding, z never rounded across a threshold.

Answers are asked through the terminal path (``bot.console.ask``) on the snapshot; the expected figures
are computed here from the packaged CSV with plain pandas (``raw_closes``).
"""

from __future__ import annotations

import dataclasses
import json
import re

import pandas as pd
import pytest

from analytics import charts
from analytics import credit as cr
from analytics.alerts.events import PRESETS
from analytics.banks import RulePart
from analytics.compare import aligned_pair, compare_yields
from analytics.digest import daily_digest
from analytics.errors import InvalidInput
from analytics.performance import performance
from analytics.sources.snapshot import load_fred_snapshot, load_snapshot
from analytics.watchlist import watch_day
from analytics.windows import Window
from bot.console import ask
from bot.discovery import discover
from commands.alerts.messages import digest_answer
from commands.banks import _rule_value
from commands.kit import format as fmt
from commands.kit import readings
from commands.kit.command import answer
from commands.watchlist import LISTED

from .conftest import NOW

T = pd.Timestamp
LAST = T("2026-02-20")
YEAR_AGO = T("2025-02-20")


def level(x: float) -> str:
    return f"{x:.2f}%"


def bp(x: float) -> str:
    return f"{x:+.0f} bp"


# ---------------------------------------------------------------- format: signs and thresholds


def test_pct_never_writes_a_nonzero_value_as_zero():
    cases = [
        (-0.000491540623394, "-0.05%"),  # ^RUT's day on 2026-02-20: "+0.0%" before
        (0.0000412, "+0.004%"),
        (-0.00000004, "-0.000004%"),
        (0.0, "0.0%"),  # zero has no sign
        (-0.0, "0.0%"),
        (0.474, "+47.4%"),
        (-0.12345, "-12.3%"),
        (float("nan"), "n/a"),
        (None, "n/a"),
    ]
    assert [fmt.pct(value) for value, _ in cases] == [text for _, text in cases]


def test_pp_and_bp_keep_their_sign_the_same_way():
    assert (fmt.pp(-0.0004), fmt.pp(0.0), fmt.pp(0.053)) == ("-0.04 pp", "0.0 pp", "+5.3 pp")
    assert (fmt.bp(0.4), fmt.bp(-0.04), fmt.bp(0.0), fmt.bp(-41.4)) == ("+0.4 bp", "-0.04 bp", "0 bp", "-41 bp")
    assert fmt.pct(0.0, zero=fmt.UNCHANGED) == fmt.bp(0.0, zero=fmt.UNCHANGED) == "unchanged"


@pytest.mark.parametrize(
    ("value", "thresholds", "decimals", "text"),
    [
        (2.496, (1.5, 2.5), 1, "+2.49"),  # 2.5 would read as sharp at |z| ≥ 2.5
        (2.531, (1.5, 2.5), 1, "+2.5"),  # on the right side already
        (2.5, (2.5,), 1, "+2.5"),
        (1.449, (1.5,), 1, "+1.4"),
        (1.4999, (1.5,), 1, "+1.49"),
        (-1.96, (-2.0, -3.0), 1, "-1.96"),  # -2.0 would score a stress point
        (-2.96, (-2.0, -3.0), 1, "-2.96"),
        (-3.04, (-2.0, -3.0), 1, "-3.0"),
        (-1.496, (-1.5,), 2, "-1.496"),  # two decimals, -1.50, would read as credit stress
        (-1.52, (-1.5,), 2, "-1.52"),
        (-0.04, (2.0,), 1, "-0.04"),  # the sign kept as in every change
        (49.6, (50.0,), 0, "+49.6"),
    ],
)
def test_against_keeps_the_value_on_its_side_of_every_threshold(value, thresholds, decimals, text):
    assert fmt.against(value, thresholds, decimals) == text

    def reached(x: float, t: float) -> bool:
        return x >= t if t > 0 else x <= t

    assert all(reached(float(text), t) == reached(value, t) for t in thresholds)


# ---------------------------------------------------------------- /quote


async def test_quote_writes_a_yield_as_a_level_with_bp_and_keeps_rut_s_sign(services, raw_closes):
    answer = await ask(services, "quote", ["symbols:^RUT ^TNX ^IRX"])
    rut, tnx, irx = (raw_closes[s].dropna() for s in ("^RUT", "^TNX", "^IRX"))
    rut_day = rut.iloc[-1] / rut.iloc[-2] - 1
    assert -0.0005 < rut_day < 0  # -0.049%: printed "+0.0%" before
    assert answer.summary == f"Russell 2000 closed at {rut.iloc[-1]:,.2f} (-0.05% day) on 2026-02-20."
    fields = dict(answer.fields)
    year = tnx.loc[LAST - pd.Timedelta(weeks=52) :]
    assert fields["US 10-Year Treasury Yield (^TNX)"] == (
        f"{level(tnx.iloc[-1])} ({bp((tnx.iloc[-1] - tnx.iloc[-2]) * 100)} day) · 52w {level(year.min())}–"
        f"{level(year.max())} · YTD {bp((tnx.iloc[-1] - tnx.loc['2025-12-31']) * 100)}"
    )
    assert fields["US 10-Year Treasury Yield (^TNX)"] == "4.09% (+1 bp day) · 52w 3.95%–4.60% · YTD -8 bp"
    assert irx.iloc[-1] == irx.iloc[-2]  # the bill did not move that day
    assert fields["US 13-Week Treasury Bill Yield (^IRX)"].startswith(f"{level(irx.iloc[-1])} (unchanged on the day)")
    rows = {r["symbol"]: r for r in json.loads(answer.to_json())["rows"]}
    assert rows["^RUT"]["day_change_pct"] == pytest.approx(rut_day * 100, rel=1e-9)
    assert rows["^TNX"]["day_change_bp"] == pytest.approx((tnx.iloc[-1] - tnx.iloc[-2]) * 100, rel=1e-9)
    assert rows["^TNX"]["ytd_change_bp"] == pytest.approx((tnx.iloc[-1] - tnx.loc["2025-12-31"]) * 100, rel=1e-9)
    assert rows["^TNX"]["level_pct"] == tnx.iloc[-1]
    assert not {"day_change_pct", "ytd_return_pct", "close"} & set(rows["^TNX"])  # no unit left implicit


# ---------------------------------------------------------------- /compare


async def test_two_yields_compare_in_bp_and_levels(services, raw_closes):
    answer = await ask(services, "compare", ["a:^TNX", "b:^IRX", "start:1y"])
    tnx, irx = raw_closes["^TNX"], raw_closes["^IRX"]
    spread = (tnx - irx).dropna() * 100
    start, end = spread[YEAR_AGO], spread[LAST]
    assert answer.summary == (
        f"The ^TNX − ^IRX spread rose {end - start:.0f} bp to {bp(end)}: US 10-Year Treasury Yield "
        f"{bp((tnx[LAST] - tnx[YEAR_AGO]) * 100)} to {level(tnx[LAST])}, US 13-Week Treasury Bill Yield "
        f"{bp((irx[LAST] - irx[YEAR_AGO]) * 100)} to {level(irx[LAST])}"
    )
    fields = dict(answer.fields)
    assert fields["Yields"] == (
        f"^TNX: {level(tnx[YEAR_AGO])} → {level(tnx[LAST])} ({bp((tnx[LAST] - tnx[YEAR_AGO]) * 100)})\n"
        f"^IRX: {level(irx[YEAR_AGO])} → {level(irx[LAST])} ({bp((irx[LAST] - irx[YEAR_AGO]) * 100)})"
    )
    assert fields["Spread ^TNX − ^IRX"] == f"{bp(start)} → {bp(end)} ({bp(end - start)})"
    year = spread.loc[LAST - pd.Timedelta(weeks=52) :]
    assert fields["Spread ^TNX − ^IRX vs its extremes"] == (
        f"{bp(end - year.max())} from 52-week high · {bp(end - year.min())} from 52-week low · "
        f"{bp(end - spread.max())} from record ({bp(spread.max())}, {spread.idxmax().date()})"
    )
    window = tnx.loc[YEAR_AGO:LAST]
    assert fields["Ranges in window"].split("\n")[0] == (
        f"^TNX: {level(window.min())} ({window.idxmin().date()}) to {level(window.max())} ({window.idxmax().date()}), "
        f"{(window.max() - window.min()) * 100:.0f} bp wide"
    )
    text = answer.summary + "".join(name + value for name, value in answer.fields)
    assert "Ratio" not in text and "Drawdowns" not in text and "pp" not in text
    assert not re.search(r"[+-]\d+\.\d%", text)  # no return of a yield anywhere: levels and bp only
    assert fields["Streak"].endswith("sessions running.") and "rose more than" in fields["Streak"]
    data = json.loads(answer.to_json())
    assert "ratio" not in data and "spread_pp" not in data
    assert data["spread"]["end_bp"] == pytest.approx(end, rel=1e-9)
    assert data["spread"]["vs_record_bp"] == pytest.approx(end - spread.max(), rel=1e-9)
    assert data["a"]["change_bp"] == pytest.approx((tnx[LAST] - tnx[YEAR_AGO]) * 100, rel=1e-9)
    assert "return_pct" not in data["a"] and "max_drawdown_pct" not in data["a"]
    assert answer.chart[:8] == b"\x89PNG\r\n\x1a\n"
    prices = await ask(services, "compare", ["a:^RUT", "b:^GSPC", "start:1y"])  # two prices: as before
    assert "Ratio ^RUT/^GSPC" in dict(prices.fields) and "Drawdowns" in dict(prices.fields)


@pytest.mark.parametrize(("a", "b", "rate", "priced"), [("^TNX", "SPY", "^TNX", "SPY"), ("KRE", "^IRX", "^IRX", "KRE")])
def test_a_yield_against_a_price_is_refused_before_any_data(a, b, rate, priced):
    with pytest.raises(InvalidInput) as info:
        discover().question(discover().get("compare"), {"a": a, "b": b}, NOW)
    assert str(info.value) == (
        f"{rate} is a yield (moves in basis points) and {priced} a price: compare two yields or two prices; "
        f"`/quote symbols:{a} {b}` shows each on its own terms."
    )


# ---------------------------------------------------------------- /performance


async def test_performance_lists_yields_apart_in_bp(services, raw_closes):
    answer = await ask(services, "performance", ["symbols:SPY ^TNX ^GSPC ^IRX", "start:1y"])
    names = [name for name, _ in answer.fields]
    assert names[:3] == [
        "1. SPDR S&P 500 ETF (SPY)",
        "2. S&P 500 (^GSPC, price only)",
        "Yields: in bp, not ranked with returns",
    ]
    lines = dict(answer.fields)["Yields: in bp, not ranked with returns"].split("\n")
    for line, symbol, name in zip(lines, ("^TNX", "^IRX"), ("US 10-Year", "US 13-Week"), strict=True):
        s = raw_closes[symbol].loc[YEAR_AGO:LAST].dropna()
        assert line.startswith(name) and line.endswith(
            f"({symbol}): {bp((s.iloc[-1] - s.iloc[0]) * 100)} · {level(s.iloc[0])} → {level(s.iloc[-1])} · "
            f"range {level(s.min())}–{level(s.max())}"
        )
    assert "yields apart, in bp: ^TNX -41 bp, ^IRX -61 bp" in answer.summary
    data = json.loads(answer.to_json())
    assert [r["symbol"] for r in data["rows"]] == ["SPY", "^GSPC"]
    tnx = raw_closes["^TNX"]
    assert data["yields"][0]["change_bp"] == pytest.approx((tnx[LAST] - tnx[YEAR_AGO]) * 100, rel=1e-9)
    assert "return_pct" not in data["yields"][0]


def drawn(kind: str, *args, **kwargs):
    layout, draw = charts.DRAWINGS[kind]
    fig, axes = charts._new_figure(layout)
    draw(fig, axes, *args, "caption", **kwargs)
    fig.canvas.draw()
    return fig, axes


def test_performance_chart_of_yields_only_is_in_bp(raw_closes):
    changes = [("^TNX", (raw_closes["^TNX"][LAST] - raw_closes["^TNX"][YEAR_AGO]) * 100), ("^IRX", 12.0)]
    fig, (ax,) = drawn("performance", [], "1y", yields=changes)
    widths = sorted(round(p.get_width(), 9) for p in ax.patches)
    assert widths == sorted(round(c, 9) for _, c in changes)
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text() not in ("", "0")]
    assert ticks and all(t.endswith(" bp") for t in ticks)
    assert "bp" in fig.texts[-1].get_text()  # the subtitle says what the bars are


async def test_performance_chart_draws_only_the_priced_rows(services):
    answer = await ask(services, "performance", ["symbols:SPY ^TNX KRE", "start:1y"])
    rows = performance(load_snapshot().closes[["SPY", "KRE"]], Window(YEAR_AGO, LAST))
    fig, (ax,) = drawn("performance", rows, "1y", yields=[("^TNX", -41.4)])
    assert len(ax.patches) == 2 and "not drawn: ^TNX" in fig.texts[-1].get_text()
    assert answer.chart[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_chart_of_two_yields_draws_levels_and_the_spread_in_bp(raw_closes):
    closes = load_snapshot().closes
    pair = aligned_pair(closes, "^TNX", "^IRX")
    result = compare_yields(pair, Window(YEAR_AGO, LAST))
    _, (top, bottom) = drawn("compare yields", pair, result)
    both = raw_closes[["^TNX", "^IRX"]].dropna().loc[YEAR_AGO:LAST]
    assert [list(line.get_ydata()) for line in top.lines[:2]] == [list(both["^TNX"]), list(both["^IRX"])]
    assert list(bottom.lines[0].get_ydata()) == pytest.approx(list((both["^TNX"] - both["^IRX"]) * 100))
    assert top.get_ylabel() == "yield, %" and bottom.get_ylabel() == "^TNX − ^IRX, bp"
    assert top.get_yscale() == "linear"
    labels = {t.get_text() for t in top.texts + bottom.texts}
    assert {"^TNX 4.09%", "^IRX 3.60%", bp(result.spread_end)} <= labels


# ---------------------------------------------------------------- /watchlist and the digest


async def test_watchlist_show_writes_yield_rows_in_level_and_bp(services, raw_closes):
    shown = await answer(services, services.catalog.question(LISTED, {"symbols": "^TNX KRE ^RUT"}, services.clock()))
    table = dict(shown.fields)["Performance"].split("\n")
    tnx = raw_closes["^TNX"].dropna()
    month, ytd = tnx.loc["2026-01-20"], tnx.loc["2025-12-31"]
    assert [line.split()[0] for line in table[2:-1]] == ["KRE", "^RUT", "^TNX"]  # priced rows first, best day first
    assert table[-2].split() == [
        "^TNX", level(tnx.iloc[-1]), *bp((tnx.iloc[-1] - tnx.iloc[-2]) * 100).split(),
        *bp((tnx.iloc[-1] - month) * 100).split(), *bp((tnx.iloc[-1] - ytd) * 100).split(),
    ]  # fmt: skip
    assert "-0.05%" in table[3]  # ^RUT's day keeps its sign
    rows = {r["symbol"]: r for r in shown.data["rows"]}
    assert rows["^TNX"]["month_change_bp"] == pytest.approx((tnx.iloc[-1] - month) * 100, rel=1e-9)
    assert "day_change_pct" not in rows["^TNX"]
    assert "yields apart, in bp: ^TNX +1 bp" in shown.summary


async def test_the_digest_watchlist_writes_yields_in_level_and_bp(services, raw_closes):
    day = T("2023-03-13")
    closes = load_snapshot().closes
    digest = daily_digest(closes, day, fred=load_fred_snapshot().closes)
    provenance = (await services.market.closes(["KRE"])).provenance
    shown = digest_answer(
        dataclasses.replace(digest, watchlist=watch_day(closes, day, ["KRE", "^TNX"])), provenance, NOW
    )
    lines = dict(shown.fields)["Watchlist on 2023-03-13"].split("\n")
    tnx, kre, before = raw_closes["^TNX"], raw_closes["KRE"], T("2023-03-10")
    change = (tnx[day] - tnx[before]) * 100
    assert lines == [
        f"KRE {(kre[day] / kre[before] - 1) * 100:+.1f}%",
        f"Yields: ^TNX {level(tnx[day])} ({bp(change)})",
    ]
    data = json.loads(shown.to_json())["watchlist"]
    assert data["yields"]["^TNX"]["change_1d_bp"] == pytest.approx(change, rel=1e-9)
    assert "^TNX" not in data["moves_pct"]


# ---------------------------------------------------------------- z beside thresholds


async def test_replay_never_rounds_a_z_across_the_presets_thresholds(services):
    answer = await ask(
        services, "alerts replay", ["rule:kre", "start:2023-01-01", "end:2023-12-31", "sensitivity:sensitive"]
    )
    events = json.loads(answer.to_json())["events"]
    limits = PRESETS["sensitive"]
    checked = 0
    for event in events:  # the first reason is the strongest trigger's, whose z the event carries
        shown = re.search(r"a (\d+\.\d+)σ move", event["reasons"][0])
        if event["zscore"] is None or shown is None:  # a backstop
            continue
        for t in (limits.notable, limits.sharp):
            assert (float(shown.group(1)) >= t) == (abs(event["zscore"]) >= t), event["reasons"][0]
        checked += 1
    assert checked > 20
    december = next(e for e in events if e["date"] == "2023-12-01")
    assert 2.49 < december["zscore"] < 2.5
    assert december["reasons"] == ["KRE jumped 5.2% on 2023-12-01, a 2.49σ move (notable: |z| ≥ 1.5)"]  # was 2.5σ


def test_the_credit_reading_never_rounds_a_z_onto_its_threshold():
    reading = cr.credit_reading_for_session(load_snapshot().closes, load_fred_snapshot().closes, T("2026-02-20"))
    assert reading.hy_excess is not None
    near = dataclasses.replace(reading, hy_excess=dataclasses.replace(reading.hy_excess, z=-1.4996))
    assert "HY excess return z -1.499" in readings.credit_text(near)  # "-1.50" would read as stress (z ≤ -1.5)
    two_year = dataclasses.replace(reading.two_year, z=-1.996)
    assert readings.move_text(two_year).endswith("(z -1.996)")  # the flight-to-quality rule is z ≤ -2
    assert readings.move_text(dataclasses.replace(reading.two_year, z=-1.234)).endswith("(z -1.23)")


def test_banks_rule_values_stay_on_their_side_of_the_points():
    parts = {
        RulePart("KRE move z-score", -2.96, -2, -3, 1): "-2.96",  # "-3.0" would read as two points
        RulePart("KRE move z-score", -4.93, -2, -3, 2): "-4.9",
        RulePart("KRE drawdown from 52-week high", -0.14996, -0.15, -0.25, 0): "-14.99%",
        RulePart("Share of banks down over 2%", 0.496, 0.5, None, 0): "49.6%",  # not "50%"
        RulePart("Share of banks at 52-week lows", 0.74, 0.25, None, 1): "74%",
    }
    assert {part: _rule_value(part) for part in parts} == parts


async def test_banks_credit_line_says_z_and_no_log_points(services):
    answer = await ask(services, "banks", ["as_of:2023-03-13"])
    line = dict(answer.fields)["Credit or rates"]
    assert "pts" not in line and "log" not in line and "-0.0" not in line
    assert "KRE against XLF z -11.30" in line and "(z -4.9)" in answer.summary


async def test_the_snapshot_footer_explains_its_later_download_date(services):
    answer = await ask(services, "credit", [])
    assert answer.footer.endswith(
        "BKLN, BIZD: closes downloaded 2026-08-03, so payouts after 2026-02-20 lower their levels a few %; "
        "returns exact"
    )
    assert "basis" not in answer.footer.split("BKLN, BIZD:")[1]
