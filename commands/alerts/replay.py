"""/alerts replay (anyone; also `marketbot ask alerts replay`): the days a rule would have fired."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analytics.alerts.evaluate import replay, watched_on
from analytics.alerts.events import PRESETS, AlertEvent
from analytics.alerts.rules import RULES
from analytics.sources.base import Prices
from analytics.windows import check_window, resolve_window
from commands.alerts.messages import WORDING, event_data, headline
from commands.kit import format as fmt
from commands.kit.answer import Answer
from commands.kit.command import Services
from commands.kit.fields import chunk_lines, numbered
from commands.kit.footer import footer, provenance_data
from commands.kit.limits import CHOICE_TEXT_MAX, FIELD_VALUE_MAX
from commands.kit.options import Options, end_option, one_of, option, start_option

MAX_LISTED = 25  # events listed in Discord (JSON has all)
EVENT_BUDGET = 4000  # characters of events in one answer: with the rest, inside Discord's 6000 per embed


def rule_choices() -> list[tuple[str, str]]:
    return [(f"{name}: {WORDING[name].about}"[:CHOICE_TEXT_MAX], name) for name in RULES]


def sensitivity_choices() -> list[tuple[str, str]]:
    return [
        (f"{name}: notable at |z| ≥ {t.notable:g}, sharp at |z| ≥ {t.sharp:g}", name) for name, t in PRESETS.items()
    ]


@dataclass(frozen=True)
class ReplayOptions(Options):
    rule: str = option(
        "The rule to replay (default kre)",
        "kre",
        parse=one_of(lambda: RULES, "Replay works for the rules {allowed}"),
        choices=rule_choices,
    )
    start: str = start_option("A date or an anchor (default 1y)")
    end: str = end_option()
    sensitivity: str = option(
        "How unusual a move must be (default standard)",
        "standard",
        parse=one_of(lambda: PRESETS, "Sensitivity is one of {allowed}"),
        choices=sensitivity_choices,
    )

    def check(self, today: pd.Timestamp) -> None:
        check_window(self.start, self.end, today)


async def answer(services: Services, o: ReplayOptions) -> Answer:
    """The sessions a rule would have fired on, with the figures, to judge thresholds before subscribing."""
    prices = await services.market.closes(list(RULES[o.rule].symbols))
    return await services.offload(_answer, prices, o.rule, o.sensitivity, o.start, o.end, services.clock())


def _answer(prices: Prices, rule: str, preset: str, start: str, end: str, now: pd.Timestamp) -> Answer:
    window = resolve_window(start, end, prices.closes.index, now)
    # Sessions on or after the day asked for: a snapped start (a weekend) is a return's base, not a judged day.
    sessions = prices.closes.index
    first = sessions[sessions.searchsorted(window.asked_start or window.start)]
    judged = f"{fmt.day(first)} → {fmt.day(window.end)}"  # one window for the headline, the footer and the JSON
    events = replay(prices.closes, rule, first, window.end, preset)
    years = max((window.end - first).days / 365.25, 1 / 365.25)
    sharp = sum(e.level == "sharp" for e in events)
    summary = (
        f"The {rule} rule ({preset}) would have fired {len(events)} times from {fmt.day(first)} to "
        f"{fmt.day(window.end)} ({len(events) / years:.1f} a year), {sharp} of them sharp."
    )
    fields = _event_fields([headline(e) for e in events])  # each headline names its day and level
    # The judged days start at ``first``: a snapped start is said that way, not as the base session before it.
    notes = [n for n in window.notes if not n.startswith("Start ")]
    asked = window.asked_start
    if asked is not None and asked != first:
        notes.append(f"Start {fmt.day(asked)} is not a trading day; judged from {fmt.day(first)}.")
    if notes:
        fields.append(("Dates", " ".join(notes)))
    return Answer(
        command="alerts replay",
        title=f"Alert replay: {rule}",
        summary=summary,
        fields=tuple(fields),
        footer=footer(prices.provenance, _symbols(prices.closes, rule, events, window.end), now, judged, window.end),
        data={
            "command": "alerts replay",
            **provenance_data(prices.provenance, window.end),
            "rule": rule,
            "preset": preset,
            "start": first.date().isoformat(),
            "end": window.end.date().isoformat(),
            "date_notes": notes,
            "events": [event_data(e) for e in events],
        },
    )


def _symbols(closes: pd.DataFrame, rule: str, events: list[AlertEvent], end: pd.Timestamp) -> list[str]:
    """The symbols the events were judged on (a stand-in only where it was used), and the rule's context."""
    used = [s for e in events for s in e.watched.symbols] or list(watched_on(closes, rule, end).symbols)
    context = RULES[rule].context
    return list(dict.fromkeys([*used, *(context.symbols if context else ())]))


def _event_fields(lines: list[str]) -> list[tuple[str, str]]:
    """The latest events, newest last, over as many fields as they need; the names say how many of all are shown."""
    if not lines:
        return [("Events", "None.")]
    kept: list[str] = []
    for line in reversed(lines[-MAX_LISTED:]):
        if sum(len(k) + 1 for k in kept) + len(line) > EVENT_BUDGET:
            break
        kept.insert(0, line[:FIELD_VALUE_MAX])
    head = f"All {len(lines)} events" if len(kept) == len(lines) else f"Latest {len(kept)} of {len(lines)} events"
    return numbered(head, chunk_lines(kept))
