"""A request follows its boxes once verified: what the terminal said before shows then.

Until an operator has verified a request, its papers have not shown that the
boxes it names are the customer's: it follows none of them, so naming
another organisation's box in a draft reveals nothing about that box.
"""

from __future__ import annotations

import uuid

from sqlalchemy import update
from starlette.applications import Starlette
from strawberry import relay

from dermaga.sync import Syncs
from domain.models.shipments import Shipment
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory
from tests.support.port import (
    PortSim,
    add_shipment,
    call_id_of,
    eventually,
    graphql_ws,
    port_sim,
    syncs,
)
from tests.support.scheduling import box_numbers, gid, next_hour, vessel_call

__all__ = ["port_sim", "syncs"]  # fixtures used below

SHIPMENT_FIELDS = """
  id containers { number status events { eventType } }
"""
CREATE = f"""
mutation($input: CreateShipmentInput!) {{
  createShipment(input: $input) {{
    shipment {{ {SHIPMENT_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""
VERIFY = f"""
mutation($id: ID!) {{
  verifyShipment(input: {{shipmentId: $id, decision: APPROVE}}) {{
    shipment {{ {SHIPMENT_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""
WATCH = """
subscription($call: ID!) {
  dischargeProgress(vesselCallId: $call) {
    byShipment { discharged lastContainerNumber }
  }
}"""
PROGRESS = """
query($id: ID!) {
  node(id: $id) {
    ... on VesselCall {
      dischargeProgress { byShipment { discharged lastContainerNumber } }
    }
  }
}"""


async def test_a_request_follows_boxes_discharged_before_it_once_verified(
    app: Starlette,
    live_server: str,
    database: Database,
    factory: Factory,
    syncs: Syncs,
    port_sim: PortSim,
) -> None:
    owner = await factory.member()
    operator = await factory.operator()
    assert syncs.vessels is not None
    assert syncs.terminal is not None
    call_ref = port_sim.discharged_call()
    # The terminal's events are read before the vessel system names the call.
    await syncs.terminal.sync_once()
    await syncs.vessels.sync_once()
    call_id = await call_id_of(database, call_ref)
    off = [
        entry
        for entry in port_sim.yard.manifest(call_ref)
        if port_sim.yard.boxes[entry.container_number].discharged_at is not None
    ][:2]
    assert len(off) == 2
    call_gid = str(relay.GlobalID("VesselCall", str(call_id)))

    draft = await owner.client.mutate(
        CREATE,
        {
            "input": {
                "vesselCallId": call_gid,
                "containers": [
                    {"number": e.container_number, "sizeType": e.size_type} for e in off
                ],
            }
        },
    )
    unverified = await owner.client.data(PROGRESS, {"id": call_gid})
    await _submitted(database, draft["shipment"]["id"])
    assert owner.client.token is not None
    async with graphql_ws(live_server, owner.client.token) as ws:
        await ws.subscribe("1", WATCH, {"call": call_gid})
        await _until_listening(app, f"discharge:{call_id}")
        verified = await operator.client.mutate(VERIFY, {"id": draft["shipment"]["id"]})
        await app.state.runtime.extras["relay"].drain()
        pushed = await ws.next_data("1")
    followed = await owner.client.data(PROGRESS, {"id": call_gid})

    assert {c["status"] for c in draft["shipment"]["containers"]} == {"ON_VESSEL"}
    assert all(c["events"] == [] for c in draft["shipment"]["containers"])
    (before,) = unverified["node"]["dischargeProgress"]["byShipment"]
    assert before == {"discharged": 0, "lastContainerNumber": None}
    boxes = verified["shipment"]["containers"]
    assert "ON_VESSEL" not in {c["status"] for c in boxes}
    assert all(c["events"] for c in boxes)
    (after,) = followed["node"]["dischargeProgress"]["byShipment"]
    assert after["discharged"] == 2
    # Those watching the call's discharge hear of it at once.
    assert pushed["dischargeProgress"]["byShipment"] == [after]


async def test_one_box_is_followed_by_one_verified_request_per_call(
    database: Database, factory: Factory
) -> None:
    owner, squatter = await factory.member(), await factory.member()
    operator = await factory.operator()
    call_id, _ = await vessel_call(database, eta=next_hour(-6))
    (box,) = box_numbers(1)
    first, second = [
        gid(
            "Shipment",
            await add_shipment(
                database, org, call_id, [box], status=ShipmentStatus.SUBMITTED
            ),
        )
        for org in (owner.organisation_id, squatter.organisation_id)
    ]

    approved = await operator.client.mutate(VERIFY, {"id": first})
    refused = await operator.client.data(VERIFY, {"id": second})

    assert approved["shipment"]["containers"][0]["number"] == box
    assert refused["verifyShipment"]["shipment"] is None
    (error,) = refused["verifyShipment"]["userErrors"]
    assert (error["field"], error["code"]) == (
        ["input", "shipmentId"],
        "CONTAINER_CLAIMED",
    )
    assert box in error["message"]


async def _until_listening(app: Starlette, channel: str) -> None:
    hub = app.state.runtime.broadcast

    async def listening() -> bool:
        return bool(hub.subscriber_count(channel) >= 1)

    await eventually(listening)


async def _submitted(database: Database, shipment_gid: str) -> None:
    """The request as its customer submitted it (the papers are another test's)."""
    key = uuid.UUID(relay.GlobalID.from_id(shipment_gid).node_id)
    async with database.transaction(SYSTEM) as session:
        await session.execute(
            update(Shipment)
            .where(Shipment.id == key)
            .values(status=ShipmentStatus.SUBMITTED)
        )
