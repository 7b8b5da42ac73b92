"""Shared subscriptions: one execution per event for subscribers who see alike."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from graphql import get_named_type
from graphql.type import GraphQLObjectType
from starlette.applications import Starlette
from strawberry import relay
from websockets.exceptions import ConnectionClosed

from dermaga.app import create_app
from dermaga.broadcast import EventHub
from dermaga.settings import Settings
from dermaga.shared_subscriptions import (
    SHARED_FIELDS,
    Member,
    Outbox,
    SharedSubscriptions,
    shareable,
)
from domain import events
from domain.models.port import VesselCall
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from integrations.serving import serve_app
from tests.support.factories import Factory
from tests.support.factories import Member as User
from tests.support.port import (
    GraphQLWebSocket,
    add_shipment,
    eventually,
    graphql_ws,
    port_objects,
)

UPDATED = """
subscription($id: ID!) { vesselCallUpdated(id: $id) { id eta } }"""
PROGRESS = """
subscription($call: ID!, $shipment: ID) {
  dischargeProgress(vesselCallId: $call, shipmentId: $shipment) {
    byShipment { shipmentId discharged total }
  }
}"""


@pytest.fixture
async def port(database: Database, factory: Factory) -> dict[str, Any]:
    """A vessel call with a shipment of `owner` on it, one box off."""
    owner = await factory.member()
    return {"owner": owner, "ids": await port_objects(database, owner.organisation_id)}


def _shared(app: Starlette) -> SharedSubscriptions:
    shared: SharedSubscriptions = app.state.shared_subscriptions
    return shared


def _hub(app: Starlette) -> EventHub:
    hub: EventHub = app.state.runtime.broadcast
    return hub


def _call_id(ids: dict[str, str]) -> uuid.UUID:
    return uuid.UUID(relay.GlobalID.from_id(ids["VesselCall"]).node_id)


async def _listening(app: Starlette, channel: str, count: int) -> None:
    async def listening() -> bool:
        return _hub(app).subscriber_count(channel) == count

    await eventually(listening)


async def _move_eta(app: Starlette, database: Database, call_id: uuid.UUID) -> str:
    """Move the call's ETA by five minutes and publish it, as a sync would."""
    async with database.transaction(SYSTEM) as session:
        call = await session.get(VesselCall, call_id, with_for_update=True)
        assert call is not None
        assert call.eta is not None
        call.eta += timedelta(minutes=5)
        eta = call.eta.isoformat()
        channel = events.vessel_call_channel(call_id)
        events.record(session, channel, "vesselCallUpdated", vesselCallId=str(call_id))
    await app.state.runtime.extras["relay"].drain()
    return eta


async def _discharged(app: Starlette, database: Database, call_id: uuid.UUID) -> None:
    async with database.transaction(SYSTEM) as session:
        channel = events.discharge_channel(call_id)
        events.record(
            session, channel, "containerDischarged", vesselCallId=str(call_id)
        )
    await app.state.runtime.extras["relay"].drain()


async def _next(ws: GraphQLWebSocket) -> dict[str, Any]:
    message = await ws.receive()
    assert message["type"] == "next", message
    assert not message["payload"].get("errors"), message
    return message


async def test_subscribers_who_see_alike_share_one_execution_and_one_payload(
    app: Starlette,
    live_server: str,
    database: Database,
    factory: Factory,
    port: dict[str, Any],
) -> None:
    owner: User = port["owner"]
    colleague = await factory.member(owner.organisation_id)
    call_id = _call_id(port["ids"])
    variables = {"id": port["ids"]["VesselCall"]}

    async with (
        graphql_ws(live_server, owner.client.token) as first,
        graphql_ws(live_server, colleague.client.token) as second,
    ):
        await first.subscribe("a", UPDATED, variables)
        await first.subscribe("b", UPDATED, variables)
        await second.subscribe("c", UPDATED, variables)
        await _listening(app, events.vessel_call_channel(call_id), 3)
        queues = _hub(app).queue_count(events.vessel_call_channel(call_id))
        eta = await _move_eta(app, database, call_id)
        got = [await _next(first), await _next(first), await _next(second)]

    assert queues == 1
    # Each operation's start check runs on its own, so a and b may join either way.
    assert sorted(message["id"] for message in got) == ["a", "b", "c"]
    payloads = {json.dumps(message["payload"], sort_keys=True) for message in got}
    assert len(payloads) == 1
    assert got[0]["payload"]["data"]["vesselCallUpdated"]["eta"] == eta


async def _announce(app: Starlette, database: Database, call_id: uuid.UUID) -> None:
    """Announce the call again with nothing changed, as a re-sync may."""
    async with database.transaction(SYSTEM) as session:
        channel = events.vessel_call_channel(call_id)
        events.record(session, channel, "vesselCallUpdated", vesselCallId=str(call_id))
    await app.state.runtime.extras["relay"].drain()


async def test_an_unchanged_result_is_sent_only_to_those_who_lack_it(
    app: Starlette,
    live_server: str,
    database: Database,
    factory: Factory,
    port: dict[str, Any],
) -> None:
    owner: User = port["owner"]
    colleague = await factory.member(owner.organisation_id)
    call_id = _call_id(port["ids"])
    channel = events.vessel_call_channel(call_id)
    variables = {"id": port["ids"]["VesselCall"]}

    async with (
        graphql_ws(live_server, owner.client.token) as first,
        graphql_ws(live_server, colleague.client.token) as second,
    ):
        await first.subscribe("a", UPDATED, variables)
        await _listening(app, channel, 1)
        moved = await _move_eta(app, database, call_id)
        seen = await _next(first)
        await _announce(app, database, call_id)
        before = _shared(app).member_count
        await second.subscribe("b", UPDATED, variables)

        async def joined() -> bool:
            return _shared(app).member_count == before + 1

        await eventually(joined)
        await _announce(app, database, call_id)
        caught_up = await _next(second)
        later = await _move_eta(app, database, call_id)
        after = [await _next(first), await _next(second)]

    assert seen["payload"]["data"]["vesselCallUpdated"]["eta"] == moved
    assert caught_up["payload"] == seen["payload"]
    # The first socket got nothing between the two changes.
    assert [m["payload"]["data"]["vesselCallUpdated"]["eta"] for m in after] == [
        later,
        later,
    ]


async def test_each_visibility_has_its_own_group_and_sees_only_its_rows(
    app: Starlette,
    live_server: str,
    database: Database,
    factory: Factory,
    port: dict[str, Any],
) -> None:
    owner: User = port["owner"]
    outsider, operator = await factory.member(), await factory.operator()
    call_id = _call_id(port["ids"])
    theirs = await add_shipment(database, outsider.organisation_id, call_id, [])
    ours = port["ids"]["PortShipment"]
    variables = {"call": port["ids"]["VesselCall"]}
    seen: dict[str, list[str]] = {}

    async with (
        graphql_ws(live_server, owner.client.token) as owner_ws,
        graphql_ws(live_server, outsider.client.token) as outsider_ws,
        graphql_ws(live_server, operator.client.token) as operator_ws,
    ):
        sockets = {"owner": owner_ws, "outsider": outsider_ws, "operator": operator_ws}
        for ws in sockets.values():
            await ws.subscribe("p", PROGRESS, variables)
        await _listening(app, events.discharge_channel(call_id), 3)
        queues = _hub(app).queue_count(events.discharge_channel(call_id))
        await _discharged(app, database, call_id)
        for name, ws in sockets.items():
            data = (await _next(ws))["payload"]["data"]["dischargeProgress"]
            seen[name] = sorted(row["shipmentId"] for row in data["byShipment"])

    assert queues == 3
    assert seen["owner"] == [ours]
    assert seen["outsider"] == [str(relay.GlobalID("Shipment", str(theirs)))]
    assert set(seen["operator"]) == {ours, *seen["outsider"]}


async def test_each_subscriber_is_authorised_when_it_starts(
    app: Starlette,
    live_server: str,
    database: Database,
    factory: Factory,
    port: dict[str, Any],
) -> None:
    owner: User = port["owner"]
    outsider = await factory.member()
    call_id = _call_id(port["ids"])
    variables = {
        "call": port["ids"]["VesselCall"],
        "shipment": port["ids"]["PortShipment"],
    }

    async with graphql_ws(live_server, owner.client.token) as owner_ws:
        await owner_ws.subscribe("own", PROGRESS, variables)
        await _listening(app, events.discharge_channel(call_id), 1)
        async with graphql_ws(live_server, outsider.client.token) as spy:
            await spy.subscribe("spy", PROGRESS, variables)
            refused = await spy.receive()
        groups = _shared(app).group_count
        await _discharged(app, database, call_id)
        own = (await _next(owner_ws))["payload"]["data"]["dischargeProgress"]

    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "NOT_FOUND"
    assert groups == 1
    assert [row["shipmentId"] for row in own["byShipment"]] == [variables["shipment"]]


async def test_complete_leaves_the_group_and_the_last_one_out_ends_it(
    app: Starlette, live_server: str, database: Database, port: dict[str, Any]
) -> None:
    owner: User = port["owner"]
    call_id = _call_id(port["ids"])
    channel = events.vessel_call_channel(call_id)
    variables = {"id": port["ids"]["VesselCall"]}

    async with graphql_ws(live_server, owner.client.token) as ws:
        await ws.subscribe("a", UPDATED, variables)
        await ws.subscribe("b", UPDATED, variables)
        await _listening(app, channel, 2)
        await ws.send({"id": "a", "type": "complete"})
        await _listening(app, channel, 1)
        await _move_eta(app, database, call_id)
        after_complete = await _next(ws)
        await ws.send({"id": "b", "type": "complete"})

        async def ended() -> bool:
            return _shared(app).group_count == 0 and _hub(app).queue_count(channel) == 0

        await eventually(ended)
        # The freed id may start again, and gets the next change.
        await ws.subscribe("a", UPDATED, variables)
        await _listening(app, channel, 1)
        await _move_eta(app, database, call_id)
        restarted = await _next(ws)

    assert after_complete["id"] == "b"
    assert restarted["id"] == "a"


async def test_a_vanished_client_leaves_no_group_behind(
    app: Starlette, live_server: str, port: dict[str, Any]
) -> None:
    owner: User = port["owner"]
    channel = events.vessel_call_channel(_call_id(port["ids"]))

    async with graphql_ws(live_server, owner.client.token) as ws:
        await ws.subscribe("1", UPDATED, {"id": port["ids"]["VesselCall"]})
        await _listening(app, channel, 1)
        ws.socket.transport.abort()

    async def released() -> bool:
        shared, hub = _shared(app), _hub(app)
        left = (shared.group_count, shared.member_count, hub.queue_count(channel))
        return left == (0, 0, 0)

    await eventually(released)


@pytest.fixture
async def small_queues(settings: Settings) -> AsyncIterator[tuple[Starlette, str]]:
    """An app whose subscribers may fall only two messages behind."""
    app = create_app(
        settings.model_copy(update={"subscriber_queue_size": 2}), migrate=False
    )
    async with serve_app(app) as url:
        yield app, url


async def test_a_group_a_whole_queue_behind_drops_its_sockets_with_4429(
    small_queues: tuple[Starlette, str], port: dict[str, Any]
) -> None:
    app, url = small_queues
    owner: User = port["owner"]
    channel = events.vessel_call_channel(_call_id(port["ids"]))
    closes = []

    async with (
        graphql_ws(url, owner.client.token) as first,
        graphql_ws(url, owner.client.token) as second,
    ):
        for ws in (first, second):
            await ws.subscribe("1", UPDATED, {"id": port["ids"]["VesselCall"]})
        await _listening(app, channel, 2)
        # Published in one go: the group cannot read between them.
        for _ in range(4):
            await _hub(app).publish(channel, json.dumps({"kind": "vesselCallUpdated"}))
        for ws in (first, second):
            closes.append(await _close_of(ws))

    assert closes == [(4429, "slow consumer")] * 2


async def _close_of(ws: GraphQLWebSocket) -> tuple[int, str] | None:
    """Read the socket to its close; the code and reason the server sent."""
    try:
        while True:
            await ws.receive()
    except ConnectionClosed as closed:
        sent = closed.rcvd
    return None if sent is None else (sent.code, sent.reason)


class FakeSocket:
    """Records frames; `stalled` keeps every send waiting, as a full TCP buffer."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed: list[tuple[int, str]] = []
        self.ended: list[str] = []
        self.stalled = asyncio.Event()
        self.stalled.set()

    async def send(self, frame: str) -> None:
        await self.stalled.wait()
        self.sent.append(frame)

    async def close(self, code: int, reason: str) -> None:
        self.closed.append((code, reason))

    def outbox(self, limit: int) -> Outbox:
        return Outbox(self.send, self.close, self.ended.append, limit)


async def test_a_socket_writes_its_frames_in_order() -> None:
    socket = FakeSocket()
    outbox = socket.outbox(limit=4)
    a, b = Member("a", outbox), Member("b", outbox)

    for n in range(3):
        outbox.push(a, f"a{n}")
        outbox.push(b, f"b{n}")
    outbox.finish(a, "a-complete")
    await eventually(_sent(socket, 7))

    assert socket.sent == ["a0", "b0", "a1", "b1", "a2", "b2", "a-complete"]
    assert socket.ended == ["a"]
    assert (a.pending, b.pending) == (0, 0)


async def test_nothing_more_is_sent_to_a_member_that_left() -> None:
    socket = FakeSocket()
    outbox = socket.outbox(limit=4)
    stays, leaves = Member("stays", outbox), Member("leaves", outbox)

    outbox.push(leaves, "to-leaves")
    outbox.push(stays, "to-stays")
    leaves.leave()
    await eventually(_sent(socket, 1))
    await asyncio.sleep(0)

    assert socket.sent == ["to-stays"]


async def test_a_member_a_whole_queue_behind_closes_its_socket() -> None:
    socket = FakeSocket()
    socket.stalled.clear()
    outbox = socket.outbox(limit=2)
    member = Member("1", outbox)

    outbox.push(member, "being-sent")
    await asyncio.sleep(0)
    for n in range(3):
        outbox.push(member, f"waiting-{n}")
    socket.stalled.set()
    outbox.push(member, "after-the-drop")
    await eventually(_closed(socket))
    await eventually(_sent(socket, 1))

    assert socket.closed == [(4429, "slow consumer")]
    assert socket.sent == ["being-sent"]
    assert outbox.closed


def _sent(socket: FakeSocket, count: int) -> Any:
    async def check() -> bool:
        return len(socket.sent) >= count

    return check


def _closed(socket: FakeSocket) -> Any:
    async def check() -> bool:
        return bool(socket.closed)

    return check


@pytest.mark.parametrize(
    ("query", "operation", "expected"),
    [
        (UPDATED, None, True),
        (PROGRESS, None, True),
        ("subscription { vesselCallUpdated(port: IDTPP) { id } }", None, True),
        ("subscription S { shipmentUpdated(id: 1) { kind } }", None, False),
        ("query { vesselCalls { nodes { id } } }", None, False),
        ("subscription { vesselCallUpdated(id: ", None, False),
        ("subscription { ...F } fragment F on Subscription { x }", None, False),
        (
            "query Q { a } subscription S { dischargeProgress(vesselCallId: 1) "
            "{ total } }",
            "S",
            True,
        ),
        ("query Q { a } subscription S { dischargeProgress { total } }", "Q", False),
        ("subscription { vesselCallUpdated { id " + "eta " * 500 + "} }", None, False),
    ],
)
def test_only_documents_of_one_shared_field_are_shared(
    query: str, operation: str | None, expected: bool
) -> None:
    assert shareable(query, operation) is expected


def test_shared_fields_reach_no_role_checked_field(app: Starlette) -> None:
    schema = app.state.graphql_schema._schema
    subscription = schema.subscription_type
    todo = [get_named_type(subscription.fields[name].type) for name in SHARED_FIELDS]
    seen: set[str] = set()
    checked = []
    while todo:
        named = todo.pop()
        if named.name in seen or not isinstance(named, GraphQLObjectType):
            continue
        seen.add(named.name)
        for name, field in named.fields.items():
            definition = field.extensions["strawberry-definition"]
            if definition.permission_classes:
                checked.append(f"{named.name}.{name}")
            todo.append(get_named_type(field.type))

    assert {"VesselCall", "DischargeProgress", "ShipmentDischarge"} <= seen
    assert checked == []
