"""/compare: two symbols (default Russell 2000 vs S&P 500) over a window."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.compare import (
    Comparison,
    Leg,
    RatioStanding,
    YieldComparison,
    aligned_pair,
    compare,
    compare_yields,
)
from analytics.errors import InvalidInput, MarketbotError
from analytics.frames import history_name
from analytics.sources.base import Prices
from analytics.symbols import display_name, price_basis
from analytics.windows import Window, check_window, resolve_window
from analytics.yields import BP_PER_POINT, YieldMove, is_yield
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
        if is_yield(self.a) != is_yield(self.b):  # no unit in common: refused before any data is fetched
            rate, priced = (self.a, self.b) if is_yield(self.a) else (self.b, self.a)
            raise InvalidInput(
                f"{rate} is a yield (moves in basis points) and {priced} a price: compare two yields or two prices; "
                f"`/quote symbols:{self.a} {self.b}` shows each on its own terms."
            )
        check_window(self.start, self.end, today)


async def answer(services: Services, o: CompareOptions) -> Answer:
    """Returns, spread, the a/b ratio and where it stands, correlation, drawdowns; two yields by their spread in bp."""
    prices = await services.market.closes([o.a, o.b], partial=True)  # raises when neither side can be had
    for side, symbol in (("a", o.a), ("b", o.b)):
        if symbol in prices.missing:  # say which side failed
            raise MarketbotError(f"{side}: {prices.missing[symbol]}")
    return await services.offload(_answer, prices, o.a, o.b, o.start, o.end, services.clock(), services.charts)


def buttons(o: CompareOptions) -> list[Button]:
    """Windows; swap; another pair (keeping the window); alert me on the ratio rule's pair."""
    items = window_buttons(o.start)
    items.append(Ask("swap", {"a": o.b, "b": o.a}, row=1))
    if (o.a, o.b) == ALERT_PAIR:
        items.append(Act("alert me", "alert", "ratio", emoji="🔔", row=1))
    items.append(Pick("pair", "Another pair", tuple((f"{a} vs {b}", (a, b)) for a, b in PAIRS), (o.a, o.b), row=2))
    return items


def _answer(prices: Prices, a: str, b: str, start: str, end: str, now: pd.Timestamp, charts: bool) -> Answer:
    pair = aligned_pair(prices.closes, a, b)
    window = resolve_window(start, end, pair.index, now, history_name=history_name(prices.closes[[a, b]]))
    if is_yield(a):  # and so is b (CompareOptions.check)
        return _yields_answer(prices, pair, window, now, charts)
    result = compare(pair, window)
    name_a, name_b = display_name(a), display_name(b)
    fields = [
        (
            "Returns",
            f"{a} {fmt.pct(result.a.return_)} · {b} {fmt.pct(result.b.return_)} · spread {fmt.pp(result.spread)}",
        ),
        (f"Ratio {a}/{b}", f"{result.ratio_start:.4f} → {result.ratio_end:.4f} ({fmt.pct(result.ratio_change)})"),
        ("Ratio in its history", _standing_text(result.ratio_all, result.ratio_5y)),
        (
            "Ratio vs its extremes",
            f"{fmt.pct(result.ratio_vs_52w_high)} from 52-week high · "
            f"{fmt.pct(result.ratio_vs_52w_low)} from 52-week low · "
            f"{fmt.pct(result.ratio_vs_record)} from record ({fmt.day(result.ratio_record_date)})",
        ),
        ("Correlation · beta (63 sessions)", f"{result.correlation_63d:.2f} · {result.beta_63d:.2f}"),
        ("Drawdowns", "\n".join(_drawdown_line(leg) for leg in (result.a, result.b))),
        ("Streak", _streak_words(result.streak, a, b)),
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
        chart=_chart(pair, result, footer(prices.provenance, [a, b], now, as_of=window.end)) if charts else None,
        chart_name="compare.png",
    )


def _yields_answer(prices: Prices, pair: pd.DataFrame, window: Window, now: pd.Timestamp, charts: bool) -> Answer:
    """Two yields: levels and changes in bp, the spread a − b in bp where prices have a ratio, ranges for drawdowns."""

    result = compare_yields(pair, window)
    a, b = result.a.symbol, result.b.symbol
    spread = f"Spread {a} − {b}"
    fields = [
        ("Yields", "\n".join(_yield_leg_line(leg) for leg in (result.a, result.b))),
        (spread, f"{fmt.bp(result.spread_start)} → {fmt.bp(result.spread_end)} ({fmt.bp(result.spread_change)})"),
        (f"{spread} in its history", _standing_text(result.spread_all, result.spread_5y)),
        (
            f"{spread} vs its extremes",
            f"{fmt.bp(result.spread_vs_52w_high)} from 52-week high · {fmt.bp(result.spread_vs_52w_low)} from "
            f"52-week low · {fmt.bp(result.spread_vs_record)} from record ({fmt.bp(result.spread_record)}, "
            f"{fmt.day(result.spread_record_date)})",
        ),
        ("Correlation of daily changes (63 sessions)", f"{result.correlation_63d:.2f}"),
        ("Ranges in window", "\n".join(_range_line(leg) for leg in (result.a, result.b))),
        ("Streak", _streak_words(result.streak, a, b, "rose more than")),
    ]
    if window.notes:
        fields.append(("Dates", " ".join(window.notes)))
    caption = footer(prices.provenance, [a, b], now, as_of=window.end)
    return Answer(
        command="compare",
        title=f"{display_name(a)} vs {display_name(b)}",
        summary=_yields_verdict(result),
        fields=tuple(fields),
        footer=footer(prices.provenance, [a, b], now, window.label(), window.end),
        data=_yields_data(result, prices),
        chart=_chart(pair, result, caption) if charts else None,
        chart_name="compare.png",
    )


def _chart(pair: pd.DataFrame, result: Comparison | YieldComparison, caption: str) -> bytes:
    from analytics.charts import compare_chart  # here, not at import: see analytics.charts

    return compare_chart(pair, result, caption=caption)


def _yields_verdict(result: YieldComparison) -> str:
    a, b, change = result.a, result.b, result.spread_change
    moved = f"{'rose' if change > 0 else 'fell'} {fmt.bp(abs(change)).lstrip('+')} to" if change else "held at"
    return (
        f"The {a.symbol} − {b.symbol} spread {moved} {fmt.bp(result.spread_end)}: "
        f"{display_name(a.symbol)} {fmt.bp(a.change_bp, zero=fmt.UNCHANGED)} to {fmt.level(a.end_level)}, "
        f"{display_name(b.symbol)} {fmt.bp(b.change_bp, zero=fmt.UNCHANGED)} to {fmt.level(b.end_level)}"
    )


def _yield_leg_line(leg: YieldMove) -> str:
    return f"{leg.symbol}: {fmt.level(leg.start_level)} → {fmt.level(leg.end_level)} ({fmt.bp(leg.change_bp)})"


def _range_line(leg: YieldMove) -> str:
    r = leg.range
    return (
        f"{leg.symbol}: {fmt.level(r.low)} ({fmt.day(r.low_date)}) to {fmt.level(r.high)} ({fmt.day(r.high_date)}), "
        f"{fmt.bp((r.high - r.low) * BP_PER_POINT).lstrip('+')} wide"
    )


def _standing_text(everything: RatioStanding, five_years: RatioStanding) -> str:
    return (
        f"percentile {everything.percentile:.1f} since {everything.since.year} (z {everything.zscore:+.2f}); "
        f"percentile {five_years.percentile:.1f} over 5 years (z {five_years.zscore:+.2f})"
    )


def _yields_data(result: YieldComparison, prices: Prices) -> dict:
    return {
        "command": "compare",
        **provenance_data(prices.provenance, result.window.end),
        "start": result.window.start.date().isoformat(),
        "end": result.window.end.date().isoformat(),
        "date_notes": list(result.window.notes),
        "a": fmt.yield_move_data(result.a),
        "b": fmt.yield_move_data(result.b),
        # Two yields have no ratio: the spread a − b, in bp, stands where a pair of prices has one.
        "spread": {
            "start_bp": result.spread_start,
            "end_bp": result.spread_end,
            "change_bp": result.spread_change,
            "percentile_all": result.spread_all.percentile,
            "zscore_all": result.spread_all.zscore,
            "history_since": result.spread_all.since.date().isoformat(),
            "percentile_5y": result.spread_5y.percentile,
            "zscore_5y": result.spread_5y.zscore,
            "vs_52w_high_bp": result.spread_vs_52w_high,
            "vs_52w_low_bp": result.spread_vs_52w_low,
            "vs_record_bp": result.spread_vs_record,
            "record_bp": result.spread_record,
            "record_date": result.spread_record_date.date().isoformat(),
        },
        "correlation_63d": result.correlation_63d,  # of daily changes in bp
        "streak": {
            "sessions": result.streak,
            "leader": _leader(result.streak, result.a.symbol, result.b.symbol),
            "sign": "positive: a rose more than b; negative: b rose more than a",
        },
    }


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


def _streak_words(streak: int, a: str, b: str, verb: str = "beat") -> str:
    if streak == 0:
        return "Level on the last session."
    leader, laggard = (a, b) if streak > 0 else (b, a)
    n = abs(streak)
    return f"{leader} {verb} {laggard} {n} session{'s' if n > 1 else ''} running."


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
            "leader": _leader(result.streak, result.a.symbol, result.b.symbol),
            "sign": "positive: a beat b; negative: b beat a",
        },
        "basis_note": basis.sentence,
        "like_for_like": {"a": basis.like_for_like[0], "b": basis.like_for_like[1]} if basis.like_for_like else None,
    }


def _leader(streak: int, a: str, b: str) -> str | None:
    return a if streak > 0 else b if streak < 0 else None


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
