"""A server's alert subscriptions: subscribe, unsubscribe, list, test, and the "alert me" button.

Changing them needs Manage Server or Manage Channels, checked here (Discord's default_permissions
can be changed by any server admin); every reply is private. Replies are deferred first: Discord's
3 seconds cannot depend on the database (a write waits a few seconds at most, then says nothing
was changed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analytics.alerts.events import PRESETS
from analytics.alerts.rules import RULES
from commands.alerts.messages import about
from commands.alerts.replay import sensitivity_choices
from commands.kit.command import Context, Unreadable
from commands.kit.fields import require_manager
from commands.kit.limits import CHOICE_TEXT_MAX
from commands.kit.options import Options, discord_object, one_of, option
from commands.kit.store import CommandStore, Delivery, NewSubscription, Subscription

ALERT_PRESET = "standard"  # what "alert me" subscribes at
MAX_PAGES = 10  # messages per /alerts list (about 30 subscriptions each); beyond them, a count


def choices() -> tuple[str, ...]:
    """What a channel can subscribe to: each rule, and the digest."""
    return (*RULES, "digest")


def rule_choices(with_all: bool) -> list[tuple[str, str]]:
    listed = [(f"{name}: {about(name)}"[:CHOICE_TEXT_MAX], name) for name in choices()]
    return listed + ([("all: " + ", ".join(choices()), "all")] if with_all else [])


def can_manage_alerts(interaction: Any) -> None:
    require_manager(interaction, "Changing alerts", "Alerts are set up in a server channel, not in direct messages.")


def _rules(rule: str) -> list[str]:
    return list(choices()) if rule == "all" else [rule]


@dataclass(frozen=True)
class SubscribeOptions(Options):
    rule: str = option(
        "What to watch (all: ratio, kre and the daily digest)",
        parse=one_of(lambda: (*choices(), "all"), "The rule is one of {allowed}"),
        choices=lambda: rule_choices(with_all=True),
    )
    channel: Any = option("Where to post (default: this channel)", parse=discord_object, kind="channel")
    sensitivity: str = option(
        "How unusual a move must be (default standard; for digest, the alerts it lists)",
        "standard",
        parse=one_of(lambda: PRESETS, "Sensitivity is one of {allowed}"),
        choices=sensitivity_choices,
    )
    role: Any = option("A role to mention with each alert (default: none)", parse=discord_object, kind="role")


async def subscribe(interaction: Any, o: SubscribeOptions, context: Context) -> None:
    target = o.channel.id if o.channel else interaction.channel_id
    # All the rules in one transaction: all saved, or none.
    await interaction.response.defer(ephemeral=True, thinking=True)
    role_id = o.role.id if o.role else None
    saved = await context.store.subscribe(
        [
            NewSubscription(interaction.guild_id, target, name, o.sensitivity, role_id, interaction.user.id)
            for name in _rules(o.rule)
        ]
    )
    lines = [
        f"{'Subscribed' if created else 'Updated'}: {sub.rule} ({about(sub.rule)}), {o.sensitivity}"
        for sub, created in saved
    ]
    mention = f", mentioning {o.role.mention}" if o.role else ""
    await interaction.followup.send(
        f"<#{target}>{mention}:\n"
        + "\n".join(lines)
        + "\nUse `/alerts test` to check that I can post there."
        + role_warning(o.role, interaction.app_permissions),
        ephemeral=True,
    )


@dataclass(frozen=True)
class UnsubscribeOptions(Options):
    rule: str = option(
        "Which rule to stop (all: every rule)",
        parse=one_of(lambda: (*choices(), "all"), "The rule is one of {allowed}"),
        choices=lambda: rule_choices(with_all=True),
    )
    channel: Any = option("Which channel (default: this one)", parse=discord_object, kind="channel")


async def unsubscribe(interaction: Any, o: UnsubscribeOptions, context: Context) -> None:
    target = o.channel.id if o.channel else interaction.channel_id
    await interaction.response.defer(ephemeral=True, thinking=True)
    removed = await context.store.unsubscribe(interaction.guild_id, target, _rules(o.rule))
    text = (
        f"Removed {removed} subscription{'s' if removed != 1 else ''} in <#{target}>."
        if removed
        else (f"<#{target}> had no such subscription; `/alerts list` shows what there is.")
    )
    await interaction.followup.send(text, ephemeral=True)


async def list_subscriptions(interaction: Any, options: Options, context: Context) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    subs = await context.store.subscriptions(interaction.guild_id)
    last = await context.store.last_deliveries(s.id for s in subs)
    for page in subscription_pages(subs, last):
        await interaction.followup.send(page, ephemeral=True)


@dataclass(frozen=True)
class TestOptions(Options):
    channel: Any = option("Where to post (default: this channel)", parse=discord_object, kind="channel")
    role: Any = option("A role to mention (default: none)", parse=discord_object, kind="role")


async def test(interaction: Any, o: TestOptions, context: Context) -> None:
    await interaction.response.defer(ephemeral=True, thinking=True)
    target = o.channel.id if o.channel else interaction.channel_id
    await context.post_sample(target, o.role.id if o.role else None)
    await interaction.followup.send(f"Posted a sample alert in <#{target}>.", ephemeral=True)


async def alert_me(interaction: Any, rule: str, context: Context) -> None:
    """The "alert me" button (``mb1:alert:<rule>``): the channel clicked in, at the standard sensitivity."""
    if rule not in RULES:
        raise Unreadable(
            "This button is from an older marketbot and can no longer be read; ask the command again for fresh buttons."
        )
    can_manage_alerts(interaction)  # raises the reason, answered privately
    # Deferred first: Discord's 3 s cannot depend on the database.
    await interaction.response.defer(ephemeral=True, thinking=True)
    text = await subscribe_channel(
        context.store, interaction.guild_id, interaction.channel_id, rule, interaction.user.id
    )
    await interaction.followup.send(text, ephemeral=True)


async def subscribe_channel(store: CommandStore, guild_id: int, channel_id: int, rule: str, user_id: int) -> str:
    """The channel's subscription to ``rule`` at the standard sensitivity; one already there is left as it is."""
    for sub in await store.subscriptions(guild_id):
        if (sub.channel_id, sub.rule) == (channel_id, rule):
            return f"<#{channel_id}> already gets {rule} alerts ({sub.preset}); `/alerts subscribe` changes them."
    await store.subscribe([NewSubscription(guild_id, channel_id, rule, ALERT_PRESET, None, user_id)])
    return (
        f"Subscribed: <#{channel_id}> gets {rule} alerts ({about(rule)}), {ALERT_PRESET} sensitivity. "
        "`/alerts list` shows them, `/alerts unsubscribe` stops them, `/alerts test` checks I can post here."
    )


def role_warning(role: Any, bot_permissions: Any) -> str:
    """A role nobody may mention is shown in the alert but notifies no one, unless the bot may mention any role."""
    if role is None or role.mentionable or bot_permissions.mention_everyone:
        return ""
    return (
        f"\nNote: {role.mention} cannot be mentioned, so alerts will show it without notifying anyone. "
        'Turn on "Allow anyone to @mention this role" in Server Settings → Roles.'
    )


def subscription_pages(subs: list[Subscription], last: dict[int, Delivery], limit: int = 2000) -> list[str]:
    """One line per subscription, in messages of whole lines; never cut silently: the rest is counted."""
    if not subs:
        return ["No alert subscriptions in this server. `/alerts subscribe` adds one."]
    lines = []
    for sub in subs:
        state = "active" if sub.active else f"PAUSED: {sub.paused_reason}"
        role = f", mentions <@&{sub.role_id}>" if sub.role_id else ""
        delivery = last.get(sub.id)
        latest = (
            f"; last alert {delivery.session} {delivery.level} ({delivery.state})" if delivery else "; no alert yet"
        )
        lines.append(f"<#{sub.channel_id}> {sub.rule} ({sub.preset}{role}): {state}{latest}"[: limit // 2])
    room = limit - 100  # for the count of those left out
    pages: list[list[str]] = [[]]
    for shown, line in enumerate(lines):
        if sum(len(kept) + 1 for kept in pages[-1]) + len(line) > room:
            if len(pages) == MAX_PAGES:
                pages[-1].append(
                    f"… and {len(lines) - shown} more ({len(lines)} subscriptions in all; "
                    "`/alerts unsubscribe` removes those no longer needed)."
                )
                break
            pages.append([])
        pages[-1].append(line)
    return ["\n".join(page) for page in pages]
