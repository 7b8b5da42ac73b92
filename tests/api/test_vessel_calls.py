"""Vessel calls synced from the simulated Phinnisi and terminal, read over GraphQL."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from starlette.applications import Starlette
from strawberry import relay

from dermaga.sync import Syncs
from domain.models.outbox import OutboxEvent
from domain.models.port import VesselCall
from domain.models.shipments import Container, ContainerStatus
from domain.models.tracking import ContainerEventRow, FeedCursor, PortCallTimestampRow
from domain.services import feed_cursors
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory
from tests.support.graphql import error_codes
from tests.support.port import (
    PortSim,
    add_shipment,
    call_id_of,
    port_sim,
    sync_all,
    syncs,
)

__all__ = ["port_sim", "syncs"]

CALLS = """
query($filter: VesselCallFilter, $first: Int) {
  vesselCalls(filter: $filter, first: $first) {
    totalCount
    edges { node {
      id callReference voyage port terminal berth status eta etb atb etd
      lastSyncedAt stale
      vessel { imo name callSign flag }
      events { eventId classifier eventType service eventTime retracted }
    } }
  }
}"""
PROGRESS = """
query($id: ID!) {
  node(id: $id) { ... on VesselCall {
    dischargeProgress {
      discharged total lastDischargedAt stale
      byShipment { shipmentId reference discharged total lastContainerNumber }
    }
  } }
}"""

TIMELINE = """
query($id: ID!) {
  node(id: $id) { ... on Shipment {
    containers { number status events { eventType eventTime yardPosition { block } } }
  } }
}"""


async def _calls(client: object, **filter: object) -> list[dict[str, object]]:
    data = await client.data(CALLS, {"filter": filter or None})  # type: ignore[attr-defined]
    return [edge["node"] for edge in data["vesselCalls"]["edges"]]


async def _outbox_count(database: Database) -> int:
    async with database.transaction(SYSTEM) as session:
        return int(await session.scalar(select(func.count(OutboxEvent.id))) or 0)


async def test_synced_calls_show_the_simulators_times_and_vessels(
    app: Starlette, factory: Factory, syncs: Syncs, port_sim: PortSim
) -> None:
    viewer = await factory.member()

    await sync_all(syncs, app)
    calls = await _calls(viewer.client)

    planned = port_sim.world.calls
    assert len(calls) == len(planned)
    for call in calls:
        plan = planned[str(call["callReference"])]
        assert datetime.fromisoformat(str(call["eta"])) == plan.eta
        assert call["berth"] == plan.call.berth
        assert call["vessel"]["imo"] == plan.call.vessel_imo  # type: ignore[index]
        assert len(call["events"]) == len(plan.timestamps)  # type: ignore[arg-type]
        assert call["stale"] is False
        assert call["lastSyncedAt"] is not None


async def test_a_replayed_page_changes_nothing(
    app: Starlette, database: Database, syncs: Syncs
) -> None:
    assert syncs.vessels is not None
    await syncs.vessels.sync_once()
    events_before = await _outbox_count(database)
    async with database.transaction(SYSTEM) as session:
        stamps_before = await session.scalar(
            select(func.count(PortCallTimestampRow.id))
        )
        await session.execute(
            update(FeedCursor)
            .where(FeedCursor.source == feed_cursors.VESSELS)
            .values(cursor=None)
        )

    await syncs.vessels.sync_once()

    async with database.transaction(SYSTEM) as session:
        stamps_after = await session.scalar(select(func.count(PortCallTimestampRow.id)))
    assert events_before > 0
    assert await _outbox_count(database) == events_before
    assert stamps_after == stamps_before


async def test_an_eta_change_updates_the_call_and_records_events(
    app: Starlette, database: Database, syncs: Syncs, port_sim: PortSim
) -> None:
    assert syncs.vessels is not None
    await syncs.vessels.sync_once()
    call_ref = port_sim.expected_call()
    call_id = await call_id_of(database, call_ref)
    before = await _outbox_count(database)

    new_eta = await port_sim.move_eta(call_ref, 95)
    await syncs.vessels.sync_once()

    async with database.transaction(SYSTEM) as session:
        call = await session.get(VesselCall, call_id)
        channels = set(
            await session.scalars(
                select(OutboxEvent.channel).where(OutboxEvent.id > before)
            )
        )
    assert call is not None
    assert call.eta == datetime.fromisoformat(new_eta)
    assert channels == {f"vessel-call:{call_id}", "port:IDTPP"}


async def test_filters_narrow_the_list(
    app: Starlette, factory: Factory, syncs: Syncs, port_sim: PortSim
) -> None:
    viewer = await factory.member()
    await sync_all(syncs, app)
    every = await _calls(viewer.client)
    terminal = str(every[0]["terminal"])
    eta = str(every[2]["eta"])

    by_terminal = await _calls(viewer.client, terminal=terminal)
    expected = await _calls(viewer.client, status=["EXPECTED"])
    window = await _calls(viewer.client, **{"from": eta})
    other_port = await _calls(viewer.client, port="IDSUB")

    assert {c["terminal"] for c in by_terminal} == {terminal}
    assert 0 < len(by_terminal) <= len(every)
    assert expected
    assert {c["status"] for c in expected} == {"EXPECTED"}
    assert [c["id"] for c in window] == [c["id"] for c in every[2:]]
    assert other_port == []


async def test_a_malformed_port_code_is_bad_input(factory: Factory) -> None:
    viewer = await factory.member()

    body = await viewer.client.raw(CALLS, {"filter": {"port": "Tanjung Priok"}})

    assert error_codes(body) == ["BAD_USER_INPUT"]


async def test_anonymous_viewers_get_no_vessel_calls(factory: Factory) -> None:
    body = await factory.client.raw(CALLS)

    assert error_codes(body) == ["UNAUTHENTICATED"]


async def test_terminal_events_move_shipment_containers_and_discharge_counts(
    app: Starlette,
    database: Database,
    factory: Factory,
    syncs: Syncs,
    port_sim: PortSim,
) -> None:
    owner, outsider = await factory.member(), await factory.member()
    assert syncs.vessels is not None
    await syncs.vessels.sync_once()
    call_ref = port_sim.discharged_call()
    call_id = await call_id_of(database, call_ref)
    manifest = port_sim.yard.manifest(call_ref)
    boxes = [entry.container_number for entry in manifest[:2]]
    shipment_id = await add_shipment(database, owner.organisation_id, call_id, boxes)

    await sync_all(syncs, app)

    async with database.transaction(SYSTEM) as session:
        containers = list(
            await session.scalars(
                select(Container).where(Container.shipment_id == shipment_id)
            )
        )
        stored = await session.scalar(select(func.count(ContainerEventRow.id)))
    assert stored == port_sim.yard.event_count
    assert all(c.discharged_at is not None for c in containers)
    assert all(c.status is not ContainerStatus.ON_VESSEL for c in containers)
    call_gid = str(relay.GlobalID("VesselCall", str(call_id)))
    mine = (await owner.client.data(PROGRESS, {"id": call_gid}))["node"]
    theirs = (await outsider.client.data(PROGRESS, {"id": call_gid}))["node"]
    discharged = sum(
        port_sim.yard.boxes[e.container_number].discharged_at is not None
        for e in manifest
    )
    assert mine["dischargeProgress"]["total"] == len(manifest)
    assert mine["dischargeProgress"]["discharged"] == discharged
    assert [s["discharged"] for s in mine["dischargeProgress"]["byShipment"]] == [2]
    assert theirs["dischargeProgress"]["byShipment"] == []
    assert theirs["dischargeProgress"]["discharged"] == discharged
    timeline = await owner.client.data(
        TIMELINE, {"id": str(relay.GlobalID("Shipment", str(shipment_id)))}
    )
    boxes_seen = timeline["node"]["containers"]
    assert [b["events"][0]["eventType"] for b in boxes_seen] == ["DISC", "DISC"]
