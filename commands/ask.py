"""/ask: a question in plain English, read onto one of our commands and answered by it.

No model and no network: the reading is a deterministic pass over the words. The time window is
read first ("since the October 2022 low", "over 3 months", "in 2023"), then the symbols (names,
aliases, tickers with or without ``$``), then the words that pick a command. The answer starts
with what was run ("Read as /compare a:^RUT b:^GSPC start:oct-2022-low"), and a question that
cannot be read is answered privately with the closest commands, filled in, never with a guess.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass, field

import discord
import pandas as pd
from discord import app_commands

from analytics.errors import InvalidInput, InvalidSymbol
from analytics.sessions import to_session_date
from analytics.symbols import known_symbols, normalize_symbol
from commands.answer import Answer, check_options, checked_by
from commands.ask_vocabulary import (
    ALIASES,
    AMBIGUOUS_TICKERS,
    COMMON_WORDS,
    ETF_OF,
    GROUPS,
    KEYWORDS,
    MEMBERS,
    MONTHS,
    NOT_TICKERS,
    NUMBERS,
)
from commands.catalog import DESCRIPTIONS
from commands.limits import heavy_cooldown
from commands.respond import CommandCog
from commands.services import Services

MAX_QUESTION = 200
MAX_SYMBOLS = 10  # what /performance and /quote take
RELATIVE_MONTHS = {1: "1m", 3: "3m", 6: "6m", 12: "1y", 36: "3y", 60: "5y", 120: "10y"}
SMALL_LARGE = {"^RUT", "^GSPC", "IWM", "SPY"}
RATE_SYMBOLS = {"^TNX", "^IRX", "^TYX", "^FVX"}
CREDIT_SYMBOLS = {"KRE", "HYG", "JNK", "IEF", "SHY", "LQD", "BKLN", "SRLN", "BIZD"}  # what /credit reads and shows
BANK_SYMBOLS = {"KRE", "KBE", "XLF"}
ANCHOR_DAYS = {"covid-low": "2020-03-23", "gfc-low": "2009-03-09"}  # S&P 500 closing lows


class NotUnderstood(InvalidInput):
    """A question /ask cannot read; the message shows the closest commands, filled in."""


@dataclass(frozen=True)
class Interpretation:
    command: str  # a key of commands.registry.HANDLERS
    options: dict[str, str] = field(default_factory=dict)  # exactly what the handler is called with

    @property
    def slash(self) -> str:
        """The command as typed: ``/compare a:^RUT b:^GSPC start:1y``."""
        parts = [f"/{self.command}"]
        parts += [f'{k}:"{v}"' if " " in v else f"{k}:{v}" for k, v in self.options.items()]
        return " ".join(parts)

    @property
    def echo(self) -> str:
        return f"Read as {self.slash}"


# -- reading the words ---------------------------------------------------------------------

_TOKEN = re.compile(
    r"\$\^?[A-Za-z0-9][A-Za-z0-9.=\-]*|\^[A-Za-z0-9]+|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|[A-Za-z0-9]+(?:[&.'][A-Za-z0-9]+)*"
)
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_ORD = r"(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|{_MONTH} \d{{1,2}}{_ORD} \d{{4}}"
    rf"|\d{{1,2}}{_ORD} (?:of )?{_MONTH} \d{{4}}|{_MONTH} (?:of )?\d{{4}}|(?:19|20)\d{{2}})"
)
_NUM = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"
_UNIT = r"(?:d|days?|w|wks?|weeks?|m|mo|mos|mths?|months?|q|quarters?|y|yrs?|years?|decades?)"
_SINCE = r"(?:since|from|after|off|post)"


@dataclass
class _Reading:
    """What one pass found: the words, which of them are used up, and the window."""

    original: list[str]
    words: list[str]
    used: list[bool]
    today: dt.date
    start: str = ""
    end: str = ""
    as_of: str = ""  # a single day, for /banks
    period_end: str = ""  # the last day of a period named with "in" (2023, March 2023)

    def text(self) -> str:
        return " ".join(w if not u else "_" for w, u in zip(self.words, self.used, strict=True))

    def take(self, pattern: str, apply) -> None:
        """Each match of ``pattern`` in the unused words: ``apply(match)`` and mark its words used."""
        while True:
            text = self.text()
            match = re.search(pattern, text)
            if not match:
                return
            apply(match)
            begin = text[: match.start()].count(" ")
            count = len(match.group(0).strip().split(" "))
            span = range(begin, min(begin + count, len(self.used)))
            if all(self.used[i] for i in span):
                return  # nothing left to use up: never loop on the same match
            for i in span:
                self.used[i] = True


def _words(question: str) -> tuple[list[str], list[str]]:
    text = re.sub(r"\b[sS]\s*(?:&|and|n)\s*[pP]\b", "s&p", question.replace("’", "'"))
    original = _TOKEN.findall(text)
    return _caps(original, [_correct(w.lower().replace("'", "")) for w in original])


@functools.cache
def _vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    """Words never corrected, and the words a misspelling may be corrected into."""
    targets = set(KEYWORDS) | {w for w in MONTHS if len(w) > 3} | set(NUMBERS)
    for phrase in (*ALIASES, *GROUPS):
        targets.update(w for w in phrase.split() if w.isalpha() and len(w) > 3)
    keep = targets | COMMON_WORDS | {s.lower() for s in known_symbols()}
    return frozenset(keep), tuple(sorted(targets))


def _correct(word: str) -> str:
    """A misspelt keyword or name within a letter or two ("russel", "nvidea", "regoinal") as meant."""
    keep, targets = _vocabulary()
    if len(word) < 4 or not word.isalpha() or word in keep:
        return word
    close = difflib.get_close_matches(word, targets, n=1, cutoff=0.8 if len(word) > 4 else 0.85)
    return close[0] if close else word


def _caps(original: list[str], words: list[str]) -> tuple[list[str], list[str]]:
    """Every spelling of small caps as ``smallcaps``; large caps (or "large" beside small caps) as ``largecaps``.

    Merged words keep their original text together, so the two lists stay aligned.
    """
    out: list[tuple[str, str]] = []
    i = 0
    small_too = any(w.startswith("small") for w in words)
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        n, word = 1, w
        if w in ("small", "smaller", "smallcap", "smallcaps"):
            extra = 1 if nxt in ("cap", "caps", "capitalization") else 0
            after = words[i + 1 + extra] if i + 1 + extra < len(words) else ""
            extra += 1 if after in ("stocks", "companies", "names") else 0
            if w.startswith("smallcap") or extra or _mentions_large(words):
                n, word = 1 + extra, "smallcaps"
        elif w in ("large", "larger", "big", "bigger", "largecap", "largecaps") and nxt in ("cap", "caps"):
            n, word = 2, "largecaps"
        elif w in ("largecap", "largecaps") or (
            w in ("large", "larger", "big", "bigger") and small_too and nxt not in ("banks", "bank", "tech")
        ):
            word = "largecaps"
        out.append((" ".join(original[i : i + n]), word))
        i += n
    return [o for o, _ in out], [w for _, w in out]


def _mentions_large(words: list[str]) -> bool:
    return any(w in ("large", "larger", "big", "bigger", "largecap", "largecaps") for w in words)


# -- dates and windows ---------------------------------------------------------------------


def _period(text: str) -> tuple[dt.date, dt.date, str]:
    """A date expression's first day, last day and precision (day, month or year)."""
    text = text.replace(" of ", " ")
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        day = _day(int(m[1]), int(m[2]), int(m[3]))
        return day, day, "day"
    if m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{2,4})", text):
        year = int(m[3]) + ((2000 if int(m[3]) < 70 else 1900) if len(m[3]) == 2 else 0)
        day = _day(year, int(m[1]), int(m[2]))  # US order: month/day/year
        return day, day, "day"
    if m := re.fullmatch(rf"({_MONTH}) (\d{{1,2}}){_ORD} (\d{{4}})", text):
        day = _day(int(m[3]), _month(m[1]), int(m[2]))
        return day, day, "day"
    if m := re.fullmatch(rf"(\d{{1,2}}){_ORD} ({_MONTH}) (\d{{4}})", text):
        day = _day(int(m[3]), _month(m[2]), int(m[1]))
        return day, day, "day"
    if m := re.fullmatch(rf"({_MONTH}) (\d{{4}})", text):
        first = _day(int(m[2]), _month(m[1]), 1)
        return first, first.replace(day=calendar.monthrange(first.year, first.month)[1]), "month"
    year = int(text)
    return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"


def _month(name: str) -> int:
    return MONTHS.get(name, MONTHS.get(name[:3], 0))


def _day(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise NotUnderstood(f"{year}-{month:02d}-{day:02d} is not a real date.") from None


def _number(text: str | None) -> int:
    if not text:
        return 1
    return int(text) if text.isdigit() else NUMBERS[text]


def _months_of(unit: str) -> tuple[int, int]:
    """(months, days) in one ``unit``."""
    u = unit.rstrip("s")
    if u in ("d", "day"):
        return 0, 1
    if u in ("w", "wk", "week"):
        return 0, 7
    if u in ("m", "mo", "mth", "month"):
        return 1, 0
    if u in ("q", "quarter"):
        return 3, 0
    if u == "decade":
        return 120, 0
    return 12, 0


def _read_window(r: _Reading) -> None:
    """Fill r.start, r.end, r.as_of from the words, most specific phrases first."""
    today = r.today

    def start(value: str):
        def apply(_m):
            r.start = r.start or value
        return apply

    r.take(
        rf"\b(?:{_SINCE} )?(?:the )?(?:(?:oct(?:ober)? (?:2022 )?|2022 )(?:bear market )?|(?:2022 )?bear market )"
        r"(?:closing )?(?:low|lows|bottom)\b",
        start("oct-2022-low"),
    )
    r.take(rf"\b{_SINCE} (?:the )?(?:low|lows|bottom) (?:in|of) oct(?:ober)? 2022\b", start("oct-2022-low"))
    r.take(
        rf"\b{_SINCE} (?:the )?(?:svb|silicon valley(?: bank)?|(?:march 2023 |2023 |regional )?bank(?:ing)? "
        r"(?:crisis|panic|collapse|failures?|turmoil|run|meltdown|scare))"
        r"(?: (?:collapse|failure|crisis|blowup|bust|fail|debacle|mess|panic))?\b",
        start("svb"),
    )
    r.take(
        rf"\b{_SINCE} (?:the )?(?:covid|pandemic|coronavirus|corona|march 2020|2020)(?: crash)? (?:low|lows|bottom)\b",
        start(ANCHOR_DAYS["covid-low"]),
    )
    r.take(
        rf"\b{_SINCE} (?:the )?(?:gfc|financial crisis|great recession|march 2009|2009)(?: crash)? (?:low|lows|bottom)\b",
        start(ANCHOR_DAYS["gfc-low"]),
    )
    r.take(
        r"\b(?:ytd|year to date|(?:so far )?this year(?: so far)?|(?:since|from) (?:the )?(?:start|beginning) of "
        r"(?:the|this) year|since (?:the )?new year|since jan(?:uary)? 1(?:st)?)\b(?! \d)",
        start("ytd"),
    )
    r.take(
        r"\b(?:max|maximum|all time(?! (?:high|low))|since inception|(?:full|entire|whole) history"
        r"|since the (?:beginning|start)(?! of)|since (?:records|data) (?:began|started))\b",
        start("max"),
    )
    r.take(r"\b(?:this month|month to date|mtd)\b", start(_iso(dt.date(today.year, today.month, 1) - dt.timedelta(days=1))))

    def range_(m):
        r.start = r.start or _iso(_period(m["a"])[0])
        r.end = r.end or _iso(_period(m["b"])[1])

    r.take(rf"\b(?:(?:from|between|starting) )?(?P<a>{_DATE}) (?:to|and|until|till|thru|through) (?P<b>{_DATE})\b", range_)

    def since(m):
        r.start = r.start or _iso(_period(m["a"])[0])

    r.take(rf"\b(?:{_SINCE}|starting|beginning) (?:the )?(?:start of |beginning of )?(?P<a>{_DATE})\b", since)

    def since_month(m):
        month = _month(m["m"])
        year = today.year if month <= today.month else today.year - 1
        r.start = r.start or _iso(dt.date(year, month, 1))

    r.take(rf"\bsince (?:the )?(?:start of |beginning of )?(?P<m>{_MONTH})\b(?! \d)", since_month)

    def until(m):
        r.end = r.end or _iso(_period(m["b"])[1])

    r.take(rf"\b(?:until|till|thru|through|up to|to|ending|ended|before) (?:the )?(?:end of )?(?P<b>{_DATE})\b", until)

    def in_period(m):
        first, last, precision = _period(m["a"])
        if precision == "day":
            r.as_of = r.as_of or _iso(first)
            return
        if last < today:
            r.period_end = _iso(last)
        if precision == "year" and first.year == today.year:
            r.start = r.start or "ytd"
            return
        r.start = r.start or _iso(first)
        if last < today:
            r.end = r.end or _iso(last)

    r.take(rf"\b(?:in|during|for|over|throughout|of|across) (?:all of |calendar |the year )?(?P<a>{_DATE})\b", in_period)

    def on_day(m):
        first, last, _ = _period(m["a"])
        r.as_of = r.as_of or _iso(last)

    r.take(rf"\b(?:on|as of|at|as at|for) (?:the )?(?:end of )?(?P<a>{_DATE})\b", on_day)

    def calendar_last(m):
        if m["unit"] == "year":
            year = today.year - 1
            r.start, r.end = r.start or _iso(dt.date(year, 1, 1)), r.end or _iso(dt.date(year, 12, 31))
        else:
            last = dt.date(today.year, today.month, 1) - dt.timedelta(days=1)
            r.start = r.start or _iso(last.replace(day=1))
            r.end = r.end or _iso(last)

    r.take(r"(?<!since )(?<!the )(?<!over )(?<!in )(?<!for )(?<!during )(?<!within )\blast (?P<unit>year|month)\b", calendar_last)

    def relative(m):
        months, days = _months_of(m["unit"])
        n = _number(m.groupdict().get("n"))
        if r.start:
            return
        if n * (months * 31 + days) > 100 * 366:
            raise NotUnderstood("That window is longer than any data: try `max` (all of it) or a date.")
        if months and n * months in RELATIVE_MONTHS:
            r.start = RELATIVE_MONTHS[n * months]
        elif months:
            r.start = _iso((pd.Timestamp(today) - pd.DateOffset(months=n * months)).date())
        else:
            r.start = _iso(today - dt.timedelta(days=n * days))

    r.take(rf"\b(?:half (?:a )?year|(?:6|six) months)\b", start("6m"))
    r.take(
        rf"\b(?:(?:over|in|for|during|across|within) )?(?:the )?(?:last|past|previous|prior|trailing) (?:(?P<n>{_NUM}) ?)?(?P<unit>{_UNIT})\b",
        relative,
    )
    r.take(
        rf"\b(?:(?:over|in|for|during|across|within) )?(?:the )?(?P<n>\d{{1,3}}|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty)"
        rf" ?(?P<unit>{_UNIT})\b(?! (?:yield|treasury|note|bond|bill|periods?|windows?|stretch(?:es)?|rolling|spans?|range|high|low))",
        relative,
    )
    r.take(rf"\b(?:over|in|for|within) (?:a|an|one) (?P<unit>year|month|quarter|decade|week)\b", relative)

    def bare(m):
        day = _iso(_period(m["a"])[0])
        if not r.start:
            r.start = day
        elif not r.end:
            r.end = day

    r.take(r"\b(?P<a>\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4})\b", bare)


def _iso(day: dt.date) -> str:
    return day.isoformat()


# -- symbols ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Subject:
    symbols: tuple[str, ...]  # one symbol, or a group's members
    members: tuple[str, ...] = ()  # for one symbol that also names a group (regional banks -> KRE or its banks)
    phrase: str = ""
    position: int = 0


def _read_subjects(r: _Reading) -> list[_Subject]:
    tickers = {s.lower(): s for s in known_symbols()}
    shouting = sum(w.isupper() for w in r.original if w.isalpha()) > max(2, len([w for w in r.original if w.isalpha()]) // 2)
    found: list[_Subject] = []
    i = 0
    while i < len(r.words):
        if r.used[i]:
            i += 1
            continue
        hit = None
        for n in (4, 3, 2, 1):
            if i + n > len(r.words) or any(r.used[i : i + n]):
                continue
            phrase = " ".join(r.words[i : i + n])
            if phrase in GROUPS:
                hit = (n, _Subject(GROUPS[phrase], phrase=phrase, position=i))
            elif phrase in ALIASES:
                symbol = ALIASES[phrase]
                members = MEMBERS.get(symbol, ()) if any(w in phrase for w in ("bank", "regionals", "lenders")) else ()
                hit = (n, _Subject((symbol,), members, phrase, i))
            if hit:
                break
        if hit is None:
            symbol = _ticker(r.original[i], r.words[i], tickers, shouting)
            if symbol:
                hit = (1, _Subject((symbol,), phrase=r.words[i], position=i))
        if hit is None:
            i += 1
            continue
        n, subject = hit
        after = r.words[i + n] if i + n < len(r.words) else ""
        if after in ("etf", "fund") and len(subject.symbols) == 1 and subject.symbols[0] in ETF_OF:
            subject = _Subject((ETF_OF[subject.symbols[0]],), phrase=f"{subject.phrase} {after}", position=i)
            n += 1
        for k in range(i, i + n):
            r.used[k] = True
        found.append(subject)
        i += n
    return found


def _ticker(original: str, word: str, tickers: dict[str, str], shouting: bool) -> str:
    if original.startswith(("$", "^")):
        text = original.lstrip("$")
        if text.lower() in ALIASES:  # $SPX, $RUT, $VIX as traders write the indices
            return ALIASES[text.lower()]
        try:
            return normalize_symbol(text)
        except InvalidSymbol as exc:
            raise NotUnderstood(f"{exc} {_suggestions([], '')}") from None
    if word in tickers and word not in AMBIGUOUS_TICKERS:
        return tickers[word]
    if (
        not shouting
        and original.isupper()
        and original.isalpha()
        and 1 <= len(original) <= 5
        and original not in NOT_TICKERS
    ):
        return original
    return ""


# -- the command --------------------------------------------------------------------------

_ABOUT = r"\b(?:help|about|commands?|what can (?:you|u) do|what do (?:you|u) do|how do i use|how does (?:this|it) work|usage|data sources?|what data|(?:your|ur) data|where does (?:your|the|ur) data|where do (?:you|u) get|how fresh|version|who are (?:you|u)|what are (?:you|u))\b"
_ALERT = r"\b(?:alerts?|alarms?|notify|notification|ping me|tell me when|warn me)\b"
_REPLAY = r"\b(?:would|have|had|did|replay|replayed|backtest|back test|fired?|triggered|trigger|went off|go off|times|history)\b"
_HISTORY = r"\b(?:long run|long term|longrun|longterm|historically|history|historical|by year|calendar years?|every year|each year|year by year|year over year|annual|annually|decades|how often|rolling|over time)\b"
_RATES = r"\b(?:rates?|yields?|treasur(?:y|ies)|bond market|t bills?|bills?|curve|inverted|inversion|fed funds|interest|10 year|2 year|ten year)\b"
_BANK = r"\b(?:banks?|banking|regionals?|lenders?|kre)\b"
_CREDIT = r"\b(?:credit|spreads?|high yield|junk|hyg|leveraged loans?|bdcs?|defaults?|borrowers?)\b"
_FED = r"\b(?:fed|fomc|cuts?|hikes?|policy rate|rate path|fedwatch)\b"
_STRESS = r"\b(?:stress|stressed|stressful|crisis|trouble|troubled|panic|panicking|ok|okay|fine|safe|contagion|runs?|fear|fears|scared|worry|worried|worries|worrying|breadth|health|healthy|pressure|collapse|collapsing|blowing|blow up|meltdown|wobbl\w*|turmoil|scare|bad|distress|distressed|fragile|alright|status|dashboard|situation|risk|risky|danger|dangerous|failing|fail|failures?|cracks?|cracking|sound|solvent|insolvent|bleeding|tanking|crashing|doing|holding up|look|looking)\b"
_QUOTE = r"\b(?:price|prices|priced|quote|quotes|trading|trade at|trades at|worth|how much|last close|close|closed|closing|level|levels|where is|wheres|52 week|ticker|at right now|sitting at)\b"
_RANK = r"\b(?:best|worst|top|bottom|performers?|leaders?|laggards?|winners?|losers?|rank|ranked|ranking|leaderboard|among|which of|which one|which did|which has|which have|strongest|weakest)\b"
_PERFORMANCE = r"\b(?:performance|returns?|performing|performed|gains?|how (?:has|have|did)|done|did)\b"
_COMPARE = r"\b(?:vs|v|versus|against|compared?|comparison|relative|outperform\w*|underperform\w*|beat\w*|lead\w*|lag\w*|trail\w*|than|ratio|spread|better|worse)\b"


def interpret(question: str, today: dt.date | None = None) -> Interpretation:
    """The command and options a question asks for, or ``NotUnderstood`` with the closest commands.

    ``today`` (New York date) dates "last year", "this month" and windows that are not anchors.
    """
    question = question.strip()
    if len(question) > MAX_QUESTION:
        raise NotUnderstood(f"Keep the question under {MAX_QUESTION} characters.")
    original, words = _words(question)
    r = _Reading(original, words, [False] * len(words), today or dt.date.today())
    text = " ".join(words)
    if not words:
        raise NotUnderstood(_suggestions([], "Ask a question about the markets."))
    _read_window(r)
    subjects = _read_subjects(r)
    _check_unknown(r, subjects)
    symbols = _unique(s for subject in subjects for s in subject.symbols)

    def has(pattern: str) -> bool:
        return re.search(pattern, text) is not None

    if has(_ABOUT) and not subjects and not has(_RATES):
        return Interpretation("about")
    if has(_ALERT):
        return _replay(r, text, symbols)
    if has(_HISTORY) and set(symbols) <= SMALL_LARGE and (symbols or "smallcaps" in words):
        return Interpretation("history")
    if has(_CREDIT) and set(symbols) <= CREDIT_SYMBOLS and not has(_RANK) and not has(_QUOTE) and len(symbols) < 2:
        return _credit(r)
    if (has(_RATES) or has(_FED)) and set(symbols) <= RATE_SYMBOLS:
        return _rates(r)
    bank_talk = has(_BANK) or bool(set(symbols) & BANK_SYMBOLS)
    comparing = has(_COMPARE) and len(symbols) >= 2
    if bank_talk and has(_STRESS) and set(symbols) <= BANK_SYMBOLS and not comparing and not (r.start and not (r.as_of or r.period_end)):
        return _banks(r)
    named_banks = bool(subjects) and all(s.members and s.symbols[0] == "KRE" for s in subjects)
    if bank_talk and (not symbols or named_banks) and not r.start and not has(_QUOTE) and not has(_COMPARE) and not has(_RANK):
        return _banks(r)
    if has(_QUOTE) and symbols and not r.start and not has(_RANK) and not has(_PERFORMANCE) and not comparing:
        return Interpretation("quote", {"symbols": " ".join(symbols)})
    if has(_RANK) and len(subjects) == 1 and subjects[0].members:
        return _performance(r, list(subjects[0].members))
    if has(_RANK) and (len(symbols) != 2 or not has(_COMPARE)) and (symbols or not subjects):
        return _performance(r, symbols)
    if len(symbols) > 2 or any(len(s.symbols) > 1 for s in subjects):
        return _performance(r, symbols)
    if len(symbols) == 2:
        return _compare(r, symbols[0], symbols[1])
    if len(subjects) == 1 and len(symbols) == 1 and has(r"\b(?:vs|versus|against)\b"):
        raise NotUnderstood(f"I could not tell what to compare {symbols[0]} with. " + _suggestions(subjects, text, r))
    if len(symbols) == 1 and len(subjects) > 1 and has(_COMPARE):
        raise NotUnderstood(f"Those all name {symbols[0]}: compare two different symbols. " + _suggestions(subjects, text, r))
    if len(symbols) == 1:
        (symbol,) = symbols
        if has(_COMPARE) or (subjects[0].phrase == "smallcaps" and not has(_QUOTE)):
            return _compare(r, symbol, _default_b(symbol))
        if has(_QUOTE) and not r.start:
            return Interpretation("quote", {"symbols": symbol})
        if r.start or has(_PERFORMANCE):
            return _performance(r, symbols)
        return Interpretation("quote", {"symbols": symbol})
    raise NotUnderstood(_suggestions(subjects, text, r))


def _unique(items) -> list[str]:
    return list(dict.fromkeys(items))


def _window(r: _Reading) -> dict[str, str]:
    options = {"start": r.start or "1y"}
    if r.end:
        options["end"] = r.end
    return options


def _compare(r: _Reading, a: str, b: str) -> Interpretation:
    return Interpretation("compare", {"a": a, "b": b, **_window(r)})


def _default_b(a: str) -> str:
    """What one symbol is measured against: the S&P 500 for an index, SPY (total return too) otherwise."""
    if a.startswith("^"):
        return "^RUT" if a == "^GSPC" else "^GSPC"
    return "IWM" if a == "SPY" else "SPY"


def _performance(r: _Reading, symbols: list[str]) -> Interpretation:
    options = {"symbols": " ".join(symbols)} if symbols else {"symbols": "NVDA META GOOGL MSFT ^GSPC ^RUT"}
    return Interpretation("performance", {**options, **_window(r)})


def _as_of(r: _Reading) -> dict[str, str]:
    """A single day asked about ("as of 2023-03-13", "in March 2023"): /banks, /rates and /credit take it as as_of."""
    day = r.as_of or r.period_end or ("" if not r.end else r.end)
    return {"as_of": day} if day else {}


def _rates(r: _Reading) -> Interpretation:
    return Interpretation("rates", _as_of(r))


def _credit(r: _Reading) -> Interpretation:
    return Interpretation("credit", _as_of(r))


def _banks(r: _Reading) -> Interpretation:
    return Interpretation("banks", _as_of(r))


def _replay(r: _Reading, text: str, symbols: list[str]) -> Interpretation:
    if not re.search(_REPLAY, text) and not r.start:
        raise NotUnderstood(
            "Alerts are set up with `/alerts subscribe rule:ratio` or `rule:kre` (Manage Server or Manage Channels); "
            "/ask can show what an alert would have done, e.g. `/ask question:what would the KRE alert have done in 2023`."
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


def _check_unknown(r: _Reading, subjects: list[_Subject]) -> None:
    """A short unknown word beside a symbol or "vs" is probably a ticker we do not know: say so."""
    keep, _ = _vocabulary()
    placed = {s.position for s in subjects}
    for i, word in enumerate(r.words):
        if r.used[i] or not word.isalpha() or not 2 <= len(word) <= 5 or word in keep or word in MONTHS:
            continue
        neighbours = {r.words[j] for j in (i - 1, i + 1) if 0 <= j < len(r.words)}
        beside = (i - 1 in placed or i + 1 in placed) or neighbours & {"vs", "versus", "against", "and"}
        if beside and (placed or neighbours & {"vs", "versus", "against"}):
            raise NotUnderstood(
                f"I do not know `{word[:12]}`. If it is a ticker, write it as ${word.upper()[:12]}. "
                + _suggestions(subjects, " ".join(r.words), r)
            )


# -- when the question cannot be read ------------------------------------------------------

_EXAMPLES: dict[str, tuple[str, str]] = {
    "compare": (r"\b(?:vs|versus|against|compare|outperform|beat|small|large|relative)\w*", "how are small caps doing vs large caps since the October 2022 low"),
    "performance": (r"\b(?:best|worst|top|perform\w*|rank\w*|return\w*|winners?|losers?)\b", "best performers among the mag 7 this year"),
    "quote": (r"\b(?:price|quote|trading|close|level|worth)\w*", "price of $NVDA"),
    "banks": (_BANK + "|" + _STRESS, "is there bank stress"),
    "rates": (_RATES + "|" + _FED, "what are rates doing"),
    "credit": (_CREDIT, "is it credit or rates"),
    "history": (_HISTORY, "long run small vs large"),
    "alerts replay": (_ALERT, "what would the KRE alert have done in 2023"),
}


def _suggestions(subjects: list[_Subject], text: str, r: _Reading | None = None) -> str:
    """The closest commands, filled in with whatever was recognised, and an example question for each."""
    symbols = _unique(s for subject in subjects for s in subject.symbols)
    start = (r.start if r else "") or "1y"
    filled = {
        "compare": f"/compare a:{symbols[0] if symbols else '^RUT'} b:{symbols[1] if len(symbols) > 1 else (_default_b(symbols[0]) if symbols else '^GSPC')} start:{start}",
        "performance": f'/performance symbols:"{" ".join(symbols[:MAX_SYMBOLS]) or "NVDA META ^GSPC ^RUT"}" start:{start}',
        "quote": f'/quote symbols:"{" ".join(symbols[:MAX_SYMBOLS]) or "^RUT ^GSPC KRE"}"',
        "banks": "/banks",
        "rates": "/rates",
        "credit": "/credit",
        "history": "/history",
        "alerts replay": f"/alerts replay rule:kre start:{start}",
    }
    scores = {name: len(re.findall(pattern, text)) for name, (pattern, _) in _EXAMPLES.items()}
    if symbols:
        for name in ("compare", "performance", "quote"):
            scores[name] += 1
    ranked = sorted(_EXAMPLES, key=lambda name: -scores[name])[:3]
    lines = [f"• {filled[name]} (or ask: \"{_EXAMPLES[name][1]}\")" for name in ranked]
    others = ", ".join(f"/{name}" for name in _EXAMPLES if name not in ranked)
    return (
        "I could not read that question. The closest commands:\n" + "\n".join(lines) + f"\nAlso: {others}, /about."
    )


# -- answering ----------------------------------------------------------------------------


def validate(today: pd.Timestamp, question: str) -> Interpretation:
    """The question read, and the options it gives checked by their command: all before any data."""
    from commands.registry import HANDLERS  # the registry lists this module: import it when asked

    reading = interpret(question, to_session_date(today).date())
    check_options(HANDLERS[reading.command], today, dict(reading.options))
    return reading


@checked_by(validate)
async def handle(services: Services, question: str = "") -> Answer:
    """Read the question, answer it with the matching command, and say how it was read."""
    from commands.registry import HANDLERS

    reading = validate(services.clock(), question)
    answer = await HANDLERS[reading.command](services, **reading.options)
    return with_reading(answer, reading)


def with_reading(answer: Answer, reading: Interpretation) -> Answer:
    """The answer as it came, with how the question was read first and in the data."""
    return dataclasses.replace(
        answer,
        summary=f"{reading.echo}\n{answer.summary}",
        data={**answer.data, "interpreted_as": {"command": reading.command, "options": dict(reading.options)}},
    )


class Ask(CommandCog):
    @app_commands.command(name="ask", description=DESCRIPTIONS["ask"])
    @app_commands.describe(question='In plain English, e.g. "small caps vs large caps since the October 2022 low"')
    @heavy_cooldown
    async def ask(self, interaction: discord.Interaction, question: app_commands.Range[str, 1, MAX_QUESTION]) -> None:
        await self.responder.answer(interaction, handle, question=question)
