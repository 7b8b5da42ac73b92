"""A gate pass lives and dies with its booking, lapses unused, and holds stop it.

Also: the gate takes times near its clock only (a little ahead for skew, a
week behind for a gate that was offline).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from strawberry import relay

from domain.models.gate import GatePass, GatePassStatus
from domain.models.scheduling import BookingStatus, PickupSlot, TruckBooking
from domain.models.shipments import Container, ContainerStatus, Shipment
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.api.test_gate import (
    BOX,
    PLATE,
    Ready,
    _issue,
    _record,
    make_ready,
    request,
    slot_opened,
)
from tests.support.factories import Factory, Member
from tests.support.post_service import TERMINAL, booking
from tests.support.scheduling import vessel_call

CANCEL = """
mutation($id: ID!) {
  cancelBooking(input: {bookingId: $id}) {
    booking { status } userErrors { field code message }
  }
}"""
RESCHEDULE = """
mutation($id: ID!, $slot: ID!) {
  rescheduleBooking(input: {bookingId: $id, slotId: $slot}) {
    booking { status } userErrors { field code message }
  }
}"""
PASSES = """
query($status: GatePassStatus) {
  gatePasses(filter: {status: $status}) { edges { node { id status } } }
}"""
MISSED = """
query($from: DateTime!, $to: DateTime!) {
  analytics(range: {from: $from, to: $to}, groupBy: MONTH) {
    rows { bookingsKept bookingsMissed }
  }
}"""


@pytest.fixture
async def ready(database: Database, factory: Factory) -> Ready:
    return await make_ready(database, factory)


def _booking_gid(ready: Ready) -> str:
    return str(relay.GlobalID("TruckBooking", ready.booking_id))


async def _statuses(member: Member, status: str | None = None) -> list[str]:
    data = await member.client.data(PASSES, {"status": status})
    return [e["node"]["status"] for e in data["gatePasses"]["edges"]]


def _codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def _lapse(database: Database, hours_ago: int = 6) -> None:
    """The truck never came: the pass's slot (and grace) is long over."""
    past = datetime.now(UTC) - timedelta(hours=hours_ago)
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            update(GatePass).values(
                slot_starts_at=past,
                slot_ends_at=past + timedelta(hours=2),
                expires_at=past + timedelta(hours=2, minutes=30),
            )
        )


async def _hold(database: Database) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(update(Container).values(status=ContainerStatus.HELD))


# --- the booking and its pass -------------------------------------------------


async def test_a_cancelled_booking_cancels_its_gate_pass(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)

    cancelled = await ready.owner.client.data(CANCEL, {"id": _booking_gid(ready)})

    assert cancelled["cancelBooking"]["userErrors"] == []
    assert await _statuses(ready.owner) == ["CANCELLED"]
    # The truck turns up in the slot it no longer holds.
    start = await slot_opened(database, timedelta(minutes=10))
    operator = await factory.operator()
    gate_in = await _record(operator, token, "GATE_IN", start)
    assert gate_in["gatePass"] is None
    assert gate_in["userErrors"][0]["code"] == "GATE_PASS_CANCELLED"
    assert gate_in["userErrors"][0]["field"] == ["input", "token"]


async def test_a_rescheduled_booking_cancels_its_pass_and_gets_a_new_one(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    call_id, _ = await vessel_call(
        database, eta=datetime.now(UTC) - timedelta(days=3), terminal=TERMINAL
    )
    # Half an hour earlier, within the storage already paid.
    async with database.transaction(SYSTEM) as session:
        await session.execute(update(Shipment).values(vessel_call_id=call_id))
        earlier = PickupSlot(
            terminal=TERMINAL,
            starts_at=ready.slot_start - timedelta(minutes=30),
            ends_at=ready.slot_start + timedelta(minutes=90),
            quota=5,
        )
        session.add(earlier)
        await session.flush()
        slot_gid = str(relay.GlobalID("PickupSlot", str(earlier.id)))

    moved = await ready.owner.client.data(
        RESCHEDULE, {"id": _booking_gid(ready), "slot": slot_gid}
    )
    again = await request(ready)

    assert moved["rescheduleBooking"]["userErrors"] == []
    assert again["userErrors"] == []
    assert again["gatePass"]["status"] == "ISSUED"
    assert sorted(await _statuses(ready.owner)) == ["CANCELLED", "ISSUED"]
    operator = await factory.operator()
    old = await _record(operator, token, "GATE_IN", datetime.now(UTC))
    assert _codes(old) == ["GATE_PASS_CANCELLED"]


async def test_a_booking_whose_truck_is_inside_cannot_be_cancelled(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    start = await slot_opened(database, timedelta(minutes=10))
    operator = await factory.operator()
    gate_in = await _record(operator, token, "GATE_IN", start)
    assert gate_in["userErrors"] == []

    cancelled = await ready.owner.client.data(CANCEL, {"id": _booking_gid(ready)})

    assert _codes(cancelled["cancelBooking"]) == ["TRUCK_IN_TERMINAL"]
    gate_out = await _record(operator, token, "GATE_OUT", datetime.now(UTC))
    assert gate_out["gatePass"]["status"] == "COMPLETED"


# --- a pass that lapsed unused ------------------------------------------------


async def test_a_no_show_pass_reads_expired_and_a_new_booking_gets_a_pass(
    ready: Ready, database: Database
) -> None:
    await _issue(ready)
    await _lapse(database)
    assert await _statuses(ready.owner) == ["EXPIRED"]
    assert await _statuses(ready.owner, "EXPIRED") == ["EXPIRED"]
    assert await _statuses(ready.owner, "ISSUED") == []

    cancelled = await ready.owner.client.data(CANCEL, {"id": _booking_gid(ready)})
    assert cancelled["cancelBooking"]["userErrors"] == []
    # Rebooked in a slot within the storage already paid (half an hour earlier).
    rebooked = await booking(
        database,
        ready.seeded,
        BOX,
        ready.slot_start - timedelta(minutes=30),
        plate=PLATE,
    )
    ready.booking_id = str(rebooked)
    again = await request(ready)

    assert again["userErrors"] == []
    assert sorted(await _statuses(ready.owner)) == ["EXPIRED", "ISSUED"]


async def test_a_lapsed_pass_is_stored_expired_when_the_next_is_requested(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    await _lapse(database)
    # The booking ends outside the API (as the terminal's own tools may).
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            update(TruckBooking).values(status=BookingStatus.CANCELLED)
        )
    rebooked = await booking(
        database, ready.seeded, BOX, ready.slot_start - timedelta(minutes=30)
    )
    ready.booking_id = str(rebooked)

    again = await request(ready)

    assert again["userErrors"] == []
    async with database.transaction(SYSTEM) as session:
        stored = (await session.scalars(select(GatePass.status))).all()
    assert sorted(stored) == [GatePassStatus.EXPIRED, GatePassStatus.ISSUED]
    operator = await factory.operator()
    late = await _record(operator, token, "GATE_IN", datetime.now(UTC))
    assert _codes(late) == ["GATE_PASS_EXPIRED"]
    # Analytics still counts the no-show as a missed booking.
    now = datetime.now(UTC)
    report = await ready.owner.client.data(
        MISSED,
        {
            "from": (now - timedelta(days=40)).isoformat(),
            "to": (now + timedelta(days=40)).isoformat(),
        },
    )
    rows = report["analytics"]["rows"]
    assert sum(r["bookingsMissed"] for r in rows) == 1


async def test_a_booked_slot_that_is_over_gets_no_pass(
    ready: Ready, database: Database
) -> None:
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            update(PickupSlot).values(
                starts_at=datetime.now(UTC) - timedelta(hours=4),
                ends_at=datetime.now(UTC) - timedelta(hours=2),
            )
        )

    payload = await request(ready)

    assert payload["gatePass"] is None
    assert _codes(payload) == ["SLOT_CLOSED"]


# --- holds at the gate ----------------------------------------------------------


async def test_a_hold_placed_after_the_pass_stops_the_box_at_the_gate(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    await slot_opened(database, timedelta(minutes=10))
    await _hold(database)
    operator = await factory.operator()

    gate_in = await _record(operator, token, "GATE_IN", datetime.now(UTC))

    assert gate_in["gatePass"] is None
    assert _codes(gate_in) == ["ON_HOLD"]
    assert gate_in["userErrors"][0]["field"] == ["input", "token"]


async def test_a_hold_placed_while_the_truck_is_inside_stops_the_gate_out(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    await slot_opened(database, timedelta(minutes=10))
    operator = await factory.operator()
    gate_in = await _record(operator, token, "GATE_IN", datetime.now(UTC))
    assert gate_in["userErrors"] == []
    await _hold(database)

    gate_out = await _record(operator, token, "GATE_OUT", datetime.now(UTC))

    assert _codes(gate_out) == ["ON_HOLD"]


async def test_a_hold_placed_after_the_truck_passed_keeps_a_late_upload(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    start = await slot_opened(database, timedelta(hours=3))
    await _hold(database)
    operator = await factory.operator()

    # An offline gate uploads what it saw before the hold.
    gate_in = await _record(operator, token, "GATE_IN", start)

    assert gate_in["userErrors"] == []


# --- times at the gate ----------------------------------------------------------


async def test_gate_events_far_from_now_are_out_of_range(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    start = await slot_opened(database, timedelta(minutes=10))
    operator = await factory.operator()
    gate_in = await _record(operator, token, "GATE_IN", start)
    assert gate_in["userErrors"] == []
    now = datetime.now(UTC)

    years = await _record(operator, token, "GATE_OUT", start + timedelta(days=5 * 365))
    ahead = await _record(operator, token, "GATE_OUT", now + timedelta(minutes=20))
    behind = await _record(operator, token, "GATE_OUT", now - timedelta(days=8))

    for refused in (years, ahead, behind):
        assert refused["userErrors"][0]["code"] == "OUT_OF_RANGE", refused
        assert refused["userErrors"][0]["field"] == ["input", "at"]
    # A gate clock a few minutes fast is taken.
    skewed = await _record(operator, token, "GATE_OUT", now + timedelta(minutes=5))
    assert skewed["gatePass"]["status"] == "COMPLETED"


async def test_a_gate_that_was_offline_uploads_days_late(
    ready: Ready, factory: Factory, database: Database
) -> None:
    token = await _issue(ready)
    start = await slot_opened(database, timedelta(days=6))
    operator = await factory.operator()

    gate_in = await _record(operator, token, "GATE_IN", start + timedelta(minutes=5))
    gate_out = await _record(operator, token, "GATE_OUT", start + timedelta(hours=1))

    assert gate_in["userErrors"] == []
    assert gate_out["gatePass"]["status"] == "COMPLETED"
