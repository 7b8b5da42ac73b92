"""Simulated Phinnisi and terminal sharing one PortWorld, served over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.clock import SimClock
from integrations.serving import serve_app
from integrations.terminal.client import TerminalClient
from integrations.terminal.simulator import create_terminal_simulator
from integrations.terminal.yard import TerminalOptions
from integrations.vessels.simulator import create_vessel_simulator
from integrations.vessels.world import PortWorld, WorldOptions

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
SEED = 5
API_KEY = "test-terminal-key"
OPS_START_DELAY = timedelta(minutes=5)


@pytest.fixture
def clock() -> SimClock:
    return SimClock(START, speed=0)


@pytest.fixture
def world(clock: SimClock) -> PortWorld:
    options = WorldOptions(ops_start_delay=OPS_START_DELAY)
    return PortWorld(clock, SEED, options)


@pytest.fixture
async def terminal_url(world: PortWorld) -> AsyncIterator[str]:
    options = TerminalOptions(inspection_share=0.0, yard_correction_share=0.0)
    app = create_terminal_simulator(world, SEED, options=options, api_key=API_KEY)
    async with serve_app(app) as base_url:
        yield base_url


@pytest.fixture
async def phinnisi_url(clock: SimClock, world: PortWorld) -> AsyncIterator[str]:
    async with serve_app(create_vessel_simulator(clock, SEED, world=world)) as url:
        yield url


@pytest.fixture
async def control(terminal_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the terminal simulator's control routes."""
    async with httpx.AsyncClient(base_url=terminal_url, timeout=5.0) as client:
        yield client


@pytest.fixture
async def vessels_control(phinnisi_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the Phinnisi simulator's control routes."""
    async with httpx.AsyncClient(base_url=phinnisi_url, timeout=5.0) as client:
        yield client


@pytest.fixture
def terminal(control: httpx.AsyncClient) -> TerminalClient:
    return TerminalClient(
        control, API_KEY, attempts=3, backoff_s=0.01, max_backoff_s=0.05
    )
