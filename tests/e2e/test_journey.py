"""The whole import journey through the typed client, over real HTTP and WebSocket.

A customer and an operator drive the API of a served app on PostgreSQL;
the finance, vessel and terminal simulators answer over loopback HTTP. The
simulated port runs four days or more behind the wall clock (never past the
sample's Delivery Order validity): the vessel's arrival and discharge lie in
the past when the app invoices the stay and the trucks come (it reads the
wall clock for those), and the stay outlasts the three storage days the
initial payment covered, so the invoice leaves a balance to pay.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from io import BytesIO
from typing import Any, Generic, TypeVar

import httpx
import pytest
from sqlalchemy import select

from clients.dermaga_client import (
    AcceptPickupPlanInput,
    AnalyticsGroupBy,
    ConfigureSlotsInput,
    ContainerInput,
    ContainerStatus,
    CreateShipmentInput,
    DateRangeInput,
    DermagaClient,
    DocumentKind,
    GateEventKind,
    GatePassStatus,
    InvoiceFilter,
    InvoiceStatus,
    PaymentPurpose,
    PaymentStatus,
    RecommendPickupPlanInput,
    RecordGateEventInput,
    RequestGatePassInput,
    ServiceKind,
    Severity,
    ShipmentEventKind,
    ShipmentStatus,
    StartPaymentInput,
    UpdateShipmentInput,
    Upload,
    UploadDocumentInput,
    VerificationDecision,
    VerifyShipmentInput,
    VesselCallFilter,
)
from clients.dermaga_client.fragments import ShipmentParts, VesselCallParts
from dermaga.settings import Settings
from dermaga.sync import running_syncs
from domain.models import gate as gate_models
from domain.services.gate import GRACE
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from integrations.clock import SimClock
from integrations.serving import serve_app
from integrations.terminal.simulator import create_terminal_simulator
from integrations.terminal.yard import TerminalOptions
from integrations.vessels.simulator import create_vessel_simulator
from integrations.vessels.world import PortWorld, WorldOptions
from tests.support.factories import PASSWORD, Factory
from tests.support.post_service import delivery_order_pdf, local_today, seed_tariffs
from tests.support.pre_service import SampleSet, sample_set

T = TypeVar("T")
ORIGIN = "https://app.dermaga.example"
TERMINAL = "JICT"
PLATE = "B 9012 KLM"
WAIT_S = 30.0
# How far the simulated port runs behind the wall clock.
BEHIND = timedelta(days=4)
SAMPLE = "set-101"


@dataclass
class Port:
    """Phinnisi and the terminal over one empty PortWorld, their clock stopped."""

    clock: SimClock
    vessels: httpx.AsyncClient
    terminal: httpx.AsyncClient
    vessels_url: str
    terminal_url: str

    async def control(self, http: httpx.AsyncClient, path: str, body: Any) -> Any:
        response = await http.post(f"/_control{path}", json=body)
        assert response.status_code < 300, response.text
        return response.json()

    async def advance(self, minutes: int) -> None:
        """Run the port on, never past the wall clock (the app reads that)."""
        room = datetime.now(UTC) - timedelta(minutes=5) - self.clock.now()
        step = min(timedelta(minutes=minutes), room)
        assert step > timedelta(0), "the simulated port caught up with the wall clock"
        await self.control(
            self.vessels, "/clock", {"advance_minutes": step.total_seconds() / 60}
        )


@pytest.fixture
async def port() -> AsyncIterator[Port]:
    # Never past the sample's Delivery Order: the assistant would block it.
    valid_until = date.fromisoformat(sample_set(SAMPLE).truth["do"]["valid_until"])
    latest = datetime.combine(valid_until - timedelta(days=1), time(), tzinfo=UTC)
    start = min(datetime.now(UTC) - BEHIND, latest).replace(second=0, microsecond=0)
    clock = SimClock(start, speed=0)
    world = PortWorld(clock, 17, WorldOptions(call_count=0))
    options = TerminalOptions(inspection_share=0.0, yard_correction_share=0.0)
    vessels = create_vessel_simulator(clock, 17, world=world)
    terminal = create_terminal_simulator(world, 17, options=options)
    async with (
        serve_app(vessels) as vessels_url,
        serve_app(terminal) as terminal_url,
        httpx.AsyncClient(base_url=vessels_url, timeout=5.0) as vessels_http,
        httpx.AsyncClient(base_url=terminal_url, timeout=5.0) as terminal_http,
    ):
        yield Port(clock, vessels_http, terminal_http, vessels_url, terminal_url)


@pytest.fixture
async def feeds(
    database: Database, settings: Settings, port: Port
) -> AsyncIterator[None]:
    """The app's feed syncs, polling the simulators in the background."""
    wired = settings.model_copy(
        update={
            "vessels_url": port.vessels_url,
            "terminal_url": port.terminal_url,
            "vessel_poll_seconds": 0.1,
            "terminal_poll_seconds": 0.1,
            "sync_attempts": 1,
        }
    )
    async with running_syncs(database, wired):
        yield


@pytest.fixture
async def praya(praya_url: str, live_server: str) -> AsyncIterator[None]:
    """The finance simulator pays every bill at once and calls the server back."""
    async with httpx.AsyncClient(base_url=praya_url, timeout=5.0) as control:
        config = {"callback_url": f"{live_server}/webhooks/praya"}
        await control.post("/_control/config", json={**config, "auto_pay_after_s": 0.1})
        yield
        await control.post(
            "/_control/config", json={"callback_url": None, "auto_pay_after_s": None}
        )


@contextlib.asynccontextmanager
async def signed_in(base_url: str, email: str) -> AsyncIterator[DermagaClient]:
    """A client of one person, signed in through the API."""
    async with DermagaClient(url=f"{base_url}/graphql") as anonymous:
        signed = (await anonymous.sign_in(email, PASSWORD)).sign_in
    assert signed.user_errors == []
    assert signed.token
    bearer = f"Bearer {signed.token}"
    async with DermagaClient(
        url=f"{base_url}/graphql",
        headers={"authorization": bearer},
        ws_url=base_url.replace("http://", "ws://", 1) + "/graphql",
        ws_origin=ORIGIN,
        ws_connection_init_payload={"authorization": bearer},
    ) as client:
        yield client


class Watch(Generic[T]):
    """A subscription read in the background; its messages queue up in order."""

    def __init__(self, stream: AsyncIterator[T]) -> None:
        self.seen: list[T] = []
        self._queue: asyncio.Queue[T] = asyncio.Queue()
        self._task = asyncio.create_task(self._pump(stream))

    async def _pump(self, stream: AsyncIterator[T]) -> None:
        async for message in stream:
            await self._queue.put(message)

    async def until(
        self,
        check: Callable[[T], bool],
        nudge: Callable[[], Awaitable[None]] | None = None,
    ) -> T:
        """The first message that passes `check`; `nudge` runs while none comes."""
        async with asyncio.timeout(WAIT_S):
            while True:
                if self._task.done():
                    self._task.result()
                    raise AssertionError("the subscription ended")
                try:
                    message = await asyncio.wait_for(self._queue.get(), 0.3)
                except TimeoutError:
                    if nudge is not None:
                        await nudge()
                    continue
                self.seen.append(message)
                if check(message):
                    return message

    async def close(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task


@contextlib.asynccontextmanager
async def watching(stream: AsyncIterator[T]) -> AsyncIterator[Watch[T]]:
    watch = Watch(stream)
    try:
        yield watch
    finally:
        await watch.close()


async def eventually(check: Callable[[], Awaitable[T | None]]) -> T:
    """The first truthy answer of `check`, polled (no timing is asserted)."""
    async with asyncio.timeout(WAIT_S):
        while not (found := await check()):
            await asyncio.sleep(0.1)
        return found


async def announce(port: Port, sample: SampleSet) -> str:
    """The carrier announces the sample's vessel call; the terminal gets its boxes."""
    truth = sample.truth
    call = await port.control(
        port.vessels,
        "/calls",
        {
            "vessel": {"name": truth["vessel"]["name"], "imo": truth["vessel"]["imo"]},
            "voyage": truth["vessel"]["voyage"],
            "terminal": TERMINAL,
            "eta": (port.clock.now() + timedelta(minutes=90)).isoformat(),
        },
    )
    boxes = [
        {
            "number": c["number"],
            "size_type": c["size_type"],
            "stowage": {"bay": 2 * i + 1, "row": 1, "tier": 82},
        }
        for i, c in enumerate(truth["containers"])
    ]
    await port.control(
        port.terminal, "/manifest", {"call_ref": call["call_ref"], "containers": boxes}
    )
    return str(call["call_ref"])


async def find_call(customer: DermagaClient, call_ref: str) -> VesselCallParts:
    async def synced() -> VesselCallParts | None:
        calls = await customer.vessel_calls(VesselCallFilter(port="IDTPP"), 50)
        return next(
            (c for c in calls.vessel_calls.nodes if c.call_reference == call_ref), None
        )

    return await eventually(synced)


async def shipment(client: DermagaClient, reference: str) -> ShipmentParts:
    found = (await client.shipment(reference)).shipment_by_reference
    assert found is not None
    return found


async def open_request(customer: DermagaClient, call: VesselCallParts) -> str:
    """A draft on the call: only the services, the rest comes from the documents."""
    created = await customer.create_shipment(
        CreateShipmentInput(
            vessel_call_id=call.id,
            services=[
                ServiceKind.DISCHARGE,
                ServiceKind.STORAGE,
                ServiceKind.LIFT_ON_OFF,
                ServiceKind.PICKUP,
            ],
        )
    )
    assert created.create_shipment.user_errors == []
    draft = created.create_shipment.shipment
    assert draft is not None
    assert draft.containers == []
    return draft.id


async def upload_set(customer: DermagaClient, sample: SampleSet, draft: str) -> None:
    for kind, path in sample.files():
        uploaded = await customer.upload_document(
            UploadDocumentInput(
                shipment_id=draft,
                kind=DocumentKind(kind),
                file=Upload(path.name, BytesIO(path.read_bytes()), "application/pdf"),
            )
        )
        assert uploaded.upload_document.user_errors == []


async def accept_suggestions(customer: DermagaClient, draft: str) -> ShipmentParts:
    """Have the assistant read the set, then apply every value it suggests."""
    checked = await customer.check_shipment_documents(draft)
    assert checked.check_shipment_documents.user_errors == []
    report = checked.check_shipment_documents.report
    assert report is not None
    assert not report.blocked, report.findings
    fields = {s.field: s.value for s in report.field_suggestions}
    updated = await customer.update_shipment(
        UpdateShipmentInput(
            id=draft,
            bl_number=fields["bl_number"],
            consignee_name=fields["consignee_name"],
            consignee_npwp=fields["consignee_npwp"],
            containers=[
                ContainerInput(
                    number=c.number,
                    size_type=c.size_type or "",
                    seal=c.seal,
                    packages=c.packages,
                    gross_kg=None if c.gross_kg is None else int(c.gross_kg),
                )
                for c in report.container_suggestions
            ],
        )
    )
    assert updated.update_shipment.user_errors == []
    result = updated.update_shipment.shipment
    assert result is not None
    return result


async def verify(
    customer: DermagaClient, operator: DermagaClient, filed: ShipmentParts
) -> None:
    """The customer hands the request in; an operator approves it."""
    submitted = (await customer.submit_shipment(filed.id)).submit_shipment
    assert submitted.user_errors == []
    assert [w for w in submitted.warnings if w.severity is Severity.BLOCKING] == []
    verified = await operator.verify_shipment(
        VerifyShipmentInput(
            shipment_id=filed.id, decision=VerificationDecision.APPROVE, reasons=[]
        )
    )
    assert verified.verify_shipment.user_errors == []


async def pay(
    customer: DermagaClient, shipment_id: str, purpose: PaymentPurpose
) -> None:
    """Start a payment; the finance simulator pays the bill by itself."""
    started = await customer.start_payment(
        StartPaymentInput(
            shipment_id=shipment_id, client_key=f"{purpose.value}-1", purpose=purpose
        )
    )
    assert started.start_payment.user_errors == []
    payment = started.start_payment.payment
    assert payment is not None
    assert payment.status is PaymentStatus.PENDING
    assert payment.virtual_account
    assert payment.amount.amount > 0


async def follow_the_vessel(
    customer: DermagaClient, port: Port, call_id: str, shipment_id: str
) -> tuple[Any, Any]:
    """Watch the call berth and the boxes come off while the port runs on."""
    async with (
        watching(customer.vessel_call_updated(call_id)) as calls,
        watching(customer.discharge_progressed(call_id, shipment_id)) as progress,
    ):
        berthed = await calls.until(
            lambda m: m.vessel_call_updated.atb is not None,
            nudge=lambda: port.advance(10),
        )
        discharged = await progress.until(
            lambda m: m.discharge_progress.discharged == 6,
            nudge=lambda: port.advance(5),
        )
    return berthed.vessel_call_updated, discharged.discharge_progress


async def released(
    customer: DermagaClient, port: Port, reference: str
) -> ShipmentParts:
    """Run the port on until customs has released every box and it may be picked up."""

    async def available() -> ShipmentParts | None:
        found = await shipment(customer, reference)
        if all(c.status is ContainerStatus.AVAILABLE for c in found.containers):
            return found
        await port.advance(30)
        return None

    return await eventually(available)


async def plan_pickup(
    customer: DermagaClient, operator: DermagaClient, shipment_id: str
) -> list[Any]:
    """The operator lays out slots; the customer takes the recommended plan."""
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first += timedelta(hours=1)
    slots = await operator.configure_slots(
        ConfigureSlotsInput(
            terminal=TERMINAL,
            from_=first,
            to=first + timedelta(hours=24),
            slot_minutes=60,
            quota=10,
        )
    )
    assert slots.configure_slots.user_errors == []
    assert len(slots.configure_slots.slots) == 24

    recommended = await customer.recommend_pickup_plan(
        RecommendPickupPlanInput(shipment_id=shipment_id)
    )
    assert recommended.recommend_pickup_plan.user_errors == []
    plan = recommended.recommend_pickup_plan.plan
    assert plan is not None
    assert [i.unassigned_reason for i in plan.items] == [None] * 6
    assert all(i.slot is not None and i.slot.starts_at >= first for i in plan.items)

    accepted = await customer.accept_pickup_plan(
        AcceptPickupPlanInput(plan_id=plan.id, truck_plate=PLATE, driver_name="Budi")
    )
    assert accepted.accept_pickup_plan.user_errors == []
    bookings = accepted.accept_pickup_plan.bookings
    assert len(bookings) == 6
    return list(bookings)


async def settle(customer: DermagaClient, shipment_id: str) -> Any:
    """Finalise the one invoice and pay its balance; return it once paid."""
    finalized = (await customer.finalize_invoice(shipment_id)).finalize_invoice
    assert finalized.user_errors == []
    invoice = finalized.invoice
    assert invoice is not None
    assert invoice.status is InvoiceStatus.ISSUED
    assert invoice.initial_payment.amount > 0
    assert invoice.balance_due.amount > 0

    await pay(customer, shipment_id, PaymentPurpose.INVOICE)

    async def paid() -> Any:
        found = await customer.invoices(InvoiceFilter(shipment_id=shipment_id))
        (current,) = found.invoices.nodes
        return current if current.status is InvoiceStatus.PAID else None

    return await eventually(paid)


async def extend_delivery_order(customer: DermagaClient, shipment_id: str) -> None:
    """The line extends its release: a new DO, a fortnight from today's date.

    The sample's DO has a fixed last day, and the gate pass needs a DO in
    force when the trucks come (on the wall clock); the check reads it.
    """
    valid_until = local_today() + timedelta(days=14)
    uploaded = await customer.upload_document(
        UploadDocumentInput(
            shipment_id=shipment_id,
            kind=DocumentKind.DELIVERY_ORDER,
            file=Upload(
                "do-extension.pdf",
                BytesIO(delivery_order_pdf(valid_until)),
                "application/pdf",
            ),
        )
    )
    assert uploaded.upload_document.user_errors == []
    checked = await customer.check_shipment_documents(shipment_id)
    assert checked.check_shipment_documents.user_errors == []


async def opened_an_hour_ago(database: Database, container_number: str) -> datetime:
    """Move the box's issued pass to a slot that opened an hour ago; its start.

    The gate takes times at most a few minutes ahead of the portal's clock,
    and the booked slots lie ahead: the trucks come in a slot just behind us.
    """
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    async with database.transaction(SYSTEM) as session:
        gate_pass = await session.scalar(
            select(gate_models.GatePass)
            .where(
                gate_models.GatePass.container_number == container_number,
                gate_models.GatePass.status == gate_models.GatePassStatus.ISSUED,
            )
            .with_for_update()
        )
        assert gate_pass is not None
        length = gate_pass.slot_ends_at - gate_pass.slot_starts_at
        gate_pass.slot_starts_at = start
        gate_pass.slot_ends_at = start + length
        gate_pass.expires_at = start + length + GRACE
    return start


async def collect(
    database: Database,
    customer: DermagaClient,
    operator: DermagaClient,
    bookings: list[Any],
) -> list[Any]:
    """A gate pass per box; the operator records each truck in and out."""
    outs = []
    for booking in bookings:
        requested = await customer.request_gate_pass(
            RequestGatePassInput(
                booking_id=booking.id, container_number=booking.container.number
            )
        )
        assert requested.request_gate_pass.user_errors == []
        gate_pass = requested.request_gate_pass.gate_pass
        assert gate_pass is not None
        assert gate_pass.status is GatePassStatus.ISSUED
        opened = await opened_an_hour_ago(database, booking.container.number)
        arrival = opened + timedelta(minutes=10)
        for kind, at in (
            (GateEventKind.GATE_IN, arrival),
            (GateEventKind.GATE_OUT, arrival + timedelta(minutes=45)),
        ):
            recorded = await operator.record_gate_event(
                RecordGateEventInput(
                    token=gate_pass.token, kind=kind, truck_plate=PLATE, at=at
                )
            )
            assert recorded.record_gate_event.user_errors == []
        outs.append(recorded.record_gate_event)
    return outs


async def test_a_shipment_goes_from_request_to_gate_out(
    database: Database,
    factory: Factory,
    live_server: str,
    port: Port,
    feeds: None,
    praya: None,
) -> None:
    await seed_tariffs(database)
    sample = sample_set(SAMPLE)
    truth = sample.truth
    numbers = sorted(c["number"] for c in truth["containers"])
    customer_member, operator_member = await factory.member(), await factory.operator()
    call_ref = await announce(port, sample)

    async with (
        signed_in(live_server, customer_member.email) as customer,
        signed_in(live_server, operator_member.email) as operator,
    ):
        call = await find_call(customer, call_ref)
        assert (call.vessel.name, call.vessel.imo, call.voyage) == (
            truth["vessel"]["name"],
            truth["vessel"]["imo"],
            truth["vessel"]["voyage"],
        )
        draft = await open_request(customer, call)
        async with watching(customer.shipment_updated(draft)) as updates:
            await upload_set(customer, sample, draft)
            filed = await accept_suggestions(customer, draft)
            assert filed.bl_number == truth["bl_number"]
            assert filed.consignee_npwp == truth["consignee"]["npwp"]
            assert sorted(c.number for c in filed.containers) == numbers
            await verify(customer, operator, filed)
            await pay(customer, filed.id, PaymentPurpose.INITIAL)
            confirmed = await updates.until(
                lambda u: u.shipment_updated.kind is ShipmentEventKind.PAYMENT_CONFIRMED
            )
        assert confirmed.shipment_updated.shipment.status is ShipmentStatus.IN_SERVICE

        berthed, discharge = await follow_the_vessel(customer, port, call.id, filed.id)
        assert berthed.berth == "JICT-U1"
        assert berthed.atb is not None
        assert berthed.atb < datetime.now(UTC)
        assert (discharge.discharged, discharge.total) == (6, 6)
        assert [s.discharged for s in discharge.by_shipment] == [6]

        ready = await released(customer, port, filed.reference)
        assert ready.status is ShipmentStatus.IN_SERVICE
        bookings = await plan_pickup(customer, operator, filed.id)
        invoice = await settle(customer, filed.id)
        assert invoice.paid_at is not None
        assert (await shipment(customer, filed.reference)).status is (
            ShipmentStatus.READY_FOR_PICKUP
        )

        await extend_delivery_order(customer, filed.id)
        outs = await collect(database, customer, operator, bookings)
        assert [o.gate_event.within_service_level for o in outs] == [True] * 6
        done = await shipment(customer, filed.reference)
        assert done.status is ShipmentStatus.COMPLETED
        assert {c.status for c in done.containers} == {ContainerStatus.GATED_OUT}

        window = DateRangeInput(
            from_=port.clock.now() - timedelta(days=2),
            to=datetime.now(UTC) + timedelta(days=3),
        )
        report = (await customer.analytics(window, AnalyticsGroupBy.MONTH)).analytics
        assert sum(r.containers for r in report.rows) == 6
        assert sum(r.shipments for r in report.rows) == 1
        (row,) = (await customer.dashboard(20)).shipments.nodes
        assert (row.id, row.status) == (filed.id, ShipmentStatus.COMPLETED)
        assert row.vessel_call is not None
        assert row.vessel_call.vessel.imo == truth["vessel"]["imo"]
        assert row.latest_payment is not None
        assert row.latest_payment.purpose is PaymentPurpose.INVOICE
        assert row.invoice is not None
        assert row.invoice.status is InvoiceStatus.PAID

        # Discharge counts in its month, the trucks in theirs (a month later at most).
        (discharged,) = [r for r in report.rows if r.containers]
        assert discharged.dwell_hours is not None
        assert discharged.dwell_hours > 72
        assert sum(r.bookings_kept for r in report.rows) == 6
        assert {r.gate_turnaround_minutes for r in report.rows} - {None} == {45}
        assert {c.service.value for c in report.cost_by_service} >= {
            "LIFT_ON_OFF",
            "STORAGE",
        }
