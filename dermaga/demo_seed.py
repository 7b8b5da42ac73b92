"""Seed the demo port with shipments in every stage, through the API where it can.

The importer files each request, uploads its papers, has them checked and
submits; the operator verifies; the importer pays, books trucks and fetches
gate passes; the operator records the trucks at the gate. Praya's simulator
stands in for the bank. Each request is found again by its B/L number and
moved on from where it stands, so a second run changes nothing. Where the API
has no way, domain services do the step: the tariffs, and the state of a box
the terminal reported on before the request named it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import structlog
from sqlalchemy import select

from dermaga.demo import IMPORTER, OPERATOR
from dermaga.demo_cargo import (
    COMING,
    DEMO_SHIPMENTS,
    Call,
    CallRole,
    DemoShipment,
    candidates,
)
from dermaga.demo_client import DemoClient, DemoSeedError, row_key
from dermaga.demo_papers import Box, Paperwork, box_for, papers
from dermaga.demo_pickups import DemoPickups
from dermaga.demo_queries import (
    CALLS,
    CHECK,
    CREATE,
    FINALIZE,
    INVOICES,
    PAY,
    SHIPMENT,
    SUBMIT,
    VERIFY,
)
from domain.models.payments import Payment, PaymentPurpose, PaymentStatus
from domain.ports.terminal import ContainerEventType
from domain.services import terminal_sync
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from integrations.terminal.client import TerminalClient

log = structlog.get_logger(__name__)

S = ShipmentStatus
JOURNEY = (
    S.DRAFT,
    S.SUBMITTED,
    S.VERIFIED,
    S.AWAITING_PAYMENT,
    S.IN_SERVICE,
    S.READY_FOR_PICKUP,
    S.COMPLETED,
)
SERVICES = ["DISCHARGE", "STORAGE", "LIFT_ON_OFF", "PICKUP"]
JAKARTA = ZoneInfo("Asia/Jakarta")
WAIT_S = 90.0
TERMINALS = ("JICT", "KOJA", "NPCT1", "TMAL")


@dataclass
class SeedReport:
    """What the seed found or made: each stage's request and its vessel call."""

    shipments: dict[ShipmentStatus, str] = field(default_factory=dict)
    calls: dict[ShipmentStatus, str] = field(default_factory=dict)
    references: dict[ShipmentStatus, str] = field(default_factory=dict)
    created: int = 0
    watch_call: Call | None = None


Progress = Callable[[str], None]


class DemoSeeder:
    """Walks each demo request through the journey up to its stage."""

    def __init__(
        self,
        client: DemoClient,
        database: Database,
        terminal: TerminalClient,
        finance: httpx.AsyncClient,
        password: str,
    ) -> None:
        self.client = client
        self.database = database
        self.terminal = terminal
        self.finance = finance
        self.password = password
        self._calls: list[Call] = []
        self._available: set[str] | None = None
        self._taken: set[str] = set()
        self.pickups = DemoPickups(client, database)

    async def seed(self, progress: Progress = lambda _: None) -> SeedReport:
        """Bring every demo request to its stage; what is there already stays."""
        await self.client.sign_in(IMPORTER.email, self.password)
        await self.client.sign_in(OPERATOR.email, self.password)
        for terminal in TERMINALS:
            await self.pickups.configure_slots(terminal)
        found = {plan: await self._find(plan.bl_number) for plan in DEMO_SHIPMENTS}
        for shipment in found.values():
            if shipment is not None:
                self._taken.update(c["number"] for c in shipment["containers"])
        report = SeedReport()
        for plan in DEMO_SHIPMENTS:
            progress(f"{plan.stage.value.lower()}: B/L {plan.bl_number}")
            shipment = found[plan]
            if shipment is None:
                shipment = await self._open(plan)
                report.created += 1
            await self._advance(plan, shipment, progress)
            report.shipments[plan.stage] = shipment["id"]
            report.calls[plan.stage] = shipment["vesselCall"]["id"]
            report.references[plan.stage] = plan.bl_number
        report.watch_call = await self._watch_call(report.calls[S.IN_SERVICE])
        return report

    async def _watch_call(self, live_id: str) -> Call:
        """The live request's call until it berths, else the next to berth.

        A later run finds that call berthed: its live part would show nothing.
        """
        self._calls = []
        calls = await self._all_calls()
        live = next(c for c in calls if c.id == live_id)
        if live.status in COMING:
            return live
        return next(iter(candidates(calls, CallRole.LIVE)), live)

    # Opening a request

    async def _find(self, bl_number: str) -> dict[str, Any] | None:
        data = await self.client.data(
            SHIPMENT, {"reference": bl_number}, as_user=IMPORTER.email
        )
        found: dict[str, Any] | None = data["shipmentByReference"]
        return found

    async def _open(self, plan: DemoShipment) -> dict[str, Any]:
        call, boxes = await self._cargo(plan)
        draft = {
            "blNumber": plan.bl_number,
            "vesselCallId": call.id,
            "consigneeName": IMPORTER.organisation,
            "consigneeNpwp": IMPORTER.npwp,
            "services": SERVICES,
            "notes": f"{plan.description} from {plan.shipper}",
            "containers": [
                {
                    "number": b.number,
                    "sizeType": b.size_type,
                    "seal": b.seal,
                    "packages": b.packages,
                    "grossKg": b.gross_kg,
                }
                for b in boxes
            ],
        }
        await self.client.mutate(CREATE, {"input": draft}, as_user=IMPORTER.email)
        log.info("demo.shipment.opened", bl_number=plan.bl_number, call=call.ref)
        shipment = await self._find(plan.bl_number)
        assert shipment is not None, "a request just opened is found by its B/L"
        return shipment

    async def _cargo(self, plan: DemoShipment) -> tuple[Call, list[Box]]:
        """A call fit for the request with enough free boxes; waits for the sync."""
        async with asyncio.timeout(WAIT_S):
            while True:
                self._calls = []
                for call in candidates(await self._all_calls(), plan.call):
                    boxes = await self._boxes(plan, call)
                    if boxes is not None:
                        return call, boxes
                # The port has not got that far yet: read the feeds again.
                self._available = None
                await asyncio.sleep(1)

    async def _boxes(self, plan: DemoShipment, call: Call) -> list[Box] | None:
        manifest = await self.terminal.manifest(call.ref)
        if plan.call is CallRole.DONE:
            ready = await self._released_boxes()
            manifest = [e for e in manifest if e.container_number in ready]
        free = [e for e in manifest if e.container_number not in self._taken]
        if len(free) < plan.boxes:
            return None
        chosen = free[: plan.boxes]
        self._taken.update(e.container_number for e in chosen)
        return [box_for(e.container_number, e.size_type) for e in chosen]

    async def _released_boxes(self) -> set[str]:
        """Boxes the terminal has made available and not held since."""
        if self._available is None:
            available: set[str] = set()
            cursor: str | None = None
            while True:
                page = await self.terminal.container_events_since(cursor, 1000)
                for event in page.events:
                    if event.event_type is ContainerEventType.AVPU:
                        available.add(event.container_number)
                    elif event.event_type is ContainerEventType.CUSTOMS_HOLD:
                        available.discard(event.container_number)
                cursor = page.next_cursor
                if not page.has_more:
                    break
            self._available = available
        return self._available

    # Moving a request on

    async def _advance(
        self, plan: DemoShipment, shipment: dict[str, Any], progress: Progress
    ) -> None:
        status = S(shipment["status"])
        if status is S.DRAFT:
            await self._file_papers(plan, shipment)
        stage = plan.stage.value.lower()
        while JOURNEY.index(status) < JOURNEY.index(plan.stage):
            progress(f"{stage}: B/L {plan.bl_number} is {status.value}")
            status = await self._step(status, plan, shipment)
        if plan.stage is S.READY_FOR_PICKUP:
            await self.pickups.book_all(plan, shipment, upcoming=True)
        progress(f"{stage}: request {shipment['reference']} is {status.value}")

    async def _step(
        self, status: ShipmentStatus, plan: DemoShipment, shipment: dict[str, Any]
    ) -> ShipmentStatus:
        ids = {"id": shipment["id"]}
        importer, operator = IMPORTER.email, OPERATOR.email
        if status is S.DRAFT:
            await self.client.mutate(CHECK, ids, as_user=importer)
            await self.client.mutate(SUBMIT, ids, as_user=importer)
        elif status is S.SUBMITTED:
            await self.client.mutate(VERIFY, ids, as_user=operator)
        elif status is S.VERIFIED:
            key = {"shipmentId": shipment["id"], "clientKey": f"demo-{plan.bl_number}"}
            await self.client.mutate(PAY, {"input": key}, as_user=importer)
        elif status is S.AWAITING_PAYMENT:
            await self._pay_at_bank(shipment, PaymentPurpose.INITIAL)
        elif status is S.IN_SERVICE:
            await self._settle(plan, shipment)
        elif status is S.READY_FOR_PICKUP:
            await self.pickups.collect(plan, shipment)
        return await self._status_after(plan, status)

    async def _status_after(
        self, plan: DemoShipment, before: ShipmentStatus
    ) -> ShipmentStatus:
        """Wait until the request has left `before` (payments confirm later)."""
        async with asyncio.timeout(WAIT_S):
            while True:
                found = await self._find(plan.bl_number)
                assert found is not None, "a demo request is never deleted"
                status = S(found["status"])
                if status is not before:
                    return status
                await asyncio.sleep(0.5)

    async def _file_papers(self, plan: DemoShipment, shipment: dict[str, Any]) -> None:
        """Upload the papers not yet on file; a draft has only the first two."""
        call = shipment["vesselCall"]
        full = next(c for c in await self._all_calls() if c.id == call["id"])
        boxes = tuple(
            box_for(c["number"], c["sizeType"]) for c in shipment["containers"]
        )
        work = _paperwork(plan, full, boxes)
        have = {d["kind"] for d in shipment["documents"]}
        kinds = list(papers(work).items())
        if plan.stage is S.DRAFT:
            kinds = kinds[:1] + kinds[4:5]
        for kind, content in kinds:
            if kind not in have:
                filename = f"{plan.bl_number}-{kind.lower()}.pdf"
                await self.client.upload(
                    shipment["id"], kind, filename, content, IMPORTER.email
                )

    async def _all_calls(self) -> list[Call]:
        if not self._calls:
            data = await self.client.data(CALLS, None, as_user=IMPORTER.email)
            self._calls = [
                Call.from_json(e["node"]) for e in data["vesselCalls"]["edges"]
            ]
        return self._calls

    async def _pay_at_bank(
        self, shipment: dict[str, Any], purpose: PaymentPurpose
    ) -> None:
        """The importer pays the virtual account: Praya's simulator marks it paid."""
        key = row_key(shipment["id"])
        async with self.database.transaction(SYSTEM) as session:
            bill_id = await session.scalar(
                select(Payment.bill_id).where(
                    Payment.shipment_id == key,
                    Payment.purpose == purpose,
                    Payment.status == PaymentStatus.PENDING,
                )
            )
        if bill_id is None:
            raise DemoSeedError(f"the {purpose.value} payment has no bill at Praya")
        response = await self.finance.post(f"/_control/bills/{bill_id}/pay")
        if response.status_code != 200:
            raise DemoSeedError(f"Praya would not take the payment: {response.text}")

    async def _settle(self, plan: DemoShipment, shipment: dict[str, Any]) -> None:
        """Invoice the served request and pay its balance, so its boxes are ready.

        The trucks are booked first: the invoice charges storage up to the end
        of each box's slot, so the gate passes need no storage extension.
        """
        await self._recorded_boxes(plan, shipment)
        ids = {"id": shipment["id"]}
        data = await self.client.data(INVOICES, ids, as_user=IMPORTER.email)
        edges = data["invoices"]["edges"]
        if edges:
            invoice = edges[0]["node"]
        else:
            upcoming = plan.stage is S.READY_FOR_PICKUP
            await self.pickups.book_all(plan, shipment, upcoming=upcoming)
            payload = await self.client.mutate(FINALIZE, ids, as_user=IMPORTER.email)
            invoice = payload["invoice"]
        if invoice["status"] == "PAID" or Decimal(invoice["balanceDue"]["amount"]) <= 0:
            return
        pay = {
            "shipmentId": shipment["id"],
            "clientKey": f"demo-invoice-{plan.bl_number}",
            "purpose": "INVOICE",
        }
        await self.client.mutate(PAY, {"input": pay}, as_user=IMPORTER.email)
        await self._pay_at_bank(shipment, PaymentPurpose.INVOICE)

    async def _recorded_boxes(
        self, plan: DemoShipment, shipment: dict[str, Any]
    ) -> None:
        """Give the request's boxes the state the terminal reported before it."""
        call_key = row_key(shipment["vesselCall"]["id"])
        numbers = [c["number"] for c in shipment["containers"]]
        async with asyncio.timeout(WAIT_S):
            while True:
                async with self.database.transaction(SYSTEM) as session:
                    await terminal_sync.refresh_containers(
                        session, [(n, call_key) for n in numbers]
                    )
                found = await self._find(plan.bl_number)
                assert found is not None, "a demo request is never deleted"
                if all(c["status"] == "AVAILABLE" for c in found["containers"]):
                    return
                await asyncio.sleep(1)


def _paperwork(plan: DemoShipment, call: Call, boxes: tuple[Box, ...]) -> Paperwork:
    eta = (call.eta or datetime.now(UTC)).astimezone(JAKARTA).date()
    return Paperwork(
        bl_number=plan.bl_number,
        shipper=plan.shipper,
        consignee=IMPORTER.organisation,
        npwp=IMPORTER.npwp or "",
        vessel=call.vessel,
        imo=call.imo,
        voyage=call.voyage,
        port_of_loading=plan.port_of_loading,
        eta=eta,
        boxes=boxes,
        description=plan.description,
        hs_code=plan.hs_code,
        unit_price_usd=plan.unit_price_usd,
    )
