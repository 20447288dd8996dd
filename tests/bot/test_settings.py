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


# -- shards --


def test_shards_unset_mean_discord_py_picks_and_this_process_syncs():
    settings = Settings(_env_file=None)
    assert (settings.shard_count, settings.shard_ids) == (None, None)
    assert settings.syncs_commands


@pytest.mark.parametrize(("ids", "count", "parsed", "syncs"), [("0,1", "4", [0, 1], True), (" 2, 3 ", "4", [2, 3], False), ("1", "2", [1], False)])
def test_a_shard_range_of_a_count(monkeypatch, ids, count, parsed, syncs):
    monkeypatch.setenv("MARKETBOT_SHARD_IDS", ids)
    monkeypatch.setenv("MARKETBOT_SHARD_COUNT", count)
    settings = Settings(_env_file=None)
    assert (settings.shard_ids, settings.shard_count) == (parsed, int(count))
    assert settings.syncs_commands is syncs  # only the process running shard 0 registers commands


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MARKETBOT_SHARD_IDS": "0,4", "MARKETBOT_SHARD_COUNT": "4"},
         "marketbot: MARKETBOT_SHARD_IDS has shard 4, but MARKETBOT_SHARD_COUNT=4 numbers them 0 to 3.\n"),
        ({"MARKETBOT_SHARD_IDS": "1,1", "MARKETBOT_SHARD_COUNT": "4"},
         "marketbot: MARKETBOT_SHARD_IDS lists a shard twice (1,1); list each once.\n"),
        ({"MARKETBOT_SHARD_IDS": "0-1", "MARKETBOT_SHARD_COUNT": "4"},
         "marketbot: MARKETBOT_SHARD_IDS=0-1: should be shard numbers separated by commas, e.g. 0,1; fix it in the environment or .env.\n"),
        ({"MARKETBOT_SHARD_IDS": "0,1"},
         "marketbot: MARKETBOT_SHARD_IDS and MARKETBOT_SHARD_COUNT go together: set both (e.g. 0,1 and 4) or neither.\n"),
        ({"MARKETBOT_SHARD_COUNT": "4"},
         "marketbot: MARKETBOT_SHARD_IDS and MARKETBOT_SHARD_COUNT go together: set both (e.g. 0,1 and 4) or neither.\n"),
        ({"MARKETBOT_SHARD_IDS": "0", "MARKETBOT_SHARD_COUNT": "0"},
         "marketbot: MARKETBOT_SHARD_COUNT=0: input should be greater than or equal to 1; fix it in the environment or .env.\n"),
    ],
)  # fmt: skip
def test_bad_shard_settings_are_one_line_at_start(monkeypatch, capsys, env, message):
    from bot.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token-value")
    assert main(["run"]) == 2
    assert capsys.readouterr().err == message
