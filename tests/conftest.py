"""Every test runs in a clean environment: never the developer's settings or .env."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in list(os.environ):
        if name.startswith("MARKETBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.chdir(home)  # no stray .env in the working directory
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))


E2E = Path(__file__).parent / "e2e"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/e2e (the bot as a process) is the slow tier: `-m "not e2e"` leaves it out."""
    for item in items:
        if E2E in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How many request bodies the fake Discord checked against Discord's contract (e2e bots are child
    processes, but the fake runs here)."""
    contract = sys.modules.get("tests.fakes.discord_contract")
    if contract is not None:
        terminalreporter.write_line(f"Discord contract: {contract.validated_bodies()} request bodies validated")
