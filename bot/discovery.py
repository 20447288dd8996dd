"""The commands the bot serves, found in their packages: every module with ``COMMANDS`` (and ``GROUP``).

A command is one declaration in one module (commands.kit.command); nothing lists them by hand.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType

from commands.kit.command import Catalog, Command, Group

PACKAGES = ("commands",)


@functools.cache
def discover(packages: tuple[str, ...] = PACKAGES) -> Catalog:
    """Every command and group declared in the modules of ``packages``, in the order they are listed."""
    commands: list[Command] = []
    groups: list[Group] = []
    for module in _modules(packages):
        commands += getattr(module, "COMMANDS", ())
        if (group := getattr(module, "GROUP", None)) is not None:
            groups.append(group)
    rank = {g.name: g.rank for g in groups}
    ordered = sorted(commands, key=lambda c: rank.get(c.group, c.rank))  # a group's commands together, where it is
    return Catalog(tuple(ordered), tuple(sorted(groups, key=lambda g: g.rank)))


def _modules(packages: tuple[str, ...]) -> Iterator[ModuleType]:
    for name in packages:
        package = importlib.import_module(name)
        for found in pkgutil.iter_modules(package.__path__, f"{name}."):
            yield importlib.import_module(found.name)
