"""One alert cycle: fetch each rule's symbols, judge each rule once per sensitivity in use, then deliver.

Each rule is fetched on its own symbols (``Rule.symbols``; shared symbols are fetched
once, the cache is shared): a rule whose data fails, or is stale by the calendar, is skipped
and said in the report, and the other rules are still judged.

Cost grows with symbols and presets, not subscriptions: evaluation happens
once per (rule, preset); subscriptions only fan the events out. Delivery is
exactly-once per (subscription, rule, session, level): an alert is claimed in
the database before it is sent (overlapping cycles cannot both claim it) and
sent with a nonce derived from its key, so the resend after a crash between
sending and recording is refused by Discord as a duplicate.

After a settled session, digest subscriptions get the session's digest,
delivered the same way under the key (subscription, "digest", session, "digest");
its bank, rates and credit data are fetched then, each on its own, so one failing
leaves only its part out; so are the watchlists of the servers that read it
(all their symbols in one fetch), each server's shown in its own digest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from analytics import digest as digests
from analytics.alerts.evaluate import evaluate
from analytics.alerts.events import AlertEvent, Evaluation
from analytics.alerts.rules import RULES
from analytics.credit import DGS2, CreditReading, credit_reading_for_session
from analytics.digest import Digest
from analytics.errors import DataUnavailable, MarketbotError
from analytics.frames import close_frame
from analytics.sources.base import LatestPrice, Prices
from analytics.sources.market_data import MarketData
from analytics.watchlist import WatchDay, watch_day
from bot.storage.protocol import AlertKey, Claim, Store
from commands.alerts.messages import digest_headline, headline
from commands.kit.store import StoreUnavailable, Subscription

log = logging.getLogger(__name__)

Mode = Literal["intraday", "settled"]
STANDBY = "another marketbot process is sending this database's alerts"
DIGEST = "digest"  # a digest is delivered like an alert, under this rule and level


@dataclass(frozen=True)
class Alert:
    """An event as posted: after the close, a rule's credit-or-rates reading of the session (or why there is none)."""

    event: AlertEvent
    credit: CreditReading | str | None = None

    @property
    def session(self) -> pd.Timestamp:
        return self.event.session


Post = Alert | Digest  # what a subscription is sent


def post_key(post: Post) -> tuple[str, str, str]:
    """(rule, session, level): one post of each per subscription."""
    if isinstance(post, Digest):
        return (DIGEST, post.session.date().isoformat(), DIGEST)
    return post.event.key


def post_headline(post: Post) -> str:
    return digest_headline(post) if isinstance(post, Digest) else headline(post.event)


def nonce_for(key: AlertKey) -> str:
    """Discord nonces are at most 25 characters; the same alert always gets the same one."""
    return hashlib.sha256(":".join(map(str, key)).encode()).hexdigest()[:25]


@dataclass(frozen=True)
class Due:
    """One alert for one subscription."""

    subscription: Subscription
    post: Post

    @property
    def key(self) -> AlertKey:
        return AlertKey(self.subscription.id, *post_key(self.post))

    @property
    def nonce(self) -> str:
        return nonce_for(self.key)


@dataclass
class CycleReport:
    mode: Mode
    session: pd.Timestamp | None = None
    events: list[AlertEvent] = field(default_factory=list)
    digests: int = 0  # digests composed (one per sensitivity in use)
    standby: bool = False  # another process is this database's alert evaluator
    claimed: int = 0  # alerts and digests claimed and handed to delivery
    skipped: list[str] = field(default_factory=list)  # why a rule could not be judged
    evaluator: bool | None = None  # whether this process holds the lock (None: it could not be asked)
    failed: bool = False  # the cycle raised (the schedule logs why)
    seconds: float = 0.0

    @property
    def outcome(self) -> str:
        """failed, standby, skipped (something could not be judged), judged, or idle (no subscriber)."""
        if self.failed or self.standby:
            return "failed" if self.failed else "standby"
        if self.skipped:
            return "skipped"
        return "judged" if self.session is not None else "idle"


# Renders one event or digest once and hands its claimed alerts over for posting;
# returns before anything is posted (bot.alert_delivery), or when a test's stand-in has.
Deliver = Callable[[Post, Prices, list[Due]], Awaitable[None]]


class AlertCycle:
    def __init__(self, market: MarketData, storage: Store, deliver: Deliver, fred: MarketData | None = None) -> None:
        self.market = market
        self.fred = fred  # the 2-year yield, for the credit-or-rates reading (None: no reading)
        # A "no data" answer for a symbol alerts depend on is a failed fetch, never "unknown symbol".
        market.watch(s for rule in RULES.values() for s in rule.symbols)
        self.storage = storage
        self.deliver = deliver
        self._lock = asyncio.Lock()  # one cycle at a time in this process (the job also has max_instances=1)
        self.on_cycle: Callable[[CycleReport], None] | None = None  # told each cycle's report (metrics, /status)
        self._standby_logged = False

    async def run(self, mode: Mode) -> CycleReport:
        async with self._lock:
            report = CycleReport(mode)
            began = time.perf_counter()
            try:
                return await self._run(report)
            except BaseException:
                report.failed = True
                raise
            finally:
                report.seconds = time.perf_counter() - began
                if self.on_cycle is not None:
                    self.on_cycle(report)

    async def wait_idle(self) -> None:
        """Until no cycle is running (at shutdown)."""
        async with self._lock:
            pass

    async def _run(self, report: CycleReport) -> CycleReport:
        mode = report.mode
        try:
            evaluator = report.evaluator = await self.storage.is_evaluator()
        except StoreUnavailable as exc:  # the database is down or restarting: the next tick tries again
            log.warning("Alert cycle skipped: the database is unavailable (%s)", exc.detail)
            report.skipped.append(f"the database is unavailable: {exc.detail}")
            return report
        except MarketbotError as exc:  # e.g. the lock file cannot be created, the database is down: say so, every cycle
            log.error("Alert cycle skipped: %s", exc)
            report.skipped.append(str(exc))
            return report
        if not evaluator:
            report.standby = True
            report.skipped.append(STANDBY)
            if not self._standby_logged:  # once, not every tick
                log.warning("%s; this one stands by and takes over if it stops", STANDBY)
                self._standby_logged = True
            return report
        self._standby_logged = False
        subs = await self.storage.subscriptions(active_only=True)
        watchers = [s for s in subs if s.rule in RULES]
        readers = [s for s in subs if s.rule == DIGEST] if mode == "settled" else []  # after the close only
        if not watchers and not readers:
            return report
        # The digest shows both rules' series; otherwise only the rules someone watches are fetched.
        wanted = [r for r in RULES if readers or any(s.rule == r for s in watchers)]
        by_rule, latest = await self._fetch_per_rule(wanted, mode, report)
        if not by_rule:
            return report
        closes = close_frame({s: p.closes[s] for p in by_rule.values() for s in p.closes.columns})
        prices = Prices(closes, next(iter(by_rule.values())).provenance)
        if mode == "intraday":
            if not latest:
                report.skipped.append("no live prices")
                return report
            session = max(p.session for p in latest.values())
            live = {symbol: p.price for symbol, p in latest.items() if p.session == session}
        else:
            session, live = prices.closes.index[-1], None
        report.session = session

        reading: CreditReading | str | None = None  # the session's, read once for every KRE alert of the cycle
        for (rule, preset), group in _by_preset(watchers).items():
            if rule not in by_rule:
                continue  # its data could not be had: said in report.skipped
            try:
                evaluation = await asyncio.to_thread(evaluate, prices.closes, rule, session, preset, live)
            except MarketbotError as exc:  # e.g. too little history: this rule waits, the others go on
                evaluation = Evaluation(rule, session, None, (), str(exc))
            if evaluation.skipped:
                log.warning("Alert rule %s (%s) not judged on %s: %s", rule, preset, session.date(), evaluation.skipped)
                report.skipped.append(evaluation.skipped)
                continue
            for event in evaluation.events:
                report.events.append(event)
                # After the close a KRE alert says whether its move reads as credit or rates.
                reads = RULES[rule].credit_reading and mode == "settled"
                if reads and reading is None:
                    reading = await self._credit_reading(session)
                await self._fan_out(Alert(event, reading if reads else None), prices, group, report)
        if readers:
            await self._digests(session, prices, readers, report)
        return report

    async def _credit_reading(self, session: pd.Timestamp) -> CreditReading | str:
        """The session's credit-or-rates reading, or why there is none (a failed fetch is said, not fatal)."""
        try:
            closes = (await self.market.closes(list(digests.CREDIT_SYMBOLS))).closes
            fred = await self._fred()
            return await asyncio.to_thread(credit_reading_for_session, closes, fred, session)
        except MarketbotError as exc:
            log.warning("Alert of %s without its credit-or-rates reading: %s", session.date(), exc)
            return str(exc)

    async def _fred(self) -> pd.DataFrame:
        if self.fred is None:
            raise DataUnavailable("no FRED data is configured (the 2-year yield).")
        return (await self.fred.closes([DGS2])).closes

    async def _fetch_per_rule(
        self, wanted: list[str], mode: Mode, report: CycleReport
    ) -> tuple[dict[str, Prices], dict[str, LatestPrice]]:
        """Each rule's data on its own: a rule whose data fails or is stale is skipped, and said."""
        by_rule: dict[str, Prices] = {}
        latest: dict[str, LatestPrice] = {}
        for rule in wanted:
            symbols = list(RULES[rule].symbols)
            try:  # a failed fetch sends nothing: it is never read as a move
                prices = await self.market.closes(symbols)
                live = await self.market.latest(symbols) if mode == "intraday" else {}
            except MarketbotError as exc:
                reason = str(exc)
            else:
                if not prices.provenance.stale:
                    by_rule[rule] = prices
                    latest.update(live)
                    continue
                reason = f"its data is stale ({prices.provenance.describe()})"
            log.warning("Alert rule %s not judged: %s", rule, reason)
            report.skipped.append(f"{rule} rule not judged: {reason}")
        return by_rule, latest

    async def _digests(
        self, session: pd.Timestamp, prices: Prices, readers: list[Subscription], report: CycleReport
    ) -> None:
        """The settled session's digest, once per sensitivity in use; missing parts are said, not fatal.

        A server with a watchlist gets the digest with its list's moves: one more rendering per such
        server, the same delivery key (subscription, "digest", session, "digest")."""
        frames, unavailable = [prices.closes], {}
        for part, symbols in digests.PART_SYMBOLS.items():
            try:
                frames.append((await self.market.closes(list(symbols))).closes)
            except MarketbotError as exc:
                log.warning("Digest of %s without %s: %s", session.date(), part, exc)
                unavailable[part] = str(exc)
        fred = None
        try:
            fred = await self._fred()
        except MarketbotError as exc:
            log.warning("Digest of %s without the credit-or-rates reading: %s", session.date(), exc)
            unavailable.setdefault("credit", str(exc))
        groups = {preset: group for (_, preset), group in _by_preset(readers).items()}
        closes = pd.concat(frames, axis=1).loc[:session]
        prices = Prices(closes.loc[:, ~closes.columns.duplicated()], prices.provenance)
        composed = await asyncio.to_thread(digests.daily_digests, prices.closes, session, groups, unavailable, fred)
        lists = await self._watchlists(session, {sub.guild_id for sub in readers})
        for preset, digest in composed.items():
            if digest.empty:
                report.skipped.append(
                    f"digest of {session.date()}: " + "; ".join(f"{part}: {why}" for part, why in digest.missing)
                )
                continue
            report.digests += 1
            by_guild: dict[int | None, list[Subscription]] = {}
            for sub in groups[preset]:
                by_guild.setdefault(sub.guild_id if sub.guild_id in lists else None, []).append(sub)
            for guild, group in by_guild.items():
                variant = digest if guild is None else dataclasses.replace(digest, watchlist=lists[guild])
                await self._fan_out(variant, prices, group, report)

    async def _watchlists(self, session: pd.Timestamp, guilds: set[int]) -> dict[int, WatchDay]:
        """Each reading server's watchlist moves that session: every server's symbols fetched once, together;
        a symbol that cannot be had is named in its servers' sections, and a failing database leaves them out."""
        try:
            lists = {g: symbols for g, symbols in (await self.storage.watchlists()).items() if g in guilds}
        except MarketbotError as exc:
            log.warning("Digest of %s without watchlists: %s", session.date(), exc)
            return {}
        wanted = list(dict.fromkeys(s for symbols in lists.values() for s in symbols))
        if not wanted:
            return {}
        try:
            fetched = await self.market.closes(wanted, partial=True)
            closes, unavailable = fetched.closes, {s: str(e) for s, e in fetched.missing.items()}
        except MarketbotError as exc:  # none could be had
            closes, unavailable = pd.DataFrame(), {s: str(exc) for s in wanted}
        return {g: watch_day(closes, session, symbols, unavailable) for g, symbols in lists.items()}

    async def _fan_out(self, post: Post, prices: Prices, group: list[Subscription], report: CycleReport) -> None:
        """Claim the post for each subscription, then deliver the ones this run claimed."""
        keys = [AlertKey(sub.id, *post_key(post)) for sub in group]
        said = post_headline(post)
        claimed = set(await self.storage.claim([Claim(key, said) for key in keys]))
        mine = [Due(sub, post) for sub, key in zip(group, keys, strict=True) if key in claimed]
        report.claimed += len(mine)
        if mine:
            await self.deliver(post, prices, mine)


def _by_preset(subs: list[Subscription]) -> dict[tuple[str, str], list[Subscription]]:
    """Subscriptions grouped by (rule, preset): each group is judged once."""
    groups: dict[tuple[str, str], list[Subscription]] = {}
    for sub in subs:
        groups.setdefault((sub.rule, sub.preset), []).append(sub)
    return groups
