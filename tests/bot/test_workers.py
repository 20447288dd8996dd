"""Worker processes: they compute answers below the bot's own priority, and survive a dead worker."""

from __future__ import annotations

import os

from bot.workers import WORKER_NICENESS, Workers


async def test_workers_run_below_the_bot_s_priority():
    workers = Workers(1)
    try:
        assert await workers.run(os.nice, 0) == os.nice(0) + WORKER_NICENESS
    finally:
        workers.close()


async def test_a_killed_worker_is_replaced_and_the_work_retried():
    workers = Workers(1)
    try:
        pid = await workers.run(os.getpid)
        os.kill(pid, 9)
        assert await workers.run(os.getpid) != pid
    finally:
        workers.close()
