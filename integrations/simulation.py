"""What the port's simulated systems share: the API key check, fault switches, errors.

Every simulator answers its /v1 API only to the right X-Api-Key and through
switches a test or a demo flips at run time: added latency, a share of failed
requests (500), or a full outage (503). Control routes under /_control are for
tests and demos on loopback and need no key.
"""

from __future__ import annotations

import asyncio
import hmac
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.errors import ConflictError, DomainError, NotFoundError
from integrations.clock import SimClock

log = structlog.get_logger(__name__)

API_KEY_HEADER = "X-Api-Key"

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class FaultSwitches:
    """Faults a simulated system shows its clients, changed at run time."""

    latency_ms: int = 0
    error_rate: float = 0.0
    outage: bool = False

    def update(self, changes: Mapping[str, Any]) -> None:
        """Apply the switches named in `changes`; unknown or bad values refuse all."""
        latency = changes.get("latency_ms", self.latency_ms)
        error_rate = changes.get("error_rate", self.error_rate)
        outage = changes.get("outage", self.outage)
        unknown = set(changes) - {"latency_ms", "error_rate", "outage"}
        if unknown:
            raise _bad_request(f"unknown switches: {', '.join(sorted(unknown))}")
        if not isinstance(latency, int) or isinstance(latency, bool) or latency < 0:
            raise _bad_request("latency_ms must be a whole number of 0 or more")
        if not isinstance(error_rate, int | float) or not 0 <= error_rate <= 1:
            raise _bad_request("error_rate must lie between 0 and 1")
        if not isinstance(outage, bool):
            raise _bad_request("outage must be true or false")
        self.latency_ms, self.error_rate, self.outage = latency, error_rate, outage


class SimulatedService:
    """The front door of one simulated system: faults first, then the API key."""

    def __init__(self, name: str, api_key: str, seed: int) -> None:
        self.name = name
        self.switches = FaultSwitches()
        self._api_key = api_key
        self._rng = random.Random(f"{seed}/{name}/faults")

    def guarded(self, endpoint: Endpoint) -> Endpoint:
        """Wrap an API endpoint in the latency, outage, error and key checks."""

        async def guarded_endpoint(request: Request) -> Response:
            if self.switches.latency_ms:
                await asyncio.sleep(self.switches.latency_ms / 1000)
            if self.switches.outage:
                return error_response(503, "UNAVAILABLE", f"{self.name} is down")
            if self._rng.random() < self.switches.error_rate:
                return error_response(500, "INTERNAL", "simulated failure")
            given = request.headers.get(API_KEY_HEADER, "")
            if not hmac.compare_digest(given.encode(), self._api_key.encode()):
                return error_response(401, "UNAUTHORIZED", "invalid API key")
            return await endpoint(request)

        return guarded_endpoint

    def control_routes(self, clock: SimClock) -> list[Route]:
        """POST /_control/config for the switches, POST /_control/clock for time."""

        async def config(request: Request) -> Response:
            self.switches.update(await json_body(request))
            log.info("simulator.config.changed", system=self.name, **self.config())
            return JSONResponse(self.config())

        async def set_clock(request: Request) -> Response:
            body = await json_body(request)
            if "speed" in body:
                clock.set_speed(_non_negative(body["speed"], "speed"))
            if "advance_minutes" in body:
                minutes = _non_negative(body["advance_minutes"], "advance_minutes")
                clock.advance(timedelta(minutes=minutes))
            return JSONResponse(clock_json(clock))

        return [
            Route("/_control/config", config, methods=["POST"]),
            Route("/_control/clock", set_clock, methods=["POST"]),
        ]

    def config(self) -> dict[str, Any]:
        """The switches as JSON."""
        return asdict(self.switches)


def clock_json(clock: SimClock) -> dict[str, Any]:
    """The simulated time and speed as JSON."""
    return {"now": clock.now().isoformat(), "speed": clock.speed}


async def json_body(request: Request) -> Mapping[str, Any]:
    """The request's JSON object, an empty one for an empty body."""
    raw = await request.body()
    if not raw:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise _bad_request("the body is not JSON") from exc
    if not isinstance(body, dict):
        raise _bad_request("the body must be a JSON object")
    return body


def page_bounds(request: Request, *, max_limit: int = 1000) -> tuple[int, int]:
    """The `since` sequence number and `limit` of a feed request."""
    since_raw = request.query_params.get("since") or "0"
    limit_raw = request.query_params.get("limit") or "100"
    if not since_raw.isdigit() or not limit_raw.isdigit():
        raise _bad_request("since and limit must be whole numbers")
    limit = int(limit_raw)
    if not 1 <= limit <= max_limit:
        raise _bad_request(f"limit must lie between 1 and {max_limit}")
    return int(since_raw), limit


def error_response(status: int, code: str, message: str) -> JSONResponse:
    """An error in the simulators' common shape."""
    return JSONResponse({"error": {"code": code, "message": message}}, status)


def exception_handlers() -> dict[Any, Callable[[Request, Exception], Response]]:
    """Handlers turning bad input and domain refusals into JSON errors."""

    def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return error_response(exc.status_code, "INVALID", exc.detail)

    def domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, DomainError)
        status = 404 if isinstance(exc, NotFoundError) else 422
        if isinstance(exc, ConflictError):
            status = 409
        return error_response(status, exc.code, exc.message)

    return {HTTPException: http_error, DomainError: domain_error}


def _non_negative(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _bad_request(f"{name} must be a number of 0 or more")
    return float(value)


def _bad_request(message: str) -> HTTPException:
    return HTTPException(422, message)
