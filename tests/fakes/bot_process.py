"""The real bot (`python -m bot run`, through the test launcher) as a child process.

It talks to a FakeDiscord on 127.0.0.1 and reads the bundled snapshot; its
environment is built from scratch, so no developer setting leaks in.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "tests" / "fakes" / "launch_bot.py"


class BotProcess:
    def __init__(self, fake_env: dict[str, str], home: Path, **settings: str) -> None:
        self.home = home
        self.log_path = home / "bot.log"
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": str(home),
            "PYTHONPATH": str(ROOT),
            "MPLBACKEND": "Agg",
            "DISCORD_TOKEN": "fake-token",
            "MARKETBOT_DATA_SOURCE": "snapshot",
            "MARKETBOT_DB": str(home / "marketbot.sqlite3"),
            "MARKETBOT_CACHE_DIR": str(home / "cache"),
            "MARKETBOT_LOG_LEVEL": "INFO",
            **fake_env,
            **settings,
        }
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, *args: str) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")  # a file, not a pipe: a full pipe would block the bot
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, str(LAUNCHER), *(args or ("run",)), env=self.env, cwd=self.home, stdout=log, stderr=log
        )
        log.close()

    async def connect(self, fake, timeout: float = 30) -> None:
        """Start, and wait until ``fake`` sees the bot on its gateway; if it never does, stop it and fail with its log."""
        import pytest

        await self.start()
        try:
            await fake.wait_ready(timeout)
        except TimeoutError:
            await self.stop()
            pytest.fail(f"the bot did not connect:\n{self.log}")

    async def wait(self, timeout: float = 60) -> int:
        assert self.proc is not None
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def stop(self, timeout: float = 15) -> int:
        """SIGTERM, as a service manager would; the bot closes cleanly."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        return self.proc.returncode

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
