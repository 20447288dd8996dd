"""One bad symbol does not sink an answer: /performance and /quote answer the rest and name it; /compare names the side."""

from __future__ import annotations

import json

import pytest

from analytics.errors import MarketbotError
from analytics.sources.market_data import MarketData
from bot.console import ask
from bot.discovery import discover
from commands.kit.command import Services
from tests.sources.conftest import AFTER_CLOSE, Clock, data_requests, replay, snapshot, yahoo, yf_cache  # noqa: F401


async def test_performance_answers_the_good_symbols_and_names_the_unknown_one(services, raw_closes):
    answer = await ask(services, "performance", ["symbols:SPY ZZZZ IWM", "start:2024-01-02", "end:2025-01-02"])
    rows = {r["symbol"]: r for r in answer.data["rows"]}
    assert set(rows) == {"SPY", "IWM"}
    spy = raw_closes["SPY"].loc["2025-01-02"] / raw_closes["SPY"].loc["2024-01-02"] - 1
    assert rows["SPY"]["return_pct"] == pytest.approx(spy * 100, rel=1e-9)
    assert answer.data["missing"] == [{"symbol": "ZZZZ", "reason": "`ZZZZ` is not in the offline snapshot. `/about` lists its symbols."}]
    assert answer.summary.endswith("; not shown: ZZZZ")
    assert dict(answer.fields)["Not shown"] == "`ZZZZ` is not in the offline snapshot. `/about` lists its symbols."
    assert "ZZZZ" not in answer.footer  # the footer's basis lists what is shown
    json.loads(answer.to_json())


async def test_quote_answers_the_good_symbols_and_names_the_unknown_one(services, raw_closes):
    answer = await ask(services, "quote", ["symbols:ZZZZ KRE"])
    assert [q["symbol"] for q in answer.data["rows"]] == ["KRE"]
    assert answer.data["rows"][0]["close"] == raw_closes["KRE"].dropna().iloc[-1]
    assert answer.data["missing"][0]["symbol"] == "ZZZZ"
    assert answer.summary.startswith("SPDR S&P Regional Banking ETF closed at 71.90") and "Not shown: ZZZZ." in answer.summary
    assert "Not shown" in dict(answer.fields)


async def test_no_symbol_at_all_is_still_an_error(services):
    with pytest.raises(MarketbotError, match="ZZZZ"):
        await ask(services, "quote", ["symbols:ZZZZ"])


@pytest.mark.parametrize(("options", "side"), [(["a:ZZZZ"], "a"), (["b:ZZZZ"], "b")])
async def test_compare_says_which_side_failed(services, options, side):
    with pytest.raises(MarketbotError) as info:
        await ask(services, "compare", options)
    assert str(info.value) == f"{side}: `ZZZZ` is not in the offline snapshot. `/about` lists its symbols."


# -- over the replayed Yahoo (the live path): Yahoo's "no data" for one symbol among good ones


@pytest.fixture
def live(yahoo) -> Services:
    clock = Clock(AFTER_CLOSE)
    return Services(market=MarketData(yahoo, clock=clock), clock=clock, catalog=discover())


async def test_performance_over_yahoo_answers_the_rest(live, replay, raw_closes):
    answer = await ask(live, "performance", ["symbols:KRE ZZZZ SPY", "start:2025-02-20"])
    assert [r["symbol"] for r in answer.data["rows"]] == sorted(
        ["KRE", "SPY"], key=lambda s: -(raw_closes[s].loc["2026-02-20"] / raw_closes[s].loc["2025-02-20"])
    )
    kre = raw_closes["KRE"].loc["2026-02-20"] / raw_closes["KRE"].loc["2025-02-20"] - 1
    assert next(r for r in answer.data["rows"] if r["symbol"] == "KRE")["return_pct"] == pytest.approx(kre * 100, rel=1e-6)
    [missing] = answer.data["missing"]
    assert missing["symbol"] == "ZZZZ" and "ZZZZ" in missing["reason"]
    assert answer.data["source"] == "Yahoo Finance"
    assert data_requests(replay, "KRE") and data_requests(replay, "SPY")


async def test_quote_over_yahoo_answers_the_rest(live):
    answer = await ask(live, "quote", ["symbols:ZZZZ KRE"])
    assert [q["symbol"] for q in answer.data["rows"]] == ["KRE"]
    assert answer.data["missing"][0]["symbol"] == "ZZZZ"


async def test_compare_over_yahoo_names_the_side(live):
    with pytest.raises(MarketbotError, match=r"^b: .*ZZZZ"):
        await ask(live, "compare", ["a:KRE", "b:ZZZZ"])
