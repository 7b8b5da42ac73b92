"""A simulated Praya and a callback receiver, both served over loopback HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from integrations.finance.circuit import CircuitBreaker
from integrations.finance.client import PrayaClient
from integrations.finance.simulator import (
    FinanceSimulatorSettings,
    create_finance_simulator,
)
from integrations.serving import serve_app
from tests.integrations.finance.fakes import (
    API_KEY,
    SECRET,
    VA_PREFIX,
    FakeCallbackReceiver,
    FakeClock,
)


@dataclass
class _CallbackEndpoint:
    """Routes deliveries to whichever receiver the running test owns."""

    receiver: FakeCallbackReceiver

    async def receive(self, request: Request) -> Response:
        return await self.receiver.receive(request)


@pytest.fixture(scope="session")
async def callback_endpoint() -> AsyncIterator[_CallbackEndpoint]:
    endpoint = _CallbackEndpoint(FakeCallbackReceiver())
    route = Route("/praya/callbacks", endpoint.receive, methods=["POST"])
    async with serve_app(Starlette(routes=[route])) as base_url:
        endpoint.receiver.url = f"{base_url}/praya/callbacks"
        yield endpoint


@pytest.fixture
def receiver(callback_endpoint: _CallbackEndpoint) -> FakeCallbackReceiver:
    """A fresh receiver per test behind one long-lived loopback server."""
    fresh = FakeCallbackReceiver(url=callback_endpoint.receiver.url)
    callback_endpoint.receiver = fresh
    return fresh


@pytest.fixture
def settings(receiver: FakeCallbackReceiver) -> FinanceSimulatorSettings:
    return FinanceSimulatorSettings(
        api_key=API_KEY,
        webhook_secret=SECRET,
        callback_url=receiver.url,
        va_prefix=VA_PREFIX,
        callback_backoff_s=0.05,
        seed=7,
    )


@pytest.fixture
async def praya_url(settings: FinanceSimulatorSettings) -> AsyncIterator[str]:
    async with serve_app(create_finance_simulator(settings)) as base_url:
        yield base_url


@pytest.fixture
async def control(praya_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A plain HTTP client for the simulator's control and raw bill API."""
    async with httpx.AsyncClient(base_url=praya_url, timeout=5.0) as http:
        yield http


@pytest.fixture
def breaker_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def praya_http(praya_url: str) -> AsyncIterator[httpx.AsyncClient]:
    timeout = httpx.Timeout(0.5, connect=1.0)
    async with httpx.AsyncClient(base_url=praya_url, timeout=timeout) as http:
        yield http


@pytest.fixture
def praya(praya_http: httpx.AsyncClient, breaker_clock: FakeClock) -> PrayaClient:
    breaker = CircuitBreaker(
        system="praya", threshold=3, cooldown_s=30.0, clock=breaker_clock
    )
    return PrayaClient(
        praya_http,
        API_KEY,
        attempts=3,
        backoff_s=0.01,
        max_backoff_s=0.02,
        breaker=breaker,
    )
