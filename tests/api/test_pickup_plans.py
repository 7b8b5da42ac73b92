"""Pickup plans through the API: recommend, explain, accept, repair on ETA moves."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from starlette.applications import Starlette
from strawberry import relay

from domain import events
from domain.models.scheduling import PickupPlan, TruckBooking
from domain.models.shipments import Container, ContainerStatus
from domain.models.tracking import FeedCursor
from domain.ports.vessels import VesselChangePage
from domain.services import feed_cursors, planning, vessel_sync
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.vessel_events import (
    PortCallEventType,
    PortCallService,
    PortCallTimestamp,
    TimestampClassifier,
)
from domain.viewer import SYSTEM
from tests.support.factories import Factory, Member
from tests.support.scheduling import (
    Box,
    Cargo,
    box_numbers,
    cargo,
    configure,
    discharged,
    next_hour,
    next_message,
    plan_socket,
)

PLAN_FIELDS = """
  id version reason method optimal moved stale current acceptedAt
  totalCost { amount currency }
  preferredWindows { from to }
  discharge { berthAt quayCranes movesPerCraneHour }
  items {
    container { number }
    slot { id startsAt endsAt }
    readyAt latestPickupAt dischargeAt dischargeEstimated
    preferredWindow { from to }
    deviationMinutes storageDays
    storageCost { amount }
    storagePeriodAvoided { startsAt cost { amount } }
    cost { amount }
    unassignedReason detail bookingAtRisk assumedConditions
    booking { id status slot { id } atRiskReason }
    alternatives { slot { id startsAt } cost { amount } storageCost { amount }
                   deviationMinutes full }
  }
"""
RECOMMEND = f"""
mutation($input: RecommendPickupPlanInput!) {{
  recommendPickupPlan(input: $input) {{
    plan {{ {PLAN_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""
ACCEPT = """
mutation($input: AcceptPickupPlanInput!) {
  acceptPickupPlan(input: $input) {
    plan { id acceptedAt }
    bookings { id status truckPlate slot { id booked } container { number } }
    userErrors { field code message }
  }
}"""
PLAN = f"""
query($id: ID!) {{ pickupPlan(shipmentId: $id) {{ {PLAN_FIELDS} }} }}"""


def relay_key(global_id: str) -> str:
    return relay.GlobalID.from_id(global_id).node_id


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass(frozen=True)
class World:
    """A shipment at a terminal of its own, its times read off one clock reading.

    Times are whole hours from `origin`, the start of the coming hour, read
    once: a test that straddles the turn of an hour keeps the same grid, and
    its first slot (+1:00) is still ahead of the clock when the replanner runs.
    """

    owner: Member
    shipment: Cargo
    origin: datetime
    slots: list[dict[str, Any]]

    def at(self, hours: int) -> datetime:
        return self.origin + timedelta(hours=hours)

    @property
    def eta(self) -> datetime:
        return self.at(10)

    def window(self, start: int, end: int, *numbers: str) -> dict[str, Any]:
        """A preferred window of hours [start, end) for `numbers`, or for all."""
        window: dict[str, Any] = {
            "from": self.at(start).isoformat(),
            "to": self.at(end).isoformat(),
        }
        if numbers:
            window["containerNumbers"] = list(numbers)
        return window


async def _world(factory: Factory, database: Database) -> World:
    """Box 1 is in the yard; box 2 is on a vessel berthing at +10:00."""
    owner = await factory.member()
    operator = await factory.operator()
    first, second = sorted(box_numbers(2))
    origin = next_hour(1)
    terminal = f"T{uuid.uuid4().hex[:8]}"
    boxes = [discharged(first), Box(second)]
    eta = origin + timedelta(hours=10)
    shipment = await cargo(
        database, owner.organisation_id, boxes, eta=eta, terminal=terminal
    )
    start = origin + timedelta(hours=1)
    slots = await configure(operator.client, start, 48, quota=5, terminal=terminal)
    return World(owner, shipment, origin, slots)


async def _recommend(
    owner: Member, shipment: Cargo, windows: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    payload = await owner.client.mutate(
        RECOMMEND,
        {"input": {"shipmentId": shipment.shipment_gid, "preferredWindows": windows}},
    )
    plan: dict[str, Any] = payload["plan"]
    return plan


async def test_a_plan_gives_each_container_a_slot_and_says_why(
    factory: Factory, database: Database
) -> None:
    world = await _world(factory, database)
    owner, shipment, eta, slots = world.owner, world.shipment, world.eta, world.slots

    plan = await _recommend(owner, shipment, [world.window(1, 3)])
    shown = (await owner.client.data(PLAN, {"id": shipment.shipment_gid}))["pickupPlan"]

    assert shown == plan
    assert (plan["version"], plan["reason"], plan["current"]) == (1, "REQUESTED", True)
    assert plan["discharge"] == {
        "berthAt": eta.isoformat(),
        "quayCranes": 3,
        "movesPerCraneHour": 25,
    }
    in_yard, on_board = plan["items"]
    assert in_yard["container"]["number"] == shipment.numbers[0]
    assert in_yard["slot"]["id"] == slots[0]["id"]
    assert in_yard["dischargeEstimated"] is False
    assert in_yard["deviationMinutes"] == 0
    assert in_yard["assumedConditions"] == ["DO_VALID", "PAID"]
    assert len(in_yard["alternatives"]) == 3
    avoided = _at(in_yard["storagePeriodAvoided"]["startsAt"])
    assert avoided.astimezone(UTC).hour == 17  # midnight in Jakarta (WIB, UTC+7)
    assert int(in_yard["storagePeriodAvoided"]["cost"]["amount"]) > 0
    # Box 2 comes off with the first move of its crane (60 / 25 minutes, rounded
    # up), then settles an hour: ready at +10:03, so the slot at +11:00 is
    # too early and the two-hour slot from +13:00 is the first it can take.
    assert on_board["dischargeEstimated"] is True
    assert _at(on_board["dischargeAt"]) == eta + timedelta(minutes=3)
    assert _at(on_board["readyAt"]) == eta + timedelta(minutes=63)
    assert _at(on_board["slot"]["startsAt"]) == world.at(13)
    assert on_board["deviationMinutes"] > 0
    assert on_board["unassignedReason"] is None


async def test_accepting_a_plan_books_every_planned_slot_once(
    factory: Factory, database: Database
) -> None:
    world = await _world(factory, database)
    owner, shipment = world.owner, world.shipment
    plan = await _recommend(owner, shipment)
    accept = {"input": {"planId": plan["id"], "truckPlate": "b 9876 kl"}}

    accepted = await owner.client.mutate(ACCEPT, accept)
    again = await owner.client.mutate(ACCEPT, accept)

    planned = {i["container"]["number"]: i["slot"]["id"] for i in plan["items"]}
    booked = {b["container"]["number"]: b["slot"]["id"] for b in accepted["bookings"]}
    assert booked == planned
    assert {b["truckPlate"] for b in accepted["bookings"]} == {"B 9876 KL"}
    assert accepted["plan"]["acceptedAt"] is not None
    assert [b["id"] for b in again["bookings"]] == [
        b["id"] for b in accepted["bookings"]
    ]
    per_slot = Counter(planned.values())
    assert {b["slot"]["id"]: b["slot"]["booked"] for b in again["bookings"]} == dict(
        per_slot
    )
    # Accepting again changes nothing: the version keeps when it was accepted.
    assert again["plan"]["acceptedAt"] == accepted["plan"]["acceptedAt"]
    # The plan now shows each box's booking, in its planned slot.
    shown = (await owner.client.data(PLAN, {"id": shipment.shipment_gid}))["pickupPlan"]
    assert {i["container"]["number"]: i["booking"]["id"] for i in shown["items"]} == {
        b["container"]["number"]: b["id"] for b in accepted["bookings"]
    }
    assert not any(i["bookingAtRisk"] for i in shown["items"])


async def test_a_plan_waits_for_verification_and_names_the_inputs_at_fault(
    factory: Factory, database: Database
) -> None:
    world = await _world(factory, database)
    owner, shipment = world.owner, world.shipment
    first = shipment.numbers[0]
    overlapping = [world.window(1, 3, first), world.window(4, 6, first)]
    submitted = await cargo(
        database,
        owner.organisation_id,
        [discharged(box_numbers(1)[0])],
        status=ShipmentStatus.SUBMITTED,
    )

    twice = await owner.client.data(
        RECOMMEND,
        {
            "input": {
                "shipmentId": shipment.shipment_gid,
                "preferredWindows": overlapping,
            }
        },
    )
    early = await owner.client.data(
        RECOMMEND, {"input": {"shipmentId": submitted.shipment_gid}}
    )

    assert [
        (e["field"], e["code"]) for e in twice["recommendPickupPlan"]["userErrors"]
    ] == [(["input", "preferredWindows", "1", "containerNumbers"], "WINDOWS_OVERLAP")]
    assert early["recommendPickupPlan"]["plan"] is None
    assert [
        (e["field"], e["code"]) for e in early["recommendPickupPlan"]["userErrors"]
    ] == [(["input", "shipmentId"], "NOT_VERIFIED")]


async def test_a_superseded_plan_cannot_be_accepted(
    factory: Factory, database: Database
) -> None:
    world = await _world(factory, database)
    owner, shipment = world.owner, world.shipment
    old = await _recommend(owner, shipment)
    await _recommend(owner, shipment)

    data = await owner.client.data(ACCEPT, {"input": {"planId": old["id"]}})

    assert data["acceptPickupPlan"]["userErrors"][0]["code"] == "PLAN_SUPERSEDED"


async def _move_eta(database: Database, call_ref: str, eta: datetime) -> None:
    """A new estimated berth arrival through the vessel feed's domain service."""
    now = datetime.now(UTC)
    stamp = PortCallTimestamp(
        event_id=f"test-{uuid.uuid4().hex}",
        call_ref=call_ref,
        classifier=TimestampClassifier.EST,
        event_type=PortCallEventType.ARRI,
        service=PortCallService.BERTH,
        event_time=eta,
        created_at=now,
    )
    async with database.transaction(SYSTEM) as session:
        since = await session.scalar(
            select(FeedCursor.cursor).where(FeedCursor.source == feed_cursors.VESSELS)
        )
        page = VesselChangePage((), (), (stamp,), f"c-{uuid.uuid4().hex}", False)
        result = await vessel_sync.apply_vessel_changes(
            session, page, since=since, now=now
        )
    assert result.calls_changed == 1


async def _until(check: Any) -> None:
    async with asyncio.timeout(20):
        while not check():
            await asyncio.sleep(0.05)


async def _replanner_listening(app: Starlette, channel: str) -> None:
    """Wait until the replanner has subscribed to `channel`; it misses events before."""
    runtime = app.state.runtime
    replanner = runtime.extras["replanner"]
    await _until(lambda: replanner.watching(channel))
    await _until(lambda: runtime.broadcast.subscriber_count(channel) > 0)


async def test_an_eta_change_repairs_the_plan_and_keeps_untouched_bookings(
    factory: Factory, database: Database, app: Starlette, live_server: str
) -> None:
    world = await _world(factory, database)
    owner, shipment = world.owner, world.shipment
    # Without a window every slot inside the free storage time costs nothing
    # and the solver may book box 2 in any of them, even one after the
    # delayed discharge; the window makes each later slot dearer, so each
    # box takes its first feasible slot.
    plan = await _recommend(owner, shipment, [world.window(1, 3)])
    planned_yard, planned_board = plan["items"]
    assert planned_yard["slot"]["id"] == world.slots[0]["id"]
    assert _at(planned_board["slot"]["startsAt"]) == world.at(13)
    accepted = await owner.client.mutate(ACCEPT, {"input": {"planId": plan["id"]}})
    runtime = app.state.runtime
    await runtime.extras["relay"].drain()
    await _replanner_listening(app, f"vessel-call:{shipment.call_id}")
    token = owner.client.token
    assert token is not None
    # Twelve hours late, box 2 is ready at +23:03, long after its booked
    # slot (+13:00 to +15:00) has ended.
    delayed = world.eta + timedelta(hours=12)

    async with plan_socket(live_server, token, shipment.shipment_gid) as socket:
        channel = f"plan:{shipment.shipment_id}"
        await _until(lambda: runtime.broadcast.subscriber_count(channel) > 0)
        await _move_eta(database, shipment.call_ref, delayed)
        await runtime.extras["relay"].drain()
        message = await next_message(socket)

    assert message["type"] == "next", message
    repaired = message["payload"]["data"]["pickupPlanChanged"]
    assert (repaired["version"], repaired["reason"]) == (2, "REPAIRED")
    assert repaired["discharge"]["berthAt"] == delayed.isoformat()
    in_yard, on_board = repaired["items"]
    booked = {b["container"]["number"]: b for b in accepted["bookings"]}
    kept = booked[shipment.numbers[0]]
    assert in_yard["slot"]["id"] == planned_yard["slot"]["id"]
    assert in_yard["booking"] == {
        "id": kept["id"],
        "atRiskReason": None,
        "slot": {"id": kept["slot"]["id"]},
    }
    assert in_yard["bookingAtRisk"] is False
    assert on_board["bookingAtRisk"] is True
    assert on_board["booking"]["atRiskReason"]
    assert _at(on_board["readyAt"]) == delayed + timedelta(minutes=63)
    assert _at(on_board["slot"]["startsAt"]) == world.at(25)
    assert repaired["moved"] == 1
    # The re-plan flags the booking it could not keep; it moves no booking.
    async with database.transaction(SYSTEM) as session:
        rows = list(await session.scalars(select(TruckBooking)))
    assert {(str(b.id), str(b.slot_id)) for b in rows} == {
        (relay_key(b["id"]), relay_key(b["slot"]["id"])) for b in accepted["bookings"]
    }


async def test_a_customer_of_another_organisation_gets_no_plan(
    factory: Factory, database: Database
) -> None:
    world = await _world(factory, database)
    owner, shipment = world.owner, world.shipment
    outsider = await factory.member()
    plan = await _recommend(owner, shipment)

    seen = await outsider.client.data(PLAN, {"id": shipment.shipment_gid})
    refused = await outsider.client.data(
        RECOMMEND, {"input": {"shipmentId": shipment.shipment_gid}}
    )
    accept = await outsider.client.data(ACCEPT, {"input": {"planId": plan["id"]}})

    assert seen["pickupPlan"] is None
    assert refused["recommendPickupPlan"]["userErrors"][0]["code"] == "NOT_FOUND"
    assert accept["acceptPickupPlan"]["userErrors"][0]["code"] == "NOT_FOUND"


async def _replanned(owner: Member, shipment: Cargo, version: int) -> dict[str, Any]:
    """The current plan once the replanner has made version `version`."""
    async with asyncio.timeout(20):
        while True:
            data = await owner.client.data(PLAN, {"id": shipment.shipment_gid})
            if data["pickupPlan"]["version"] >= version:
                plan: dict[str, Any] = data["pickupPlan"]
                return plan
            await asyncio.sleep(0.1)


async def test_a_quota_cut_to_zero_moves_only_the_boxes_planned_there(
    factory: Factory, database: Database, app: Starlette
) -> None:
    world = await _world(factory, database)
    owner, shipment = world.owner, world.shipment
    operator = await factory.operator()
    first_slot = world.window(1, 3, shipment.numbers[0])
    plan = await _recommend(owner, shipment, [first_slot])
    in_yard, on_board = plan["items"]
    assert in_yard["slot"]["id"] != on_board["slot"]["id"]
    await app.state.runtime.extras["relay"].drain()

    await operator.client.mutate(
        "mutation($id: ID!) { updateSlotQuota(input: {slotId: $id, quota: 0}) "
        "{ userErrors { code } } }",
        {"id": on_board["slot"]["id"]},
    )
    repaired = await _replanned(owner, shipment, 2)

    assert repaired["reason"] == "REPAIRED"
    assert repaired["items"][0]["slot"]["id"] == in_yard["slot"]["id"]
    assert repaired["items"][1]["slot"]["id"] != on_board["slot"]["id"]
    assert repaired["moved"] == 1


async def test_an_inspection_holds_the_box_and_flags_its_booking(
    factory: Factory, database: Database, app: Starlette
) -> None:
    world = await _world(factory, database)
    owner, shipment = world.owner, world.shipment
    plan = await _recommend(owner, shipment)
    await owner.client.mutate(ACCEPT, {"input": {"planId": plan["id"]}})
    await app.state.runtime.extras["relay"].drain()
    await _replanner_listening(app, f"shipment:{shipment.shipment_id}")

    async with database.transaction(SYSTEM) as session:
        box = await session.scalar(
            select(Container).where(Container.number == shipment.numbers[0])
        )
        assert box is not None
        box.status = ContainerStatus.IN_INSPECTION
        events.record(
            session,
            events.shipment_channel(shipment.shipment_id),
            "container.inspection",
            shipmentId=str(shipment.shipment_id),
        )
    repaired = await _replanned(owner, shipment, 2)

    held, other = repaired["items"]
    assert held["unassignedReason"] == "HELD"
    assert held["slot"] is None
    assert held["bookingAtRisk"] is True
    assert held["booking"]["atRiskReason"].startswith("waiting for customs release")
    assert other["bookingAtRisk"] is False


async def test_the_improvement_after_a_repair_counts_moves_from_the_plan_before_it(
    factory: Factory, database: Database, app: Starlette
) -> None:
    world = await _world(factory, database)
    owner, shipment = world.owner, world.shipment
    operator = await factory.operator()
    plan = await _recommend(owner, shipment, [world.window(1, 3, shipment.numbers[0])])
    in_yard, on_board = plan["items"]
    await app.state.runtime.extras["relay"].drain()
    async with database.transaction(SYSTEM) as session:
        assert await planning.improvement(session, shipment.shipment_id) is None

    await operator.client.mutate(
        "mutation($id: ID!) { updateSlotQuota(input: {slotId: $id, quota: 0}) "
        "{ userErrors { code } } }",
        {"id": on_board["slot"]["id"]},
    )
    repaired = await _replanned(owner, shipment, 2)
    async with database.transaction(SYSTEM) as session:
        job = await planning.improvement(session, shipment.shipment_id)
    assert job is not None
    result = await planning.solve_improvement(job, 2.0)

    # One booking had to move: the improvement may move one (1.5 x 1, rounded
    # down), counted against version 1, the plan the customer had.
    assert repaired["moved"] == 1
    assert job.max_moves == 1
    assert {a.slot_id for a in job.previous.assignments.values()} == {
        relay_key(in_yard["slot"]["id"]),
        relay_key(on_board["slot"]["id"]),
    }
    assert result.moved == 1
    async with database.transaction(SYSTEM) as session:
        first = await session.scalar(
            select(Container.id).where(Container.number == shipment.numbers[0])
        )
    assert result.slot_of(str(first)) == relay_key(in_yard["slot"]["id"])


QUOTA = """
mutation($id: ID!, $quota: Int!) {
  updateSlotQuota(input: {slotId: $id, quota: $quota}) { userErrors { code } }
}"""


async def test_an_improvement_does_not_move_bookings_made_while_it_solved(
    factory: Factory,
    database: Database,
    app: Starlette,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Accepting the repaired plan while its improvement solves changes
    # neither its version nor its staleness; the improvement, from a
    # snapshot without those bookings, must not supersede it and move them
    # unflagged. Every active booking matches its box's slot in the current
    # plan or is flagged at risk.
    real_save = planning.save_improvement

    async def no_background_save(*_: Any, **__: Any) -> None:
        return None

    # The app's own replanner would save its improvement first; this test
    # drives the same steps itself, in the order a slow solve allows.
    monkeypatch.setattr(planning, "save_improvement", no_background_save)

    owner = await factory.member()
    operator = await factory.operator()
    numbers = sorted(box_numbers(3))
    origin = next_hour(1)
    terminal = f"T{uuid.uuid4().hex[:8]}"
    shipment = await cargo(
        database,
        owner.organisation_id,
        [discharged(n) for n in numbers],
        eta=origin - timedelta(hours=6),
        terminal=terminal,
    )
    slots = await configure(
        operator.client, origin + timedelta(hours=1), 24, quota=1, terminal=terminal
    )
    await operator.client.mutate(QUOTA, {"id": slots[0]["id"], "quota": 2})

    def window(start: int, end: int, *boxes: str) -> dict[str, Any]:
        return {
            "from": (origin + timedelta(hours=start)).isoformat(),
            "to": (origin + timedelta(hours=end)).isoformat(),
            "containerNumbers": list(boxes),
        }

    # Boxes 1 and 2 want the first slot (quota 2), box 3 the next two.
    await _recommend(
        owner,
        shipment,
        [window(1, 3, numbers[0], numbers[1]), window(3, 7, numbers[2])],
    )
    # The first slot closes: boxes 1 and 2 must move (greedy repair), and
    # the improvement may move 3 (1.5 x 2) to do better with a chain.
    await operator.client.mutate(QUOTA, {"id": slots[0]["id"], "quota": 0})
    repaired = await _replanned(owner, shipment, 2)
    assert repaired["reason"] == "REPAIRED"
    assert repaired["moved"] == 2

    async with database.transaction(SYSTEM) as session:
        job = await planning.improvement(session, shipment.shipment_id)
    assert job is not None
    assert job.max_moves == 3

    # While the improvement solves, the customer accepts the repaired plan.
    accepted = await owner.client.mutate(ACCEPT, {"input": {"planId": repaired["id"]}})
    assert accepted["plan"]["acceptedAt"] is not None

    result = await planning.solve_improvement(job, 2.0)
    assert result.cost.total < job.total_cost  # the improvement is worth saving
    async with database.transaction(SYSTEM) as session:
        await real_save(session, job, result)

    current = (await owner.client.data(PLAN, {"id": shipment.shipment_gid}))[
        "pickupPlan"
    ]
    slot_of = {
        i["container"]["number"]: (
            None if i["slot"] is None else relay_key(i["slot"]["id"]),
            i["bookingAtRisk"],
            i["booking"],
        )
        for i in current["items"]
    }
    bookings = {
        b["container"]["number"]: relay_key(b["slot"]["id"])
        for b in accepted["bookings"]
    }
    assert len(bookings) == 3
    broken = {
        number: (slot, at_risk, booking)
        for number, (slot, at_risk, booking) in slot_of.items()
        if slot != bookings[number] and not at_risk
    }
    assert not broken, (current["version"], current["reason"], broken, bookings)


async def test_a_plan_whose_repair_fails_does_not_hold_back_the_others(
    factory: Factory, database: Database
) -> None:
    broken = await _world(factory, database)
    sound = await _world(factory, database)
    broken_plan = await _recommend(broken.owner, broken.shipment)
    sound_plan = await _recommend(sound.owner, sound.shipment)
    broken_key, sound_key = relay_key(broken_plan["id"]), relay_key(sound_plan["id"])
    now = datetime.now(UTC)
    async with database.transaction(SYSTEM) as session:
        # A row the optimiser cannot read, stale the longest: first in line.
        await session.execute(
            update(PickupPlan)
            .where(PickupPlan.id == uuid.UUID(broken_key))
            .values(preferred_windows=[{"unreadable": True}], stale_since=now)
        )
        await session.execute(
            update(PickupPlan)
            .where(PickupPlan.id == uuid.UUID(sound_key))
            .values(stale_since=now + timedelta(seconds=1))
        )

    async def repaired() -> bool:
        async with database.transaction(SYSTEM) as session:
            stale = await session.scalar(
                select(PickupPlan.stale_since).where(
                    PickupPlan.id == uuid.UUID(sound_key)
                )
            )
        return stale is None

    # The replanner of the running app gets past the broken plan.
    async with asyncio.timeout(20):
        while not await repaired():
            await asyncio.sleep(0.1)
    async with database.transaction(SYSTEM) as session:
        still = await session.scalar(
            select(PickupPlan.stale_since).where(PickupPlan.id == uuid.UUID(broken_key))
        )
        # Left broken, it would fail again at every later pass of the session.
        await session.execute(
            update(PickupPlan)
            .where(PickupPlan.id == uuid.UUID(broken_key))
            .values(stale_since=None, superseded_at=now)
        )
    assert still is not None
