"""/compare: two symbols (default Russell 2000 vs S&P 500) over a window."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.charts import compare_chart
from analytics.compare import Comparison, Leg, aligned_pair, compare
from analytics.errors import InvalidInput, MarketbotError
from analytics.frames import history_name
from analytics.sources.base import Prices
from analytics.symbols import display_name, price_basis
from analytics.windows import check_window, resolve_window
from commands.kit import format as fmt
from commands.kit.answer import Answer
from commands.kit.command import Act, Ask, AskHint, Button, Command, Pick, Services, window_buttons
from commands.kit.footer import footer, provenance_data
from commands.kit.options import Options, end_option, start_option, symbol_option

# The ETF that tracks each price index: the index's like-for-like stand-in, total return like any ETF.
TRACKERS = {"^GSPC": "SPY", "^RUT": "IWM", "^NDX": "QQQ", "^DJI": "DIA"}
PAIRS = (("^RUT", "^GSPC"), ("IWM", "SPY"), ("KRE", "SPY"), ("KRE", "XLF"), ("QQQ", "SPY"))
ALERT_PAIR = ("^RUT", "^GSPC")  # the pair the ratio alert rule watches


@dataclass(frozen=True)
class CompareOptions(Options):
    a: str = symbol_option("First symbol (default ^RUT, the Russell 2000)", "^RUT")
    b: str = symbol_option("Second symbol (default ^GSPC, the S&P 500)", "^GSPC")
    start: str = start_option()
    end: str = end_option()

    def check(self, today: pd.Timestamp) -> None:
        if self.a == self.b:
            raise InvalidInput("Pick two different symbols to compare.")
        check_window(self.start, self.end, today)


async def answer(services: Services, o: CompareOptions) -> Answer:
    """Returns, spread, the a/b ratio and where it stands, correlation, drawdowns."""
    prices = await services.market.closes([o.a, o.b], partial=True)  # raises when neither side can be had
    for side, symbol in (("a", o.a), ("b", o.b)):
        if symbol in prices.missing:  # say which side failed
            raise MarketbotError(f"{side}: {prices.missing[symbol]}")
    return await services.offload(_answer, prices, o.a, o.b, o.start, o.end, services.clock())


def buttons(o: CompareOptions) -> list[Button]:
    """Windows; swap; another pair (keeping the window); alert me on the ratio rule's pair."""
    items = window_buttons(o.start)
    items.append(Ask("swap", {"a": o.b, "b": o.a}, row=1))
    if (o.a, o.b) == ALERT_PAIR:
        items.append(Act("alert me", "alert", "ratio", emoji="🔔", row=1))
    items.append(Pick("pair", "Another pair", tuple((f"{a} vs {b}", (a, b)) for a, b in PAIRS), (o.a, o.b), row=2))
    return items


def _answer(prices: Prices, a: str, b: str, start: str, end: str, now: pd.Timestamp) -> Answer:
    pair = aligned_pair(prices.closes, a, b)
    window = resolve_window(start, end, pair.index, now, history_name=history_name(prices.closes[[a, b]]))
    result = compare(pair, window)
    name_a, name_b = display_name(a), display_name(b)
    fields = [
        (
            "Returns",
            f"{a} {fmt.pct(result.a.return_)} · {b} {fmt.pct(result.b.return_)} · spread {fmt.pp(result.spread)}",
        ),
        (f"Ratio {a}/{b}", f"{result.ratio_start:.4f} → {result.ratio_end:.4f} ({fmt.pct(result.ratio_change)})"),
        (
            "Ratio in its history",
            f"percentile {result.ratio_all.percentile:.1f} since {result.ratio_all.since.year} "
            f"(z {result.ratio_all.zscore:+.2f}); "
            f"percentile {result.ratio_5y.percentile:.1f} over 5 years (z {result.ratio_5y.zscore:+.2f})",
        ),
        (
            "Ratio vs its extremes",
            f"{fmt.pct(result.ratio_vs_52w_high)} from 52-week high · "
            f"{fmt.pct(result.ratio_vs_52w_low)} from 52-week low · "
            f"{fmt.pct(result.ratio_vs_record)} from record ({fmt.day(result.ratio_record_date)})",
        ),
        ("Correlation · beta (63 sessions)", f"{result.correlation_63d:.2f} · {result.beta_63d:.2f}"),
        ("Drawdowns", "\n".join(_drawdown_line(leg) for leg in (result.a, result.b))),
        ("Streak", _streak_text(result)),
    ]
    basis = basis_note(a, b, result.spread)
    if basis.like_for_like:
        la, lb = basis.like_for_like
        fields.append(
            (
                "Like for like",
                f"`compare a:{la} b:{lb}` compares {basis.like_for_like_basis} with {basis.like_for_like_basis}.",
            )
        )
    if window.notes:
        fields.append(("Dates", " ".join(window.notes)))
    return Answer(
        command="compare",
        title=f"{name_a} vs {name_b}",
        summary=_verdict(result) + (f". {basis.sentence}." if basis.sentence else ""),
        fields=tuple(fields),
        footer=footer(prices.provenance, [a, b], now, window.label(), window.end),
        data=_data(result, prices, basis),
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


@dataclass(frozen=True)
class BasisNote:
    """What a comparison of a total-return series with a price index must say."""

    sentence: str = ""  # for the verdict; empty when both sides have the same basis
    like_for_like: tuple[str, str] | None = None  # the same question on one basis, where a stand-in exists
    like_for_like_basis: str = ""


def basis_note(a: str, b: str, spread: float) -> BasisNote:
    """A total-return series (dividends in) against a price index (dividends out) favours the first.

    Against the index it tracks (SPY vs ^GSPC), the gap is the dividends, less
    fees. Otherwise the like-for-like pair swaps the index for its ETF (IWM vs
    ^GSPC -> IWM vs SPY) or, failing that, the ETF for its index (both price).
    """
    bases = {a: price_basis(a), b: price_basis(b)}
    if sorted(bases.values()) != ["price", "total return"]:
        return BasisNote()
    etf, index = (a, b) if bases[a] == "total return" else (b, a)
    ahead = (spread > 0) == (etf == a)
    if TRACKERS.get(index) == etf:
        if ahead:
            return BasisNote(f"{etf}'s lead is mostly dividends: {etf} is total return, {index} price only")
        return BasisNote(f"{etf} trails despite its dividends: {etf} is total return, {index} price only")
    sentence = f"{etf} is total return (dividends in), {index} price only, which favours {etf}"
    swap, basis = ({index: TRACKERS[index]}, "total return") if index in TRACKERS else ({}, "")
    if not swap:
        tracked = {v: k for k, v in TRACKERS.items()}
        swap, basis = ({etf: tracked[etf]}, "price") if etf in tracked else ({}, "")
    pair = (swap.get(a, a), swap.get(b, b)) if swap else None
    return BasisNote(sentence, pair, basis)


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


def _data(result: Comparison, prices: Prices, basis: BasisNote) -> dict:
    return {
        "command": "compare",
        **provenance_data(prices.provenance, result.window.end),
        "start": result.window.start.date().isoformat(),
        "end": result.window.end.date().isoformat(),
        "date_notes": list(result.window.notes),
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
        # Sessions running that one side beat the other on the day: positive when a did, negative when b did.
        "streak": {
            "sessions": result.streak,
            "leader": _streak_leader(result),
            "sign": "positive: a beat b; negative: b beat a",
        },
        "basis_note": basis.sentence,
        "like_for_like": {"a": basis.like_for_like[0], "b": basis.like_for_like[1]} if basis.like_for_like else None,
    }


def _streak_leader(result: Comparison) -> str | None:
    return result.a.symbol if result.streak > 0 else result.b.symbol if result.streak < 0 else None


COMMANDS = (
    Command(
        name="compare",
        rank=10,
        description="Two symbols since a date: returns, spread, their ratio in its history, drawdowns, chart",
        options=CompareOptions,
        answer=answer,
        buttons=buttons,
        picks={"pair": ("a", "b")},
        ask=AskHint(
            r"\b(?:vs|versus|against|compare|outperform|beat|small|large|relative)\w*",
            "how are small caps doing vs large caps since the October 2022 low",
            fill=("a", "b", "start"),
        ),
        chart=True,
    ),
)
