"""The daily digest message (commands.alerts.digest_answer) on the snapshot, as posted to Discord.

The 13-week bill is shown bond-equivalent (converted here from the bill's price); the "Credit or
rates" field is the reading of KRE's move that session (analytics.credit, with FRED's DGS2), its
figures recomputed here with plain pandas and numpy.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from analytics import banks, rates
from analytics import digest as digests
from analytics.alerts.rules import RULES
from analytics.digest import daily_digest
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import SnapshotSource, load_fred_snapshot
from analytics.watchlist import watch_day
from commands.alerts.messages import digest_answer, headline
from commands.kit import format as fmt
from commands.kit.answer import JSON_DIGITS
from commands.kit.limits import (
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_NAME_MAX,
    FIELD_VALUE_MAX,
    FIELDS_MAX,
    FOOTER_MAX,
    TITLE_MAX,
)
from commands.kit.render import to_embed

from .conftest import NOW

T = pd.Timestamp
MARCH_13 = T("2023-03-13")
# What the digest reads (the ratio rule's series and stand-ins, the banks, the rates; the old digest.SYMBOLS).
DIGEST_SYMBOLS = (*RULES["ratio"].symbols, *banks.SYMBOLS, *rates.SYMBOLS)
FULL_FIELDS = [
    "Small vs large caps", "KRE", "Bank stress: severe (8 points)", "Rates", "Alerts today (standard)", "Credit or rates",
]  # fmt: skip
BASIS = "Basis: price (^RUT, ^GSPC); total return (KRE, SPY, XLF, TLT, IEF, HYG, BKLN, BIZD); yield (^IRX, ^TNX)"


def bey(discount_pct: float, days: int = 91) -> float:
    """The 13-week bill's bond-equivalent yield: its price from the discount, then the simple yield on that price."""
    price = 100 * (1 - discount_pct / 100 * days / 360)
    return (100 - price) / price * 365 / days * 100


@pytest.fixture(scope="module")
def prices():
    """Closes and provenance as the bot gets them: from MarketData over the snapshot (the credit part included)."""
    market = MarketData(SnapshotSource(), clock=lambda: NOW)
    return asyncio.run(market.closes(list(dict.fromkeys([*DIGEST_SYMBOLS, *digests.CREDIT_SYMBOLS]))))


@pytest.fixture(scope="module")
def fred():
    """FRED's DFF and DGS2 as the bot gets them offline (the bundled file)."""
    return load_fred_snapshot().closes


@pytest.fixture(scope="module")
def digest(prices, fred):
    return daily_digest(prices.closes, MARCH_13, fred=fred)


@pytest.fixture(scope="module")
def answer(digest, prices):
    return digest_answer(digest, prices.provenance, NOW)


def embed_within_limits(answer) -> None:
    embed = to_embed(answer)
    assert len(embed.title) <= TITLE_MAX and len(embed.description) <= DESCRIPTION_MAX
    assert len(embed.fields) <= FIELDS_MAX and len(embed.footer.text) <= FOOTER_MAX
    assert all(len(f.name) <= FIELD_NAME_MAX and len(f.value) <= FIELD_VALUE_MAX for f in embed.fields)
    assert len(embed) <= EMBED_TOTAL_MAX
    return embed


def test_title_and_summary(answer, raw_closes):
    rut, spx, kre = raw_closes["^RUT"], raw_closes["^GSPC"], raw_closes["KRE"]
    before = T("2023-03-10")
    ratio = (rut[MARCH_13] / spx[MARCH_13]) / (rut[before] / spx[before]) - 1
    assert (f"{ratio * 100:+.1f}", f"{(kre[MARCH_13] / kre[before] - 1) * 100:+.1f}") == ("-1.5", "-12.3")
    assert (answer.command, answer.title) == ("digest", "Daily digest · 2023-03-13")
    assert answer.summary == "2023-03-13: ^RUT/^GSPC -1.5% (z -2.1), KRE -12.3% (z -4.9), bank stress severe; 2 alerts."
    assert answer.chart is None


def test_fields_in_order_with_their_figures(answer, digest, raw_closes):
    assert [name for name, _ in answer.fields] == FULL_FIELDS  # no "Left out": nothing is missing
    fields = dict(answer.fields)
    assert fields["Small vs large caps"] == "^RUT/^GSPC -1.5%, z -2.1 · ^RUT -1.6% · ^GSPC -0.2%"
    assert fields["KRE"] == "-12.3%, z -4.9 · KRE/SPY -12.2%"
    s, b = digest.stress, digest.stress.breadth
    assert fields["Bank stress: severe (8 points)"] == (
        f"KRE {s.kre_drawdown_52w * 100:+.1f}% from its 52-week high · KRE/SPY 20d {s.vs_spy.change_20d * 100:+.1f}% · "
        f"{b.down_2pct}/{b.banks} banks down over 2% · {b.at_52w_low}/{b.banks} at 52-week lows"
    )
    tnx, irx = raw_closes["^TNX"], raw_closes["^IRX"]
    assert (tnx[MARCH_13], irx[MARCH_13], tnx[T("2023-03-10")], irx[T("2023-03-10")]) == (3.515, 4.658, 3.695, 4.803)
    bill, bill_before = bey(4.658), bey(4.803)
    assert fields["Rates"] == (
        f"10-year 3.52% (-18 bp) · 13-week bill (bond-equivalent) {bill:.2f}% ({(bill - bill_before) * 100:+.0f} bp) · "
        f"10y minus 3m {(3.515 - bill) * 100:+.0f} bp"
    )
    assert fields["Rates"] == "10-year 3.52% (-18 bp) · 13-week bill (bond-equivalent) 4.78% (-15 bp) · 10y minus 3m -126 bp"


def test_the_alerts_field_lists_the_event_headlines(answer, digest):
    value = dict(answer.fields)["Alerts today (standard)"]
    assert value == "\n".join(headline(e) for e in digest.events)
    assert value.split("\n") == [
        "^RUT/^GSPC fell 1.5% on 2023-03-13, a 2.1σ move (notable: |z| ≥ 2)",
        "KRE fell 12.3% on 2023-03-13, a 4.9σ move (sharp: |z| ≥ 3)",
    ]


def test_a_day_without_alerts_says_so(prices):
    answer = digest_answer(daily_digest(prices.closes, T("2023-06-13"), "quiet"), prices.provenance, NOW)
    assert dict(answer.fields)["Alerts today (quiet)"] == "None at the quiet sensitivity."
    assert answer.summary.endswith("; 0 alerts.") and "Left out" not in dict(answer.fields)


def test_footer_names_source_basis_and_session(answer):
    assert answer.footer == f"Data: snapshot, last session 2026-02-20, 9 months old · {BASIS} · As of close 2023-03-13"


def test_embed_stays_within_discord_limits(answer, digest, prices):
    embed = embed_within_limits(answer)
    assert embed.title == answer.title and [f.name for f in embed.fields] == FULL_FIELDS
    assert embed.footer.text == answer.footer and answer.summary in embed.description
    # Even with many alerts and long reasons for left-out parts, the embed is cut to fit.
    crowded = dataclasses.replace(
        digest, events=digest.events * 40, missing=tuple((f"Part {i}", "x" * 900) for i in range(8))
    )
    embed = embed_within_limits(digest_answer(crowded, prices.provenance, NOW))
    assert embed.fields[0].name == "Small vs large caps"


def j(value: float | None) -> float | None:
    """A computed figure as the JSON carries it: JSON_DIGITS significant digits."""
    return None if value is None else float(f"{value:.{JSON_DIGITS}g}")


def test_json_has_the_digests_numbers(answer, digest):
    data = json.loads(answer.to_json())
    assert (data["command"], data["date"], data["preset"], data["source"], data["as_of"]) == (
        "digest", "2023-03-13", "standard", "snapshot", "2023-03-13",
    )  # fmt: skip
    r, k = digest.ratio, digest.kre
    assert data["ratio"] == {"series": "^RUT/^GSPC", "move_pct": j(r.move_pct), "zscore": j(r.zscore),
                             "parts": {"^RUT": j(r.part_moves_pct[0]), "^GSPC": j(r.part_moves_pct[1])}, "context_move_pct": None}  # fmt: skip
    assert data["kre"] == {"series": "KRE", "move_pct": j(k.move_pct), "zscore": j(k.zscore),
                           "parts": {"KRE": j(k.move_pct)}, "context_move_pct": j(k.context_move_pct)}  # fmt: skip
    assert data["bank_stress"] == {"level": "severe", "points": digest.stress.points}
    y = digest.rates
    assert data["rates"] == {
        "^IRX": {"session": "2023-03-13", "level_pct": j(y.bill.level), "change_1d_bp": j(y.bill.change_1d_bp)},
        "^TNX": {"session": "2023-03-13", "level_pct": 3.515, "change_1d_bp": j(y.ten_year.change_1d_bp)},
        "curve_10y_3m_bp": j(y.curve_bp),
    }
    assert data["rates"]["^IRX"]["level_pct"] == pytest.approx(bey(4.658), rel=1e-11)
    assert data["rates"]["^IRX"]["change_1d_bp"] == pytest.approx((bey(4.658) - bey(4.803)) * 100, rel=1e-9)
    assert data["rates"]["curve_10y_3m_bp"] == pytest.approx((3.515 - bey(4.658)) * 100, rel=1e-9)
    assert [(a["rule"], a["level"], a["zscore"]) for a in data["alerts"]] == [
        (e.rule, e.level, j(e.zscore)) for e in digest.events
    ]
    c = data["credit"]
    assert (c["start"], c["end"], c["sessions"]) == ("2023-03-10", "2023-03-13", 1)
    assert c["reading"] == {"primary": "rates", "rates_backdrop": True, "credit_stress": True, "flight_to_quality": True,
                            "bank_specific": True}  # fmt: skip
    assert c["two_year"]["change_bp"] == pytest.approx(-57.0) and c["kre"]["z"] == j(digest.credit.kre.z)
    assert set(c) >= {"backdrop", "kre", "two_year", "kre_vs_xlf", "hy_excess", "loans_bkln", "bdcs_vs_spy", "hy_oas", "missing"}
    assert data["watchlist"] is None and data["missing"] == []


def test_without_rates_and_stress_those_fields_are_left_out(digest, prices):
    # Each part left out is a (part, reason) pair; its line names the part as said in the message.
    why = "Yahoo Finance is unreachable (timed out)."
    notes = [f"Bank stress: {why}", f"Rates: {why}"]
    note = "\n".join(notes)
    partial = dataclasses.replace(digest, stress=None, rates=None, missing=(("banks", why), ("rates", why)))
    answer = digest_answer(partial, prices.provenance, NOW)
    names = [name for name, _ in answer.fields]
    assert names == ["Small vs large caps", "KRE", "Alerts today (standard)", "Credit or rates", "Left out"]
    assert dict(answer.fields)["Left out"] == note
    assert answer.summary == "2023-03-13: ^RUT/^GSPC -1.5% (z -2.1), KRE -12.3% (z -4.9); 2 alerts."
    data = json.loads(answer.to_json())
    assert data["bank_stress"] is None and data["rates"] is None and data["missing"] == notes
    embed_within_limits(answer)


def test_a_computed_digest_without_bank_columns_names_what_is_left_out(prices, fred):
    frame = prices.closes.drop(columns=["XLF"])
    answer = digest_answer(daily_digest(frame, MARCH_13, fred=fred), prices.provenance, NOW)
    names = [name for name, _ in answer.fields]
    assert names == ["Small vs large caps", "KRE", "Rates", "Alerts today (standard)", "Left out"]
    left_out = dict(answer.fields)["Left out"].split("\n")
    # The reading needs XLF too (KRE against XLF): both parts say so.
    assert left_out[0].startswith("Bank stress: ") and "XLF" in left_out[0]
    assert left_out[1] == "Credit: The credit reading needs XLF closes."
    assert json.loads(answer.to_json())["credit"] is None


def test_a_yield_from_an_earlier_session_says_which(prices, raw_closes):
    """Veterans Day 2016: NYSE open, no Treasury quotes; the rates line names the quotes' day."""
    answer = digest_answer(daily_digest(prices.closes, T("2016-11-11")), prices.provenance, NOW)
    tnx, irx = raw_closes["^TNX"], raw_closes["^IRX"].map(bey)
    day, before = T("2016-11-10"), T("2016-11-09")
    assert dict(answer.fields)["Rates"] == (
        f"10-year {tnx[day]:.2f}% ({(tnx[day] - tnx[before]) * 100:+.0f} bp) on 2016-11-10 · "
        f"13-week bill (bond-equivalent) {irx[day]:.2f}% ({(irx[day] - irx[before]) * 100:+.0f} bp) on 2016-11-10 · "
        f"10y minus 3m {(tnx[day] - irx[day]) * 100:+.0f} bp"
    )


def test_stand_in_footer_names_each_symbol_once(prices, fred):
    digest = daily_digest(prices.closes.drop(columns=["^RUT"]), MARCH_13, fred=fred)
    assert digest.ratio.watched.symbols == ("IWM", "SPY")
    answer = digest_answer(digest, prices.provenance, NOW)
    assert "total return (IWM, SPY, KRE, XLF, TLT, IEF, HYG, BKLN, BIZD)" in answer.footer
    # Without the reading, the credit ETFs are not named.
    bare = digest_answer(daily_digest(prices.closes.drop(columns=["^RUT"]), MARCH_13), prices.provenance, NOW)
    assert "total return (IWM, SPY, KRE, XLF);" in bare.footer


def test_a_digest_of_rates_alone_is_empty_and_a_stress_only_one_reads_well(digest, prices):
    """A non-session day gives yesterday's rates and nothing else: not worth a post."""
    assert daily_digest(prices.closes, T("2023-03-11")).empty  # a Saturday
    assert dataclasses.replace(digest, ratio=None, kre=None, stress=None).empty
    stress_only = dataclasses.replace(digest, ratio=None, kre=None, events=())
    answer = digest_answer(stress_only, prices.provenance, NOW)
    assert answer.summary == "2023-03-13: bank stress severe; 0 alerts."
    no_moves = dataclasses.replace(digest, ratio=None, kre=None, stress=None, events=())
    assert digest_answer(no_moves, prices.provenance, NOW).summary == (
        "2023-03-13: no market moves (see what was left out); 0 alerts.")  # fmt: skip


# ---------------------------------------------------------------- the credit line and the watchlist section


def reading_reference(closes: pd.DataFrame, fred: pd.DataFrame, day: pd.Timestamp) -> dict[str, float]:
    """The one-session reading's figures, from KRE's sessions, by hand: each series' move into ``day`` over the
    sample SD of its 252 daily moves to the session before (the 2-year in bp, the latest DGS2 on or before)."""
    kre = closes["KRE"].dropna().index
    j = kre.get_loc(day)
    days = kre[j - 253 : j + 1]
    dgs2 = fred["DGS2"].dropna()
    series = {
        "hy_excess": np.log(closes["HYG"]) - 0.45 * np.log(closes["IEF"]),
        "loans_bkln": np.log(closes["BKLN"]),
        "bdcs_vs_spy": np.log(closes["BIZD"] / closes["SPY"]),
        "kre_vs_xlf": np.log(closes["KRE"] / closes["XLF"]),
    }
    out = {}
    for key, level in series.items():
        x = level.reindex(days).to_numpy()
        out[key] = (x[-1] - x[-2]) / np.std(np.diff(x[:-1]), ddof=1)
    bp = np.array([dgs2.asof(d) for d in days]) * 100
    out["two_year_bp"] = bp[-1] - bp[-2]
    start = days[-2]
    out["dgs2_24m"] = (dgs2.asof(start) - dgs2.asof(start - pd.DateOffset(months=24))) * 100
    out["dgs2_12m"] = (dgs2.asof(start) - dgs2.asof(start - pd.DateOffset(months=12))) * 100
    tlt = closes["TLT"].dropna()
    out["tlt"] = tlt.loc[start] / tlt.loc[start - pd.DateOffset(years=3) : start].max() - 1
    return out


def test_the_credit_or_rates_field_of_march_13_reads_rates(answer, prices, fred):
    r = reading_reference(prices.closes, fred, MARCH_13)
    assert r["two_year_bp"] == pytest.approx(-57.0)
    z = {k: f"{r[k]:+.2f}" for k in ("hy_excess", "loans_bkln", "bdcs_vs_spy", "kre_vs_xlf")}
    assert dict(answer.fields)["Credit or rates"] == (
        f"Rates: a stock of rate losses (2-year {r['dgs2_24m']:+.0f} bp over 24 months and {r['dgs2_12m']:+.0f} bp over "
        f"12, TLT {r['tlt'] * 100:+.1f}% from its 3-year high); credit stress, read as contagion (HY excess return z "
        f"{z['hy_excess']}, leveraged loans (BKLN) z {z['loans_bkln']}, BDCs against SPY z {z['bdcs_vs_spy']}); a flight "
        f"to quality (2-year -57 bp); bank-specific (KRE against XLF z {z['kre_vs_xlf']}). "
        "`/credit as_of:2023-03-13 window:1`."
    )
    assert z == {"hy_excess": "-1.55", "loans_bkln": "-3.21", "bdcs_vs_spy": "-0.45", "kre_vs_xlf": "-11.30"}


def test_the_credit_or_rates_field_of_october_16_2025_reads_credit(prices, fred):
    day = T("2025-10-16")
    answer = digest_answer(daily_digest(prices.closes, day, fred=fred), prices.provenance, NOW)
    r = reading_reference(prices.closes, fred, day)
    z = {k: f"{r[k]:+.2f}" for k in ("hy_excess", "loans_bkln", "bdcs_vs_spy", "kre_vs_xlf")}
    assert dict(answer.fields)["Credit or rates"] == (
        f"Credit: credit stress (HY excess return z {z['hy_excess']}, leveraged loans (BKLN) z {z['loans_bkln']}, "
        f"BDCs against SPY z {z['bdcs_vs_spy']}); bank-specific (KRE against XLF z {z['kre_vs_xlf']}). "
        "`/credit as_of:2025-10-16 window:1`."
    )
    assert z == {"hy_excess": "-1.64", "loans_bkln": "-0.82", "bdcs_vs_spy": "-1.59", "kre_vs_xlf": "-3.18"}
    data = json.loads(answer.to_json())
    assert data["credit"]["reading"]["primary"] == "credit" and data["credit"]["end"] == "2025-10-16"
    assert answer.summary == "2025-10-16: ^RUT/^GSPC -1.5% (z -1.9), KRE -6.2% (z -3.8), bank stress high; 1 alert."
    embed_within_limits(answer)


def test_without_fred_there_is_no_credit_field_and_nothing_left_out(prices):
    answer = digest_answer(daily_digest(prices.closes, MARCH_13), prices.provenance, NOW)
    assert [name for name, _ in answer.fields] == FULL_FIELDS[:-1]
    data = json.loads(answer.to_json())
    assert data["credit"] is None and data["missing"] == []
    assert "HYG" not in answer.footer


def test_a_reading_that_cannot_be_made_is_left_out_with_why(prices, fred):
    """2008-02-28: HYG has under a year of closes, BKLN and BIZD none: no credit measure to read."""
    answer = digest_answer(daily_digest(prices.closes, T("2008-02-28"), fred=fred), prices.provenance, NOW)
    fields = dict(answer.fields)
    assert "Credit or rates" not in fields
    assert fields["Left out"] == "Credit: No credit measure (HYG with IEF, BKLN, BIZD with SPY, HY OAS) covers the window."
    failed = daily_digest(prices.closes, MARCH_13, unavailable={"credit": "FRED cannot be reached right now."})
    answer = digest_answer(failed, prices.provenance, NOW)
    assert dict(answer.fields)["Left out"] == "Credit: FRED cannot be reached right now."


def test_a_servers_watchlist_section_lists_its_moves_best_first_and_names_what_is_missing(digest, prices, raw_closes):
    symbols = ["NVDA", "KRE", "ZION", "WAL", "TSLA", "AAPL", "MSFT"]
    day = watch_day(raw_closes[symbols], MARCH_13, [*symbols, "XYZ"], {"XYZ": "XYZ: not a known symbol"})
    answer = digest_answer(dataclasses.replace(digest, watchlist=day), prices.provenance, NOW)
    assert [name for name, _ in answer.fields][-1] == "Watchlist on 2023-03-13"
    moves = {s: raw_closes[s][MARCH_13] / raw_closes[s][T("2023-03-10")] - 1 for s in symbols}
    ordered = sorted(moves, key=moves.get, reverse=True)
    text = [f"{s} {fmt.pct(moves[s])}" for s in ordered]
    assert "NVDA +0.004%" in text  # a tiny move keeps its sign and the digits that show it is not zero
    assert dict(answer.fields)["Watchlist on 2023-03-13"].split("\n") == [
        " · ".join(text[:5]), " · ".join(text[5:]), "Not shown: XYZ: not a known symbol"]  # fmt: skip
    data = json.loads(answer.to_json())
    assert data["watchlist"]["moves_pct"] == pytest.approx({s: m * 100 for s, m in moves.items()}, rel=1e-9)
    assert list(data["watchlist"]["moves_pct"]) == ordered and data["watchlist"]["missing"] == ["XYZ: not a known symbol"]
    assert "NVDA" in answer.footer and "ZION" in answer.footer  # the basis names the watchlist's symbols too
    embed_within_limits(answer)


def test_a_full_watchlist_section_stays_within_discords_limits(digest, prices, raw_closes):
    symbols = [s for s in raw_closes.columns if not s.startswith("^")][:25]
    day = watch_day(raw_closes[symbols], MARCH_13, symbols)
    answer = digest_answer(dataclasses.replace(digest, watchlist=day), prices.provenance, NOW)
    shown = "\n".join(v for n, v in answer.fields if n.startswith("Watchlist"))
    assert sum(line.count("%") for line in shown.split("\n")) == len(day.moves) == 25
    embed_within_limits(answer)
