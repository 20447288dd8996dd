"""commands.kit.readings: the credit-or-rates reading in words, as /credit, /banks, the KRE alert and the digest say it.

The readings are made by analytics.credit on the bundled CSVs read here with plain pandas; every figure
in the words is checked against the independent reference of tests/analytics/test_credit.py (plain
pandas and numpy), formatted here, and each sentence is written out once in full.
"""

from __future__ import annotations

import dataclasses
import json
from importlib import resources

import pandas as pd
import pytest

from analytics import credit as cr
from analytics.errors import DataUnavailable
from analytics.sources.fred import FredSource
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import load_fred_snapshot
from bot.discovery import discover
from commands.kit import readings
from commands.kit.answer import Answer
from commands.kit.command import Services
from tests.analytics.test_credit import expected
from tests.fakes.fred_replay import ReplayFredSession

T = pd.Timestamp
MARCH = (T("2023-03-08"), T("2023-03-13"))
OCTOBER = (T("2025-10-15"), T("2025-10-16"))


def _read(name: str) -> pd.DataFrame:
    with resources.files("analytics").joinpath(f"data/{name}").open("rb") as fh:
        return pd.read_csv(fh, compression="gzip")


@pytest.fixture(scope="module")
def raw() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Closes (prices and the credit ETFs) and FRED, pivoted here with plain pandas."""
    long = pd.concat([_read("prices_daily.csv.gz"), _read("credit_daily.csv.gz")])
    closes = long.pivot(index="date", columns="symbol", values="close")
    fred = _read("fred_daily.csv.gz").pivot(index="date", columns="series", values="value")
    for frame in (closes, fred):
        frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index, format="%Y-%m-%d")).as_unit("ns")
    return closes.sort_index(), fred.sort_index()


@pytest.fixture(scope="module")
def march(raw) -> cr.CreditReading:
    return cr.credit_reading(*raw, *MARCH, "March 2023")


@pytest.fixture(scope="module")
def october(raw) -> cr.CreditReading:
    return cr.credit_reading(*raw, *OCTOBER, "October 2025")


def pct(fraction: float, decimals: int = 1) -> str:
    return f"{fraction * 100:+.{decimals}f}%"


def words(raw, start, end) -> dict[str, str]:
    """The figures as the sentences give them, from the independent reference."""
    e = expected(*raw, start, end)
    return {
        "kre": pct(e["kre"]["change"]),
        "stock": f"2-year {e['dgs2_24m']:+.0f} bp over 24 months and {e['dgs2_12m']:+.0f} bp over 12, "
        f"TLT {pct(e['tlt'])} from its 3-year high",
        "credit": f"HY excess return z {e['hy_excess']['z']:+.2f}, leveraged loans (BKLN) z {e['loans']['z']:+.2f}, "
        f"BDCs against SPY z {e['private_credit']['z']:+.2f}",
        "banks": f"KRE against XLF z {e['bank_vs_financials']['z']:+.2f}",
        "two_year_bp": f"{e['two_year']['move']:+.0f}",
        "two_year_z": f"{e['two_year']['z']:+.2f}",
    }


# ---------------------------------------------------------------- the headline (/credit's summary)


def test_march_2023_headline_reads_rates_with_credit_as_contagion_and_a_flight_to_quality(raw, march):
    w = words(raw, *MARCH)
    got = readings.headline(march)
    assert got == (
        f"Rates: KRE {w['kre']} over 3 sessions to 2023-03-13 on a stock of rate losses ({w['stock']}); "
        f"credit fell too ({w['credit']}) but less than the banks did against financials ({w['banks']}), "
        "read as contagion; "
        f"the 2-year fell {-int(w['two_year_bp'])} bp (z {w['two_year_z']}), a flight to quality."
    )
    assert got == (
        "Rates: KRE -23.0% over 3 sessions to 2023-03-13 on a stock of rate losses (2-year +488 bp over 24 months and "
        "+342 bp over 12, TLT -37.7% from its 3-year high); credit fell too (HY excess return z -2.25, leveraged loans "
        "(BKLN) z -2.49, BDCs against SPY z -3.32) but less than the banks did against financials (KRE against XLF "
        "z -12.41), read as contagion; the 2-year fell 102 bp (z -7.35), a flight to quality."
    )


def test_october_2025_headline_reads_credit_bank_specific_without_a_backdrop(raw, october):
    w = words(raw, *OCTOBER)
    got = readings.headline(october)
    assert got == (
        f"Credit: KRE {w['kre']} over 1 session to 2025-10-16 with credit under stress ({w['credit']}) and no rates "
        f"backdrop ({w['stock']}); {w['banks']}, bank-specific."
    )
    assert got == (
        "Credit: KRE -6.2% over 1 session to 2025-10-16 with credit under stress (HY excess return z -1.64, leveraged "
        "loans (BKLN) z -0.82, BDCs against SPY z -1.59) and no rates backdrop (2-year -154 bp over 24 months and "
        "-45 bp over 12, TLT -7.7% from its 3-year high); KRE against XLF z -3.18, bank-specific."
    )
    assert "flight to quality" not in got and "contagion" not in got


def with_reading(r: cr.CreditReading, primary: str, **flags: bool) -> cr.CreditReading:
    base = dataclasses.asdict(r.reading) | {"primary": primary} | flags
    return dataclasses.replace(r, reading=cr.Reading(**base))


def test_every_verdict_has_its_sentence(march, october):
    """The rule's other outcomes (not reached by the two episodes) worded from the same figures."""
    calm = with_reading(march, "rates", credit_stress=False, flight_to_quality=False)
    text = readings.headline(calm)
    assert text.startswith("Rates: KRE -23.0% over 3 sessions to 2023-03-13 on a stock of rate losses (")
    assert "), with credit calm (HY excess return z -2.25" in text
    assert text.endswith("; KRE against XLF z -12.41, bank-specific.")
    text = readings.headline(with_reading(march, "both", flight_to_quality=False))
    assert text.startswith("Both: KRE -23.0% over 3 sessions to 2023-03-13 on a stock of rate losses")
    assert "and credit fell further than the banks did against financials (HY excess return z -2.25" in text
    assert text.endswith("BDCs against SPY z -3.32; KRE against XLF z -12.41).")
    neither = with_reading(october, "neither", credit_stress=False, bank_specific=False)
    assert readings.headline(neither) == (
        "Neither: KRE -6.2% over 1 session to 2025-10-16 with no rates backdrop (2-year -154 bp over 24 months and "
        "-45 bp over 12, TLT -7.7% from its 3-year high) and credit calm (HY excess return z -1.64, leveraged loans "
        "(BKLN) z -0.82, BDCs against SPY z -1.59); KRE against XLF z -3.18, not bank-specific."
    )


# ---------------------------------------------------------------- the one line (/banks, the KRE alert, the digest)


def test_the_one_line_of_each_episode(raw, march, october):
    w = words(raw, *MARCH)
    assert readings.line(march) == (
        f"Rates: a stock of rate losses ({w['stock']}); credit stress, read as contagion ({w['credit']}); "
        f"a flight to quality (2-year {w['two_year_bp']} bp); bank-specific ({w['banks']}). "
        "`/credit as_of:2023-03-13 window:3`."
    )
    w = words(raw, *OCTOBER)
    assert readings.line(october) == (
        f"Credit: credit stress ({w['credit']}); bank-specific ({w['banks']}). `/credit as_of:2025-10-16 window:1`."
    )
    calm = with_reading(october, "neither", credit_stress=False, bank_specific=False)
    assert readings.line(calm) == (
        f"Neither rates nor credit: credit calm ({w['credit']}). `/credit as_of:2025-10-16 window:1`."
    )


def test_flags_and_moves(march, october):
    assert readings.flags_text(march) == (
        "Rates · rates backdrop yes · credit stress yes · flight to quality yes · bank-specific yes"
    )
    assert readings.flags_text(october) == (
        "Credit · rates backdrop no · credit stress yes · flight to quality no · bank-specific yes"
    )
    assert readings.move_text(march.two_year) == "2-year -102 bp (z -7.35)"
    assert readings.move_text(march.hy_excess) == "HY excess return -2.69% (z -2.25)"
    assert readings.move_text(october.bank_vs_financials) == "KRE against XLF -3.51% (z -3.18)"
    assert readings.PRIMARY == {
        "rates": "Rates", "credit": "Credit", "both": "Both rates and credit", "neither": "Neither rates nor credit", "no_selloff": "No selloff to read",
    }  # fmt: skip


# ---------------------------------------------------------------- the data form


def test_reading_data_carries_every_figure_in_percent_bp_and_z(raw, march):
    e = expected(*raw, *MARCH)
    got = readings.reading_data(march)
    assert list(got) == [
        "label", "start", "end", "sessions", "reading", "backdrop", "kre", "two_year", "kre_vs_xlf", "hy_excess",
        "loans_bkln", "bdcs_vs_spy", "hy_oas", "missing",
    ]  # fmt: skip
    assert (got["label"], got["start"], got["end"], got["sessions"]) == ("March 2023", "2023-03-08", "2023-03-13", 3)
    assert got["reading"] == march.reading.as_dict()
    b = got["backdrop"]
    assert (b["as_of"], b["dgs2_pct"], b["tlt_high_date"]) == ("2023-03-08", 5.05, "2020-08-04")
    assert b["dgs2_change_12m_bp"] == pytest.approx(e["dgs2_12m"], rel=1e-9)
    assert b["dgs2_change_24m_bp"] == pytest.approx(e["dgs2_24m"], rel=1e-9)
    assert b["ief_return_12m_pct"] == pytest.approx(e["ief_12m"] * 100, rel=1e-9)
    assert b["tlt_from_3y_high_pct"] == pytest.approx(e["tlt"] * 100, rel=1e-9)
    for key, ref in (("kre", "kre"), ("kre_vs_xlf", "bank_vs_financials"), ("hy_excess", "hy_excess"),
                     ("loans_bkln", "loans"), ("bdcs_vs_spy", "private_credit")):  # fmt: skip
        move = got[key]
        assert move["change_pct"] == pytest.approx(e[ref]["change"] * 100, rel=1e-8), key
        assert move["log_move_pct"] == pytest.approx(e[ref]["move"] * 100, rel=1e-8), key
        assert move["z"] == pytest.approx(e[ref]["z"], rel=1e-8), key
        assert move["daily_sd"] == pytest.approx(e[ref]["sd"] * 100, rel=1e-8) and move["daily_sd_unit"] == "log %"
        assert (move["sessions"], move["sample"]) == (3, ["2022-03-08", "2023-03-08"]), key
    two = got["two_year"]
    assert two["change_bp"] == pytest.approx(-102.0) and "change_pct" not in two
    assert (two["z"], two["daily_sd"], two["daily_sd_unit"]) == (
        pytest.approx(e["two_year"]["z"], rel=1e-8), pytest.approx(e["two_year"]["sd"], rel=1e-8), "bp",
    )  # fmt: skip
    assert got["hy_oas"] is None and got["missing"] == [
        "HY OAS: the live FRED series BAMLH0A0HYM2 is not at hand (it is never bundled)"
    ]
    json.loads(Answer("x", "t", "s", data=got).to_json())  # JSON-ready as it is


# ---------------------------------------------------------------- what the reading reads


async def test_fetch_inputs_offline(services):
    prices, fred, note = await readings.fetch_inputs(services)
    assert set(cr.SYMBOLS) <= set(prices.closes.columns) and list(fred.closes.columns) == ["DGS2"]
    assert note == ""  # offline the reading itself says the OAS is live only
    bare = Services(market=services.market, clock=services.clock, catalog=discover())
    with pytest.raises(DataUnavailable, match="2-year yield from FRED"):
        await readings.fetch_inputs(bare)


@pytest.mark.parametrize("synthetic", [True, False])
async def test_fetch_inputs_live_adds_the_hy_oas_or_says_why_not(services, synthetic):
    """Live FRED (replayed): the OAS is joined on (the replay's series is SYNTHETIC, never ICE data); when
    FRED refuses it, the note says so and the reading goes on without it."""
    clock = lambda: T("2026-02-20 22:00Z")  # noqa: E731
    session = ReplayFredSession(load_fred_snapshot().closes, synthetic=synthetic)
    live = Services(market=services.market, clock=clock, catalog=discover(),
                    fred=MarketData(FredSource(session=session), clock=clock))  # fmt: skip
    _, fred, note = await readings.fetch_inputs(live)
    if synthetic:
        assert cr.HY_OAS in fred.closes.columns and fred.closes[cr.HY_OAS].notna().any() and note == ""
    else:
        assert cr.HY_OAS not in fred.closes.columns and note.startswith("HY OAS unavailable: ")
        assert "\n" not in note
