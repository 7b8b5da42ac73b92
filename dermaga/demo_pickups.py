"""The demo's trucks: pickup slots, bookings, gate passes and gate readings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from strawberry import relay

from dermaga.demo import IMPORTER, OPERATOR
from dermaga.demo_cargo import DemoShipment
from dermaga.demo_client import DemoClient, DemoSeedError, row_key
from dermaga.demo_queries import BOOK, CONFIGURE_SLOTS, GATE_EVENT, GATE_PASS, SLOTS
from domain.models.scheduling import BookingStatus, PickupSlot, TruckBooking
from domain.models.shipments import Container
from domain.unit_of_work import Database
from domain.viewer import SYSTEM

SLOT_MINUTES = 120
SLOT_QUOTA = 40
SLOT_DAYS = 7


class DemoPickups:
    """Books each demo box's truck into a slot and takes it through the gate."""

    def __init__(self, client: DemoClient, database: Database) -> None:
        self.client = client
        self.database = database
        self._slotted: set[str] = set()

    async def collect(self, plan: DemoShipment, shipment: dict[str, Any]) -> None:
        """Trucks come in the slot booked before the invoice, collect and leave."""
        await self.book_all(plan, shipment, upcoming=False)
        bookings = await self._active_bookings(shipment)
        now = datetime.now(UTC)
        for number, (booking_id, slot_start) in bookings.items():
            plate = _plate(number)
            payload = await self.client.mutate(
                GATE_PASS,
                {"input": {"bookingId": booking_id, "containerNumber": number}},
                as_user=IMPORTER.email,
            )
            token = payload["gatePass"]["token"]
            # The truck came in early in its slot and leaves now.
            gate_in = max(slot_start, now - timedelta(minutes=45))
            for kind, at in (("GATE_IN", gate_in), ("GATE_OUT", now)):
                reading = {
                    "token": token,
                    "kind": kind,
                    "truckPlate": plate,
                    "at": at.isoformat(),
                }
                await self.client.mutate(
                    GATE_EVENT, {"input": reading}, as_user=OPERATOR.email
                )

    async def book_all(
        self, plan: DemoShipment, shipment: dict[str, Any], *, upcoming: bool
    ) -> dict[str, tuple[str, datetime]]:
        """Book each box not booked yet: in the slot open now, or one tomorrow."""
        terminal = shipment["vesselCall"]["terminal"]
        await self.configure_slots(terminal)
        slot = await self._slot(terminal, upcoming)
        booked = await self._active_bookings(shipment)
        made: dict[str, tuple[str, datetime]] = {}
        for box in shipment["containers"]:
            number = box["number"]
            if number in booked or box["status"] == "GATED_OUT":
                continue
            booking = {
                "shipmentId": shipment["id"],
                "containerNumber": number,
                "slotId": slot["id"],
                "truckPlate": _plate(number),
                "driverName": _driver(number),
            }
            payload = await self.client.mutate(
                BOOK, {"input": booking}, as_user=IMPORTER.email
            )
            starts = datetime.fromisoformat(slot["startsAt"])
            made[number] = (payload["booking"]["id"], starts)
        return made

    async def configure_slots(self, terminal: str) -> None:
        """Two-hour slots for a week from today's midnight UTC; the grid never moves."""
        if terminal in self._slotted:
            return
        start = datetime.combine(datetime.now(UTC).date(), time(), tzinfo=UTC)
        layout = {
            "terminal": terminal,
            "from": start.isoformat(),
            "to": (start + timedelta(days=SLOT_DAYS)).isoformat(),
            "slotMinutes": SLOT_MINUTES,
            "quota": SLOT_QUOTA,
        }
        await self.client.mutate(
            CONFIGURE_SLOTS, {"input": layout}, as_user=OPERATOR.email
        )
        self._slotted.add(terminal)

    async def _slot(self, terminal: str, upcoming: bool) -> dict[str, Any]:
        now = datetime.now(UTC)
        window = {
            "terminal": terminal,
            "from": (now - timedelta(minutes=SLOT_MINUTES)).isoformat(),
            "to": (now + timedelta(days=2)).isoformat(),
        }
        data = await self.client.data(SLOTS, window, as_user=IMPORTER.email)
        # Tomorrow morning for a booked request; the slot open now for a pickup.
        earliest = now + timedelta(hours=12) if upcoming else now
        for slot in data["slots"]:
            starts = datetime.fromisoformat(slot["startsAt"])
            ends = datetime.fromisoformat(slot["endsAt"])
            if slot["free"] > 0 and ends > now and (starts >= earliest or not upcoming):
                return dict(slot)
        raise DemoSeedError(f"no free pickup slot at {terminal}")

    async def _active_bookings(
        self, shipment: dict[str, Any]
    ) -> dict[str, tuple[str, datetime]]:
        """Each booked box's booking (global id) and the start of its slot."""
        key = row_key(shipment["id"])
        async with self.database.transaction(SYSTEM) as session:
            rows = await session.execute(
                select(Container.number, TruckBooking.id, PickupSlot.starts_at)
                .join(TruckBooking, TruckBooking.container_id == Container.id)
                .join(PickupSlot, PickupSlot.id == TruckBooking.slot_id)
                .where(
                    TruckBooking.shipment_id == key,
                    TruckBooking.status == BookingStatus.ACTIVE,
                )
            )
            return {
                number: (str(relay.GlobalID("TruckBooking", str(booking))), starts)
                for number, booking, starts in rows
            }


def _plate(number: str) -> str:
    """A Jakarta (B) registration plate for the truck that collects a box."""
    return f"B {int(number[4:8]) % 9000 + 1000} {number[:3]}"


def _driver(number: str) -> str:
    names = ("Agus Setiawan", "Joko Prasetyo", "Hendra Gunawan", "Wahyu Hidayat")
    return names[int(number[-1]) % len(names)]
