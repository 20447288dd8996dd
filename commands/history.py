"""/history: Russell 2000 against the S&P 500 over the long run."""

from __future__ import annotations

import pandas as pd

from analytics.compare import aligned_pair
from analytics.history import LongRun, long_run
from analytics.sources.base import Prices
from commands.kit import format as fmt
from commands.kit.answer import Answer
from commands.kit.command import AskHint, Command, Services
from commands.kit.footer import footer, provenance_data
from commands.kit.options import NoOptions

A, B = "^RUT", "^GSPC"
RECENT_YEARS = 10  # calendar years listed in Discord (JSON has all)


async def answer(services: Services, options: NoOptions) -> Answer:
    """Calendar-year returns side by side and how often small caps won over 1, 3 and 5 years."""
    prices = await services.market.closes([A, B])
    return await services.offload(_answer, prices, services.clock(), services.charts)


def _answer(prices: Prices, now: pd.Timestamp, charts: bool) -> Answer:
    pair = aligned_pair(prices.closes, A, B)
    result = long_run(pair)
    wins = sum(1 for y in result.years if not y.partial and y.spread > 0)
    full = sum(1 for y in result.years if not y.partial)
    summary = (
        f"Small caps beat large caps in {wins} of {full} calendar years since {result.years[0].year}; "
        + ", ".join(f"{r.share * 100:.0f}% of rolling {r.years}-year windows" for r in result.rolling)
        + "."
    )
    lines = [
        f"{y.year}{' YTD' if y.partial else ''}: {fmt.pct(y.return_a)} vs {fmt.pct(y.return_b)} ({fmt.pp(y.spread)})"
        for y in result.years[-RECENT_YEARS:]
    ]
    fields = (
        (f"Calendar years, {A} vs {B}", "\n".join(lines)),
        (
            "Rolling windows (252 sessions a year)",
            "\n".join(
                f"{r.years}y: {A} ahead in {r.a_beat_b:,} of {r.windows:,} ({r.share * 100:.1f}%)"
                for r in result.rolling
            ),
        ),
    )
    data = {
        "command": "history",
        **provenance_data(prices.provenance, result.as_of),
        "start": result.first.date().isoformat(),
        "end": result.as_of.date().isoformat(),
        "a": A,
        "b": B,
        "years": [
            {
                "year": y.year,
                "partial": y.partial,
                "a_return_pct": y.return_a * 100,
                "b_return_pct": y.return_b * 100,
                "spread_pp": y.spread * 100,
            }
            for y in result.years
        ],
        "rolling": [
            {"years": r.years, "windows": r.windows, "a_beat_b": r.a_beat_b, "share_pct": r.share * 100}
            for r in result.rolling
        ],
    }
    return Answer(
        command="history",
        title="Small caps vs large caps, the long run",
        summary=summary,
        fields=fields,
        footer=footer(prices.provenance, [A, B], now, f"{result.first.date()} → {result.as_of.date()}", result.as_of),
        chart=_chart(pair, result, footer(prices.provenance, [A, B], now, as_of=result.as_of)) if charts else None,
        chart_name="history.png",
        data=data,
    )


def _chart(pair: pd.DataFrame, result: LongRun, caption: str) -> bytes:
    from analytics.charts import history_chart  # here, not at import: see analytics.charts

    return history_chart(pair, result, caption=caption)


COMMANDS = (
    Command(
        name="history",
        rank=40,
        description="Russell 2000 vs S&P 500 by calendar year, and how often small caps won over 1/3/5 years",
        answer=answer,
        ask=AskHint(
            r"\b(?:long (?:run|term)|histor\w*|by year|calendar years?|annual\w*|decades|how often|rolling)\b",
            "long run small vs large",
        ),
        chart=True,
    ),
)
