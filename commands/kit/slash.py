"""The slash commands, built from the declarations: one function turns a Command into discord.py's.

Each option becomes a parameter of the callback (text options as ``Range[str, 1, max_length]``,
channels and roles as Discord's objects), with its description, choices and autocomplete; the
command's cooldown and checks become discord.py checks; where it may be used becomes its
installation types and contexts (a group's commands are where their group is). The callback
hands what was typed to the Responder (answers, /ask) or to the command's own act.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from analytics.errors import MarketbotError
from commands.kit import logged
from commands.kit.autocomplete import anchor_choices, end_anchor_choices, one_symbol_choices, symbol_choices
from commands.kit.command import Catalog, Command, Context, Cooldown, Where
from commands.kit.errors import Refused, since
from commands.kit.fields import NotAllowed

COMPLETIONS = {
    "symbol": one_symbol_choices,
    "symbols": symbol_choices,
    "start": anchor_choices,
    "end": end_anchor_choices,
}
KINDS: dict[str, Any] = {"channel": discord.TextChannel, "role": discord.Role}
Callback = Callable[..., Coroutine[Any, Any, None]]


def slash_commands(
    catalog: Catalog, context: Context
) -> list[app_commands.Command[Any, ..., None] | app_commands.Group]:
    """Every command and group of ``catalog``, ready for ``CommandTree.add_command``."""
    built: list[app_commands.Command[Any, ..., None] | app_commands.Group] = []
    groups: dict[str, app_commands.Group] = {}
    for command in catalog.commands:  # in the catalog's order, a group where its first command is
        if not command.group:
            built.append(_command(command, context, command.where))
            continue
        if command.group not in groups:
            group = catalog.group(command.group)
            assert group is not None  # the catalog checks every command's group is declared
            groups[group.name] = app_commands.Group(name=group.name, description=group.description, **_where())
            built.append(groups[group.name])
        groups[command.group].add_command(_command(command, context, catalog.where(command)))
    return built


def _command(command: Command, context: Context, where: Where) -> app_commands.Command[Any, ..., None]:
    callback = _callback(command, context)
    # discord.py runs the checks in the order they are added: where it is used, then who may use it.
    checks = [in_a_server(command.name.split(" ")[0])] if where is Where.SERVER else []
    for check in [*checks, *command.checks]:
        callback = app_commands.check(_refusing(check))(callback)
    if command.cooldown is not None:
        callback = _cooldown(command.cooldown)(callback)
    name = command.name.split(" ")[-1]
    return app_commands.Command(
        name=name, description=command.description, callback=callback, **({} if command.group else _where())
    )


def in_a_server(name: str) -> Callable[[Any], None]:
    """Where.SERVER's check: a server that has added marketbot (its settings and posts belong there)."""

    def check(interaction: Any) -> None:
        if interaction.guild_id is None:
            raise NotAllowed(f"/{name} works in a server channel, not in direct messages.")
        if not interaction.is_guild_integration():
            raise NotAllowed(
                f"/{name} works in a server that has added marketbot; here it is installed to your account only "
                "(a server manager can add it to the server)."
            )

    return check


def _callback(command: Command, context: Context) -> Callback:
    """A coroutine taking the interaction and the options, with a signature discord.py reads them from."""
    declared = command.options.declared()

    async def callback(interaction: discord.Interaction, **typed: Any) -> None:
        given = {name: value for name, value in typed.items() if value is not None}  # absent: the declared default
        with logged.about(**logged.interaction_fields(interaction, command.name)):
            if command.act is None:
                await context.responder.answer(interaction, command, given)  # it tells the observer
                return
            options = command.options.parse(given, context.responder.services.clock())
            await command.act(interaction, options, context)
            if not interaction.extras.get("observed"):  # an act that answered through the Responder was counted
                context.observer.answered(command.name, "answered", None, since(interaction))

    parameters = [
        inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction)
    ]
    for name, option in declared.items():
        annotation: Any = KINDS.get(
            option.kind, str if option.choices else app_commands.Range[str, 1, option.max_length]
        )
        required = option.required
        parameters.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation if required else annotation | None,
                **({} if required else {"default": None}),
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__name__ = callback.__qualname__ = command.name.replace(" ", "_")
    if declared:
        callback = app_commands.describe(**{name: option.description for name, option in declared.items()})(callback)
    if choices := {
        name: [app_commands.Choice(name=label, value=value) for label, value in option.choice_list()]
        for name, option in declared.items()
        if option.choices
    }:
        callback = app_commands.choices(**choices)(callback)
    if completions := {name: COMPLETIONS[option.complete] for name, option in declared.items() if option.complete}:
        callback = app_commands.autocomplete(**completions)(callback)
    return callback


def _where() -> dict[str, Any]:
    """Every command is offered everywhere, server installs and user installs, servers and DMs (Where)."""
    return {
        "allowed_installs": app_commands.AppInstallationType(guild=True, user=True),
        "allowed_contexts": app_commands.AppCommandContext(guild=True, dm_channel=True, private_channel=True),
    }


def _refusing(check: Callable[[Any], None]) -> Callable[[discord.Interaction], bool]:
    """A command's check as discord.py's: its refusal (a MarketbotError) becomes a CheckFailure the tree explains."""

    def predicate(interaction: discord.Interaction) -> bool:
        try:
            check(interaction)
        except MarketbotError as exc:
            raise Refused(str(exc)) from None
        return True

    return predicate


def _per_user_and_command(interaction: discord.Interaction) -> tuple[str, int]:
    # A click on an answer's button names its command in extras (commands.kit.buttons): the same bucket.
    command = interaction.command.qualified_name if interaction.command else interaction.extras.get("command", "")
    return (command, interaction.user.id)


def _cooldown(cooldown: Cooldown) -> Callable[[Callback], Callback]:
    return app_commands.checks.cooldown(cooldown.rate, cooldown.per, key=_per_user_and_command)
