"""The tenancy harness: a customer of another organisation gets nothing.

Every root query field, every Node type and every subscription needs a row
here; a field without one fails `test_every_root_field_has_a_row`, so a new
field cannot ship without its tenancy check.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from graphql import GraphQLInterfaceType, build_schema
from starlette.applications import Starlette
from strawberry import relay

from domain import events
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory, Member
from tests.support.port import first_message, port_objects
from tests.support.post_service import tenancy_objects
from tests.support.pre_service import (
    pre_service_objects,
    subscribe,
    subscription_message,
)
from tests.support.scheduling import (
    RECOMMEND,
    SLOTS,
    TERMINAL,
    next_message,
    plan_socket,
    scheduling_objects,
)

CREATE_KEY = 'mutation { createApiKey(input: {name: "k"}) { apiKey { id } } }'


def gid(type_name: str, key: object) -> str:
    return str(relay.GlobalID(type_name, str(key)))


@dataclass
class World:
    """Two customer organisations with one of everything each, and an operator."""

    owner: Member
    outsider: Member
    operator: Member
    ids: dict[str, str] = field(default_factory=dict)
    live_server: str = ""
    database: Database | None = None


@pytest.fixture
async def world(factory: Factory) -> World:
    owner = await factory.member()
    outsider = await factory.member()
    operator = await factory.operator()
    created = await owner.client.data(CREATE_KEY)
    world = World(owner, outsider, operator)
    world.ids = {
        "Organisation": gid("Organisation", owner.organisation_id),
        "User": gid("User", owner.user_id),
        "ApiKey": created["createApiKey"]["apiKey"]["id"],
    }
    world.ids.update(await tenancy_objects(factory.database, owner.organisation_id))
    world.ids.update(await pre_service_objects(factory.database, owner))
    world.ids.update(await port_objects(factory.database, owner.organisation_id))
    world.ids.update(await scheduling_objects(factory.database, owner, operator))
    world.database = factory.database
    return world


Probe = Callable[[Member, World], Awaitable[bool]]


async def sees_node(member: Member, world: World, type_name: str) -> bool:
    query = "query($id: ID!) { node(id: $id) { id } }"
    data = await member.client.data(query, {"id": world.ids[type_name]})
    return data["node"] is not None


async def _viewer(member: Member, world: World) -> bool:
    data = await member.client.data("{ viewer { organisation { id } } }")
    return data["viewer"]["organisation"]["id"] == world.ids["Organisation"]


async def _node(member: Member, world: World) -> bool:
    return await sees_node(member, world, "User")


async def _nodes(member: Member, world: World) -> bool:
    data = await member.client.data(
        "query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
        {"ids": [v for k, v in world.ids.items() if k not in PUBLIC_NODE_TYPES]},
    )
    return any(node is not None for node in data["nodes"])


async def _api_keys(member: Member, world: World) -> bool:
    data = await member.client.data("{ apiKeys { totalCount edges { node { id } } } }")
    ids = [edge["node"]["id"] for edge in data["apiKeys"]["edges"]]
    return world.ids["ApiKey"] in ids or data["apiKeys"]["totalCount"] > 0


async def _invoices(member: Member, world: World) -> bool:
    data = await member.client.data("{ invoices { totalCount nodes { id } } }")
    ids = [node["id"] for node in data["invoices"]["nodes"]]
    return world.ids["Invoice"] in ids or data["invoices"]["totalCount"] > 0


async def _gate_passes(member: Member, world: World) -> bool:
    data = await member.client.data("{ gatePasses { totalCount nodes { id } } }")
    ids = [node["id"] for node in data["gatePasses"]["nodes"]]
    return world.ids["GatePass"] in ids or data["gatePasses"]["totalCount"] > 0


async def _analytics(member: Member, world: World) -> bool:
    data = await member.client.data(
        """{ analytics(range: {from: "2026-01-01T00:00:00Z",
                               to: "2026-02-01T00:00:00Z"})
             { rows { containers } costByService { amount { amount } } } }"""
    )
    report = data["analytics"]
    return bool(report["rows"]) or bool(report["costByService"])


async def _shipments(member: Member, world: World) -> bool:
    data = await member.client.data("{ shipments { totalCount nodes { id } } }")
    ids = [node["id"] for node in data["shipments"]["nodes"]]
    return world.ids["Shipment"] in ids or data["shipments"]["totalCount"] > 0


async def _shipment_by_reference(member: Member, world: World) -> bool:
    query = 'query { shipmentByReference(reference: "MEDU306711638") { id } }'
    data = await member.client.data(query)
    return data["shipmentByReference"] is not None


async def _document_requirements(member: Member, world: World) -> bool:
    query = "query($id: ID!) { documentRequirements(shipmentId: $id) { kind } }"
    data = await member.client.data(query, {"id": world.ids["Shipment"]})
    return data["documentRequirements"] is not None


async def _shipment_updated(member: Member, world: World) -> bool:
    token = member.client.token
    assert token is not None
    socket, _ = await subscribe(world.live_server, token, world.ids["Shipment"])
    try:
        await asyncio.sleep(0.3)  # let the subscription reach its channel
        await world.owner.client.mutate(
            'mutation($id: ID!) { updateShipment(input: {id: $id, notes: "n"}) '
            "{ userErrors { code } } }",
            {"id": world.ids["Shipment"]},
        )
        message = await subscription_message(socket)
    finally:
        await socket.close()
    if message["type"] != "next":
        return False
    return bool((message["payload"].get("data") or {}).get("shipmentUpdated"))


async def _vessel_calls(member: Member, world: World) -> bool:
    # Vessel calls are public; what they show of shipments is not.
    data = await member.client.data(
        "{ vesselCalls(first: 100) { nodes { id "
        "dischargeProgress { byShipment { shipmentId } } } } }"
    )
    return any(
        node["id"] == world.ids["VesselCall"]
        and {"shipmentId": world.ids["PortShipment"]}
        in node["dischargeProgress"]["byShipment"]
        for node in data["vesselCalls"]["nodes"]
    )


async def _publish_port_events(world: World) -> None:
    call_id = relay.GlobalID.from_id(world.ids["VesselCall"]).node_id
    assert world.database is not None
    async with world.database.transaction(SYSTEM) as session:
        for channel in (f"vessel-call:{call_id}", f"discharge:{call_id}"):
            events.record(session, channel, "probe", vesselCallId=call_id)


async def _vessel_call_updated(member: Member, world: World) -> bool:
    query = """subscription($id: ID!) { vesselCallUpdated(id: $id) {
      dischargeProgress { byShipment { shipmentId } } } }"""
    message = await first_message(
        world.live_server,
        member.client.token,
        query,
        {"id": world.ids["VesselCall"]},
        lambda: _publish_port_events(world),
    )
    if message["type"] != "next":
        return False
    data = message["payload"].get("data") or {}
    shown = (data.get("vesselCallUpdated") or {}).get("dischargeProgress") or {}
    return {"shipmentId": world.ids["PortShipment"]} in shown.get("byShipment", [])


async def _discharge_progress(member: Member, world: World) -> bool:
    query = """subscription($call: ID!, $shipment: ID) {
      dischargeProgress(vesselCallId: $call, shipmentId: $shipment) {
        byShipment { shipmentId } } }"""
    variables = {"call": world.ids["VesselCall"], "shipment": world.ids["PortShipment"]}
    message = await first_message(
        world.live_server,
        member.client.token,
        query,
        variables,
        lambda: _publish_port_events(world),
    )
    if message["type"] != "next":
        return False
    data = message["payload"].get("data") or {}
    return bool((data.get("dischargeProgress") or {}).get("byShipment"))


async def _slots(member: Member, world: World) -> bool:
    """Slots are public; the bookings in them are the viewer's own only."""
    query = "query($id: ID!) { node(id: $id) { ... on PickupSlot { startsAt } } }"
    node = await member.client.data(query, {"id": world.ids["PickupSlot"]})
    start = datetime.fromisoformat(node["node"]["startsAt"])
    span = {"from": start.isoformat(), "to": (start + timedelta(hours=1)).isoformat()}
    data = await member.client.data(SLOTS, {"terminal": TERMINAL, **span})
    (slot, *_) = [s for s in data["slots"] if s["id"] == world.ids["PickupSlot"]]
    return any(b["id"] == world.ids["TruckBooking"] for b in slot["bookings"])


async def _pickup_plan(member: Member, world: World) -> bool:
    query = "query($id: ID!) { pickupPlan(shipmentId: $id) { id } }"
    data = await member.client.data(query, {"id": world.ids["PlannedShipment"]})
    return data["pickupPlan"] is not None


async def _pickup_plan_changed(member: Member, world: World) -> bool:
    token = member.client.token
    assert token is not None
    shipment = world.ids["PlannedShipment"]
    async with plan_socket(world.live_server, token, shipment) as socket:
        await asyncio.sleep(0.3)  # let the subscription reach its channel
        await world.owner.client.mutate(RECOMMEND, {"input": {"shipmentId": shipment}})
        message = await next_message(socket)
    return message["type"] == "next" and bool(message["payload"].get("data"))


QUERY_ROWS: dict[str, Probe] = {
    "slots": _slots,
    "pickupPlan": _pickup_plan,
    "vesselCalls": _vessel_calls,
    "shipments": _shipments,
    "shipmentByReference": _shipment_by_reference,
    "documentRequirements": _document_requirements,
    "invoices": _invoices,
    "gatePasses": _gate_passes,
    "analytics": _analytics,
    "viewer": _viewer,
    "node": _node,
    "nodes": _nodes,
    "apiKeys": _api_keys,
}
NODE_TYPES = [
    "Organisation",
    "User",
    "ApiKey",
    "Invoice",
    "GatePass",
    "Shipment",
    "Document",
    "Payment",
    "TruckBooking",
    "PickupPlan",
]
# Public schedule data: any signed-in viewer sees them, nobody anonymous.
PUBLIC_NODE_TYPES = ["Vessel", "VesselCall", "PickupSlot"]
SUBSCRIPTION_ROWS: dict[str, Probe] = {
    "shipmentUpdated": _shipment_updated,
    "vesselCallUpdated": _vessel_call_updated,
    "dischargeProgress": _discharge_progress,
    "pickupPlanChanged": _pickup_plan_changed,
}


def test_every_root_field_has_a_row(app: Starlette) -> None:
    schema = build_schema(app.state.graphql_schema.as_str())
    node = schema.get_type("Node")
    assert isinstance(node, GraphQLInterfaceType)
    subscription = schema.subscription_type

    assert set(QUERY_ROWS) == set(schema.query_type.fields)  # type: ignore[union-attr]
    every_node = set(NODE_TYPES) | set(PUBLIC_NODE_TYPES)
    assert every_node == {t.name for t in schema.get_possible_types(node)}
    assert set(SUBSCRIPTION_ROWS) == set(subscription.fields if subscription else ())


@pytest.mark.parametrize("field_name", sorted(QUERY_ROWS))
async def test_query_shows_the_owner_its_data_and_the_outsider_nothing(
    world: World, field_name: str
) -> None:
    probe = QUERY_ROWS[field_name]

    assert await probe(world.owner, world) is True
    assert await probe(world.outsider, world) is False


@pytest.mark.parametrize("field_name", sorted(SUBSCRIPTION_ROWS))
async def test_subscription_serves_the_owner_and_refuses_the_outsider(
    world: World, live_server: str, field_name: str
) -> None:
    world.live_server = live_server
    probe = SUBSCRIPTION_ROWS[field_name]

    assert await probe(world.owner, world) is True
    assert await probe(world.outsider, world) is False


@pytest.mark.parametrize("type_name", PUBLIC_NODE_TYPES)
async def test_public_nodes_are_seen_by_any_signed_in_viewer_only(
    world: World, factory: Factory, type_name: str
) -> None:
    query = "query($id: ID!) { node(id: $id) { id } }"
    anonymous = await factory.client.data(query, {"id": world.ids[type_name]})

    assert await sees_node(world.owner, world, type_name) is True
    assert await sees_node(world.outsider, world, type_name) is True
    assert anonymous["node"] is None


@pytest.mark.parametrize("type_name", NODE_TYPES)
async def test_node_lookup_is_null_for_another_organisation(
    world: World, type_name: str
) -> None:
    assert await sees_node(world.owner, world, type_name) is True
    assert await sees_node(world.operator, world, type_name) is True
    assert await sees_node(world.outsider, world, type_name) is False


async def test_an_invisible_node_answers_exactly_as_a_missing_one(world: World) -> None:
    query = "query($id: ID!) { node(id: $id) { id } }"
    missing = gid("User", "00000000-0000-4000-8000-000000000000")

    hidden = await world.outsider.client.raw(query, {"id": world.ids["User"]})
    absent = await world.outsider.client.raw(query, {"id": missing})

    assert hidden == absent == {"data": {"node": None}}


async def test_revoking_another_organisations_key_is_not_found(world: World) -> None:
    mutation = """mutation($id: ID!) {
      revokeApiKey(input: {id: $id}) { apiKey { id } userErrors { code } } }"""

    data = await world.outsider.client.data(mutation, {"id": world.ids["ApiKey"]})

    assert data["revokeApiKey"]["userErrors"] == [{"code": "NOT_FOUND"}]
    assert await sees_node(world.owner, world, "ApiKey")
