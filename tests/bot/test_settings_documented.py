"""Every setting is in .env.example and in the README's configuration table, under its variable's name."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def variables() -> list[str]:
    names = []
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        names.append(alias if isinstance(alias, str) else f"{Settings.model_config['env_prefix']}{field}".upper())
    return names


@pytest.mark.parametrize("variable", variables())
def test_documented(variable):
    assert f"{variable}=" in (ROOT / ".env.example").read_text()
    assert f"| `{variable}` |" in (ROOT / "README.md").read_text()
