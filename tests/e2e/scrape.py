"""Reading a bot process's /metrics, /livez and /readyz as a Prometheus server and a probe would."""

from __future__ import annotations

import json
from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


class Scrape:
    """One scrape: ``value(name, **labels)`` sums the samples of ``name`` whose labels match."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples = [
            Sample(s.name, dict(s.labels), s.value) for family in text_string_to_metric_families(text) for s in family.samples
        ]

    def value(self, name: str, **labels: str) -> float:
        return sum(s.value for s in self.samples if s.name == name and labels.items() <= s.labels.items())

    def labels(self, name: str, label: str) -> set[str]:
        return {s.labels[label] for s in self.samples if s.name == name and label in s.labels}


async def scrape(base: str) -> Scrape:
    async with aiohttp.ClientSession() as session, session.get(f"{base}/metrics") as response:
        assert response.status == 200 and response.content_type == "text/plain", response
        return Scrape(await response.text())


async def probe(base: str, path: str, timeout: float = 2.0) -> tuple[int, dict]:
    """A health probe: (status, JSON body); (0, {}) when nothing answered within ``timeout``."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as session,
            session.get(f"{base}{path}") as response,
        ):
            return response.status, json.loads(await response.text())
    except (TimeoutError, aiohttp.ClientError):
        return 0, {}
