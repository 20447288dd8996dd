"""The words /ask knows: names and aliases of symbols, groups, and the words that pick a command.

All lower case, as the text is after normalizing (hyphens and slashes between words are spaces,
"small caps" in any spelling is ``smallcaps``, "large caps" is ``largecaps``).
"""

from __future__ import annotations

from analytics.banks import BANK_BASKET

# A phrase -> the one symbol it names. Ambiguous English words (popular, regions, citizens, key)
# only count with their qualifier; the tickers of symbols.csv are added by the parser.
ALIASES: dict[str, str] = {
    # indices and the market
    "s&p": "^GSPC", "s&p 500": "^GSPC", "s&p500": "^GSPC", "sp500": "^GSPC", "sp 500": "^GSPC", "spx": "^GSPC",
    "snp": "^GSPC", "snp 500": "^GSPC", "gspc": "^GSPC", "standard and poors": "^GSPC", "largecaps": "^GSPC",
    "the market": "^GSPC", "the stock market": "^GSPC", "the broad market": "^GSPC", "the index": "^GSPC",
    "russell": "^RUT", "russell 2000": "^RUT", "russell2000": "^RUT", "r2k": "^RUT", "rut": "^RUT",
    "russ 2000": "^RUT", "smallcaps": "^RUT",
    "nasdaq": "QQQ", "the nasdaq": "QQQ", "naz": "QQQ", "nasdaq 100": "^NDX", "ndx": "^NDX",
    "nasdaq composite": "^IXIC", "ixic": "^IXIC",
    "dow": "^DJI", "dow jones": "^DJI", "djia": "^DJI", "the dow": "^DJI",
    "vix": "^VIX", "volatility index": "^VIX", "fear index": "^VIX", "fear gauge": "^VIX", "volatility": "^VIX",
    "10 year yield": "^TNX", "10 year treasury": "^TNX", "10 year note": "^TNX", "ten year yield": "^TNX",
    "10yr yield": "^TNX", "10y yield": "^TNX", "tnx": "^TNX", "13 week bill": "^IRX", "t bill": "^IRX", "irx": "^IRX",
    "30 year yield": "^TYX", "5 year yield": "^FVX",
    # ETFs and sectors
    "regional banks": "KRE", "regional bank": "KRE", "regionals": "KRE", "regional banking": "KRE",
    "regional bank stocks": "KRE", "regional lenders": "KRE",
    "banks": "KBE", "bank stocks": "KBE", "bank etf": "KBE", "the banks": "KBE",
    "big banks": "XLF", "large banks": "XLF", "money center banks": "XLF", "megabanks": "XLF", "mega banks": "XLF",
    "financials": "XLF", "financial sector": "XLF", "financial stocks": "XLF",
    "tech": "XLK", "tech sector": "XLK", "technology": "XLK", "tech stocks": "XLK",
    "energy": "XLE", "energy sector": "XLE", "energy stocks": "XLE", "oil stocks": "XLE",
    "gold": "GLD", "bonds": "TLT", "long bonds": "TLT", "treasury bonds": "TLT", "total market": "VTI",
    "total stock market": "VTI",
    # large stocks
    "nvidia": "NVDA", "apple": "AAPL", "microsoft": "MSFT", "google": "GOOGL", "alphabet": "GOOGL",
    "amazon": "AMZN", "meta": "META", "facebook": "META", "broadcom": "AVGO", "tesla": "TSLA",
    "berkshire": "BRK-B", "berkshire hathaway": "BRK-B", "brk b": "BRK-B", "brk.b": "BRK-B", "brkb": "BRK-B",
    "jpmorgan": "JPM", "jp morgan": "JPM", "jpmorgan chase": "JPM", "chase": "JPM", "eli lilly": "LLY",
    "lilly": "LLY", "visa": "V", "mastercard": "MA", "walmart": "WMT", "exxon": "XOM", "exxonmobil": "XOM",
    "exxon mobil": "XOM", "unitedhealth": "UNH", "united health": "UNH", "johnson & johnson": "JNJ",
    "johnson and johnson": "JNJ", "j&j": "JNJ", "oracle": "ORCL", "costco": "COST", "home depot": "HD",
    "procter & gamble": "PG", "procter and gamble": "PG", "p&g": "PG", "netflix": "NFLX",
    "bank of america": "BAC", "bofa": "BAC", "abbvie": "ABBV", "advanced micro devices": "AMD",
    "salesforce": "CRM", "coca cola": "KO", "coke": "KO", "chevron": "CVX", "wells fargo": "WFC",
    "citigroup": "C", "citi": "C", "goldman": "GS", "goldman sachs": "GS", "morgan stanley": "MS",
    "us bancorp": "USB", "u.s. bancorp": "USB", "pnc": "PNC", "schwab": "SCHW", "charles schwab": "SCHW",
    "palantir": "PLTR",
    # regional banks
    "zions": "ZION", "zions bancorp": "ZION", "western alliance": "WAL", "keycorp": "KEY", "key corp": "KEY",
    "key bank": "KEY", "keybank": "KEY", "truist": "TFC", "fifth third": "FITB", "huntington": "HBAN",
    "regions financial": "RF", "regions bank": "RF", "citizens financial": "CFG", "citizens bank": "CFG",
    "m&t": "MTB", "m&t bank": "MTB", "pinnacle financial": "PNFP", "east west bancorp": "EWBC",
    "east west bank": "EWBC", "first horizon": "FHN", "webster": "WBS", "webster financial": "WBS",
    "bank ozk": "OZK", "valley national": "VLY", "popular inc": "BPOP", "banco popular": "BPOP",
    "umb financial": "UMBF", "wintrust": "WTFC", "old national": "ONB", "f.n.b.": "FNB", "southstate": "SSB",
    "south state": "SSB", "glacier bancorp": "GBCI", "bok financial": "BOKF", "flagstar": "FLG",
    "new york community": "FLG", "new york community bancorp": "FLG", "nycb": "FLG",
    "banc of california": "BANC", "home bancshares": "HOMB", "bankunited": "BKU", "bank united": "BKU",
}  # fmt: skip

# An index named with "etf" or "fund" after it means the ETF that tracks it.
ETF_OF = {"^GSPC": "SPY", "^RUT": "IWM", "^DJI": "DIA", "^NDX": "QQQ", "^IXIC": "QQQ"}

MAG7 = ("AAPL", "MSFT", "NVDA", "GOOGL", "AMZN", "META", "TSLA")
# Phrases that always name several symbols (a performance table).
GROUPS: dict[str, tuple[str, ...]] = {
    "mag 7": MAG7, "mag7": MAG7, "mag seven": MAG7, "magnificent 7": MAG7, "magnificent seven": MAG7,
    "big tech": MAG7, "megacaps": MAG7, "mega caps": MAG7, "megacap tech": MAG7,
    "major indexes": ("^GSPC", "^DJI", "^IXIC", "^RUT"), "major indices": ("^GSPC", "^DJI", "^IXIC", "^RUT"),
    "the indexes": ("^GSPC", "^DJI", "^IXIC", "^RUT"), "the indices": ("^GSPC", "^DJI", "^IXIC", "^RUT"),
    "sectors": ("XLK", "XLF", "XLE"), "the sectors": ("XLK", "XLF", "XLE"),
}  # fmt: skip
# Phrases that name one symbol, or its members when asked which of them did best.
MEMBERS: dict[str, tuple[str, ...]] = {
    "KRE": BANK_BASKET[:10],
    "XLF": ("JPM", "BAC", "WFC", "C", "GS", "MS"),
}

# Tickers that are also everyday words: a symbol only with a $ or in capitals.
AMBIGUOUS_TICKERS = {"a", "c", "v", "ma", "key", "cost", "all", "now", "on", "it"}
# Capitalised words that are not tickers.
NOT_TICKERS = {
    "I", "A", "US", "USA", "YTD", "ETF", "ETFS", "SVB", "VS", "AI", "OK", "IPO", "FED", "USD", "GDP", "CPI", "EOD",
    "FOMC", "CEO", "MAX", "EPS", "PE", "ATH", "IMO", "LOL", "TLDR", "NYSE", "NY", "UK", "EU", "YOY", "MTD", "QTD",
    "ALL", "THE", "AND", "OR", "IS", "HOW", "WHAT", "COVID", "GFC", "Q1", "Q2", "Q3", "Q4", "PM", "AM", "EST",
    "ET", "UTC", "TIL", "AKA", "FYI", "ASAP", "RN", "IDK", "PLS", "BTW", "DM", "OP", "U", "R",
}  # fmt: skip

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4, "may": 5,
    "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9,
    "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}  # fmt: skip
NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
}  # fmt: skip

# Words that carry the question's meaning; a misspelling within a letter or two is read as one of them.
KEYWORDS = {
    "compare", "versus", "against", "relative", "outperform", "outperforming", "outperformed", "underperform",
    "underperforming", "beating", "leading", "lagging", "trailing", "performers", "performer", "performance",
    "performing", "performed", "best", "worst", "ranking", "leaderboard", "winners", "losers", "price", "quote",
    "trading", "closed", "close", "level", "stress", "stressed", "crisis", "trouble", "panic", "contagion",
    "breadth", "pressure", "collapse", "meltdown", "turmoil", "distress", "rates", "yield", "yields", "treasury",
    "treasuries", "curve", "inverted", "inversion", "interest", "history", "historically", "historical",
    "calendar", "alert", "alerts", "replay", "triggered", "fired", "sensitive", "quiet", "since", "until",
    "through", "between", "months", "month", "years", "year", "weeks", "week", "quarter", "decade", "today",
    "small", "smaller", "large", "larger", "caps", "banks", "regional", "regionals", "doing", "help", "about",
    "commands", "among", "against", "ratio", "spread", "bottom", "october", "silicon", "valley", "covid",
}  # fmt: skip

# Everyday words never "corrected" into a keyword or read as a ticker.
COMMON_WORDS = {
    "the", "a", "an", "and", "or", "of", "to", "in", "on", "at", "for", "from", "by", "with", "is", "are", "was",
    "were", "be", "been", "being", "has", "have", "had", "do", "does", "did", "done", "how", "what", "whats",
    "which", "who", "why", "when", "where", "wheres", "there", "their", "theyre", "these", "those", "this", "that",
    "thats", "it", "its", "me", "my", "i", "im", "you", "your", "u", "ur", "r", "we", "our", "us", "they", "them",
    "so", "far", "now", "right", "still", "yet", "just", "really", "very", "much", "many", "more", "most", "less",
    "any", "some", "all", "both", "each", "every", "other", "than", "then", "over", "under", "up", "down", "out",
    "off", "into", "onto", "after", "before", "during", "vs", "v", "per", "about", "again", "can", "could",
    "would", "should", "will", "shall", "may", "might", "must", "get", "got", "going", "go", "went", "look",
    "looks", "looking", "show", "shows", "tell", "give", "see", "want", "need", "know", "think", "like", "lately",
    "recently", "currently", "today", "yesterday", "please", "pls", "plz", "thanks", "thx", "hey", "hi", "hello",
    "yo", "ok", "okay", "lol", "imo", "tho", "though", "rn", "idk", "btw", "vs.", "doing", "moving", "moved",
    "holding", "hold", "held", "stack", "stacks", "stacked", "fare", "faring", "fared", "did", "since", "ago",
    "last", "past", "previous", "prior", "trailing", "next", "first", "start", "end", "begin", "beginning",
    "new", "old", "high", "low", "lows", "highs", "big", "bigger", "small", "smaller", "large", "larger", "good",
    "bad", "better", "worse", "best", "worst", "top", "stock", "stocks", "index", "indexes", "indices", "etf",
    "etfs", "fund", "funds", "share", "shares", "market", "markets", "sector", "names", "companies", "company",
    "year", "years", "yr", "yrs", "month", "months", "mo", "mos", "week", "weeks", "day", "days", "quarter",
    "time", "times", "date", "dates", "ever", "inception", "period", "periods", "run", "long", "term", "since",
    "until", "till", "thru", "through", "between", "ytd", "max", "now", "along", "against", "versus", "compared",
    "comparison", "relative", "ratio", "spread", "chart", "graph", "numbers", "data", "same", "together",
    "whole", "full", "entire", "entirety", "anything", "something", "often", "usually", "typically", "win",
    "wins", "won", "beat", "beats", "lead", "leads", "lag", "lags", "trail", "trails", "returns", "return",
    "gain", "gains", "loss", "losses", "up", "rally", "rallied", "crash", "crashed", "drop", "dropped", "fall",
    "fell", "rise", "rose", "also", "too", "either", "neither", "not", "no", "yes", "only", "even", "well",
    "three", "there", "three", "seven", "since", "versus", "low", "bottom", "ok", "fine", "safe", "risk",
    "around", "near", "above", "below", "cap", "caps", "worth", "range", "rank", "ranked", "hows", "whos",
    "wheres", "thats", "bond", "note", "notes", "bill", "bills", "price", "prices", "level", "levels", "quote",
    "quotes", "close", "closed", "closing", "trading", "traded", "trade", "trades", "leaders", "laggards",
    "strongest", "weakest", "performance", "performers", "among", "sitting", "worse", "worst", "state", "status",
    "health", "alert", "alerts", "fire", "fired", "rule", "help", "range", "week", "move", "moves", "setting", "version", "source",
    "sources", "fresh", "commands", "use", "using", "used", "perf", "pct", "yoy", "mtd", "qtd", "stonk",
    "stonks", "bro", "guys", "folks", "wen", "moon", "dump", "pump", "ripping", "dumping", "pumping",
}  # fmt: skip

# The words that pick a command (regular expressions over the lower-case words).
ABOUT = r"\b(?:help|about|commands?|what can (?:you|u) do|what do (?:you|u) do|how do i use|how does (?:this|it) work|usage|data sources?|what data|(?:your|ur) data|where does (?:your|the|ur) data|where do (?:you|u) get|how fresh|version|who are (?:you|u)|what are (?:you|u))\b"
ALERT = r"\b(?:alerts?|alarms?|notify|notification|ping me|tell me when|warn me)\b"
REPLAY = r"\b(?:would|have|had|did|replay|replayed|backtest|back test|fired?|triggered|trigger|went off|go off|times|history)\b"
HISTORY = r"\b(?:long run|long term|longrun|longterm|historically|history|historical|by year|calendar years?|every year|each year|year by year|year over year|annual|annually|decades|how often|rolling|over time)\b"
RATES = r"\b(?:rates?|yields?|treasur(?:y|ies)|bond market|t bills?|bills?|curve|inverted|inversion|fed funds|interest|10 year|2 year|ten year)\b"
BANK = r"\b(?:banks?|banking|regionals?|lenders?|kre)\b"
CREDIT = r"\b(?:credit|spreads?|high yield|junk|hyg|leveraged loans?|bdcs?|defaults?|borrowers?)\b"
FED = r"\b(?:fed|fomc|cuts?|hikes?|policy rate|rate path|fedwatch)\b"
STRESS = r"\b(?:stress|stressed|stressful|crisis|trouble|troubled|panic|panicking|ok|okay|fine|safe|contagion|runs?|fear|fears|scared|worry|worried|worries|worrying|breadth|health|healthy|pressure|collapse|collapsing|blowing|blow up|meltdown|wobbl\w*|turmoil|scare|bad|distress|distressed|fragile|alright|status|dashboard|situation|risk|risky|danger|dangerous|failing|fail|failures?|cracks?|cracking|sound|solvent|insolvent|bleeding|tanking|crashing|doing|holding up|look|looking)\b"
QUOTE = r"\b(?:price|prices|priced|quote|quotes|trading|trade at|trades at|worth|how much|last close|close|closed|closing|level|levels|where is|wheres|52 week|ticker|at right now|sitting at)\b"
RANK = r"\b(?:best|worst|top|bottom|performers?|leaders?|laggards?|winners?|losers?|rank|ranked|ranking|leaderboard|among|which of|which one|which did|which has|which have|strongest|weakest)\b"
PERFORMANCE = r"\b(?:performance|returns?|performing|performed|gains?|how (?:has|have|did)|done|did)\b"
COMPARE = r"\b(?:vs|v|versus|against|compared?|comparison|relative|outperform\w*|underperform\w*|beat\w*|lead\w*|lag\w*|trail\w*|than|ratio|spread|better|worse)\b"
