"""What each command does, in one line: its Discord description, its /about entry and its terminal help."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from discord import app_commands

DESCRIPTIONS: dict[str, str] = {
    "compare": "Two symbols since a date: returns, spread, their ratio in its history, drawdowns, chart",
    "performance": "Returns and drawdowns of up to 10 symbols over one window, best first, chart",
    "quote": "Last close, day change, 52-week range and YTD of up to 10 symbols",
    "history": "Russell 2000 vs S&P 500 by calendar year, and how often small caps won over 1/3/5 years",
    "banks": "Are regional banks under stress? KRE vs SPY and XLF, breadth, drawdown, March 2023",
    "rates": "The 13-week bill and 10-year yields, their changes and the curve",
    "credit": "Credit or rates? KRE's move split into credit (HYG/IEF) and the 2-year yield, vs 2023 and Oct 2025",
    "watchlist": "This server's watchlist (up to 25 symbols): 1-day, 1-month and YTD returns, chart; in the digest",
    "ask": "A question in plain English, answered by the matching command (which it shows)",
    "about": "Where marketbot's data comes from, how fresh it is, and what each command does",
}


def slash_commands() -> dict[str, app_commands.Command]:
    """Every slash command by its full name (``compare``, ``alerts replay``), read from the cogs themselves.

    The cogs are the one source of names, descriptions and options: /about and
    the terminal's help list whatever the registry holds.
    """
    from discord import app_commands

    # Imported here: the cogs import this module for their descriptions.
    from commands.alerts import Alerts  # the bot adds these itself (they need storage), so COGS leaves them out
    from commands.registry import COGS
    from commands.watchlist import Watchlist

    found: dict[str, app_commands.Command] = {}
    for cog in dict.fromkeys((*COGS, Alerts, Watchlist)):
        group = cog.__cog_group_name__ if cog.__cog_is_app_commands_group__ else ""
        for item in cog.__cog_app_commands__:
            for command in item.walk_commands() if isinstance(item, app_commands.Group) else [item]:
                found[f"{group} {command.qualified_name}".strip()] = command
    return found


def group_description(group: str) -> str:
    """A command group's own description (``alerts``), or ''."""
    from commands.alerts import Alerts
    from commands.registry import COGS
    from commands.watchlist import Watchlist

    for cog in dict.fromkeys((*COGS, Alerts, Watchlist)):
        if cog.__cog_is_app_commands_group__ and cog.__cog_group_name__ == group:
            return cog.__cog_group_description__
    return ""


def package_version() -> str:
    try:
        return version("marketbot")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"
