"""/alerts: subscriptions (managers only), replay of the rules over history; the alert's words are in messages."""

from __future__ import annotations

from commands.alerts import manage, replay
from commands.kit.command import LIGHT, AskHint, Command, Group, Where

GROUP = Group(
    name="alerts",
    description="Alerts when the RUT/SPX ratio or KRE moves sharply, and a daily digest",
    where=Where.SERVER,
    actions={"alert": manage.alert_me},
    rank=90,
)
COMMANDS = (
    Command(
        name="alerts subscribe",
        description="Post alerts for a rule in a channel (Manage Server/Channels)",
        options=manage.SubscribeOptions,
        act=manage.subscribe,
        checks=(manage.can_manage_alerts,),
        cooldown=None,
    ),
    Command(
        name="alerts unsubscribe",
        description="Stop alerts for a rule in a channel (Manage Server/Channels)",
        options=manage.UnsubscribeOptions,
        act=manage.unsubscribe,
        checks=(manage.can_manage_alerts,),
        cooldown=None,
    ),
    Command(
        name="alerts list",
        description="This server's alert subscriptions, their state and last alert",
        act=manage.list_subscriptions,
        cooldown=LIGHT,
    ),
    Command(
        name="alerts test",
        description="Post a sample alert to check permissions (Manage Server/Channels)",
        options=manage.TestOptions,
        act=manage.test,
        checks=(manage.can_manage_alerts,),
        cooldown=None,
    ),
    Command(
        name="alerts replay",
        description="The days a rule would have fired, to judge it before subscribing",
        options=replay.ReplayOptions,
        answer=replay.answer,
        cooldown=LIGHT,
        ask=AskHint(
            r"\b(?:alerts?|alarms?|notify|notification|ping me|tell me when|warn me)\b",
            "what would the KRE alert have done in 2023",
            fill=("rule", "start"),
        ),
    ),
)
