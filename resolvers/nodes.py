"""Every Node type by its GraphQL name, for `node(id:)` and `nodes(ids:)`."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry import relay

from schema.billing import Invoice
from schema.context import Info
from schema.documents import Document
from schema.gate import GatePass
from schema.identity import ApiKey, Organisation, User
from schema.payments import Payment
from schema.pickup_plans import PickupPlan
from schema.port import Vessel, VesselCall
from schema.relay import sent_global_id
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
    info: Info, sent: Sequence[relay.GlobalID | str]
) -> list[relay.Node | None]:
    """Nodes in the order asked; malformed, unknown or invisible ids give null."""
    ids = [sent_global_id(value) for value in sent]
    found: list[relay.Node | None] = [None] * len(ids)
    by_type: dict[str, list[str]] = {}
    positions_of: dict[str, list[int]] = {}
    for index, global_id in enumerate(ids):
        if global_id is not None and global_id.type_name in NODE_TYPES:
            by_type.setdefault(global_id.type_name, []).append(global_id.node_id)
            positions_of.setdefault(global_id.type_name, []).append(index)
    for type_name, node_ids in by_type.items():
        positions = positions_of[type_name]
        resolved = NODE_TYPES[type_name].resolve_nodes(
            info=info, node_ids=node_ids, required=False
        )
        # Every Node type of ours resolves asynchronously, through data loaders.
        nodes = await resolved  # type: ignore[misc]
        for position, node in zip(positions, nodes, strict=True):
            found[position] = node
    return found
