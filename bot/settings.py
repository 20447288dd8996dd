"""Typed settings from the environment and an optional ``.env`` file.

Built once in ``main`` and passed down; nothing reads the environment at import.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from analytics.errors import MarketbotError

APP_NAME = "marketbot"


class SettingError(MarketbotError):
    """A valid setting the data cannot serve (MARKETBOT_AS_OF after the snapshot ends), found where settings
    become a data source; its message names the variable. The command line exits 2 on it, as on an invalid one."""


def _default_db() -> Path:
    return platformdirs.user_data_path(APP_NAME) / "marketbot.sqlite3"


def _default_cache_dir() -> Path:
    return platformdirs.user_cache_path(APP_NAME)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MARKETBOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )

    # A secret: SecretStr keeps it out of repr(), logs and tracebacks.
    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    data_source: Literal["auto", "yahoo", "snapshot"] = "auto"
    # A file path (SQLite, the embedded default) or a postgresql:// URL (several processes on one database);
    # bot.store.open_store refuses anything else at start.
    db: Path | str = Field(default_factory=_default_db)
    as_of: dt.date | None = None
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    dev_guild: int | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # How often the alert job ticks (intraday checks; settled bars are judged once).
    alert_interval_seconds: float = Field(default=300, ge=1, le=3600)
    # Processes computing answers and charts for `run` (0: threads in the bot's process).
    workers: int = Field(default_factory=lambda: min(os.cpu_count() or 1, 4), ge=0, le=32)
    # Shards for `run`: both unset, discord.py picks the count and runs them all in this process;
    # set, this process runs the listed shards (``0,1``) of ``shard_count``, other processes the rest.
    shard_count: int | None = Field(default=None, ge=1, le=10_000)
    shard_ids: Annotated[list[int] | None, NoDecode] = None
    # Prometheus metrics, /livez and /readyz on this port (off when unset); loopback unless told otherwise.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_host: str = "127.0.0.1"
    # text: human-readable lines; json: one JSON object a line, for log collectors.
    log_format: Literal["text", "json"] = "text"

    @field_validator("db", mode="before")
    @classmethod
    def _path_or_url(cls, value: object) -> object:
        """A URL stays a string (never a file named after it); anything else is a path."""
        if isinstance(value, str) and "://" not in value:
            return Path(value)
        return value

    @field_validator("db")
    @classmethod
    def _folder_exists(cls, value: Path | str) -> Path | str:
        """A path the user gave names a folder that exists: a typo must not create folders. Only the default
        location is created (BaseSettings validates defaults too, hence the comparison)."""
        if isinstance(value, Path) and value != _default_db() and not value.parent.is_dir():
            raise ValueError(f"its folder {value.parent} does not exist (create it first)")
        return value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            words = [word.strip() for word in value.split(",")]
            if not all(word.isdigit() for word in words):
                raise ValueError("should be shard numbers separated by commas, e.g. 0,1")
            return [int(word) for word in words]
        return value

    @model_validator(mode="after")
    def _shards_within_count(self) -> Settings:
        ids, count = self.shard_ids, self.shard_count
        if ids is None and count is None:
            return self
        if ids is None or count is None:
            raise ValueError(
                "MARKETBOT_SHARD_IDS and MARKETBOT_SHARD_COUNT go together: set both (e.g. 0,1 and 4) or neither"
            )
        if len(set(ids)) != len(ids):
            raise ValueError(f"MARKETBOT_SHARD_IDS lists a shard twice ({','.join(map(str, ids))}); list each once")
        if outside := [i for i in ids if i >= count]:
            raise ValueError(
                f"MARKETBOT_SHARD_IDS has shard {outside[0]}, "
                f"but MARKETBOT_SHARD_COUNT={count} numbers them 0 to {count - 1}"
            )
        return self

    @model_validator(mode="after")
    def _as_of_needs_snapshot(self) -> Settings:
        if self.as_of is not None and self.data_source == "yahoo":
            raise ValueError(
                "MARKETBOT_AS_OF replays the snapshot; it cannot be combined with MARKETBOT_DATA_SOURCE=yahoo"
            )
        return self

    @property
    def effective_source(self) -> Literal["auto", "yahoo", "snapshot"]:
        """``as_of`` means "replay the snapshot up to that session"."""
        return "snapshot" if self.as_of is not None else self.data_source

    @property
    def syncs_commands(self) -> bool:
        """Command registration is global: one process does it, the one running shard 0."""
        return self.shard_ids is None or 0 in self.shard_ids
