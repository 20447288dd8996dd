"""What a newcomer reads: basis said in the verdict, replay lists that add up, JSON without float noise, terminal layout."""

from __future__ import annotations

import json

import pytest

from bot.console import answer_text, ask
from commands.compare import basis_note
from commands.kit.answer import Answer
from commands.kit.limits import FIELD_VALUE_MAX as FIELD_LIMIT
from commands.kit.render import to_embed

# ---------------------------------------------------------------- total return against a price index


async def test_an_etf_against_its_own_index_says_the_lead_is_dividends(services, raw_closes):
    answer = await ask(services, "compare", ["a:SPY", "b:^GSPC", "start:2025-02-20", "end:2026-02-20"])
    spy = raw_closes["SPY"].loc["2026-02-20"] / raw_closes["SPY"].loc["2025-02-20"] - 1
    spx = raw_closes["^GSPC"].loc["2026-02-20"] / raw_closes["^GSPC"].loc["2025-02-20"] - 1
    assert 0 < spy - spx < 0.02  # about a year of the S&P 500's dividends
    assert answer.summary.endswith(". SPY's lead is mostly dividends: SPY is total return, ^GSPC price only.")
    assert answer.data["basis_note"] == "SPY's lead is mostly dividends: SPY is total return, ^GSPC price only"
    assert answer.data["like_for_like"] is None  # the same index on both sides: nothing to swap
    assert "Like for like" not in dict(answer.fields)


async def test_a_mixed_pair_names_the_bases_and_offers_the_like_for_like_pair(services):
    answer = await ask(services, "compare", ["a:IWM", "b:^GSPC"])
    assert answer.summary.endswith(". IWM is total return (dividends in), ^GSPC price only, which favours IWM.")
    assert answer.data["like_for_like"] == {"a": "IWM", "b": "SPY"}
    assert dict(answer.fields)["Like for like"] == "`compare a:IWM b:SPY` compares total return with total return."


@pytest.mark.parametrize(
    ("a", "b", "spread", "pair", "sentence"),
    [
        ("^RUT", "SPY", 0.03, ("IWM", "SPY"), "SPY is total return (dividends in), ^RUT price only, which favours SPY"),
        ("KRE", "^DJI", -0.1, ("KRE", "DIA"), "KRE is total return (dividends in), ^DJI price only, which favours KRE"),
        (
            "QQQ",
            "^IXIC",
            0.01,
            ("^NDX", "^IXIC"),
            "QQQ is total return (dividends in), ^IXIC price only, which favours QQQ",
        ),
        ("IWM", "^RUT", -0.01, None, "IWM trails despite its dividends: IWM is total return, ^RUT price only"),
        ("KRE", "^VIX", 0.2, None, "KRE is total return (dividends in), ^VIX price only, which favours KRE"),
    ],
)
def test_basis_note(a, b, spread, pair, sentence):
    note = basis_note(a, b, spread)
    assert (note.sentence, note.like_for_like) == (sentence, pair)


@pytest.mark.parametrize(("a", "b"), [("^RUT", "^GSPC"), ("IWM", "SPY"), ("^TNX", "SPY"), ("^TNX", "^GSPC")])
def test_same_basis_or_a_yield_adds_nothing(a, b):
    assert basis_note(a, b, 0.1).sentence == ""


async def test_performance_marks_the_rows_that_are_not_total_returns(services):
    answer = await ask(services, "performance", ["symbols:SPY ^GSPC ^TNX"])
    fields = dict(answer.fields)
    ranked = [name for name, _ in answer.fields if name[:1].isdigit()]
    assert len(ranked) == 2
    assert any(n.endswith("(SPY)") for n in ranked)
    assert any(n.endswith("(^GSPC, price only)") for n in ranked)
    # A yield is no return: it is not a numbered row but a line of its own field, in bp.
    assert not any("^TNX" in n for n in ranked)
    [line] = fields["Yields: in bp, not ranked with returns"].split("\n")
    assert line.startswith("US 10-Year Treasury Yield (^TNX): ") and " bp · " in line


# ---------------------------------------------------------------- alerts replay: headline, list, footer and JSON agree


@pytest.fixture
def headlines(monkeypatch) -> list[str]:
    """Each replayed event's headline, as the replay made it (the JSON has the figures, not the text)."""
    from commands.alerts import replay
    from commands.alerts.messages import headline

    made: list[str] = []
    real = replay.replay

    def recording(*args, **kwargs):
        events = real(*args, **kwargs)
        made[:] = [headline(e) for e in events]
        return events

    monkeypatch.setattr(replay, "replay", recording)
    return made


async def test_replay_lists_as_many_events_as_its_headings_say(services, headlines):
    answer = await ask(
        services, "alerts", ["replay", "rule:ratio", "start:2020-01-01", "end:2020-12-31", "sensitivity:sensitive"]
    )
    events = answer.data["events"]
    assert len(events) == len(headlines) == 55  # more than are listed: the headings say so
    listed = [(name, value) for name, value in answer.fields if name.startswith("Latest")]
    assert [name for name, _ in listed] == [
        f"Latest 25 of 55 events ({i}/{len(listed)})" for i in range(1, len(listed) + 1)
    ]
    lines = [line for _, value in listed for line in value.split("\n")]
    assert lines == headlines[-25:]  # the newest 25, in order, none dropped
    assert all(event["date"] in line for event, line in zip(events[-25:], lines, strict=True))  # the JSON's, too
    assert all(len(value) <= FIELD_LIMIT for _, value in listed)
    assert sum(e["level"] == "sharp" for e in events) == 12 and "12 of them sharp" in answer.summary
    embed = to_embed(answer)
    assert len(embed) <= 6000 and [f.value for f in embed.fields][: len(listed)] == [v for _, v in listed]


async def test_replay_headline_footer_and_json_name_one_window(services):
    answer = await ask(services, "alerts", ["replay", "rule:ratio", "start:2020-01-01", "end:2020-12-31"])
    assert "from 2020-01-02 to 2020-12-31" in answer.summary
    assert "Window: 2020-01-02 → 2020-12-31" in answer.footer
    assert (answer.data["start"], answer.data["end"]) == ("2020-01-02", "2020-12-31")
    assert dict(answer.fields)["Dates"] == "Start 2020-01-01 is not a trading day; judged from 2020-01-02."
    assert answer.data["date_notes"] == ["Start 2020-01-01 is not a trading day; judged from 2020-01-02."]


async def test_replay_basis_names_only_the_rules_symbols(services):
    ratio = await ask(services, "alerts", ["replay", "rule:ratio", "start:2020-01-01", "end:2020-12-31"])
    assert "Basis: price (^RUT, ^GSPC) ·" in ratio.footer
    kre = await ask(services, "alerts", ["replay", "rule:kre", "start:2023-01-01", "end:2023-12-31"])
    assert "Basis: total return (KRE, SPY) ·" in kre.footer


async def test_a_replay_that_lists_everything_says_all(services):
    answer = await ask(services, "alerts", ["replay", "rule:kre", "start:2023-03-01", "end:2023-03-31"])
    [(name, value)] = [(n, v) for n, v in answer.fields if n.startswith("All")]
    assert name == f"All {len(answer.data['events'])} events"
    assert value.count("\n") + 1 == len(answer.data["events"])


# ---------------------------------------------------------------- JSON and the terminal


def test_json_numbers_lose_float_noise_only():
    answer = Answer("x", "t", "s", data={"spread_bp": -17.99999999999997, "close": 6909.51, "tiny": 1.2345678901234e-7,
                                         "big": 123456789.123, "none": float("nan"), "n": 3, "rows": [{"r": 0.1 + 0.2}]})  # fmt: skip
    data = json.loads(answer.to_json())
    assert data == {"spread_bp": -18.0, "close": 6909.51, "tiny": 1.23456789012e-7, "big": 123456789.123,
                    "none": None, "n": 3, "rows": [{"r": 0.3}]}  # fmt: skip


async def test_json_of_a_real_answer_is_the_computed_figures(services, raw_closes):
    answer = await ask(services, "compare", ["a:^RUT", "b:^GSPC", "start:2022-10-12", "end:2025-10-21"])
    data = json.loads(answer.to_json())
    assert data["a"]["return_pct"] == pytest.approx(answer.data["a"]["return_pct"], rel=1e-11)
    assert data["streak"]["sign"] == "positive: a beat b; negative: b beat a"
    streak = answer.data["streak"]["sessions"]
    assert data["streak"]["leader"] == ("^RUT" if streak > 0 else "^GSPC" if streak < 0 else None)


async def test_the_bills_basis_is_said_wherever_its_yield_is_shown(services):
    """^IRX is a discount yield; /rates shows both and subtracts the bond-equivalent one from the 10-year."""
    answer = await ask(services, "rates", ["as_of:2025-10-21"])
    assert "13-week bill 3.87% (bond-equivalent)" in answer.summary
    fields = dict(answer.fields)
    assert fields["13-week bill (^IRX)"].startswith("3.785% discount = 3.875% bond-equivalent")
    assert "10y minus 3m (bill bond-equivalent)" in fields
    data = json.loads(answer.to_json())["yields"]["^IRX"]
    assert (data["quoted_pct"], round(data["level_pct"], 3), data["basis"]) == (
        3.785, 3.875, "bond-equivalent (from the quoted discount yield)",
    )  # fmt: skip


async def test_credit_json_has_round_figures_where_the_data_has_them(services):
    """Differences of two-decimal yields come out whole (5.05 − 1.63 is 342 bp, not 341.99999999999994)."""
    data = json.loads((await ask(services, "credit", ["as_of:march-2023"])).to_json())
    assert (data["backdrop"]["dgs2_change_12m_bp"], data["backdrop"]["dgs2_change_24m_bp"]) == (342.0, 488.0)
    assert data["two_year"]["change_bp"] == -102.0 and data["backdrop"]["dgs2_pct"] == 5.05


def test_terminal_fields_put_a_multi_line_heading_on_its_own_line():
    answer = Answer(
        "x", "Title", "Verdict.", fields=(("One", "a line"), ("Several", "first\nsecond")), footer="Data: x"
    )
    assert answer_text(answer) == "Title\nVerdict.\n\nOne: a line\nSeveral:\n  first\n  second\n\nData: x"
