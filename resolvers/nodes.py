"""Every Node type by its GraphQL name, for `node(id:)` and `nodes(ids:)`."""

from __future__ import annotations

from strawberry import relay

from schema.billing import Invoice
from schema.context import Info
from schema.documents import Document
from schema.gate import GatePass
from schema.identity import ApiKey, Organisation, User
from schema.payments import Payment
from schema.pickup_plans import PickupPlan
from schema.port import Vessel, VesselCall
from schema.scheduling import PickupSlot, TruckBooking
from schema.shipments import Shipment

NODE_TYPES: dict[str, type[relay.Node]] = {
    cls.__name__: cls
    for cls in (
        Organisation,
        User,
        ApiKey,
        Shipment,
        Invoice,
        GatePass,
        Document,
        Payment,
        Vessel,
        VesselCall,
        PickupSlot,
        TruckBooking,
        PickupPlan,
    )
}


async def resolve_nodes(
    info: Info, ids: list[relay.GlobalID]
) -> list[relay.Node | None]:
    """Nodes in the order asked; unknown, foreign or invisible ids give null."""
    found: list[relay.Node | None] = [None] * len(ids)
    by_type: dict[str, list[int]] = {}
    for index, global_id in enumerate(ids):
        if global_id.type_name in NODE_TYPES:
            by_type.setdefault(global_id.type_name, []).append(index)
    for type_name, positions in by_type.items():
        resolved = NODE_TYPES[type_name].resolve_nodes(
            info=info, node_ids=[ids[i].node_id for i in positions], required=False
        )
        # Every Node type of ours resolves asynchronously, through data loaders.
        nodes = await resolved  # type: ignore[misc]
        for position, node in zip(positions, nodes, strict=True):
            found[position] = node
    return found
