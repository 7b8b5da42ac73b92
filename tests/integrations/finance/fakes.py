"""Test doubles for the Praya tests, and helpers that drive the simulator."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.ports.finance import BillPaid, WebhookRejectedError
from integrations.finance.simulator import utc_now
from integrations.finance.webhooks import read_callback

API_KEY = "test-api-key"
SECRET = b"test-webhook-secret"
VA_PREFIX = "8808"


@dataclass
class FakeClock:
    """Monotonic seconds that move only when a test says so."""

    now: float = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class FakeCallbackReceiver:
    """The portal's callback endpoint: verifies each delivery and records it."""

    url: str = ""
    events: list[BillPaid] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    attempts: int = 0
    fail_next: int = 0

    async def receive(self, request: Request) -> Response:
        self.attempts += 1
        if self.fail_next:
            self.fail_next -= 1
            return Response(status_code=500)
        try:
            event = read_callback(
                SECRET, await request.body(), request.headers, utc_now()
            )
        except WebhookRejectedError as exc:
            self.rejected.append(exc.code)
            return JSONResponse({"code": exc.code}, status_code=400)
        self.events.append(event)
        return Response(status_code=204)


async def wait_until(predicate: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Poll until `predicate` holds; fail the test if it never does."""
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.01)


async def configure(control: httpx.AsyncClient, **switches: Any) -> None:
    """Flip simulator switches, failing the test if the simulator refuses."""
    response = await control.post("/_control/config", json=switches)
    assert response.status_code == 200, response.text


async def stats(control: httpx.AsyncClient) -> dict[str, int]:
    """The simulator's counters of requests and callbacks."""
    response = await control.get("/_control/stats")
    assert response.status_code == 200, response.text
    result: dict[str, int] = response.json()
    return result
