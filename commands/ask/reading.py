"""Reading a question's words: the time window, then the symbols (names, aliases, tickers with or without $).

A deterministic pass, no model: each phrase recognised uses up its words, so a later pattern never
reads them twice. What the words then pick (which command) is commands.ask.routing's.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import functools
import re
from dataclasses import dataclass

import pandas as pd

from analytics.errors import InvalidInput, InvalidSymbol
from analytics.symbols import known_symbols, normalize_symbol
from commands.ask.vocabulary import (
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

RELATIVE_MONTHS = {1: "1m", 3: "3m", 6: "6m", 12: "1y", 36: "3y", 60: "5y", 120: "10y"}
ANCHOR_DAYS = {"covid-low": "2020-03-23", "gfc-low": "2009-03-09"}  # S&P 500 closing lows


class Unread(InvalidInput):
    """A question that cannot be read: ``lead`` says why. With ``suggest``, the closest commands follow,
    filled in with what was recognised (commands.ask.routing words them)."""

    def __init__(
        self,
        lead: str,
        *,
        suggest: bool = False,
        subjects: list[Subject] | None = None,
        text: str = "",
        reading: Reading | None = None,
    ) -> None:
        super().__init__(lead)
        self.lead, self.suggest, self.subjects, self.text, self.reading = lead, suggest, subjects or [], text, reading


_TOKEN = re.compile(
    r"\$\^?[A-Za-z0-9][A-Za-z0-9.=\-]*|\^[A-Za-z0-9]+|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}"
    r"|[A-Za-z0-9]+(?:[&.'][A-Za-z0-9]+)*"
)
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
_DATE = (
    rf"(?:\d{{4}}-\d{{1,2}}-\d{{1,2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|{_MONTH} \d{{1,2}}{_ORD} \d{{4}}"
    rf"|\d{{1,2}}{_ORD} (?:of )?{_MONTH} \d{{4}}|{_MONTH} (?:of )?\d{{4}}|(?:19|20)\d{{2}})"
)
_NUM = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty)"
_UNIT = r"(?:d|days?|w|wks?|weeks?|m|mo|mos|mths?|months?|q|quarters?|y|yrs?|years?|decades?)"
_SINCE = r"(?:since|from|after|off|post)"


@dataclass
class Reading:
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


def words_of(question: str) -> tuple[list[str], list[str]]:
    text = re.sub(r"\b[sS]\s*(?:&|and|n)\s*[pP]\b", "s&p", question.replace("’", "'"))
    original = _TOKEN.findall(text)
    return _caps(original, [_correct(w.lower().replace("'", "")) for w in original])


@functools.cache
def vocabulary() -> tuple[frozenset[str], tuple[str, ...]]:
    """Words never corrected, and the words a misspelling may be corrected into."""
    targets = set(KEYWORDS) | {w for w in MONTHS if len(w) > 3} | set(NUMBERS)
    for phrase in (*ALIASES, *GROUPS):
        targets.update(w for w in phrase.split() if w.isalpha() and len(w) > 3)
    keep = targets | COMMON_WORDS | {s.lower() for s in known_symbols()}
    return frozenset(keep), tuple(sorted(targets))


def _correct(word: str) -> str:
    """A misspelt keyword or name within a letter or two ("russel", "nvidea", "regoinal") as meant."""
    keep, targets = vocabulary()
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
        raise Unread(f"{year}-{month:02d}-{day:02d} is not a real date.") from None


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


def read_window(r: Reading) -> None:
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
        rf"\b{_SINCE} (?:the )?(?:gfc|financial crisis|great recession|march 2009|2009)(?: crash)? "
        r"(?:low|lows|bottom)\b",
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
    r.take(
        r"\b(?:this month|month to date|mtd)\b", start(_iso(dt.date(today.year, today.month, 1) - dt.timedelta(days=1)))
    )

    def range_(m):
        r.start = r.start or _iso(_period(m["a"])[0])
        r.end = r.end or _iso(_period(m["b"])[1])

    r.take(
        rf"\b(?:(?:from|between|starting) )?(?P<a>{_DATE}) (?:to|and|until|till|thru|through) (?P<b>{_DATE})\b", range_
    )

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

    r.take(
        rf"\b(?:in|during|for|over|throughout|of|across) (?:all of |calendar |the year )?(?P<a>{_DATE})\b", in_period
    )

    def on_day(m):
        _, last, _ = _period(m["a"])
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

    r.take(
        r"(?<!since )(?<!the )(?<!over )(?<!in )(?<!for )(?<!during )(?<!within )\blast (?P<unit>year|month)\b",
        calendar_last,
    )

    def relative(m):
        months, days = _months_of(m["unit"])
        n = _number(m.groupdict().get("n"))
        if r.start:
            return
        if n * (months * 31 + days) > 100 * 366:
            raise Unread("That window is longer than any data: try `max` (all of it) or a date.")
        if months and n * months in RELATIVE_MONTHS:
            r.start = RELATIVE_MONTHS[n * months]
        elif months:
            r.start = _iso((pd.Timestamp(today) - pd.DateOffset(months=n * months)).date())
        else:
            r.start = _iso(today - dt.timedelta(days=n * days))

    r.take(r"\b(?:half (?:a )?year|(?:6|six) months)\b", start("6m"))
    r.take(
        rf"\b(?:(?:over|in|for|during|across|within) )?(?:the )?(?:last|past|previous|prior|trailing) "
        rf"(?:(?P<n>{_NUM}) ?)?(?P<unit>{_UNIT})\b",
        relative,
    )
    r.take(
        r"\b(?:(?:over|in|for|during|across|within) )?(?:the )?"
        r"(?P<n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty)"
        rf" ?(?P<unit>{_UNIT})\b"
        r"(?! (?:yield|treasury|note|bond|bill|periods?|windows?|stretch(?:es)?|rolling|spans?|range|high|low))",
        relative,
    )
    r.take(r"\b(?:over|in|for|within) (?:a|an|one) (?P<unit>year|month|quarter|decade|week)\b", relative)

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
class Subject:
    symbols: tuple[str, ...]  # one symbol, or a group's members
    members: tuple[str, ...] = ()  # for one symbol that also names a group (regional banks -> KRE or its banks)
    phrase: str = ""
    position: int = 0


def read_subjects(r: Reading) -> list[Subject]:
    tickers = {s.lower(): s for s in known_symbols()}
    shouting = sum(w.isupper() for w in r.original if w.isalpha()) > max(
        2, len([w for w in r.original if w.isalpha()]) // 2
    )
    found: list[Subject] = []
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
                hit = (n, Subject(GROUPS[phrase], phrase=phrase, position=i))
            elif phrase in ALIASES:
                symbol = ALIASES[phrase]
                members = MEMBERS.get(symbol, ()) if any(w in phrase for w in ("bank", "regionals", "lenders")) else ()
                hit = (n, Subject((symbol,), members, phrase, i))
            if hit:
                break
        if hit is None:
            symbol = _ticker(r.original[i], r.words[i], tickers, shouting)
            if symbol:
                hit = (1, Subject((symbol,), phrase=r.words[i], position=i))
        if hit is None:
            i += 1
            continue
        n, subject = hit
        after = r.words[i + n] if i + n < len(r.words) else ""
        if after in ("etf", "fund") and len(subject.symbols) == 1 and subject.symbols[0] in ETF_OF:
            subject = Subject((ETF_OF[subject.symbols[0]],), phrase=f"{subject.phrase} {after}", position=i)
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
            raise Unread(f"{exc} ", suggest=True) from None
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


def check_unknown(r: Reading, subjects: list[Subject]) -> None:
    """A short unknown word beside a symbol or "vs" is probably a ticker we do not know: say so."""
    keep, _ = vocabulary()
    placed = {s.position for s in subjects}
    for i, word in enumerate(r.words):
        if r.used[i] or not word.isalpha() or not 2 <= len(word) <= 5 or word in keep or word in MONTHS:
            continue
        neighbours = {r.words[j] for j in (i - 1, i + 1) if 0 <= j < len(r.words)}
        beside = (i - 1 in placed or i + 1 in placed) or neighbours & {"vs", "versus", "against", "and"}
        if beside and (placed or neighbours & {"vs", "versus", "against"}):
            raise Unread(
                f"I do not know `{word[:12]}`. If it is a ticker, write it as ${word.upper()[:12]}. ",
                suggest=True,
                subjects=subjects,
                text=" ".join(r.words),
                reading=r,
            )
