"""What each command does, in one line: its Discord description and its /about entry."""

from __future__ import annotations

DESCRIPTIONS: dict[str, str] = {
    "compare": "Two symbols since a date: returns, spread, their ratio in its history, drawdowns, chart",
    "performance": "Returns and drawdowns of up to 10 symbols over one window, best first, chart",
    "quote": "Last close, day change, 52-week range and YTD of up to 10 symbols",
    "history": "Russell 2000 vs S&P 500 by calendar year, and how often small caps won over 1/3/5 years",
    "banks": "Are regional banks under stress? KRE vs SPY and XLF, breadth, drawdown, March 2023",
    "rates": "The 13-week bill and 10-year yields, their changes and the curve",
    "credit": "Credit or rates? KRE's move split into credit (HYG/IEF) and the 2-year yield, vs 2023 and Oct 2025",
    "about": "Where marketbot's data comes from, how fresh it is, and what each command does",
}
