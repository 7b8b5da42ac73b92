"""Boxes the terminal reported on before a request named them still show their state."""

from __future__ import annotations

from starlette.applications import Starlette
from strawberry import relay

from dermaga.sync import Syncs
from domain.unit_of_work import Database
from tests.support.factories import Factory
from tests.support.port import PortSim, call_id_of, port_sim, syncs

__all__ = ["port_sim", "syncs"]  # fixtures used below

CREATE = """
mutation($input: CreateShipmentInput!) {
  createShipment(input: $input) {
    shipment { containers { number status } }
    userErrors { field code message }
  }
}"""


async def test_a_request_opened_after_discharge_shows_its_boxes_discharged(
    app: Starlette,
    database: Database,
    factory: Factory,
    syncs: Syncs,
    port_sim: PortSim,
) -> None:
    owner = await factory.member()
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

    payload = await owner.client.mutate(
        CREATE,
        {
            "input": {
                "vesselCallId": str(relay.GlobalID("VesselCall", str(call_id))),
                "containers": [
                    {"number": e.container_number, "sizeType": e.size_type} for e in off
                ],
            }
        },
    )

    statuses = {c["status"] for c in payload["shipment"]["containers"]}
    assert "ON_VESSEL" not in statuses
    assert len(payload["shipment"]["containers"]) == 2
