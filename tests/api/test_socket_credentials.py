"""A socket lives no longer than its credential; a malformed message closes it.

Issue 4: subscriptions are authorised when they start and for every event. A
socket opened with a token closes with 4401 when the token expires, one opened
with an API key as soon as the key's revocation is announced, shared
subscriptions and a socket's own alike, and nothing is pushed after that.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from strawberry import relay
from websockets.exceptions import ConnectionClosed

from domain import credentials, events
from domain.models.identity import Role
from domain.services import identity
from domain.unit_of_work import Database
from domain.viewer import SYSTEM, PrincipalKind, Viewer
from tests.support.factories import Factory, Member
from tests.support.port import GraphQLWebSocket, eventually, graphql_ws, port_objects

PROGRESS = """
subscription($call: ID!) {
  dischargeProgress(vesselCallId: $call) {
    byShipment { shipmentId discharged total }
  }
}"""
SHIPMENT = """
subscription($id: ID!) {
  shipmentUpdated(id: $id) { kind shipment { id reference } }
}"""


def _key(global_id: str) -> uuid.UUID:
    return uuid.UUID(relay.GlobalID.from_id(global_id).node_id)


async def _listening(app: Starlette, channel: str) -> None:
    async def listening() -> bool:
        return bool(app.state.runtime.broadcast.subscriber_count(channel) >= 1)

    await eventually(listening)


async def _publish(
    app: Starlette, database: Database, channel: str, kind: str, **ids: str
) -> None:
    async with database.transaction(SYSTEM) as session:
        events.record(session, channel, kind, **ids)
    await app.state.runtime.extras["relay"].drain()


async def _closed_with(ws: GraphQLWebSocket) -> tuple[int | None, list[Any]]:
    """The close code the server sent, and any message that came before it."""
    before: list[Any] = []
    try:
        while True:
            before.append(await ws.receive(timeout=5.0))
    except ConnectionClosed as closed:
        return (closed.rcvd.code if closed.rcvd else None), before


def _short_token(app: Starlette, owner: Member) -> str:
    token, _ = credentials.issue_token(
        app.state.runtime.services.signing_key,
        user_id=owner.user_id,
        organisation_id=owner.organisation_id,
        roles=frozenset({Role.CUSTOMER}),
        ttl=timedelta(seconds=2),
    )
    return token


@pytest.mark.parametrize("shared", [False, True], ids=["own", "shared"])
async def test_a_socket_closes_when_its_token_expires(
    app: Starlette,
    live_server: str,
    database: Database,
    factory: Factory,
    shared: bool,
) -> None:
    owner = await factory.member()
    ids = await port_objects(database, owner.organisation_id)
    if shared:
        query, variables = PROGRESS, {"call": ids["VesselCall"]}
        channel = events.discharge_channel(_key(ids["VesselCall"]))
        kind, key_name = "dischargeProgressed", "vesselCallId"
    else:
        query, variables = SHIPMENT, {"id": ids["PortShipment"]}
        channel = events.shipment_channel(_key(ids["PortShipment"]))
        kind, key_name = "STATUS_CHANGED", "shipmentId"
    ident = str(_key(ids["VesselCall" if shared else "PortShipment"]))

    async with graphql_ws(live_server, _short_token(app, owner)) as ws:
        await ws.subscribe("s", query, variables)
        await _listening(app, channel)
        await asyncio.sleep(2.5)
        await _publish(app, database, channel, kind, **{key_name: ident})
        code, before = await _closed_with(ws)

    assert code == 4401
    assert [m for m in before if m.get("type") == "next"] == []


async def test_a_socket_closes_when_its_api_key_is_revoked(
    app: Starlette, live_server: str, database: Database, factory: Factory
) -> None:
    owner = await factory.member()
    ids = await port_objects(database, owner.organisation_id)
    user = Viewer(
        principal_id=owner.user_id,
        organisation_id=owner.organisation_id,
        roles=frozenset({Role.CUSTOMER}),
        kind=PrincipalKind.USER,
    )
    async with database.transaction(user) as session:
        issued = await identity.create_api_key(session, user, name="partner")
    channel = events.shipment_channel(_key(ids["PortShipment"]))

    async with graphql_ws(live_server, issued.plaintext) as ws:
        await ws.subscribe("s", SHIPMENT, {"id": ids["PortShipment"]})
        await _listening(app, channel)
        async with database.transaction(user) as session:
            await identity.revoke_api_key(session, user, issued.api_key.id)
        await _publish(
            app,
            database,
            channel,
            "STATUS_CHANGED",
            shipmentId=str(_key(ids["PortShipment"])),
        )
        code, before = await _closed_with(ws)

    assert code == 4401
    assert [m for m in before if m.get("type") == "next"] == []


@pytest.mark.parametrize(
    "payload",
    [
        {"query": 123},
        {"query": "subscription { x }", "operationName": ["a"]},
        {"query": "subscription { x }", "variables": [1]},
        "not an object",
    ],
    ids=["query-not-a-string", "name-a-list", "variables-a-list", "payload-a-string"],
)
async def test_a_malformed_subscribe_closes_the_socket_as_the_protocol_says(
    live_server: str, factory: Factory, payload: Any
) -> None:
    member = await factory.member()
    async with graphql_ws(live_server, member.client.token) as ws:
        await ws.send({"id": "bad", "type": "subscribe", "payload": payload})
        code, _ = await _closed_with(ws)

    assert code == 4400
