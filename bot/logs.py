"""The log: human-readable lines by default; with MARKETBOT_LOG_FORMAT=json one JSON object a line.

A JSON line carries time, level, logger and message, and what the line is about where there is
something (the interaction, guild, shard and command of a question; the key of an alert being
sent: commands.kit.logged), and the traceback when there is one.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

from commands.kit.logged import ABOUT

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **ABOUT.get(),
        }
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


# discord.py warns at every start that voice needs PyNaCl and davey (discord/client.py); this bot never
# joins a voice channel. Only these two lines are dropped: its other warnings are worth reading.
VOICE_WARNINGS = (
    "PyNaCl is not installed, voice will NOT be supported",
    "davey is not installed, voice will NOT be supported",
)


class _NoVoiceWarnings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in VOICE_WARNINGS


NO_VOICE_WARNINGS = _NoVoiceWarnings()


def configure(level: str, fmt: str) -> None:
    """Logging for the process, on stderr (a service manager or a collector reads it there)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)  # "job executed successfully" every tick is noise
    logging.getLogger("discord.client").addFilter(NO_VOICE_WARNINGS)  # added once: the same filter
