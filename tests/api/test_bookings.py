"""Truck bookings through the API: quotas held by the database, atomic moves."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import func, select, update

from domain.models.scheduling import BookingStatus, TruckBooking
from domain.models.shipments import Container, ContainerStatus
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient, error_codes
from tests.support.scheduling import (
    BOOK,
    SLOTS,
    TERMINAL,
    book,
    book_input,
    box_numbers,
    cargo,
    configure,
    discharged,
    next_hour,
)

RESCHEDULE = """
mutation($input: RescheduleBookingInput!) {
  rescheduleBooking(input: $input) {
    booking { id status slot { id booked } }
    slot { id booked free }
    userErrors { field code message }
  }
}"""
CANCEL = """
mutation($id: ID!) {
  cancelBooking(input: {bookingId: $id}) {
    booking { id status cancelledAt }
    slot { id booked free }
    userErrors { field code message }
  }
}"""
QUOTA = """
mutation($id: ID!, $quota: Int!) {
  updateSlotQuota(input: {slotId: $id, quota: $quota}) {
    slot { id quota booked free }
    userErrors { field code message }
  }
}"""


async def _slot(client: GraphQLClient, slot_id: str) -> dict[str, Any]:
    data = await client.data(
        "query($id: ID!) { node(id: $id) { ... on PickupSlot { quota booked free } } }",
        {"id": slot_id},
    )
    node: dict[str, Any] = data["node"]
    return node


async def _active_bookings(database: Database) -> int:
    async with database.transaction(SYSTEM) as session:
        count = await session.scalar(
            select(func.count()).where(TruckBooking.status == BookingStatus.ACTIVE)
        )
    return int(count or 0)


async def test_500_concurrent_bookings_fill_a_quota_of_100_exactly(
    factory: Factory, database: Database
) -> None:
    owner = await factory.member()
    operator = await factory.operator()
    numbers = box_numbers(500)
    shipment = await cargo(
        database, owner.organisation_id, [discharged(n) for n in numbers]
    )
    (slot,) = await configure(operator.client, next_hour(2), 2, quota=100)

    answers = await asyncio.gather(
        *(owner.client.data(BOOK, book_input(shipment, n, slot["id"])) for n in numbers)
    )

    payloads = [a["bookPickup"] for a in answers]
    booked = [p for p in payloads if p["booking"] is not None]
    full = [p for p in payloads if p["userErrors"]]
    assert len(booked) == 100
    assert len(full) == 400
    assert {e["code"] for p in full for e in p["userErrors"]} == {"SLOT_FULL"}
    assert {tuple(e["field"]) for p in full for e in p["userErrors"]} == {
        ("input", "slotId")
    }
    assert await _slot(owner.client, slot["id"]) == {
        "quota": 100,
        "booked": 100,
        "free": 0,
    }
    assert await _active_bookings(database) == 100


async def test_a_booking_shows_in_the_slot_and_cancel_frees_it(
    factory: Factory, database: Database
) -> None:
    owner = await factory.member()
    operator = await factory.operator()
    (number,) = box_numbers(1)
    shipment = await cargo(database, owner.organisation_id, [discharged(number)])
    start = next_hour(2)
    (slot,) = await configure(operator.client, start, 2, quota=1)

    payload = await book(owner.client, shipment, number, slot["id"])
    listed = await owner.client.data(
        SLOTS,
        {
            "terminal": TERMINAL,
            "from": start.isoformat(),
            "to": next_hour(4).isoformat(),
        },
    )
    cancelled = await owner.client.mutate(CANCEL, {"id": payload["booking"]["id"]})
    again = await owner.client.data(CANCEL, {"id": payload["booking"]["id"]})

    assert payload["booking"]["truckPlate"] == "B 1234 XYZ"
    assert payload["slot"] == {"id": slot["id"], "quota": 1, "booked": 1, "free": 0}
    assert listed["slots"][0]["bookings"] == [
        {"id": payload["booking"]["id"], "truckPlate": "B 1234 XYZ"}
    ]
    assert cancelled["booking"]["status"] == "CANCELLED"
    assert cancelled["slot"] == {"id": slot["id"], "booked": 0, "free": 1}
    assert again["cancelBooking"]["userErrors"][0]["code"] == "BOOKING_CANCELLED"
    assert (await book(owner.client, shipment, number, slot["id"]))["booking"]


async def test_reschedule_to_a_full_slot_keeps_the_booking_where_it_was(
    factory: Factory, database: Database
) -> None:
    owner = await factory.member()
    operator = await factory.operator()
    first, second = box_numbers(2)
    shipment = await cargo(
        database, owner.organisation_id, [discharged(first), discharged(second)]
    )
    slot_a, slot_b, slot_c = await configure(operator.client, next_hour(2), 6, quota=1)
    moving = await book(owner.client, shipment, first, slot_a["id"])
    await book(owner.client, shipment, second, slot_b["id"])
    booking_id = moving["booking"]["id"]

    refused = await owner.client.data(
        RESCHEDULE, {"input": {"bookingId": booking_id, "slotId": slot_b["id"]}}
    )
    moved = await owner.client.mutate(
        RESCHEDULE, {"input": {"bookingId": booking_id, "slotId": slot_c["id"]}}
    )

    assert refused["rescheduleBooking"]["userErrors"] == [
        {
            "field": ["input", "slotId"],
            "code": "SLOT_FULL",
            "message": "the slot is full",
        }
    ]
    assert moved["booking"]["slot"] == {"id": slot_c["id"], "booked": 1}
    assert [await _slot(owner.client, s["id"]) for s in (slot_a, slot_b, slot_c)] == [
        {"quota": 1, "booked": 0, "free": 1},
        {"quota": 1, "booked": 1, "free": 0},
        {"quota": 1, "booked": 1, "free": 0},
    ]
    assert await _active_bookings(database) == 2


async def test_concurrent_reschedules_into_one_seat_move_exactly_one(
    factory: Factory, database: Database
) -> None:
    owner = await factory.member()
    operator = await factory.operator()
    numbers = box_numbers(6)
    shipment = await cargo(
        database, owner.organisation_id, [discharged(n) for n in numbers]
    )
    source, target = await configure(operator.client, next_hour(2), 4, quota=6)
    await operator.client.mutate(QUOTA, {"id": target["id"], "quota": 1})
    ids = [
        (await book(owner.client, shipment, n, source["id"]))["booking"]["id"]
        for n in numbers
    ]

    answers = await asyncio.gather(
        *(
            owner.client.data(
                RESCHEDULE, {"input": {"bookingId": i, "slotId": target["id"]}}
            )
            for i in ids
        )
    )

    errors = [a["rescheduleBooking"]["userErrors"] for a in answers]
    assert sum(1 for e in errors if not e) == 1
    assert sum(1 for e in errors if e and e[0]["code"] == "SLOT_FULL") == 5
    assert await _slot(owner.client, source["id"]) == {
        "quota": 6,
        "booked": 5,
        "free": 1,
    }
    assert await _slot(owner.client, target["id"]) == {
        "quota": 1,
        "booked": 1,
        "free": 0,
    }


async def test_a_lowered_quota_keeps_bookings_and_admits_no_more(
    factory: Factory, database: Database
) -> None:
    owner = await factory.member()
    operator = await factory.operator()
    numbers = box_numbers(3)
    shipment = await cargo(
        database, owner.organisation_id, [discharged(n) for n in numbers]
    )
    (slot,) = await configure(operator.client, next_hour(2), 2, quota=3)
    await book(owner.client, shipment, numbers[0], slot["id"])
    await book(owner.client, shipment, numbers[1], slot["id"])

    lowered = await operator.client.mutate(QUOTA, {"id": slot["id"], "quota": 1})
    refused = await owner.client.data(
        BOOK, book_input(shipment, numbers[2], slot["id"])
    )

    assert lowered["slot"] == {"id": slot["id"], "quota": 1, "booked": 2, "free": 0}
    assert refused["bookPickup"]["userErrors"][0]["code"] == "SLOT_FULL"


async def test_bookings_refuse_bad_input_without_writing(
    factory: Factory, database: Database
) -> None:
    owner = await factory.member()
    outsider = await factory.member()
    operator = await factory.operator()
    first, second = box_numbers(2)
    shipment = await cargo(
        database, owner.organisation_id, [discharged(first), discharged(second)]
    )
    (slot,) = await configure(operator.client, next_hour(2), 2, quota=5)
    await book(owner.client, shipment, first, slot["id"])

    bad_plate = book_input(shipment, second, slot["id"], plate="not a plate!")
    answers = [
        await owner.client.data(BOOK, bad_plate),
        await owner.client.data(BOOK, book_input(shipment, first, slot["id"])),
        await outsider.client.data(BOOK, book_input(shipment, second, slot["id"])),
        await owner.client.data(BOOK, book_input(shipment, "ZZZU0000000", slot["id"])),
    ]

    assert [a["bookPickup"]["userErrors"][0]["code"] for a in answers] == [
        "INVALID_PLATE",
        "ALREADY_BOOKED",
        "NOT_FOUND",
        "NOT_FOUND",
    ]
    assert [a["bookPickup"]["userErrors"][0]["field"] for a in answers] == [
        ["input", "truckPlate"],
        ["input", "containerNumber"],
        ["input", "shipmentId"],
        ["input", "containerNumber"],
    ]
    assert (await _slot(owner.client, slot["id"]))["booked"] == 1
    # A long "plate" is not echoed back whole.
    huge = book_input(shipment, second, slot["id"], plate="X" * 5000)
    (refused,) = (await owner.client.data(BOOK, huge))["bookPickup"]["userErrors"]
    assert refused["code"] == "INVALID_PLATE"
    assert len(refused["message"]) < 100


async def test_a_pickup_is_booked_once_the_request_is_verified(
    factory: Factory, database: Database
) -> None:
    owner = await factory.member()
    operator = await factory.operator()
    first, second = box_numbers(2)
    submitted = await cargo(
        database,
        owner.organisation_id,
        [discharged(first)],
        status=ShipmentStatus.SUBMITTED,
    )
    completed = await cargo(
        database,
        owner.organisation_id,
        [discharged(second)],
        status=ShipmentStatus.COMPLETED,
    )
    (slot,) = await configure(operator.client, next_hour(2), 2, quota=5)

    early = await owner.client.data(BOOK, book_input(submitted, first, slot["id"]))
    late = await owner.client.data(BOOK, book_input(completed, second, slot["id"]))

    assert early["bookPickup"]["booking"] is None
    assert early["bookPickup"]["userErrors"][0]["code"] == "NOT_VERIFIED"
    assert early["bookPickup"]["userErrors"][0]["field"] == ["input", "shipmentId"]
    assert late["bookPickup"]["userErrors"][0]["code"] == "NOT_BOOKABLE"
    assert (await _slot(owner.client, slot["id"]))["booked"] == 0
    assert await _active_bookings(database) == 0


async def test_a_booking_whose_box_has_left_stays_as_it_is(
    factory: Factory, database: Database
) -> None:
    owner = await factory.member()
    operator = await factory.operator()
    (number,) = box_numbers(1)
    shipment = await cargo(database, owner.organisation_id, [discharged(number)])
    used, other = await configure(operator.client, next_hour(2), 4, quota=5)
    booking = (await book(owner.client, shipment, number, used["id"]))["booking"]
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            update(Container)
            .where(Container.shipment_id == shipment.shipment_id)
            .values(status=ContainerStatus.GATED_OUT)
        )

    cancelled = await owner.client.data(CANCEL, {"id": booking["id"]})
    moved = await owner.client.data(
        RESCHEDULE, {"input": {"bookingId": booking["id"], "slotId": other["id"]}}
    )

    for answer in (cancelled["cancelBooking"], moved["rescheduleBooking"]):
        assert answer["booking"] is None
        assert answer["userErrors"][0]["code"] == "GATED_OUT"
        assert answer["userErrors"][0]["field"] == ["input", "bookingId"]
    assert (await _slot(owner.client, used["id"]))["booked"] == 1
    assert (await _slot(owner.client, other["id"]))["booked"] == 0
    assert await _active_bookings(database) == 1


async def test_only_operators_configure_slots(factory: Factory) -> None:
    owner = await factory.member()
    query = """mutation { configureSlots(input: {terminal: "JICT",
      from: "2030-01-01T00:00:00Z", to: "2030-01-01T04:00:00Z",
      slotMinutes: 120, quota: 5}) { slots { id } } }"""

    body = await owner.client.raw(query)

    assert error_codes(body) == ["FORBIDDEN"]


async def test_configuring_the_same_span_again_keeps_slots_and_bookings(
    factory: Factory, database: Database
) -> None:
    owner = await factory.member()
    operator = await factory.operator()
    (number,) = box_numbers(1)
    shipment = await cargo(database, owner.organisation_id, [discharged(number)])
    start = next_hour(2)
    first = await configure(operator.client, start, 4, quota=3)
    await book(owner.client, shipment, number, first[0]["id"])

    again = await configure(operator.client, start, 6, quota=9)

    assert [s["id"] for s in again[:2]] == [s["id"] for s in first]
    assert [(s["quota"], s["booked"]) for s in again] == [(3, 1), (3, 0), (9, 0)]


async def test_an_id_that_is_no_global_id_is_a_user_error(factory: Factory) -> None:
    owner = await factory.member()
    padded = "VHJ1Y2tCb29raW5nOjEyMw=="

    answers = [
        await owner.client.data(CANCEL, {"id": sent})
        for sent in ("@@@", "", padded.rstrip("="))
    ]
    looked_up = await owner.client.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["@@@", ""]}
    )

    for answer in answers:
        assert answer["cancelBooking"]["booking"] is None
        assert answer["cancelBooking"]["userErrors"] == [
            {
                "field": ["input", "bookingId"],
                "code": "NOT_FOUND",
                "message": "no such booking",
            }
        ]
    assert looked_up["nodes"] == [None, None]
    too_many = await owner.client.raw(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": ["@@@"] * 101}
    )
    assert error_codes(too_many) == ["BAD_USER_INPUT"]


async def test_a_terminal_code_that_is_no_code_is_bad_input(factory: Factory) -> None:
    owner = await factory.member()
    span = {"from": next_hour(1).isoformat(), "to": next_hour(3).isoformat()}

    bodies = [
        await owner.client.raw(SLOTS, {"terminal": sent, **span})
        for sent in ("", "JICT; DROP", "x" * 17)
    ]
    known = await owner.client.data(SLOTS, {"terminal": TERMINAL, **span})

    for body in bodies:
        assert body["data"] is None
        assert body["errors"][0]["message"].startswith("a terminal code has")
        assert error_codes(body) == ["INVALID"]
    assert isinstance(known["slots"], list)
