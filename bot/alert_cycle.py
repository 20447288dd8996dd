"""One alert cycle: fetch once, judge each rule once per sensitivity in use, then deliver.

Cost grows with symbols and presets, not subscriptions: evaluation happens
once per (rule, preset); subscriptions only fan the events out. Delivery is
exactly-once per (subscription, rule, session, level): an alert is claimed in
the database before it is sent (overlapping cycles cannot both claim it) and
sent with a nonce derived from its key, so the resend after a crash between
sending and recording is refused by Discord as a duplicate.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from analytics import alerts as rules
from analytics.errors import MarketbotError
from analytics.sources.base import Prices
from analytics.sources.market_data import MarketData
from bot.storage import Storage
from commands.alerts import SYMBOLS
from commands.subscriptions import Subscription

log = logging.getLogger(__name__)

Mode = Literal["intraday", "settled"]


def nonce_for(key: tuple[int, str, str, str]) -> str:
    """Discord nonces are at most 25 characters; the same alert always gets the same one."""
    return hashlib.sha256(":".join(map(str, key)).encode()).hexdigest()[:25]


@dataclass(frozen=True)
class Due:
    """One alert for one subscription."""

    subscription: Subscription
    event: rules.AlertEvent

    @property
    def key(self) -> tuple[int, str, str, str]:
        return (self.subscription.id, *self.event.key)

    @property
    def nonce(self) -> str:
        return nonce_for(self.key)


@dataclass
class CycleReport:
    mode: Mode
    session: pd.Timestamp | None = None
    events: list[rules.AlertEvent] = field(default_factory=list)
    claimed: int = 0
    skipped: list[str] = field(default_factory=list)  # why a rule could not be judged


# Delivers the claimed alerts of one event (rendered once) to its subscriptions.
Deliver = Callable[[rules.AlertEvent, str, Prices, list[Due]], Awaitable[None]]


class AlertCycle:
    def __init__(self, market: MarketData, storage: Storage, deliver: Deliver) -> None:
        self.market = market
        self.storage = storage
        self.deliver = deliver
        self._lock = asyncio.Lock()  # one cycle at a time in this process (the job also has max_instances=1)

    async def run(self, mode: Mode) -> CycleReport:
        async with self._lock:
            return await self._run(mode)

    async def _run(self, mode: Mode) -> CycleReport:
        report = CycleReport(mode)
        subs = [s for s in await self.storage.run(self.storage.subscriptions, None, active_only=True) if s.rule in rules.RULES]
        if not subs:
            return report
        try:
            prices = await self.market.closes(list(SYMBOLS))
            latest = await self.market.latest(list(SYMBOLS)) if mode == "intraday" else {}
        except MarketbotError as exc:  # a failed fetch sends nothing: it is never read as a move
            log.warning("Alert cycle skipped: no data (%s)", exc)
            report.skipped.append(str(exc))
            return report
        if mode == "intraday":
            if not latest:
                report.skipped.append("no live prices")
                return report
            session = max(p.session for p in latest.values())
            live = {symbol: p.price for symbol, p in latest.items() if p.session == session}
        else:
            session, live = prices.closes.index[-1], None
        report.session = session

        by_rule_preset: dict[tuple[str, str], list[Subscription]] = {}
        for sub in subs:
            by_rule_preset.setdefault((sub.rule, sub.preset), []).append(sub)
        for (rule, preset), group in by_rule_preset.items():
            try:
                evaluation = rules.evaluate(prices.closes, rule, session, preset, live)
            except MarketbotError as exc:  # e.g. too little history: this rule waits, the others go on
                log.warning("Alert rule %s (%s) not judged on %s: %s", rule, preset, session.date(), exc)
                report.skipped.append(str(exc))
                continue
            if evaluation.skipped:
                log.warning("Alert rule %s (%s) not judged on %s: %s", rule, preset, session.date(), evaluation.skipped)
                report.skipped.append(evaluation.skipped)
                continue
            for event in evaluation.events:
                report.events.append(event)
                due = [Due(sub, event) for sub in group]
                claimed = set(
                    await self.storage.run(self.storage.claim, [(*d.key, event.headline) for d in due])
                )
                mine = [d for d in due if (*d.key, event.headline) in claimed]
                report.claimed += len(mine)
                if mine:
                    await self.deliver(event, preset, prices, mine)
        return report
