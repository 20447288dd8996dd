"""/compare: two symbols (default Russell 2000 vs S&P 500) over a window."""

from __future__ import annotations

import discord
import pandas as pd
from discord import app_commands

from analytics.charts import compare_chart
from analytics.compare import Comparison, Leg, aligned_pair, compare
from analytics.errors import InvalidInput
from analytics.frames import history_name
from analytics.sources.base import Prices
from analytics.symbols import display_name, normalize_symbol, price_basis
from analytics.windows import resolve_window
from commands import format as fmt
from commands.answer import Answer
from commands.autocomplete import anchor_choices, end_anchor_choices, one_symbol_choices
from commands.catalog import DESCRIPTIONS
from commands.footer import footer, provenance_data
from commands.limits import heavy_cooldown
from commands.respond import CommandCog
from commands.services import Services


async def handle(services: Services, a: str = "^RUT", b: str = "^GSPC", start: str = "1y", end: str = "") -> Answer:
    """Returns, spread, the a/b ratio and where it stands, correlation, drawdowns."""
    a, b = normalize_symbol(a), normalize_symbol(b)
    if a == b:
        raise InvalidInput("Pick two different symbols to compare.")
    prices = await services.market.closes([a, b])
    return await services.offload(_answer, prices, a, b, start, end, services.clock())


def _answer(prices: Prices, a: str, b: str, start: str, end: str, now: pd.Timestamp) -> Answer:
    pair = aligned_pair(prices.closes, a, b)
    window = resolve_window(start, end, pair.index, now, history_name=history_name(prices.closes[[a, b]]))
    result = compare(pair, window)
    name_a, name_b = display_name(a), display_name(b)
    fields = [
        ("Returns", f"{a} {fmt.pct(result.a.return_)} · {b} {fmt.pct(result.b.return_)} · spread {fmt.pp(result.spread)}"),
        (f"Ratio {a}/{b}", f"{result.ratio_start:.4f} → {result.ratio_end:.4f} ({fmt.pct(result.ratio_change)})"),
        (
            "Ratio in its history",
            f"percentile {result.ratio_all.percentile:.1f} since {result.ratio_all.since.year} (z {result.ratio_all.zscore:+.2f}); "
            f"percentile {result.ratio_5y.percentile:.1f} over 5 years (z {result.ratio_5y.zscore:+.2f})",
        ),
        (
            "Ratio vs its extremes",
            f"{fmt.pct(result.ratio_vs_52w_high)} from 52-week high · {fmt.pct(result.ratio_vs_52w_low)} from 52-week low · "
            f"{fmt.pct(result.ratio_vs_record)} from record ({fmt.day(result.ratio_record_date)})",
        ),
        ("Correlation · beta (63 sessions)", f"{result.correlation_63d:.2f} · {result.beta_63d:.2f}"),
        ("Drawdowns", "\n".join(_drawdown_line(leg) for leg in (result.a, result.b))),
        ("Streak", _streak_text(result)),
    ]
    if window.notes:
        fields.append(("Dates", " ".join(window.notes)))
    return Answer(
        command="compare",
        title=f"{name_a} vs {name_b}",
        summary=_verdict(result),
        fields=tuple(fields),
        footer=footer(prices.provenance, [a, b], now, window.label(), window.end),
        data=_data(result, prices),
        chart=compare_chart(pair, result, caption=footer(prices.provenance, [a, b], now, as_of=window.end)),
        chart_name="compare.png",
    )


def _verdict(result: Comparison) -> str:
    a, b = result.a.symbol, result.b.symbol
    if (a, b) == ("^RUT", "^GSPC"):
        head = "Small caps lead" if result.spread > 0 else "Small caps trail"
    else:
        head = f"{display_name(a)} {'leads' if result.spread > 0 else 'trails'}"
    return (
        f"{head}: {display_name(a)} {fmt.pct(result.a.return_)} vs {display_name(b)} "
        f"{fmt.pct(result.b.return_)}, {fmt.pp(result.spread)}"
    )


def _drawdown_line(leg: Leg) -> str:
    return f"{leg.symbol}: worst {fmt.pct(leg.max_drawdown)} in window, {fmt.pct(leg.drawdown_52w)} from 52-week high"


def _streak_text(result: Comparison) -> str:
    if result.streak == 0:
        return "Level on the last session."
    leader, laggard = (result.a, result.b) if result.streak > 0 else (result.b, result.a)
    n = abs(result.streak)
    return f"{leader.symbol} beat {laggard.symbol} {n} session{'s' if n > 1 else ''} running."


def _leg_data(leg: Leg) -> dict:
    return {
        "symbol": leg.symbol,
        "name": display_name(leg.symbol),
        "basis": price_basis(leg.symbol),
        "start_close": leg.start_close,
        "end_close": leg.end_close,
        "return_pct": leg.return_ * 100,
        "max_drawdown_pct": leg.max_drawdown * 100,
        "drawdown_52w_pct": leg.drawdown_52w * 100,
    }


def _data(result: Comparison, prices: Prices) -> dict:
    return {
        "command": "compare",
        **provenance_data(prices.provenance, result.window.end),
        "start": result.window.start.date().isoformat(),
        "end": result.window.end.date().isoformat(),
        "notes": list(result.window.notes),
        "a": _leg_data(result.a),
        "b": _leg_data(result.b),
        "spread_pp": result.spread * 100,
        "ratio": {
            "start": result.ratio_start,
            "end": result.ratio_end,
            "change_pct": result.ratio_change * 100,
            "percentile_all": result.ratio_all.percentile,
            "zscore_all": result.ratio_all.zscore,
            "history_since": result.ratio_all.since.date().isoformat(),
            "percentile_5y": result.ratio_5y.percentile,
            "zscore_5y": result.ratio_5y.zscore,
            "vs_52w_high_pct": result.ratio_vs_52w_high * 100,
            "vs_52w_low_pct": result.ratio_vs_52w_low * 100,
            "vs_record_pct": result.ratio_vs_record * 100,
            "record_date": result.ratio_record_date.date().isoformat(),
        },
        "correlation_63d": result.correlation_63d,
        "beta_63d": result.beta_63d,
        "streak": result.streak,
    }


class Compare(CommandCog):
    @app_commands.command(name="compare", description=DESCRIPTIONS["compare"])
    @app_commands.describe(
        a="First symbol (default ^RUT, the Russell 2000)",
        b="Second symbol (default ^GSPC, the S&P 500)",
        start="A date (2022-10-12) or an anchor: oct-2022-low, svb, ytd, 1m ... 10y, max (default 1y)",
        end="A date (default: the last close)",
    )
    @app_commands.autocomplete(a=one_symbol_choices, b=one_symbol_choices, start=anchor_choices, end=end_anchor_choices)
    @heavy_cooldown
    async def compare(
        self,
        interaction: discord.Interaction,
        a: app_commands.Range[str, 1, 20] = "^RUT",
        b: app_commands.Range[str, 1, 20] = "^GSPC",
        start: app_commands.Range[str, 1, 20] = "1y",
        end: app_commands.Range[str, 1, 20] = "",
    ) -> None:
        await self.responder.answer(interaction, handle, a=a, b=b, start=start, end=end)
