"""/credit, /rates' rate path and /banks' "Credit or rates" field, through the terminal's `ask`.

Figures are checked against the analytics (golden-tested on the real files in
tests/analytics/test_credit.py and test_rates.py) and, for the headline numbers, against the
bundled CSVs read here with plain pandas.
"""

from __future__ import annotations

import json
import math
from importlib import resources

import pandas as pd
import pytest

from analytics import credit
from analytics.errors import DataUnavailable, InsufficientHistory, InvalidInput
from analytics.sources.fred import FredSource
from analytics.sources.market_data import MarketData
from analytics.sources.snapshot import load_fred_snapshot, load_snapshot
from analytics.sources.yahoo import YahooSource
from bot.console import ask
from bot.discovery import discover
from commands.kit.command import Services
from tests.fakes.fred_replay import ReplayFredSession, synthetic_oas
from tests.fakes.yahoo_replay import ReplayYahooSession, reset_yfinance_state

from .conftest import NOW

T = pd.Timestamp


def _read(name: str) -> pd.DataFrame:
    with resources.files("analytics").joinpath(f"data/{name}").open("rb") as fh:
        return pd.read_csv(fh, compression="gzip", parse_dates=["date"])


@pytest.fixture(scope="module")
def raw() -> tuple[pd.DataFrame, pd.DataFrame]:
    prices = pd.concat([_read("prices_daily.csv.gz"), _read("credit_daily.csv.gz")])
    closes = prices.pivot(index="date", columns="symbol", values="close")
    fred = _read("fred_daily.csv.gz").pivot(index="date", columns="series", values="value")
    return closes, fred


async def test_credit_as_of_2025_10_21(services, raw):
    closes, fred = raw
    answer = await ask(services, "credit", ["as_of:2025-10-21"])
    data = json.loads(answer.to_json())
    assert data["command"] == "credit" and data["as_of"] == "2025-10-21"
    now, episodes = data["now"], data["episodes"]
    assert (now["start"], now["end"], now["sessions"]) == ("2025-10-14", "2025-10-21", 5)
    assert [(e["label"], e["start"], e["end"]) for e in episodes] == [
        ("March 2023", "2023-03-08", "2023-03-13"),
        ("October 2025", "2025-10-15", "2025-10-17"),
    ]
    for part in (now, *episodes):
        start, end = T(part["start"]), T(part["end"])
        assert part["kre_return_pct"] == pytest.approx((closes.at[end, "KRE"] / closes.at[start, "KRE"] - 1) * 100, rel=1e-9)
        assert part["dgs2_change_bp"] == pytest.approx((fred.at[end, "DGS2"] - fred.at[start, "DGS2"]) * 100, abs=1e-9)
        assert part["context_returns_pct"]["BIZD"] == pytest.approx((closes.at[end, "BIZD"] / closes.at[start, "BIZD"] - 1) * 100, rel=1e-9)
        assert part["hy_oas_change_bp"] is None
        got = credit.credit_split(load_snapshot().closes, load_fred_snapshot().closes, start, end)
        assert part["fit"]["r2"] == pytest.approx(got.fit.r2, rel=1e-10)  # JSON keeps 12 significant digits
        assert part["split_log_pct"]["credit"] == pytest.approx(got.parts["credit"] * 100, rel=1e-10)  # JSON keeps 12 significant digits
        assert sum(part["split_log_pct"].values()) == pytest.approx(part["kre_log_move_pct"], rel=1e-10)  # JSON keeps 12 significant digits
    assert data["missing"] == ["HY OAS: live FRED only (its licence forbids bundling it)"]
    assert data["thresholds"] == {"min_r2": 0.10, "min_abs_t": 2.0, "trailing_sessions": 252}
    # The text: the verdict first, every split with its fit, the method, and where the data came from.
    assert answer.summary.startswith("2025-10-14 → 2025-10-21 (5 sessions): KRE -4.4%")
    names = [name for name, _ in answer.fields]
    assert names[:3] == ["Now: 2025-10-14 → 2025-10-21 (5 sessions)", "March 2023: 2023-03-08 → 2023-03-13 (3 sessions)",
                         "October 2025: 2025-10-15 → 2025-10-17 (2 sessions)"]  # fmt: skip
    march = dict(answer.fields)[names[1]]
    assert "2-year -102 bp" in march and "BIZD -9.3%" in march and "R² 0.43" in march
    assert "Method" in names and "OLS" in dict(answer.fields)["Method"]
    assert "bundled FRED (DFF, DGS2)" in answer.footer and "As of close 2025-10-21" in answer.footer
    assert answer.chart[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("options", "error", "fragment"),
    [
        (["window:0"], InvalidInput, "from 1 to 60"),
        (["window:61"], InvalidInput, "from 1 to 60"),
        (["window:five"], InvalidInput, "from 1 to 60"),
        (["as_of:2025-02-30"], InvalidInput, "not a real date"),
        (["as_of:2027-01-04"], InvalidInput, "in the future"),
        (["as_of:2007-06-01"], InsufficientHistory, "sessions with KRE, HYG, IEF"),
    ],
)
async def test_credit_bad_input_is_a_short_error(services, options, error, fragment):
    with pytest.raises(error) as err:
        await ask(services, "credit", options)
    assert fragment in str(err.value) and "\n" not in str(err.value)


async def test_credit_without_fred_says_so(services):
    bare = Services(market=services.market, clock=services.clock, catalog=discover())
    with pytest.raises(DataUnavailable) as err:
        await ask(bare, "credit", [])
    assert "2-year yield" in str(err.value)
    # /banks goes on without it and says what is missing.
    banks = await ask(bare, "banks", ["as_of:2023-03-13"])
    assert dict(banks.fields)["Credit or rates"].startswith("not available: The credit split needs the 2-year yield")
    assert banks.data["credit_or_rates"]["error"]


async def test_credit_with_live_fred_adds_the_hy_oas(services):
    """Live FRED (replayed): the OAS change appears; here it is the replay's SYNTHETIC series."""
    clock = lambda: T("2026-02-20 22:00Z")  # noqa: E731
    fred = MarketData(FredSource(session=ReplayFredSession(load_fred_snapshot().closes)), clock=clock)
    live = Services(market=services.market, clock=clock, fred=fred, catalog=discover())
    answer = await ask(live, "credit", ["as_of:2025-10-21"])
    oas = synthetic_oas()
    assert answer.data["missing"] == []
    assert answer.data["fred"]["source"] == "FRED"
    assert answer.data["now"]["hy_oas_change_bp"] == pytest.approx((oas["2025-10-21"] - oas["2025-10-14"]) * 100, abs=1e-9)
    assert "HY OAS" in dict(answer.fields)["Now: 2025-10-14 → 2025-10-21 (5 sessions)"]


async def test_banks_carries_the_split_of_its_session(services, raw):
    closes, fred = raw
    answer = await ask(services, "banks", ["as_of:2023-03-13"])
    data = json.loads(answer.to_json())["credit_or_rates"]
    assert (data["start"], data["end"], data["sessions"]) == ("2023-03-10", "2023-03-13", 1)
    assert data["kre_return_pct"] == pytest.approx((closes.at[T("2023-03-13"), "KRE"] / closes.at[T("2023-03-10"), "KRE"] - 1) * 100, rel=1e-9)
    assert data["dgs2_change_bp"] == pytest.approx(-57.0, abs=1e-9)  # DGS2 4.60 -> 4.03
    got = credit.credit_split(load_snapshot().closes, load_fred_snapshot().closes, T("2023-03-10"), T("2023-03-13"))
    assert data["split_log_pct"] == pytest.approx({k: v * 100 for k, v in got.parts.items()}, rel=1e-10)  # JSON keeps 12 significant digits
    text = dict(answer.fields)["Credit or rates"]
    assert text.startswith("2023-03-13: KRE -12.3%") and "/credit as_of:2023-03-13" in text


async def test_rates_as_of_2025_10_21_carries_the_rate_path(services, raw):
    closes, fred = raw
    answer = await ask(services, "rates", ["as_of:2025-10-21"])
    data = json.loads(answer.to_json())
    assert data["as_of"] == "2025-10-21"
    assert data["yields"]["^IRX"]["level_pct"] == closes.at[T("2025-10-21"), "^IRX"]  # the old figures, as of then
    path = data["rate_path"]
    assert path["policy_rate"] == {"symbol": "DFF", "date": "2025-10-21", "level_pct": 4.11, "source": "bundled FRED (DFF, DGS2)"}
    assert path["two_year"]["level_pct"] == fred.at[T("2025-10-21"), "DGS2"] == 3.45
    assert path["bill_13w"]["level_pct"] == closes.at[T("2025-10-21"), "^IRX"]
    assert path["cuts_priced_25bp_steps"] == pytest.approx((3.45 - 4.11) / 0.25, rel=1e-10)  # JSON keeps 12 significant digits
    assert "no term premium" in path["cuts_priced_assumption"]
    assert path["next_meeting"] == "2025-10-29" and path["fedwatch"] is None
    assert any("ZQ=F" in m for m in path["missing"]) and any("no dated" in m for m in path["missing"])
    assert path["policy_rate_afterwards"]["level_pct"] == 3.64 and path["policy_rate_afterwards"]["date"] == "2026-02-20"
    fields = dict(answer.fields)
    assert "roughly 2.6 quarter-point cuts" in answer.summary
    assert "approximation" in fields["Cuts priced (approximation)"]
    assert fields["What happened afterwards"].startswith("effective fed funds 3.64% on 2026-02-20 (-47 bp")
    with pytest.raises(InvalidInput):
        await ask(services, "rates", ["as_of:yesterday"])


@pytest.fixture
def yf_cache(tmp_path):
    reset_yfinance_state(tmp_path / "yf")
    yield tmp_path / "yf"
    reset_yfinance_state(None)


async def test_rates_live_reads_zq_over_replayed_yahoo(yf_cache):
    """ZQ=F through real yfinance over the replayed Yahoo. The price is a TEST VALUE chosen to make
    the arithmetic visible (no fed funds future data exists here): 95.95 -> implied 4.05%."""
    cut = T("2025-10-21")
    closes = load_snapshot().closes.loc[:cut, ["^IRX", "^TNX"]].copy()
    closes["ZQ=F"] = math.nan
    closes.loc[cut, "ZQ=F"] = 95.95
    now = T("2025-10-21 22:00Z")
    yahoo = ReplayYahooSession(closes, now=now)
    clock = lambda: now  # noqa: E731
    fred = MarketData(FredSource(session=ReplayFredSession(load_fred_snapshot().closes.loc[:cut], synthetic=False)), clock=clock)
    services = Services(market=MarketData(YahooSource(yf_cache, session=yahoo), clock=clock), clock=clock, fred=fred,
                        catalog=discover())
    answer = await ask(services, "rates", [])
    w = answer.data["rate_path"]["fedwatch"]
    assert (w["price"], w["session"], w["days_in_month"], w["days_before_meeting"]) == (95.95, "2025-10-21", 31, 28)
    assert w["implied_pct"] == pytest.approx(4.05, abs=1e-12)
    r_end = (31 * 4.05 - 28 * 4.11) / 3
    assert w["r_end_pct"] == pytest.approx(r_end, rel=1e-9)
    assert w["cut_probability"] == pytest.approx((4.11 - r_end) / 0.25, rel=1e-9)
    assert "CME FedWatch" in dict(answer.fields)["Next meeting (CME FedWatch method)"]
    assert answer.data["rate_path"]["source"] == "FRED" and answer.data["rate_path"]["policy_rate_afterwards"] is None


async def test_rates_without_fred_keeps_the_old_answer(services):
    bare = Services(market=services.market, clock=lambda: NOW, catalog=discover())
    answer = await ask(bare, "rates", [])
    assert answer.data["curve_10y_3m_bp"] == pytest.approx((4.086 - 3.595) * 100)
    assert answer.data["rate_path"] == {"error": "FRED data is not configured here"}
