import datetime as dt
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import Settings


def test_defaults_without_environment(tmp_path):
    settings = Settings(_env_file=None)
    assert settings.data_source == "auto"
    assert settings.effective_source == "auto"
    assert settings.discord_token is None
    assert settings.as_of is None
    assert settings.db.name == "marketbot.sqlite3"
    assert "marketbot" in str(settings.cache_dir)


def test_environment_variables(monkeypatch, tmp_path):
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    monkeypatch.setenv("MARKETBOT_DATA_SOURCE", "snapshot")
    monkeypatch.setenv("MARKETBOT_DB", str(tmp_path / "x.sqlite3"))
    monkeypatch.setenv("MARKETBOT_AS_OF", "2023-03-13")
    monkeypatch.setenv("MARKETBOT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MARKETBOT_DEV_GUILD", "1234")
    settings = Settings(_env_file=None)
    assert settings.discord_token.get_secret_value() == "secret-token-value"
    assert settings.data_source == "snapshot"
    assert settings.db == tmp_path / "x.sqlite3"
    assert settings.as_of == dt.date(2023, 3, 13)
    assert settings.cache_dir == tmp_path / "cache"
    assert settings.dev_guild == 1234


def test_token_never_shown(monkeypatch):
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    settings = Settings(_env_file=None)
    assert "secret-token-value" not in repr(settings)
    assert "secret-token-value" not in str(settings.model_dump())


def test_dotenv_file(tmp_path):
    env = tmp_path / ".env"
    env.write_text("MARKETBOT_DATA_SOURCE=yahoo\nDISCORD_TOKEN=from-file\n")
    settings = Settings(_env_file=env)
    assert settings.data_source == "yahoo"
    assert settings.discord_token.get_secret_value() == "from-file"


def test_as_of_means_snapshot(monkeypatch):
    monkeypatch.setenv("MARKETBOT_AS_OF", "2023-03-13")
    assert Settings(_env_file=None).effective_source == "snapshot"
    monkeypatch.setenv("MARKETBOT_DATA_SOURCE", "yahoo")
    with pytest.raises(ValidationError, match="snapshot"):
        Settings(_env_file=None)


@pytest.mark.parametrize(("name", "value"), [("MARKETBOT_DATA_SOURCE", "bloomberg"), ("MARKETBOT_AS_OF", "yesterday")])
def test_bad_values_are_refused(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)


def test_cli_reports_bad_settings_without_traceback(monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.setenv("MARKETBOT_DATA_SOURCE", "bloomberg")
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    assert main(["ask", "quote"]) == 2
    err = capsys.readouterr().err
    assert err == "marketbot: MARKETBOT_DATA_SOURCE=bloomberg: input should be 'auto', 'yahoo' or 'snapshot'; fix it in the environment or .env.\n"
    assert "secret-token-value" not in err


def test_run_without_token(capsys):
    from bot.cli import main

    assert main(["run"]) == 2
    assert "DISCORD_TOKEN is not set" in capsys.readouterr().err


def test_default_paths_are_per_user():
    settings = Settings(_env_file=None)  # the autouse fixture points XDG_* at a temporary home
    assert settings.db == Path(os.environ["XDG_DATA_HOME"]) / "marketbot" / "marketbot.sqlite3"
    assert settings.cache_dir == Path(os.environ["XDG_CACHE_HOME"]) / "marketbot"
