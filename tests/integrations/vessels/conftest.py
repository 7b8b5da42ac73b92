"""A simulated Phinnisi over loopback HTTP, its clock stopped until a test runs it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from integrations.clock import SimClock
from integrations.serving import serve_app
from integrations.vessels.client import PhinnisiClient
from integrations.vessels.simulator import create_vessel_simulator
from integrations.vessels.world import PortWorld

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
SEED = 11
API_KEY = "test-phinnisi-key"


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START, speed=0)


@pytest.fixture
def world(clock: SimClock) -> PortWorld:
    return PortWorld(clock, SEED)


@pytest.fixture
async def phinnisi_url(clock: SimClock, world: PortWorld) -> AsyncIterator[str]:
    app = create_vessel_simulator(clock, SEED, world=world, api_key=API_KEY)
    async with serve_app(app) as base_url:
        yield base_url


@pytest.fixture
async def http(phinnisi_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=phinnisi_url, timeout=5.0) as client:
        yield client


@pytest.fixture
def phinnisi(http: httpx.AsyncClient) -> PhinnisiClient:
    return PhinnisiClient(http, API_KEY, attempts=3, backoff_s=0.01, max_backoff_s=0.05)
