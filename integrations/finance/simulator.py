"""A stand-in for Praya's API gateway: bills in memory, signed paid callbacks, faults.

Bill API (needs X-Api-Key): POST /v1/bills with an Idempotency-Key header,
GET /v1/bills/{id}. Control API (tests and demos, no key): POST
/_control/bills/{id}/pay, GET or POST /_control/config, GET /_control/stats.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import random
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.ports.finance import PAID_EVENT, BillStatus
from integrations.finance.client import API_KEY_HEADER, IDEMPOTENCY_HEADER
from integrations.finance.simulator_rules import (
    BillRequest,
    RequestRejectedError,
    parse_bill_request,
    parse_switches,
)
from integrations.finance.webhooks import signed_headers

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]
Endpoint = Callable[[Request], Awaitable[Response]]
VA_LENGTH = 16


def utc_now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class FinanceSimulatorSettings:
    """How the simulated Praya starts; its switches can change while it runs.

    `va_prefix` stands for the bank's biller prefix that begins every virtual
    account number; the rest of the 16 digits identify the bill.
    """

    api_key: str
    webhook_secret: bytes
    callback_url: str | None = None
    bill_ttl: timedelta = timedelta(hours=24)
    va_prefix: str = "8808"
    callback_attempts: int = 3
    callback_backoff_s: float = 0.5
    callback_timeout_s: float = 5.0
    seed: int | None = None

    def __post_init__(self) -> None:
        if not (self.va_prefix.isdigit() and len(self.va_prefix) < VA_LENGTH - 6):
            raise ValueError("va_prefix must be digits leaving room for the bill")


@dataclass(slots=True)
class SimulatorSwitches:
    """The faults and behaviours a test or a demo can turn on at run time."""

    latency_ms: int = 0
    error_rate: float = 0.0
    outage: bool = False
    duplicate_callbacks: int = 0
    drop_callbacks: bool = False
    auto_pay_after_s: float | None = None
    callback_url: str | None = None


@dataclass(slots=True)
class SimulatorStats:
    """What the simulator has seen and sent, for tests to assert on."""

    api_requests: int = 0
    callbacks_delivered: int = 0
    callbacks_failed: int = 0
    callbacks_dropped: int = 0


@dataclass(slots=True)
class _StoredBill:
    bill_id: str
    virtual_account: str
    request: BillRequest
    created_at: datetime
    expires_at: datetime
    status: BillStatus = BillStatus.PENDING
    paid_at: datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "bill_id": self.bill_id,
            "virtual_account": self.virtual_account,
            "shipment_ref": self.request.shipment_ref,
            "customer_name": self.request.customer_name,
            "amount": str(self.request.amount),
            "currency": self.request.currency,
            "description": self.request.description,
            "status": self.status.value,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "paid_at": self.paid_at.isoformat() if self.paid_at else None,
        }


@dataclass(slots=True)
class _PrayaSimulator:
    settings: FinanceSimulatorSettings
    clock: Clock
    switches: SimulatorSwitches
    stats: SimulatorStats = field(default_factory=SimulatorStats)
    bills: dict[str, _StoredBill] = field(default_factory=dict)
    keys: dict[str, tuple[BillRequest, str]] = field(default_factory=dict)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    http: httpx.AsyncClient | None = None
    rng: random.Random = field(default_factory=random.Random)
    # Ids Praya hands out are unique for good, also across restarts of this
    # simulator on the same database: each run's ids carry a tag of their own.
    run: str = field(default_factory=lambda: secrets.token_hex(4))

    # Bill API

    async def create_bill(self, request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if not key:
            raise RequestRejectedError(400, "IDEMPOTENCY_KEY_MISSING", "key required")
        bill_request = parse_bill_request(await _json_body(request))

        seen = self.keys.get(key)
        if seen is not None:
            return self._replay(key, seen, bill_request)
        bill = self._issue(bill_request)
        self.keys[key] = (bill_request, bill.bill_id)
        log.info("praya_sim.bill.created", bill_id=bill.bill_id)
        return JSONResponse(bill.to_json(), status_code=201)

    async def get_bill(self, request: Request) -> Response:
        return JSONResponse(self._find(request).to_json())

    def _replay(
        self, key: str, seen: tuple[BillRequest, str], bill_request: BillRequest
    ) -> Response:
        first_request, bill_id = seen
        if first_request != bill_request:
            raise RequestRejectedError(
                409, "IDEMPOTENCY_KEY_REUSED", "key was used for another bill"
            )
        log.info("praya_sim.bill.replayed", bill_id=bill_id)
        headers = {"Idempotent-Replayed": "true"}
        return JSONResponse(self._current(bill_id).to_json(), headers=headers)

    def _issue(self, bill_request: BillRequest) -> _StoredBill:
        now = self.clock()
        bill = _StoredBill(
            bill_id=f"bill_{self.run}{self.rng.getrandbits(64):016x}",
            virtual_account=self._new_virtual_account(),
            request=bill_request,
            created_at=now,
            expires_at=now + self.settings.bill_ttl,
        )
        self.bills[bill.bill_id] = bill
        if self.switches.auto_pay_after_s is not None:
            self._spawn(self._pay_later(bill.bill_id, self.switches.auto_pay_after_s))
        return bill

    def _new_virtual_account(self) -> str:
        taken = {bill.virtual_account for bill in self.bills.values()}
        prefix = self.settings.va_prefix
        digits = VA_LENGTH - len(prefix)
        while True:
            number = f"{prefix}{self.rng.randrange(10**digits):0{digits}d}"
            if number not in taken:
                return number

    # Control API

    async def pay(self, request: Request) -> Response:
        bill = self._find(request)
        if bill.status is BillStatus.PAID:
            return JSONResponse(bill.to_json())
        if bill.status is not BillStatus.PENDING:
            raise RequestRejectedError(409, "BILL_NOT_PAYABLE", f"bill {bill.status}")
        self._mark_paid(bill)
        return JSONResponse(bill.to_json())

    async def configure(self, request: Request) -> Response:
        if request.method == "POST":
            changes = parse_switches(await _json_body(request))
            self.switches = replace(self.switches, **changes)
            log.info("praya_sim.config.changed", **changes)
        return JSONResponse(asdict(self.switches))

    async def read_stats(self, request: Request) -> Response:
        return JSONResponse(asdict(self.stats))

    # Payments and callbacks

    def _mark_paid(self, bill: _StoredBill) -> None:
        bill.status = BillStatus.PAID
        bill.paid_at = self.clock()
        log.info("praya_sim.bill.paid", bill_id=bill.bill_id)
        self._publish_paid(bill)

    async def _pay_later(self, bill_id: str, delay_s: float) -> None:
        await asyncio.sleep(delay_s)
        bill = self._current(bill_id)
        if bill.status is BillStatus.PENDING:
            self._mark_paid(bill)

    def _publish_paid(self, bill: _StoredBill) -> None:
        copies = 1 + self.switches.duplicate_callbacks
        url = self.switches.callback_url
        if self.switches.drop_callbacks or url is None:
            self.stats.callbacks_dropped += copies
            log.warning("praya_sim.callback.dropped", bill_id=bill.bill_id)
            return
        body = json.dumps(_paid_event(bill, self.rng, self.run)).encode()
        for _ in range(copies):
            self._spawn(self._deliver(url, body, bill.bill_id))

    async def _deliver(self, url: str, body: bytes, bill_id: str) -> None:
        assert self.http is not None, "callbacks are sent only while serving"
        for attempt in range(self.settings.callback_attempts):
            headers = signed_headers(self.settings.webhook_secret, body, self.clock())
            with contextlib.suppress(httpx.HTTPError):
                response = await self.http.post(url, content=body, headers=headers)
                if response.is_success:
                    self.stats.callbacks_delivered += 1
                    return
            await asyncio.sleep(self.settings.callback_backoff_s * 2**attempt)
        self.stats.callbacks_failed += 1
        log.warning("praya_sim.callback.failed", bill_id=bill_id)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # Shared

    def _find(self, request: Request) -> _StoredBill:
        bill_id = request.path_params["bill_id"]
        if bill_id not in self.bills:
            raise RequestRejectedError(404, "BILL_NOT_FOUND", "no such bill")
        return self._current(bill_id)

    def _current(self, bill_id: str) -> _StoredBill:
        bill = self.bills[bill_id]
        if bill.status is BillStatus.PENDING and self.clock() >= bill.expires_at:
            bill.status = BillStatus.EXPIRED
        return bill

    def guarded(self, endpoint: Endpoint) -> Endpoint:
        """Apply the gateway's faults and its API key check before `endpoint`."""

        async def run(request: Request) -> Response:
            self.stats.api_requests += 1
            if self.switches.latency_ms:
                await asyncio.sleep(self.switches.latency_ms / 1000)
            if self.switches.outage or self.rng.random() < self.switches.error_rate:
                return _error(503, "SERVICE_UNAVAILABLE", "gateway unavailable")
            given = request.headers.get(API_KEY_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.settings.api_key.encode()):
                return _error(401, "UNAUTHORIZED", "invalid API key")
            return await _answer(endpoint, request)

        return run

    def control(self, endpoint: Endpoint) -> Endpoint:
        """Turn rejected control requests into error responses."""

        async def run(request: Request) -> Response:
            return await _answer(endpoint, request)

        return run

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Starlette) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=self.settings.callback_timeout_s) as http:
            self.http = http
            try:
                yield
            finally:
                await self._stop_tasks()
                self.http = None

    async def _stop_tasks(self) -> None:
        pending = list(self.tasks)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        log.info("praya_sim.stopped", cancelled=len(pending))


def create_finance_simulator(
    settings: FinanceSimulatorSettings, *, clock: Clock = utc_now
) -> Starlette:
    """Build the simulated Praya gateway; `clock` must return aware datetimes."""
    sim = _PrayaSimulator(
        settings=settings,
        clock=clock,
        switches=SimulatorSwitches(callback_url=settings.callback_url),
        rng=random.Random(settings.seed),
    )
    routes = [
        Route("/v1/bills", sim.guarded(sim.create_bill), methods=["POST"]),
        Route("/v1/bills/{bill_id}", sim.guarded(sim.get_bill), methods=["GET"]),
        Route("/_control/bills/{bill_id}/pay", sim.control(sim.pay), methods=["POST"]),
        Route("/_control/config", sim.control(sim.configure), methods=["GET", "POST"]),
        Route("/_control/stats", sim.control(sim.read_stats), methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=sim.lifespan)


def _paid_event(bill: _StoredBill, rng: random.Random, run: str) -> dict[str, Any]:
    assert bill.paid_at is not None
    return {
        "event": PAID_EVENT,
        "event_id": f"evt_{run}{rng.getrandbits(64):016x}",
        "bill_id": bill.bill_id,
        "amount": str(bill.request.amount),
        "currency": bill.request.currency,
        "paid_at": bill.paid_at.isoformat(),
    }


async def _answer(endpoint: Endpoint, request: Request) -> Response:
    try:
        return await endpoint(request)
    except RequestRejectedError as exc:
        return _error(exc.status_code, exc.code, exc.message)


async def _json_body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except ValueError:
        raise RequestRejectedError(400, "BAD_JSON", "body is not JSON") from None


def _error(status_code: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status_code
    )
