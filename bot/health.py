"""Metrics and health over HTTP, on the bot's own event loop (off unless MARKETBOT_METRICS_PORT is set).

- ``/metrics``: Prometheus' text format (this process's registry).
- ``/livez``: answered by the event loop itself, so a blocked loop fails it (the probe times out).
- ``/readyz``: 200 when every shard this process runs is connected, the store answers and the alert
  job is scheduled; else 503. Both health bodies are JSON saying what is wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from bot.metrics import Metrics

log = logging.getLogger(__name__)

# (ready, the checks by name: True/False, or a sentence saying what is wrong)
Readiness = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]


class HealthServer:
    def __init__(self, metrics: Metrics, readiness: Readiness, loop_lag: Callable[[], float]) -> None:
        self.metrics = metrics
        self.readiness = readiness
        self.loop_lag = loop_lag
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self, host: str, port: int) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._metrics)
        app.router.add_get("/livez", self._livez)
        app.router.add_get("/readyz", self._readyz)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound = self._runner.addresses[0]
        self.url = f"http://{bound[0]}:{bound[1]}"
        log.info("Metrics on %s/metrics; health on /livez and /readyz", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _metrics(self, request: web.Request) -> web.Response:
        response = web.Response(body=self.metrics.exposition())
        response.content_type, _, _ = CONTENT_TYPE_LATEST.partition(";")
        response.charset = "utf-8"
        return response

    async def _livez(self, request: web.Request) -> web.Response:
        return web.json_response({"alive": True, "worst_loop_lag_ms": round(self.loop_lag() * 1000, 1)})

    async def _readyz(self, request: web.Request) -> web.Response:
        ready, checks = await self.readiness()
        return web.json_response({"ready": ready, "checks": checks}, status=200 if ready else 503)
