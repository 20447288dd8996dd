"""Each command's handler on the snapshot: the figures, the text, the JSON, the chart, the errors."""

from __future__ import annotations

import json
import struct

import pandas as pd
import pytest

from analytics.errors import InsufficientHistory, InvalidInput, InvalidSymbol, MarketbotError
from bot.console import answer_text, ask, parse_options
from bot.discovery import discover


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


async def test_compare_matches_the_data(services, raw_closes):
    answer = await ask(services, "compare", ["a:^RUT", "b:^GSPC", "start:2022-10-12", "end:2025-10-21"])
    rut = raw_closes["^RUT"].loc["2025-10-21"] / raw_closes["^RUT"].loc["2022-10-12"] - 1
    spx = raw_closes["^GSPC"].loc["2025-10-21"] / raw_closes["^GSPC"].loc["2022-10-12"] - 1
    data = answer.data
    assert data["a"]["return_pct"] == pytest.approx(rut * 100, rel=1e-12)
    assert data["b"]["return_pct"] == pytest.approx(spx * 100, rel=1e-12)
    assert data["spread_pp"] == pytest.approx((rut - spx) * 100, rel=1e-12)
    assert answer.summary == "Small caps trail: Russell 2000 +47.4% vs S&P 500 +88.3%, -40.9 pp"
    assert (data["command"], data["source"], data["start"], data["end"], data["as_of"]) == (
        "compare",
        "snapshot",
        "2022-10-12",
        "2025-10-21",
        "2025-10-21",
    )
    assert data["ratio"]["start"] == pytest.approx(1687.76 / 3577.03, rel=1e-12)
    assert "Data: snapshot, last session 2026-02-20, 9 months old" in answer.footer
    assert "Basis: price (^RUT, ^GSPC)" in answer.footer
    assert "Window: 2022-10-12 → 2025-10-21" in answer.footer
    assert png_size(answer.chart) == (1600, 1000)
    json.loads(answer.to_json())


async def test_compare_snapped_dates_are_reported(services):
    answer = await ask(services, "compare", ["start:2022-10-15", "end:2025-10-19"])
    assert answer.data["start"] == "2022-10-14" and answer.data["end"] == "2025-10-17"
    assert answer.data["date_notes"] == [
        "End 2025-10-19 is not a trading day; used 2025-10-17.",
        "Start 2022-10-15 is not a trading day; used 2022-10-14.",
    ]
    assert "not a trading day" in answer_text(answer)


async def test_performance_sorted_with_exact_returns(services, raw_closes):
    answer = await ask(services, "performance", ["symbols:^RUT, ^GSPC NVDA", "start:oct-2022-low", "end:2025-10-21"])
    rows = answer.data["rows"]
    assert [r["symbol"] for r in rows] == ["NVDA", "^GSPC", "^RUT"]
    nvda = raw_closes["NVDA"].loc["2025-10-21"] / raw_closes["NVDA"].loc["2022-10-12"] - 1
    assert rows[0]["return_pct"] == pytest.approx(nvda * 100, rel=1e-12)
    assert answer_text(answer).count("max drawdown") == 3
    assert png_size(answer.chart) == (1600, 1000)


async def test_quote(services, raw_closes):
    answer = await ask(services, "quote", ["symbols:KRE"])
    q = answer.data["rows"][0]
    kre = raw_closes["KRE"].dropna()
    assert q["close"] == kre.iloc[-1] and q["session"] == "2026-02-20"
    assert q["day_change_pct"] == pytest.approx((kre.iloc[-1] / kre.iloc[-2] - 1) * 100, rel=1e-12)
    assert q["ytd_return_pct"] == pytest.approx((kre.iloc[-1] / kre.loc["2025-12-31"] - 1) * 100, rel=1e-12)


async def test_history_rates_and_banks_answer(services):
    history = await ask(services, "history", [])
    assert history.data["years"][0]["year"] == 1988 and history.data["years"][-1]["partial"]
    rates = await ask(services, "rates", [])
    assert rates.data["yields"]["^TNX"]["level_pct"] == pytest.approx(4.086)
    # The 13-week bill is quoted as a discount yield (3.595 on 2026-02-20); the curve is on its bond-equivalent yield.
    bill = 3.595 / 100
    bond_equivalent = 365 * bill / (360 - bill * 91) * 100
    assert rates.data["yields"]["^IRX"]["quoted_pct"] == 3.595
    assert rates.data["yields"]["^IRX"]["level_pct"] == pytest.approx(bond_equivalent, rel=1e-11)
    assert rates.data["curve_10y_3m_bp"] == pytest.approx((4.086 - bond_equivalent) * 100, rel=1e-9)
    assert rates.summary.startswith(
        f"10-year 4.09%, 13-week bill {bond_equivalent:.2f}% (bond-equivalent), curve +41 bp."
    )
    assert rates.data["rate_path"]["next_decision"] == {"date": "2026-03-18", "kind": "scheduled"}
    banks = await ask(services, "banks", ["as_of:2023-03-13"])
    assert banks.data["now"]["level"] == "severe" and banks.data["as_of"] == "2023-03-13"
    assert banks.summary.startswith("Regional-bank stress is SEVERE on 2023-03-13")
    assert png_size(banks.chart) == (1600, 1000)
    # The day's credit-or-rates reading: KRE's move into 2023-03-13 reads rates (tests/commands/test_credit_commands.py).
    assert dict(banks.fields)["Credit or rates"].startswith("Rates: a stock of rate losses")
    assert banks.data["credit_or_rates"]["reading"]["primary"] == "rates"


async def test_every_command_prints_json_with_its_provenance(services):
    for command in [
        c.name for c in discover().terminal if c.name != "ask"
    ]:  # /ask needs a question: tests/commands/test_ask.py
        answer = await ask(services, command, [])
        data = json.loads(answer.to_json())
        assert data["command"] == command
        assert data["source"] == "snapshot" and data["last_session"] == "2026-02-20"
        assert data["as_of"]
        assert "snapshot, last session 2026-02-20, 9 months old" in answer.footer
        # NOW is 2026-11-24 before the close: the last settled session is 2026-11-23.
        assert (data["stale"], data["age"], data["replay"]) == (True, "9 months", False)
        assert data["age_sessions"] == len(pd.bdate_range("2026-02-21", "2026-11-23")) - 5  # Good Friday, Memorial
        # Day, Juneteenth (Friday), Independence Day (observed Friday 07-03) and Labor Day fall on weekdays


@pytest.mark.parametrize(
    ("command", "options", "error", "fragment"),
    [
        ("compare", ["a:ZZZZ"], MarketbotError, "a: `ZZZZ`"),
        ("compare", ["a:@everyone"], InvalidSymbol, "not a valid symbol"),
        ("compare", ["a:KRE", "b:kre"], InvalidInput, "two different"),
        ("compare", ["start:2024-02-30"], InvalidInput, "not a real date"),
        ("compare", ["start:last tuesday"], InvalidInput, "not a date"),
        ("compare", ["start:2025-01-01", "end:2024-01-01"], InvalidInput, "must be before"),
        ("compare", ["end:2027-01-04"], InvalidInput, "in the future"),
        ("compare", ["end:2026-06-01"], InsufficientHistory, "after the last close"),
        ("compare", ["a:CFG", "start:2010-01-04"], InsufficientHistory, "before CFG's history starts (2014-09-24)"),
        ("compare", ["start:ytd", "end:ytd"], InvalidInput, "only works as a start"),
        (
            "performance",
            ["symbols:" + " ".join(["KRE"] * 3 + [f"S{i}" for i in range(10)])],
            InvalidInput,
            "At most 10",
        ),
        ("performance", ["symbols:META KRE", "start:2010-01-04"], InsufficientHistory, "before META's history starts"),
        ("banks", ["as_of:1999-01-04"], InsufficientHistory, "before KRE's history starts (2006-06-22)"),
        ("banks", ["as_of:2030-01-02"], InvalidInput, "in the future"),
        ("quote", ["symbols:" + "A" * 3000], InvalidSymbol, "too long"),
    ],
)
async def test_bad_input_is_a_short_clear_error(services, command, options, error, fragment):
    with pytest.raises(error) as info:
        await ask(services, command, options)
    message = str(info.value)
    assert fragment in message
    assert len(message) < 200 and "Traceback" not in message


def test_unknown_command_and_option():
    with pytest.raises(MarketbotError, match="Unknown command `nope`"):
        parse_options("nope", [])
    with pytest.raises(MarketbotError, match="not an option of compare"):
        parse_options("compare", ["c:KRE"])
    with pytest.raises(MarketbotError, match="use name:value"):
        parse_options("compare", ["KRE"])


@pytest.mark.parametrize(
    ("steps", "said"),
    [
        (0.4, "40% odds of a 25 bp cut"),
        (-0.2, "20% odds of a 25 bp hike"),
        (1.4, "a 25 bp cut fully priced and 40% odds of a 50 bp cut"),
        (2.4, "2.4 steps of 25 bp priced (60 bp cut)"),
    ],
)
def test_fedwatch_odds_are_never_above_100_percent(steps, said):
    from commands.rates import odds_text

    assert odds_text(steps) == said
