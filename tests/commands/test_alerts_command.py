"""/alerts on the snapshot: replay, the alert message, the subscription list and who may change alerts."""

from __future__ import annotations

import dataclasses
import json
import math
import struct
from types import SimpleNamespace

import discord
import numpy as np
import pandas as pd
import pytest

from analytics import credit as cr
from analytics.alerts.evaluate import evaluate
from analytics.alerts.events import DrawdownTrigger
from analytics.alerts.rules import RULES, watched_values
from analytics.errors import InvalidInput
from analytics.sources.snapshot import load_fred_snapshot
from bot.console import answer_text, ask
from commands.alerts.manage import MAX_PAGES, can_manage_alerts, role_warning, subscription_pages
from commands.alerts.messages import alert_answer, credit_line, headline, reasons, threshold
from commands.kit.command import answer as answer_question
from commands.kit.fields import NotAllowed
from commands.kit.render import to_embed, to_file
from commands.kit.store import Delivery, Subscription

from .conftest import NOW

T = pd.Timestamp
EVENT_KEYS = {"date", "rule", "level", "move_pct", "zscore"}
SYMBOLS = tuple(dict.fromkeys(s for rule in RULES.values() for s in rule.symbols))  # everything the rules read


async def replay(services, **options: str):
    """/alerts replay with these options as typed: parsed (the user's errors raised), then answered."""
    catalog = services.catalog
    question = catalog.question(catalog.get("alerts replay"), options, services.clock())
    return await answer_question(services, question)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


# ---------------------------------------------------------------- replay


@pytest.fixture
async def kre_2023(services):
    return await replay(services, rule="kre", start="2023-01-01", end="2023-12-31")


async def test_replay_lists_every_event_with_its_figures(kre_2023):
    data = kre_2023.data
    assert (data["command"], data["rule"], data["preset"], data["source"]) == (
        "alerts replay",
        "kre",
        "standard",
        "snapshot",
    )
    assert data["end"] == "2023-12-29"  # snapped to the session before
    events = data["events"]
    assert events and all(set(e) >= EVENT_KEYS for e in events)
    assert all(e["rule"] == "kre" and e["level"] in ("notable", "sharp") for e in events)
    assert all("2023-01-01" <= e["date"] <= "2023-12-31" for e in events)
    assert [e["date"] for e in events] == sorted(e["date"] for e in events)
    by_date = {e["date"]: e for e in events}
    assert by_date["2023-03-09"]["level"] == "sharp" and by_date["2023-03-13"]["level"] == "sharp"
    sharp = sum(e["level"] == "sharp" for e in events)
    assert f"would have fired {len(events)} times" in kre_2023.summary and f"{sharp} of them sharp" in kre_2023.summary
    assert kre_2023.title == "Alert replay: kre"
    assert "snapshot" in kre_2023.footer
    json.loads(kre_2023.to_json())


async def test_replay_figures_for_2023_03_09_match_an_independent_computation(kre_2023, raw_closes):
    """KRE's log move over the RiskMetrics (lambda 0.94) volatility of the session before, by hand."""
    kre = raw_closes["KRE"].dropna()
    values, dates = kre.to_numpy(), kre.index
    logs = np.log(values[1:] / values[:-1])  # logs[k] is the move into dates[k + 1]
    var = np.empty_like(logs)
    var[0] = logs[0] ** 2
    for k in range(1, len(logs)):
        var[k] = 0.94 * var[k - 1] + 0.06 * logs[k] ** 2
    i = dates.get_loc(T("2023-03-09"))
    assert dates[i - 1] == T("2023-03-08")
    z = logs[i - 1] / math.sqrt(var[i - 2])  # the move into 03-09 over the volatility known at 03-08's close
    move_pct = (values[i] / values[i - 1] - 1) * 100

    event = next(e for e in kre_2023.data["events"] if e["date"] == "2023-03-09")
    assert event["zscore"] == pytest.approx(z, rel=1e-9)
    assert event["move_pct"] == pytest.approx(move_pct, rel=1e-12)
    assert (round(event["move_pct"], 1), round(event["zscore"], 1)) == (-8.1, -5.8)


async def test_replay_lists_no_event_before_the_requested_start(services):
    """Saturday 2023-03-11 snaps back to Friday as a return's base, but the judged days start on Monday."""
    answer = await replay(services, rule="kre", start="2023-03-11", end="2023-03-13", sensitivity="sensitive")
    assert [e["date"] for e in answer.data["events"]] == ["2023-03-13"]
    assert answer.data["start"] == "2023-03-13" and "from 2023-03-13 to 2023-03-13" in answer.summary
    friday = await replay(services, rule="kre", start="2023-03-10", end="2023-03-13", sensitivity="sensitive")
    assert [e["date"] for e in friday.data["events"]] == ["2023-03-10", "2023-03-13"]


async def test_replay_ytd_judges_from_the_first_session_of_the_year(services):
    answer = await replay(services, rule="kre", start="ytd", end="2023-03-13", sensitivity="sensitive")
    assert answer.data["start"] == "2023-01-03"  # 2023-01-02 was a holiday; the base is 2022-12-30
    assert answer.data["events"][0]["date"] >= "2023-01-03"


@pytest.mark.parametrize(
    ("options", "message"),
    [({"rule": "spx"}, "Replay works for the rules"), ({"sensitivity": "loud"}, "Sensitivity is one of sensitive, standard, quiet; `loud`"),
     ({"rule": ""}, "Replay works for the rules")],
)  # fmt: skip
async def test_replay_refuses_an_unknown_rule_or_preset(services, options, message):
    with pytest.raises(InvalidInput, match=message) as info:
        await replay(services, **options)
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


async def test_replay_options_are_normalised(services):
    answer = await replay(services, rule=" KRE ", start="2023-03-01", end="2023-03-31", sensitivity="Quiet")
    assert (answer.data["rule"], answer.data["preset"]) == ("kre", "quiet")


async def test_replay_through_the_terminal_subcommand(services, kre_2023):
    answer = await ask(services, "alerts", ["replay", "rule:kre", "start:2023-01-01", "end:2023-12-31"])
    assert answer.command == "alerts replay"
    assert answer.data["events"] == kre_2023.data["events"]
    assert answer_text(answer).startswith("Alert replay: kre\n")
    with pytest.raises(InvalidInput, match="not an option of alerts replay"):
        await ask(services, "alerts", ["replay", "symbol:KRE"])


# ---------------------------------------------------------------- the alert message


@pytest.fixture
async def march_13(services):
    prices = await services.market.closes(list(SYMBOLS))
    (event,) = evaluate(prices.closes, "kre", T("2023-03-13")).events
    return event, prices


async def test_the_alert_for_2023_03_13(march_13):
    event, prices = march_13
    values = watched_values(prices.closes, event.watched)
    assert values.name == "KRE" and values.loc["2023-03-13"] == prices.closes.loc["2023-03-13", "KRE"]
    assert event.preset == "standard"
    answer = alert_answer(event, values, prices.provenance, NOW)

    assert answer.command == "alert" and answer.title == "Sharp move: KRE"
    assert answer.summary == headline(event)
    fields = dict(answer.fields)
    assert list(fields)[:4] == ["Move", "Threshold crossed", "Why", "Context"]
    assert fields["Threshold crossed"] == f"{threshold(event)} · preset standard"
    assert fields["Why"] == "\n".join(reasons(event))
    assert f"{event.zscore:+.1f}σ" in fields["Move"]
    assert "percentile" in fields["Context"] and "2023-03-09" in fields["Context"]  # the last day as unusual
    assert "KRE/SPY" in fields
    assert answer.chart_name == "alert.png" and png_size(answer.chart)[0] > 0
    assert "snapshot" in answer.footer and "As of close 2023-03-13" in answer.footer
    data = answer.data
    assert (data["date"], data["rule"], data["level"], data["source"]) == ("2023-03-13", "kre", "sharp", "snapshot")
    json.loads(answer.to_json())

    embed, file = to_embed(answer), to_file(answer)  # within Discord's limits, chart attached
    assert embed.title == answer.title and all(len(f.value) <= 1024 for f in embed.fields)
    assert file is not None and file.filename == "alert.png"


async def test_a_backstop_alert_says_so_instead_of_a_z_score(march_13):
    event, prices = march_13
    # The event with only its backstop (the 30-session drawdown): no z-score, judged at the quiet preset.
    drawdown = tuple(t for t in event.triggers if isinstance(t, DrawdownTrigger))
    backstop = dataclasses.replace(event, preset="quiet", triggers=drawdown)
    assert drawdown and backstop.zscore is None
    answer = alert_answer(backstop, watched_values(prices.closes, event.watched), prices.provenance, NOW)
    assert "backstop" in dict(answer.fields)["Move"] and answer.data["zscore"] is None


# ---------------------------------------------------------------- the KRE alert's "Credit or rates"


@pytest.fixture
async def march_13_reading(services):
    """The one-session reading of 2023-03-13, on the snapshot's closes with the credit ETFs and FRED's DGS2."""
    prices = await services.market.closes(list(dict.fromkeys([*SYMBOLS, *cr.SYMBOLS])))
    return cr.credit_reading_for_session(prices.closes, load_fred_snapshot().closes, T("2023-03-13"))


def reading_figures(raw_closes, day: pd.Timestamp) -> dict[str, float]:
    """The z of KRE against XLF and the 2-year's move into ``day`` by hand (252 trailing daily moves, ddof 1)."""
    kre = raw_closes["KRE"].dropna().index
    j = kre.get_loc(day)
    x = np.log((raw_closes["KRE"] / raw_closes["XLF"]).reindex(kre[j - 253 : j + 1]).to_numpy())
    dgs2 = load_fred_snapshot().closes["DGS2"].dropna()  # FRED's file as bundled (the input, not a figure)
    return {"kre_vs_xlf_z": (x[-1] - x[-2]) / np.std(np.diff(x[:-1]), ddof=1),
            "two_year_bp": (dgs2.asof(day) - dgs2.asof(kre[j - 1])) * 100}  # fmt: skip


async def test_a_kre_alert_after_the_close_carries_the_reading(march_13, march_13_reading, raw_closes):
    event, prices = march_13
    answer = alert_answer(event, watched_values(prices.closes, event.watched), prices.provenance, NOW, march_13_reading)
    fields = dict(answer.fields)
    line = fields["Credit or rates"]
    assert list(fields)[-1] == "Credit or rates" and line == credit_line(march_13_reading)
    hand = reading_figures(raw_closes, T("2023-03-13"))
    assert hand["two_year_bp"] == pytest.approx(-57.0)
    assert line.startswith("Rates: a stock of rate losses (2-year +444 bp over 24 months and +288 bp over 12, ")
    assert "credit stress, read as contagion" in line and "a flight to quality (2-year -57 bp)" in line
    assert f"bank-specific (KRE against XLF z {hand['kre_vs_xlf_z']:+.2f})" in line
    assert line.endswith("`/credit as_of:2023-03-13 window:1`.")
    data = json.loads(answer.to_json())
    assert data["credit_line"] == line
    assert (data["credit"]["start"], data["credit"]["end"], data["credit"]["sessions"]) == (
        "2023-03-10",
        "2023-03-13",
        1,
    )
    assert data["credit"]["reading"] == {"primary": "rates", "rates_backdrop": True, "credit_stress": True,
                                         "flight_to_quality": True, "bank_specific": True}  # fmt: skip
    assert data["credit"]["kre_vs_xlf"]["z"] == pytest.approx(hand["kre_vs_xlf_z"], rel=1e-9)
    # The basis names what the reading read.
    assert "Basis: total return (KRE, XLF, SPY, TLT, IEF, HYG, BKLN, BIZD) ·" in answer.footer
    embed = to_embed(answer)
    assert all(len(f.value) <= 1024 for f in embed.fields) and len(embed) <= 6000


@pytest.mark.parametrize(
    ("credit", "line"),
    [
        (None, "Read on the session's closes: see the daily digest after the close."),
        ("FRED cannot be reached right now.", "Not read: FRED cannot be reached right now."),
    ],
)
async def test_a_kre_alert_without_a_reading_says_why(march_13, credit, line):
    event, prices = march_13
    answer = alert_answer(event, watched_values(prices.closes, event.watched), prices.provenance, NOW, credit)
    assert dict(answer.fields)["Credit or rates"] == line == credit_line(credit)
    data = json.loads(answer.to_json())
    assert data["credit"] is None and data["credit_line"] == line
    assert "HYG" not in answer.footer


async def test_a_ratio_alert_has_no_credit_field(services):
    prices = await services.market.closes(list(SYMBOLS))
    (event, *_) = evaluate(prices.closes, "ratio", T("2023-03-13")).events
    answer = alert_answer(event, watched_values(prices.closes, event.watched), prices.provenance, NOW, "ignored")
    assert (
        "Credit or rates" not in dict(answer.fields)
        and "credit" not in answer.data
        and "credit_line" not in answer.data
    )


# ---------------------------------------------------------------- /alerts list


def subscription(id_: int, channel: int, rule: str = "kre", preset: str = "standard", role: int | None = None,
                 paused: str | None = None) -> Subscription:  # fmt: skip
    return Subscription(id_, 100, channel, rule, preset, role, 7, "2026-11-01T00:00:00.000+00:00", paused)


def delivery(sub_id: int, session: str, level: str, state: str) -> Delivery:
    return Delivery(sub_id, "kre", session, level, state, "KRE fell", "2026-11-02T21:00:00.000+00:00", None, None, None)


def test_subscription_list_shows_state_role_and_last_alert():
    active = subscription(1, 10, role=55)
    paused = subscription(2, 11, "ratio", "quiet", paused="no permission to post there (Discord 403); fix it")
    fresh = subscription(3, 12, preset="sensitive")
    (text,) = subscription_pages([active, paused, fresh], {1: delivery(1, "2023-03-13", "sharp", "sent"),
                                                            2: delivery(2, "2023-03-09", "notable", "failed")})  # fmt: skip
    lines = text.split("\n")
    assert lines == [
        "<#10> kre (standard, mentions <@&55>): active; last alert 2023-03-13 sharp (sent)",
        "<#11> ratio (quiet): PAUSED: no permission to post there (Discord 403); fix it; last alert 2023-03-09 notable (failed)",
        "<#12> kre (sensitive): active; no alert yet",
    ]


def test_subscription_list_when_empty():
    assert subscription_pages([], {}) == ["No alert subscriptions in this server. `/alerts subscribe` adds one."]


def test_a_long_subscription_list_is_paged_in_whole_lines_and_never_cut_silently():
    many = [subscription(i, 1_300_000_000_000_000_000 + i) for i in range(200)]
    pages = subscription_pages(many, {})
    assert 1 < len(pages) <= MAX_PAGES and all(len(page) <= 2000 for page in pages)
    lines = [line for page in pages for line in page.split("\n")]
    assert lines == [f"<#{s.channel_id}> kre (standard): active; no alert yet" for s in many]  # all 200, in order


def test_beyond_the_pages_the_rest_is_counted():
    many = [subscription(i, 1_300_000_000_000_000_000 + i) for i in range(1000)]
    pages = subscription_pages(many, {})
    assert len(pages) == MAX_PAGES and all(len(page) <= 2000 for page in pages)
    lines = [line for page in pages for line in page.split("\n")]
    shown = lines[:-1]
    assert shown == [f"<#{s.channel_id}> kre (standard): active; no alert yet" for s in many[: len(shown)]]
    assert lines[-1].startswith(f"… and {1000 - len(shown)} more (1000 subscriptions in all;")


# ---------------------------------------------------------------- who may change alerts


def interaction(guild_id: int | None, **permissions: bool) -> SimpleNamespace:
    return SimpleNamespace(guild_id=guild_id, permissions=discord.Permissions(**permissions))


def test_alerts_are_not_set_up_in_direct_messages():
    with pytest.raises(NotAllowed, match="server channel"):
        can_manage_alerts(interaction(None, manage_guild=True))


@pytest.mark.parametrize("permission", ["manage_guild", "manage_channels"])
def test_manage_server_or_manage_channels_may_change_alerts(permission):
    assert can_manage_alerts(interaction(1, **{permission: True})) is None  # allowed: nothing raised


@pytest.mark.parametrize("permissions", [{}, {"send_messages": True, "manage_messages": True, "manage_roles": True}])
def test_others_are_refused_with_the_permission_they_need(permissions):
    with pytest.raises(NotAllowed) as info:
        can_manage_alerts(interaction(1, **permissions))
    assert "Manage Server" in str(info.value) and "Manage Channels" in str(info.value)


def test_a_role_nobody_may_mention_gets_a_warning_on_subscribe():
    quiet_role = SimpleNamespace(mentionable=False, mention="<@&42>")
    warning = role_warning(quiet_role, discord.Permissions.none())
    assert "<@&42> cannot be mentioned" in warning and "Allow anyone to @mention this role" in warning
    assert role_warning(quiet_role, discord.Permissions(mention_everyone=True)) == ""  # the bot may mention any role
    assert role_warning(SimpleNamespace(mentionable=True, mention="<@&42>"), discord.Permissions.none()) == ""
    assert role_warning(None, discord.Permissions.none()) == ""
