"""Held-out /ask phrasings: written before the parser and never tuned on.

Each case: (question, command or None when it must not be read, the key options it must map to).
Options not listed may take any value; None means the question must be refused with suggestions.
"""

from __future__ import annotations

MAG7 = "AAPL MSFT NVDA GOOGL AMZN META TSLA"

CASES: list[tuple[str, str | None, dict[str, str]]] = [
    ("how are small caps doing vs large caps since the oct 2022 low", "compare", {"a": "^RUT", "b": "^GSPC", "start": "oct-2022-low"}),
    ("russell vs s&p this year", "compare", {"a": "^RUT", "b": "^GSPC", "start": "ytd"}),
    ("iwm vs spy over the past 6 months", "compare", {"a": "IWM", "b": "SPY", "start": "6m"}),
    ("$KRE vs $SPY since svb", "compare", {"a": "KRE", "b": "SPY", "start": "svb"}),
    ("regional banks vs big banks since march 2023", "compare", {"a": "KRE", "b": "XLF", "start": "2023-03-01"}),
    ("is nvidia beating the nasdaq ytd", "compare", {"a": "NVDA", "b": "QQQ", "start": "ytd"}),
    ("tesla versus apple last 3 years", "compare", {"a": "TSLA", "b": "AAPL", "start": "3y"}),
    ("smallcaps relative to the s&p 500 over 10 years", "compare", {"a": "^RUT", "b": "^GSPC", "start": "10y"}),
    ("compare msft and googl from 2021-01-04 to 2022-12-30", "compare", {"a": "MSFT", "b": "GOOGL", "start": "2021-01-04", "end": "2022-12-30"}),
    ("are small caps outperforming?", "compare", {"a": "^RUT", "b": "^GSPC"}),
    ("zions vs kre since the bank crisis", "compare", {"a": "ZION", "b": "KRE", "start": "svb"}),
    ("meta vs the market in 2023", "compare", {"a": "META", "b": "^GSPC", "start": "2023-01-01", "end": "2023-12-31"}),
    ("rut/spx ratio since 2020", "compare", {"a": "^RUT", "b": "^GSPC", "start": "2020-01-01"}),
    ("nvda vs amd max", "compare", {"a": "NVDA", "b": "AMD", "start": "max"}),
    ("small cap etf vs s&p etf since covid low", "compare", {"a": "IWM", "b": "SPY", "start": "2020-03-23"}),
    ("russel 2000 vs nasdaq over 5 yrs", "compare", {"a": "^RUT", "b": "QQQ", "start": "5y"}),
    ("jpm vs bac since january 2024", "compare", {"a": "JPM", "b": "BAC", "start": "2024-01-01"}),
    ("is there stress in regional banks right now", "banks", {}),
    ("are the banks ok", "banks", {}),
    ("bank stress on march 13 2023", "banks", {"as_of": "2023-03-13"}),
    ("how bad was the regional bank panic as of 2023-05-04", "banks", {"as_of": "2023-05-04"}),
    ("any signs of a bank run?", "banks", {}),
    ("regoinal bank stress", "banks", {}),
    ("whats happening with treasury yields", "rates", {}),
    ("10 year yield", "rates", {}),
    ("is the yield curve still inverted", "rates", {}),
    ("rates", "rates", {}),
    ("best performers among the mag 7 this year", "performance", {"symbols": MAG7, "start": "ytd"}),
    ("rank nvda, amd, avgo since the october 2022 low", "performance", {"symbols": "NVDA AMD AVGO", "start": "oct-2022-low"}),
    ("which did best since svb: kre, kbe, xlf, spy", "performance", {"symbols": "KRE KBE XLF SPY", "start": "svb"}),
    ("top performing big tech stocks over the last year", "performance", {"symbols": MAG7, "start": "1y"}),
    ("worst performer: zion wal key tfc over 3 months", "performance", {"symbols": "ZION WAL KEY TFC", "start": "3m"}),
    ("how has palantir done since march 2023", "performance", {"symbols": "PLTR", "start": "2023-03-01"}),
    ("price of $NVDA", "quote", {"symbols": "NVDA"}),
    ("quote kre xlf spy", "quote", {"symbols": "KRE XLF SPY"}),
    ("where is the russell 2000 trading", "quote", {"symbols": "^RUT"}),
    ("what did tsla close at", "quote", {"symbols": "TSLA"}),
    ("vix level?", "quote", {"symbols": "^VIX"}),
    ("long run small vs large", "history", {}),
    ("historically do small caps beat large caps?", "history", {}),
    ("small caps vs large caps year by year", "history", {}),
    ("how often has the russell outperformed the s&p over 5 year periods", "history", {}),
    ("what would the KRE alert have done in 2023", "alerts replay", {"rule": "kre", "start": "2023-01-01", "end": "2023-12-31"}),
    ("how many times would the ratio alert have fired since 2024", "alerts replay", {"rule": "ratio", "start": "2024-01-01"}),
    ("replay the kre alert over the last 6 months with the quiet setting", "alerts replay", {"rule": "kre", "start": "6m", "sensitivity": "quiet"}),
    ("help", "about", {}),
    ("what can you do?", "about", {}),
    ("where does your data come from", "about", {}),
    ("tell me a joke", None, {}),
    ("should i buy now", None, {}),
    ("asdfgh", None, {}),
    ("alert me when small caps break out", None, {}),
]
