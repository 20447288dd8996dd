"""What a question asks: the command its words pick and the options they give (or why it cannot be read).

The reading of the words is commands.ask.reading's; here, the rules that pick a command from them,
and the closest commands, filled in, for a question that cannot be read: derived from each command's
declared ``AskHint`` (its words and an example question), so a new command is suggested as it is.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from analytics.errors import InvalidInput
from commands.ask.reading import (
    Reading,
    Subject,
    Unread,
    check_unknown,
    read_subjects,
    read_window,
    words_of,
)
from commands.ask.vocabulary import (
    ABOUT,
    ALERT,
    BANK,
    COMPARE,
    CREDIT,
    FED,
    HISTORY,
    PERFORMANCE,
    QUOTE,
    RANK,
    RATES,
    REPLAY,
    STRESS,
)
from commands.kit.command import Catalog, Command

MAX_QUESTION = 200
MAX_SYMBOLS = 10  # what /performance and /quote take
SMALL_LARGE = {"^RUT", "^GSPC", "IWM", "SPY"}
RATE_SYMBOLS = {"^TNX", "^IRX", "^TYX", "^FVX"}
CREDIT_SYMBOLS = {"KRE", "HYG", "JNK", "IEF", "SHY", "LQD", "BKLN", "SRLN", "BIZD"}  # what /credit reads and shows
BANK_SYMBOLS = {"KRE", "KBE", "XLF"}


class NotUnderstood(InvalidInput):
    """A question /ask cannot read; the message shows the closest commands, filled in."""


@dataclass(frozen=True)
class Interpretation:
    command: str  # a command's name in the catalog
    options: dict[str, str] = field(default_factory=dict)  # exactly what the command is asked with

    @property
    def slash(self) -> str:
        """The command as typed: ``/compare a:^RUT b:^GSPC start:1y``."""
        parts = [f"/{self.command}"]
        parts += [f'{k}:"{v}"' if " " in v else f"{k}:{v}" for k, v in self.options.items()]
        return " ".join(parts)

    @property
    def echo(self) -> str:
        return f"Read as {self.slash}"


def interpret(question: str, today: dt.date, catalog: Catalog) -> Interpretation:
    """The command and options a question asks for, or ``NotUnderstood`` with the closest commands of ``catalog``.

    ``today`` (New York date) dates "last year", "this month" and windows that are not anchors.
    """
    try:
        return _interpret(question, today)
    except Unread as unread:
        if not unread.suggest:
            raise NotUnderstood(unread.lead) from None
        raise NotUnderstood(unread.lead + suggestions(catalog, unread.subjects, unread.text, unread.reading)) from None


def _interpret(question: str, today: dt.date) -> Interpretation:
    """The command and options a question asks for, or ``NotUnderstood`` with the closest commands.

    ``today`` (New York date) dates "last year", "this month" and windows that are not anchors.
    """
    question = question.strip()
    if len(question) > MAX_QUESTION:
        raise NotUnderstood(f"Keep the question under {MAX_QUESTION} characters.")
    original, words = words_of(question)
    r = Reading(original, words, [False] * len(words), today)
    text = " ".join(words)
    if not words:
        raise Unread("", suggest=True, text="Ask a question about the markets.")
    read_window(r)
    subjects = read_subjects(r)
    check_unknown(r, subjects)
    symbols = _unique(s for subject in subjects for s in subject.symbols)

    def has(pattern: str) -> bool:
        return re.search(pattern, text) is not None

    if has(ABOUT) and not subjects and not has(RATES):
        return Interpretation("about")
    if has(ALERT):
        return _replay(r, text, symbols)
    if has(HISTORY) and set(symbols) <= SMALL_LARGE and (symbols or "smallcaps" in words):
        return Interpretation("history")
    if has(CREDIT) and set(symbols) <= CREDIT_SYMBOLS and not has(RANK) and not has(QUOTE) and len(symbols) < 2:
        return _credit(r)
    if (has(RATES) or has(FED)) and set(symbols) <= RATE_SYMBOLS:
        return _rates(r)
    bank_talk = has(BANK) or bool(set(symbols) & BANK_SYMBOLS)
    comparing = has(COMPARE) and len(symbols) >= 2
    if (
        bank_talk
        and has(STRESS)
        and set(symbols) <= BANK_SYMBOLS
        and not comparing
        and not (r.start and not (r.as_of or r.period_end))
    ):
        return _banks(r)
    named_banks = bool(subjects) and all(s.members and s.symbols[0] == "KRE" for s in subjects)
    if (
        bank_talk
        and (not symbols or named_banks)
        and not r.start
        and not has(QUOTE)
        and not has(COMPARE)
        and not has(RANK)
    ):
        return _banks(r)
    if has(QUOTE) and symbols and not r.start and not has(RANK) and not has(PERFORMANCE) and not comparing:
        return Interpretation("quote", {"symbols": " ".join(symbols)})
    if has(RANK) and len(subjects) == 1 and subjects[0].members:
        return _performance(r, list(subjects[0].members))
    if has(RANK) and (len(symbols) != 2 or not has(COMPARE)) and (symbols or not subjects):
        return _performance(r, symbols)
    if len(symbols) > 2 or any(len(s.symbols) > 1 for s in subjects):
        return _performance(r, symbols)
    if len(symbols) == 2:
        return _compare(r, symbols[0], symbols[1])
    if len(subjects) == 1 and len(symbols) == 1 and has(r"\b(?:vs|versus|against)\b"):
        raise Unread(
            f"I could not tell what to compare {symbols[0]} with. ",
            suggest=True,
            subjects=subjects,
            text=text,
            reading=r,
        )
    if len(symbols) == 1 and len(subjects) > 1 and has(COMPARE):
        raise Unread(
            f"Those all name {symbols[0]}: compare two different symbols. ",
            suggest=True,
            subjects=subjects,
            text=text,
            reading=r,
        )
    if len(symbols) == 1:
        (symbol,) = symbols
        if has(COMPARE) or (subjects[0].phrase == "smallcaps" and not has(QUOTE)):
            return _compare(r, symbol, _default_b(symbol))
        if has(QUOTE) and not r.start:
            return Interpretation("quote", {"symbols": symbol})
        if r.start or has(PERFORMANCE):
            return _performance(r, symbols)
        return Interpretation("quote", {"symbols": symbol})
    raise Unread("", suggest=True, subjects=subjects, text=text, reading=r)


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


def _window(r: Reading) -> dict[str, str]:
    options = {"start": r.start or "1y"}
    if r.end:
        options["end"] = r.end
    return options


def _compare(r: Reading, a: str, b: str) -> Interpretation:
    return Interpretation("compare", {"a": a, "b": b, **_window(r)})


def _default_b(a: str) -> str:
    """What one symbol is measured against: the S&P 500 for an index, SPY (total return too) otherwise."""
    if a.startswith("^"):
        return "^RUT" if a == "^GSPC" else "^GSPC"
    return "IWM" if a == "SPY" else "SPY"


def _performance(r: Reading, symbols: list[str]) -> Interpretation:
    options = {"symbols": " ".join(symbols)} if symbols else {"symbols": "NVDA META GOOGL MSFT ^GSPC ^RUT"}
    return Interpretation("performance", {**options, **_window(r)})


def _as_of(r: Reading) -> dict[str, str]:
    """A single day asked about ("as of 2023-03-13", "in March 2023"): /banks, /rates and /credit take it as as_of."""
    day = r.as_of or r.period_end or ("" if not r.end else r.end)
    return {"as_of": day} if day else {}


def _rates(r: Reading) -> Interpretation:
    return Interpretation("rates", _as_of(r))


def _credit(r: Reading) -> Interpretation:
    return Interpretation("credit", _as_of(r))


def _banks(r: Reading) -> Interpretation:
    return Interpretation("banks", _as_of(r))


def _replay(r: Reading, text: str, symbols: list[str]) -> Interpretation:
    if not re.search(REPLAY, text) and not r.start:
        raise NotUnderstood(
            "Alerts are set up with `/alerts subscribe rule:ratio` or `rule:kre` (Manage Server or Manage Channels); "
            "/ask can show what an alert would have done, "
            "e.g. `/ask question:what would the KRE alert have done in 2023`."
        )
    kre = bool(re.search(r"\b(?:kre|banks?|regional\w*)\b", text)) or "KRE" in symbols
    ratio = bool(re.search(r"\b(?:ratio|smallcaps|russell|rut)\b", text)) or "^RUT" in symbols
    if kre == ratio:
        window = " ".join(f"{k}:{v}" for k, v in _window(r).items())
        raise NotUnderstood(
            "Which alert: the KRE rule or the small-caps ratio rule? For example:\n"
            f"• /alerts replay rule:kre {window}\n• /alerts replay rule:ratio {window}"
        )
    options = {"rule": "kre" if kre else "ratio", **_window(r)}
    if preset := re.search(r"\b(sensitive|quiet|standard)\b", text):
        options["sensitivity"] = preset[1]
    return Interpretation("alerts replay", options)


# -- when the question cannot be read ------------------------------------------------------


def suggestions(catalog: Catalog, subjects: list[Subject], text: str, r: Reading | None = None) -> str:
    """The three commands whose declared words the question has most, filled in with what was recognised
    (symbols, a start), each with its example question; then the other commands."""
    symbols = _unique(s for subject in subjects for s in subject.symbols)
    hinted = [c for c in catalog.terminal if c.ask is not None]
    scores = {
        c.name: len(re.findall(c.ask.words, text)) + (1 if symbols and _takes_symbols(c) else 0)  # type: ignore[union-attr]
        for c in hinted
    }
    ranked = sorted(hinted, key=lambda c: -scores[c.name])[:3]  # stable: the catalog's order breaks ties
    lines = [f'• {_filled(c, symbols, r)} (or ask: "{c.ask.example}")' for c in ranked]  # type: ignore[union-attr]
    others = [f"/{c.name}" for c in catalog.terminal if c not in ranked and c.route is None]
    return (
        "I could not read that question. The closest commands:\n" + "\n".join(lines) + f"\nAlso: {', '.join(others)}."
    )


def _takes_symbols(command: Command) -> bool:
    declared = command.options.declared()
    return any(declared[name].kind in ("symbol", "symbols") for name in command.ask.fill)  # type: ignore[union-attr]


def _filled(command: Command, symbols: list[str], r: Reading | None) -> str:
    """``/compare a:NVDA b:SPY start:svb``: the hint's options, from what was recognised or their defaults."""
    declared, pending = command.options.declared(), list(symbols)
    parts = [f"/{command.name}"]
    for name in command.ask.fill:  # type: ignore[union-attr]
        option = declared[name]
        if option.kind == "symbol":
            value = pending.pop(0) if pending else _default_b(symbols[0]) if symbols else option.default
        elif option.kind == "symbols":
            value = f'"{" ".join(symbols[:MAX_SYMBOLS]) or option.default}"'
        elif option.complete == "start":
            value = (r.start if r else "") or option.default
        else:
            value = option.default
        parts.append(f"{name}:{value or ''}")
    return " ".join(parts)
