"""/banks: are regional banks under stress? KRE, its ratios, breadth, and March 2023."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics import banks as stress
from analytics import credit as cr
from analytics.errors import MarketbotError
from analytics.sources.base import Prices
from analytics.windows import AS_OF_WORDS, fixed_day, snap_to_sessions
from commands.kit import format as fmt
from commands.kit import readings
from commands.kit.answer import Answer
from commands.kit.command import Act, Ask, AskHint, Button, Command, Services
from commands.kit.footer import footer, provenance_data
from commands.kit.options import Options, day_option

CHART_SPAN = pd.DateOffset(years=1)
# The day judged, as buttons: the last close, KRE's worst day of March 2023, the eve of SVB's failure, the Oct-2022 low.
BANK_DAYS = (
    ("latest", ""),
    ("March 2023 (13th)", "2023-03-13"),
    ("eve of SVB", "svb"),
    ("Oct-2022 low", "oct-2022-low"),
)


@dataclass(frozen=True)
class BanksOptions(Options):
    as_of: str = day_option("A past date to check instead of the last close, e.g. 2023-03-13 (default: the last close)")


async def answer(services: Services, o: BanksOptions) -> Answer:
    """KRE's moves and drawdown, KRE/SPY and KRE/XLF, breadth, and a stated stress level."""
    prices = await services.market.closes(list(stress.SYMBOLS))
    try:
        credit: tuple[Prices, Prices] | str = (await readings.fetch_inputs(services))[:2]
    except MarketbotError as exc:  # the bank answer goes on without the reading, and says why
        credit = str(exc).rstrip(".")
    return await services.offload(_answer, prices, o.as_of, services.clock(), credit, services.charts)


def buttons(o: BanksOptions) -> list[Button]:
    days: list[Button] = [Ask(label, {"as_of": value}, current=value == o.as_of) for label, value in BANK_DAYS]
    return [*days, Act("alert me", "alert", "kre", emoji="🔔", row=1)]


def _session(prices: Prices, as_of: str, now: pd.Timestamp) -> tuple[pd.Timestamp, list[str]]:
    kre = prices.closes[stress.KRE].dropna().index
    notes: list[str] = []
    if not as_of.strip():
        return kre[-1], notes
    day = fixed_day(as_of, "as_of", now, AS_OF_WORDS)
    assert day is not None  # parsed: a date or a named day
    return snap_to_sessions(day, kre, now, "as_of", notes, "KRE's history"), notes


def _stress_lines(s: stress.BankStress) -> dict[str, str]:
    b = s.breadth
    rank = (
        f"#{s.move_rank} biggest {s.move_direction} of {s.move_rank_of:,} sessions since {fmt.day(s.move_rank_since)}"
        if s.move_rank
        else "unchanged"
    )
    returns = f"1d {fmt.pct(s.kre_return_1d)} · 5d {fmt.pct(s.kre_return_5d)} · 20d {fmt.pct(s.kre_return_20d)}"
    return {
        "KRE": f"{fmt.price(s.kre_close)} · {returns}",
        "Move": f"z {_move_z(s)} vs EWMA volatility · {rank}",
        "Drawdown": f"{fmt.pct(s.kre_drawdown_52w)} from 52-week high",
        "KRE/SPY": _ratio_line(s.vs_spy),
        "KRE/XLF": _ratio_line(s.vs_xlf),
        "Breadth": f"{b.down_2pct}/{b.banks} down >2% · {b.below_200d}/{b.banks} below 200-day avg · "
        f"{b.at_52w_low}/{b.banks} at 52-week lows",
    }


def _ratio_line(r: stress.RatioCheck) -> str:
    return (
        f"20d {fmt.pct(r.change_20d)} · percentile {r.percentile:.1f} · "
        f"{fmt.pct(r.vs_record_low)} above record low ({fmt.day(r.record_low_date)})"
    )


def _answer(prices: Prices, as_of: str, now: pd.Timestamp, credit: tuple[Prices, Prices] | str, charts: bool) -> Answer:

    session, notes = _session(prices, as_of, now)
    credit_field, credit_data = _credit_field(credit, session)
    report = stress.bank_report(prices.closes, session)
    today, then = report.now, report.march_2023
    lines_now = _stress_lines(today)
    # Side by side with March 2023, unless that is today or not in the data (an earlier as-of replay).
    side = then if then is not None and then.session != today.session else None
    lines_then = _stress_lines(side) if side is not None else {}
    fields = [
        (
            f"{name} ({fmt.day(today.session)})",
            f"{text}\nMarch 2023 ({fmt.day(side.session)}): {lines_then[name]}" if side is not None else text,
        )
        for name, text in lines_now.items()
    ]
    fields.append(
        (
            f"Stress level: {today.level} ({today.points} points)",
            "\n".join(f"{p.label}: {_rule_value(p)} → {p.points}" for p in today.rule) + f"\n{stress.RULE_TEXT}",
        )
    )
    fields.append(credit_field)
    if notes:
        fields.append(("Date", " ".join(notes)))
    summary = (
        f"Regional-bank stress is {today.level.upper()} on {fmt.day(today.session)}: "
        f"KRE {fmt.pct(today.kre_return_1d)} (z {_move_z(today)}), "
        f"{fmt.pct(today.kre_drawdown_52w)} from its 52-week high"
    )
    if side is not None:
        summary += f" (March 2023 worst day {fmt.day(side.session)}: {side.level}, KRE {fmt.pct(side.kre_return_1d)})"
    summary += "."
    symbols = [stress.KRE, stress.SPY, stress.XLF]
    return Answer(
        command="banks",
        title="Regional-bank stress",
        summary=summary,
        fields=tuple(fields),
        footer=footer(prices.provenance, symbols, now, as_of=session)
        + f" · Basket: {today.breadth.banks} regional banks",
        data={
            "command": "banks",
            **provenance_data(prices.provenance, session),
            "now": _data(today),
            "march_2023": _data(then) if then is not None else None,
            "credit_or_rates": credit_data,
        },
        chart=_chart(prices.closes, session, footer(prices.provenance, symbols, now, as_of=session))
        if charts
        else None,
        chart_name="banks.png",
    )


def _chart(closes: pd.DataFrame, session: pd.Timestamp, caption: str) -> bytes:
    from analytics.charts import banks_chart  # here, not at import: see analytics.charts

    return banks_chart(closes, session - CHART_SPAN, session, caption=caption)


def _credit_field(inputs: tuple[Prices, Prices] | str, session: pd.Timestamp) -> tuple[tuple[str, str], dict]:
    """("Credit or rates", one line) and its figures: the reading of KRE's move on ``session``."""
    try:
        if isinstance(inputs, str):
            raise MarketbotError(inputs)
        prices, fred = inputs
        reading = cr.credit_reading_for_session(prices.closes, fred.closes, session)
    except MarketbotError as exc:
        return ("Credit or rates", f"not available: {str(exc).rstrip('.')}."), {"error": str(exc).rstrip(".")}
    return ("Credit or rates", readings.line(reading)), {**readings.reading_data(reading), "method": cr.METHOD}


def _rule_value(part: stress.RulePart) -> str:
    """The value as the rule reads it, never rounded onto or off one of its thresholds (fmt.against)."""
    limits = [t for t in (part.one_point, part.two_points) if t is not None]
    if "z-score" in part.label:
        return fmt.against(part.value, limits)
    if part.label.startswith("Share"):
        return fmt.against(part.value * 100, [t * 100 for t in limits], decimals=0, signed=False) + "%"
    return fmt.against(part.value * 100, [t * 100 for t in limits]) + "%"


def _move_z(s: stress.BankStress) -> str:
    """KRE's move z beside the stress rule's z thresholds (-2, -3): -2.96 is '-2.96', not '-3.0'."""
    return next(_rule_value(p) for p in s.rule if "z-score" in p.label)


def _data(s: stress.BankStress) -> dict:
    def ratio(r: stress.RatioCheck) -> dict:
        return {
            "change_20d_pct": r.change_20d * 100,
            "percentile": r.percentile,
            "vs_record_low_pct": r.vs_record_low * 100,
            "record_low_date": r.record_low_date.date().isoformat(),
        }

    return {
        "session": s.session.date().isoformat(),
        "kre_close": s.kre_close,
        "kre_return_1d_pct": s.kre_return_1d * 100,
        "kre_return_5d_pct": s.kre_return_5d * 100,
        "kre_return_20d_pct": s.kre_return_20d * 100,
        "move_zscore": s.move_zscore,
        "move_rank": s.move_rank,
        "move_rank_of": s.move_rank_of,
        "move_rank_since": s.move_rank_since.date().isoformat(),
        "move_direction": s.move_direction,
        "kre_drawdown_52w_pct": s.kre_drawdown_52w * 100,
        "kre_spy": ratio(s.vs_spy),
        "kre_xlf": ratio(s.vs_xlf),
        "breadth": {
            "banks": s.breadth.banks,
            "down_2pct": s.breadth.down_2pct,
            "below_200d": s.breadth.below_200d,
            "at_52w_low": s.breadth.at_52w_low,
        },
        "level": s.level,
        "points": s.points,
        "rule": [{"label": p.label, "value": p.value, "points": p.points} for p in s.rule],
    }


COMMANDS = (
    Command(
        name="banks",
        rank=50,
        description="Are regional banks under stress? KRE vs SPY and XLF, breadth, drawdown, March 2023",
        options=BanksOptions,
        answer=answer,
        buttons=buttons,
        ask=AskHint(
            r"\b(?:banks?|banking|regionals?|lenders?|kre|stress\w*|crisis|panic\w*|contagion|runs?)\b",
            "is there bank stress",
        ),
        chart=True,
    ),
)
