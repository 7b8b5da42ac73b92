"""Scheduling test data: a vessel call at a terminal, shipments, slots, bookings."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import websockets
from strawberry import relay

from domain.models.port import Vessel, VesselCall
from domain.models.shipments import Container, ContainerStatus, Shipment
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Member
from tests.support.graphql import GraphQLClient

TERMINAL = "JICT"
_serial = itertools.count(1)

CONFIGURE = """
mutation($input: ConfigureSlotsInput!) {
  configureSlots(input: $input) {
    slots { id startsAt endsAt quota booked free }
    userErrors { field code message }
  }
}"""
BOOK = """
mutation($input: BookPickupInput!) {
  bookPickup(input: $input) {
    booking { id status truckPlate driverName slot { id } }
    slot { id quota booked free }
    userErrors { field code message }
  }
}"""
SLOTS = """
query($terminal: String!, $from: DateTime!, $to: DateTime!) {
  slots(terminal: $terminal, from: $from, to: $to) {
    id startsAt quota booked free bookings { id truckPlate }
  }
}"""


def gid(type_name: str, key: object) -> str:
    return str(relay.GlobalID(type_name, str(key)))


def next_hour(offset_hours: int = 1) -> datetime:
    """The start of an hour `offset_hours` from now, in UTC."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now + timedelta(hours=offset_hours)


def imo_number() -> str:
    """A random IMO number with a valid check digit (weights 7..2)."""
    digits = [random.randrange(1, 10)] + [random.randrange(10) for _ in range(5)]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return "".join(map(str, digits)) + str(check)


@dataclass
class Box:
    """A container to create: discharged (with a time) or still on board."""

    number: str
    discharged_at: datetime | None = None
    status: ContainerStatus = ContainerStatus.ON_VESSEL
    yard_block: str | None = None
    customs_released_at: datetime | None = None


@dataclass
class Cargo:
    """A vessel call and one shipment of an organisation on it."""

    call_id: uuid.UUID
    call_ref: str
    shipment_id: uuid.UUID
    numbers: list[str] = field(default_factory=list)

    @property
    def shipment_gid(self) -> str:
        return gid("Shipment", self.shipment_id)


async def vessel_call(
    database: Database, *, eta: datetime, terminal: str = TERMINAL
) -> tuple[uuid.UUID, str]:
    """A vessel call at the terminal, berthing at `eta`."""
    async with database.transaction(SYSTEM) as session:
        vessel = Vessel(imo=imo_number(), name=f"MV TEST {next(_serial)}")
        session.add(vessel)
        await session.flush()
        ref = f"PKK-{uuid.uuid4().hex[:10]}"
        call = VesselCall(
            external_ref=ref,
            vessel_id=vessel.id,
            voyage="001N",
            port="IDTPP",
            terminal=terminal,
            eta=eta,
        )
        session.add(call)
        await session.flush()
        return call.id, ref


def discharged(number: str, hours_ago: int = 3) -> Box:
    at = datetime.now(UTC) - timedelta(hours=hours_ago)
    return Box(number, at, ContainerStatus.IN_YARD, None, at)


async def cargo(
    database: Database,
    organisation_id: uuid.UUID,
    boxes: list[Box],
    *,
    eta: datetime | None = None,
    terminal: str = TERMINAL,
    status: ShipmentStatus = ShipmentStatus.IN_SERVICE,
) -> Cargo:
    """A vessel call and a shipment of the organisation on it with `boxes`."""
    call_id, ref = await vessel_call(
        database, eta=eta or next_hour(-6), terminal=terminal
    )
    async with database.transaction(SYSTEM) as session:
        shipment = Shipment(
            organisation_id=organisation_id,
            filed_by_organisation_id=organisation_id,
            reference=f"SCH-{next(_serial):05d}-{uuid.uuid4().hex[:4]}",
            status=status,
            vessel_call_id=call_id,
            services=[],
        )
        session.add(shipment)
        await session.flush()
        session.add_all(
            Container(
                organisation_id=organisation_id,
                shipment_id=shipment.id,
                number=box.number,
                size_type="42G1",
                status=box.status,
                discharged_at=box.discharged_at,
                customs_released_at=box.customs_released_at,
                yard_block=box.yard_block,
            )
            for box in boxes
        )
        return Cargo(call_id, ref, shipment.id, [b.number for b in boxes])


def box_numbers(count: int, owner: str = "TST") -> list[str]:
    """Container numbers in ISO 6346 shape (owner code, U, seven digits)."""
    base = random.randrange(0, 9_000_000)
    return [f"{owner}U{base + i:07d}" for i in range(count)]


async def configure(
    operator: GraphQLClient,
    start: datetime,
    hours: int,
    *,
    quota: int,
    slot_minutes: int = 120,
    terminal: str = TERMINAL,
) -> list[dict[str, Any]]:
    """Slots laid out by an operator through the API."""
    payload = await operator.mutate(
        CONFIGURE,
        {
            "input": {
                "terminal": terminal,
                "from": start.isoformat(),
                "to": (start + timedelta(hours=hours)).isoformat(),
                "slotMinutes": slot_minutes,
                "quota": quota,
            }
        },
    )
    slots: list[dict[str, Any]] = payload["slots"]
    return slots


def book_input(
    cargo: Cargo, number: str, slot_id: str, plate: str = "B 1234 XYZ"
) -> dict[str, Any]:
    return {
        "input": {
            "shipmentId": cargo.shipment_gid,
            "containerNumber": number,
            "slotId": slot_id,
            "truckPlate": plate,
            "driverName": "Budi Santoso",
        }
    }


async def book(
    client: GraphQLClient, cargo: Cargo, number: str, slot_id: str
) -> dict[str, Any]:
    """bookPickup that must succeed: the payload."""
    return await client.mutate(BOOK, book_input(cargo, number, slot_id))


RECOMMEND = """
mutation($input: RecommendPickupPlanInput!) {
  recommendPickupPlan(input: $input) {
    plan { id version reason }
    userErrors { field code message }
  }
}"""
PLAN_CHANGED = """
subscription($id: ID!) {
  pickupPlanChanged(shipmentId: $id) {
    id version reason method moved
    discharge { berthAt quayCranes movesPerCraneHour }
    items {
      container { number }
      slot { id startsAt }
      readyAt dischargeAt dischargeEstimated bookingAtRisk unassignedReason
      booking { id atRiskReason slot { id } }
      alternatives { slot { id startsAt } cost { amount } full }
    }
  }
}"""


async def scheduling_objects(
    database: Database, owner: Member, operator: Member
) -> dict[str, str]:
    """Slots, a booking and a plan of the owner's, by Node type (global ids)."""
    (number,) = box_numbers(1, owner="TNC")
    shipment = await cargo(database, owner.organisation_id, [discharged(number)])
    start = next_hour(2)
    slots = await configure(operator.client, start, 4, quota=5)
    booked = await book(owner.client, shipment, number, slots[0]["id"])
    plan = await owner.client.mutate(
        RECOMMEND, {"input": {"shipmentId": shipment.shipment_gid}}
    )
    return {
        "PickupSlot": slots[0]["id"],
        "TruckBooking": booked["booking"]["id"],
        "PickupPlan": plan["plan"]["id"],
        "PlannedShipment": shipment.shipment_gid,
    }


@contextlib.asynccontextmanager
async def plan_socket(
    live_server: str, token: str, shipment_id: str
) -> AsyncIterator[websockets.ClientConnection]:
    """A graphql-transport-ws socket subscribed to pickupPlanChanged."""
    url = live_server.replace("http", "ws", 1) + "/graphql"
    async with websockets.connect(
        url,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        origin=websockets.Origin("https://app.dermaga.example"),
    ) as socket:
        init = {
            "type": "connection_init",
            "payload": {"authorization": f"Bearer {token}"},
        }
        await socket.send(json.dumps(init))
        assert json.loads(await socket.recv())["type"] == "connection_ack"
        payload = {"query": PLAN_CHANGED, "variables": {"id": shipment_id}}
        await socket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": payload})
        )
        yield socket


async def next_message(socket: websockets.ClientConnection) -> dict[str, Any]:
    """The next message that is not a ping, within 20 seconds."""
    async with asyncio.timeout(20):
        while True:
            message: dict[str, Any] = json.loads(await socket.recv())
            if message["type"] == "ping":
                await socket.send(json.dumps({"type": "pong"}))
                continue
            return message
