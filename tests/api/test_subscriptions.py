"""Live vessel call and discharge updates over graphql-transport-ws, on real uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime, timedelta

import httpx
import pytest
from starlette.applications import Starlette
from strawberry import relay
from websockets.exceptions import ConnectionClosed

from dermaga.app import create_app
from dermaga.broadcast import EventHub, MemoryBackend
from dermaga.settings import Settings
from dermaga.sync import Syncs
from domain.unit_of_work import Database
from integrations.serving import serve_app
from schema.subscriptions import SlowConsumerError
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient
from tests.support.port import (
    PortSim,
    add_shipment,
    call_id_of,
    eventually,
    graphql_ws,
    port_sim,
    sync_all,
    syncs,
    with_feeds,
)
from tests.support.redis import ThrowawayRedis, channel_prefix, own_redis, redis_url

__all__ = ["own_redis", "port_sim", "redis_url", "syncs"]

UPDATED = """
subscription($id: ID!) { vesselCallUpdated(id: $id) { id eta status stale } }"""
BY_PORT = """subscription { vesselCallUpdated(port: "IDTPP") { id eta } }"""
PROGRESS = """
subscription($call: ID!, $shipment: ID) {
  dischargeProgress(vesselCallId: $call, shipmentId: $shipment) {
    discharged total byShipment { shipmentId discharged total }
  }
}"""


STALE_PROGRESS = """
subscription($call: ID!) { dischargeProgress(vesselCallId: $call) { total stale } }"""


def gid(type_name: str, key: uuid.UUID) -> str:
    return str(relay.GlobalID(type_name, str(key)))


def _eta(data: dict[str, object]) -> datetime:
    return datetime.fromisoformat(str(data["vesselCallUpdated"]["eta"]))  # type: ignore[index]


async def test_a_subscriber_sees_two_successive_eta_changes(
    app: Starlette,
    live_server: str,
    database: Database,
    factory: Factory,
    syncs: Syncs,
    port_sim: PortSim,
) -> None:
    viewer = await factory.member()
    await sync_all(syncs, app)
    call_ref = port_sim.expected_call()
    call_id = await call_id_of(database, call_ref)

    async with graphql_ws(live_server, viewer.client.token) as ws:
        await ws.subscribe("1", UPDATED, {"id": gid("VesselCall", call_id)})
        await _until_listening(app, f"vessel-call:{call_id}")
        first = await port_sim.move_eta(call_ref, 40)
        await sync_all(syncs, app)
        seen_first = await ws.next_data("1")
        second = await port_sim.move_eta(call_ref, 55)
        await sync_all(syncs, app)
        seen_second = await ws.next_data("1")

    assert _eta(seen_first) == datetime.fromisoformat(first)
    assert _eta(seen_second) == datetime.fromisoformat(second)
    assert _eta(seen_second) - _eta(seen_first) == timedelta(minutes=55)


async def test_a_port_subscriber_sees_each_call_that_changes(
    app: Starlette,
    live_server: str,
    database: Database,
    factory: Factory,
    syncs: Syncs,
    port_sim: PortSim,
) -> None:
    viewer = await factory.member()
    await sync_all(syncs, app)
    call_ref = port_sim.expected_call()
    call_id = await call_id_of(database, call_ref)

    async with graphql_ws(live_server, viewer.client.token) as ws:
        await ws.subscribe("p", BY_PORT)
        await _until_listening(app, "port:IDTPP")
        await port_sim.move_eta(call_ref, 30)
        await sync_all(syncs, app)
        seen = await ws.next_data("p")

    assert seen["vesselCallUpdated"]["id"] == gid("VesselCall", call_id)


async def test_a_vanished_client_leaves_no_subscriber_behind(
    app: Starlette,
    live_server: str,
    database: Database,
    factory: Factory,
    syncs: Syncs,
    port_sim: PortSim,
) -> None:
    viewer = await factory.member()
    hub: EventHub = app.state.runtime.broadcast
    call_id = await _one_call(database, syncs, port_sim)

    channel = f"vessel-call:{call_id}"

    async with graphql_ws(live_server, viewer.client.token) as ws:
        await ws.subscribe("1", UPDATED, {"id": gid("VesselCall", call_id)})
        await _until_listening(app, channel)
        # Gone without `complete` and without a close frame.
        ws.socket.transport.abort()

    async def released() -> bool:
        return hub.subscriber_count(channel) == 0

    await eventually(released)


async def test_subscribing_before_connection_init_is_refused(
    live_server: str, database: Database, syncs: Syncs, port_sim: PortSim
) -> None:
    call_id = await _one_call(database, syncs, port_sim)

    async with graphql_ws(live_server, init=False) as ws:
        await ws.subscribe("1", UPDATED, {"id": gid("VesselCall", call_id)})
        with pytest.raises(ConnectionClosed) as closed:
            await ws.receive()

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4401


async def test_one_subscription_over_the_cap_is_refused(
    app: Starlette,
    live_server: str,
    settings: Settings,
    factory: Factory,
    database: Database,
    syncs: Syncs,
    port_sim: PortSim,
) -> None:
    viewer = await factory.member()
    call_id = await _one_call(database, syncs, port_sim)
    cap = settings.max_subscriptions_per_socket

    async with graphql_ws(live_server, viewer.client.token) as ws:
        for n in range(cap):
            await ws.subscribe(str(n), UPDATED, {"id": gid("VesselCall", call_id)})
        await _until_listening(app, f"vessel-call:{call_id}", count=cap)
        await ws.subscribe("over", UPDATED, {"id": gid("VesselCall", call_id)})
        refused = await ws.receive()

    assert refused["id"] == "over"
    assert refused["type"] == "error"
    assert "limit" in refused["payload"][0]["message"]


async def test_a_customer_cannot_follow_another_organisations_shipment_discharge(
    app: Starlette,
    live_server: str,
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
    boxes = [e.container_number for e in port_sim.yard.manifest(call_ref)[:3]]
    shipment_id = await add_shipment(database, owner.organisation_id, call_id, boxes)
    await add_shipment(database, outsider.organisation_id, call_id, [])
    variables = {
        "call": gid("VesselCall", call_id),
        "shipment": gid("Shipment", shipment_id),
    }

    async with graphql_ws(live_server, outsider.client.token) as ws:
        await ws.subscribe("spy", PROGRESS, variables)
        refused = await ws.receive()
    async with graphql_ws(live_server, owner.client.token) as ws:
        await ws.subscribe("own", PROGRESS, variables)
        await _until_listening(app, f"discharge:{call_id}")
        assert syncs.terminal is not None
        await syncs.terminal.sync_once()
        await app.state.runtime.extras["relay"].drain()
        seen = await ws.next_data("own")

    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "NOT_FOUND"
    shipments = seen["dischargeProgress"]["byShipment"]
    assert shipments == [
        {"shipmentId": gid("Shipment", shipment_id), "discharged": 3, "total": 3}
    ]


async def test_two_processes_share_events_through_redis(
    settings: Settings,
    database: Database,
    factory: Factory,
    port_sim: PortSim,
    redis_url: str,
) -> None:
    viewer = await factory.member()
    shared = {"broadcast_url": redis_url, "broadcast_prefix": channel_prefix()}
    listening = create_app(settings.model_copy(update=shared), migrate=False)
    ingesting = create_app(
        with_feeds(settings, port_sim, vessel_poll_seconds=0.05, **shared),
        migrate=False,
    )
    call_ref = port_sim.expected_call()

    async with serve_app(listening) as url, serve_app(ingesting):
        call_id = await _synced_call(database, call_ref)
        async with graphql_ws(url, viewer.client.token) as ws:
            await ws.subscribe("1", UPDATED, {"id": gid("VesselCall", call_id)})
            await _until_listening(listening, f"vessel-call:{call_id}")
            moved = await port_sim.move_eta(call_ref, 25)
            seen = await _next_with_eta(ws, moved)

    assert _eta(seen) == datetime.fromisoformat(moved)


async def test_events_after_a_redis_restart_still_arrive(
    settings: Settings,
    database: Database,
    factory: Factory,
    port_sim: PortSim,
    own_redis: ThrowawayRedis,
) -> None:
    viewer = await factory.member()
    configured = with_feeds(
        settings,
        port_sim,
        vessel_poll_seconds=0.05,
        broadcast_url=own_redis.url,
        broadcast_prefix=channel_prefix(),
    )
    app = create_app(configured, migrate=False)
    call_ref = port_sim.expected_call()

    async with serve_app(app) as url:
        call_id = await _synced_call(database, call_ref)
        async with graphql_ws(url, viewer.client.token) as ws:
            await ws.subscribe("1", UPDATED, {"id": gid("VesselCall", call_id)})
            await _until_listening(app, f"vessel-call:{call_id}")
            before = await port_sim.move_eta(call_ref, 20)
            await _next_with_eta(ws, before)
            await own_redis.restart()
            after = await port_sim.move_eta(call_ref, 35)
            seen = await _next_with_eta(ws, after)

    assert _eta(seen) == datetime.fromisoformat(after)


async def test_the_api_answers_stale_while_the_vessel_system_is_down(
    settings: Settings, database: Database, factory: Factory, port_sim: PortSim
) -> None:
    viewer = await factory.member()
    app = _quickly_stale(settings, port_sim, vessel_poll_seconds=0.05)
    call_ref = port_sim.expected_call()
    query = """query($id: ID!) { node(id: $id) { ... on VesselCall { eta stale } } }"""

    async with serve_app(app) as url, httpx.AsyncClient(base_url=url) as http:
        client = GraphQLClient(http, viewer.client.token)
        call_id = await _synced_call(database, call_ref)
        variables = {"id": gid("VesselCall", call_id)}
        await port_sim.outage("vessels", True)
        try:
            moved = await port_sim.move_eta(call_ref, 50)

            async def stale() -> bool:
                node = (await client.data(query, variables))["node"]
                return bool(node["stale"]) and node["eta"] != moved

            await eventually(stale)
        finally:
            await port_sim.outage("vessels", False)

        async def caught_up() -> bool:
            node = (await client.data(query, variables))["node"]
            eta = datetime.fromisoformat(node["eta"])
            return not node["stale"] and eta == datetime.fromisoformat(moved)

        await eventually(caught_up)


async def test_subscribers_see_the_vessel_feed_turn_stale_and_fresh_again(
    settings: Settings, database: Database, factory: Factory, port_sim: PortSim
) -> None:
    viewer = await factory.member()
    app = _quickly_stale(settings, port_sim, vessel_poll_seconds=0.05)
    call_ref = port_sim.expected_call()

    async with serve_app(app) as url:
        call_id = await _synced_call(database, call_ref)
        async with graphql_ws(url, viewer.client.token) as ws:
            await ws.subscribe("1", UPDATED, {"id": gid("VesselCall", call_id)})
            await _until_listening(app, f"vessel-call:{call_id}")
            await port_sim.outage("vessels", True)
            try:
                # Nothing about the call changes: only the feed falls silent.
                went_stale = await ws.next_data("1")
            finally:
                await port_sim.outage("vessels", False)
            fresh_again = await ws.next_data("1")

    assert went_stale["vesselCallUpdated"]["stale"] is True
    assert fresh_again["vesselCallUpdated"]["stale"] is False
    assert (
        fresh_again["vesselCallUpdated"]["eta"]
        == went_stale["vesselCallUpdated"]["eta"]
    )


async def test_discharge_subscribers_see_the_terminal_feed_turn_stale_and_back(
    settings: Settings, database: Database, factory: Factory, port_sim: PortSim
) -> None:
    viewer = await factory.member()
    app = _quickly_stale(settings, port_sim, terminal_poll_seconds=0.05)
    # A call that has arrived and not left: a departed call's counts are final.
    port_sim.discharged_call()
    call_ref = next(
        ref
        for ref, plan in sorted(port_sim.world.calls.items())
        if plan.arrived_at is not None and plan.departed_at is None
    )

    async with serve_app(app) as url:
        call_id = await _synced_call(database, call_ref)
        await add_shipment(database, viewer.organisation_id, call_id, [])
        async with graphql_ws(url, viewer.client.token) as ws:
            await ws.subscribe(
                "1", STALE_PROGRESS, {"call": gid("VesselCall", call_id)}
            )
            await _until_listening(app, f"discharge:{call_id}")
            await port_sim.outage("terminal", True)
            try:
                went_stale = await _next_with_stale(ws, stale=True)
            finally:
                await port_sim.outage("terminal", False)
            fresh_again = await _next_with_stale(ws, stale=False)

    # Only the flag turned: the counts are the ones the subscriber had.
    assert fresh_again["dischargeProgress"] == {
        **went_stale["dischargeProgress"],  # type: ignore[dict-item]
        "stale": False,
    }


async def test_a_subscriber_a_whole_queue_behind_is_dropped() -> None:
    hub = EventHub(MemoryBackend(), queue_size=2)
    await hub.connect()

    async with (
        hub.subscribe("vessel-call:x") as slow,
        hub.subscribe("vessel-call:x") as fast,
    ):
        for n in range(3):
            await hub.publish("vessel-call:x", str(n))
            assert await fast.__anext__() == str(n)
        with pytest.raises(SlowConsumerError):
            await slow.__anext__()
        assert hub.subscriber_count("vessel-call:x") == 1
    await hub.disconnect()

    assert hub.subscriber_count() == 0


def _quickly_stale(settings: Settings, sim: PortSim, **poll: float) -> Starlette:
    """An app polling the simulators' feeds fast, stale half a second after."""
    configured = with_feeds(
        settings, sim, sync_max_backoff_seconds=0.2, sync_stale_seconds=0.5, **poll
    )
    return create_app(configured, migrate=False)


async def _until_listening(app: Starlette, channel: str, count: int = 1) -> None:
    hub: EventHub = app.state.runtime.broadcast

    async def listening() -> bool:
        return hub.subscriber_count(channel) >= count

    await eventually(listening)


async def _one_call(database: Database, syncs: Syncs, sim: PortSim) -> uuid.UUID:
    assert syncs.vessels is not None
    await syncs.vessels.sync_once()
    return await call_id_of(database, sim.expected_call())


async def _synced_call(database: Database, call_ref: str) -> uuid.UUID:
    async def synced() -> bool:
        with contextlib.suppress(AssertionError):
            await call_id_of(database, call_ref)
            return True
        return False

    await eventually(synced)
    return await call_id_of(database, call_ref)


async def _next_with_eta(ws: object, eta: str) -> dict[str, object]:
    """Skip updates of earlier states (a resync repeats one) up to the given ETA."""
    while True:
        data = await ws.next_data("1")  # type: ignore[attr-defined]
        if _eta(data) == datetime.fromisoformat(eta):
            return data  # type: ignore[no-any-return]


async def test_the_postgres_backend_fans_out_notifications(database_url: str) -> None:
    from dermaga.broadcast_postgres import PostgresBackend

    hub = EventHub(PostgresBackend(database_url, prefix="t:"), queue_size=8)
    await hub.connect()
    try:
        async with (
            hub.subscribe("vessel-call:pg") as one,
            hub.subscribe("vessel-call:pg") as two,
        ):

            async def connected() -> bool:
                return hub.connected

            await eventually(connected)
            await hub.publish("vessel-call:pg", '{"kind": "x"}')
            async with asyncio.timeout(10):
                got = [await one.__anext__(), await two.__anext__()]
    finally:
        await hub.disconnect()

    assert got == ['{"kind": "x"}', '{"kind": "x"}']


async def test_long_channel_names_stay_apart_on_postgres(database_url: str) -> None:
    from dermaga.broadcast_postgres import PostgresBackend

    # Prefix and channel past PostgreSQL's 63-byte identifiers; the two
    # channels differ only past that point.
    prefix = "a-long-deployment-prefix-of-the-port-portal:"
    shared = "vessel-call:" + "x" * 20
    hub = EventHub(PostgresBackend(database_url, prefix=prefix), queue_size=8)
    await hub.connect()
    try:
        async with (
            hub.subscribe(shared + "-one") as one,
            hub.subscribe(shared + "-two") as two,
        ):

            async def connected() -> bool:
                return hub.connected

            await eventually(connected)
            await hub.publish(shared + "-two", '{"kind": "two"}')
            await hub.publish(shared + "-one", '{"kind": "one"}')
            async with asyncio.timeout(10):
                got = [await one.__anext__(), await two.__anext__()]
    finally:
        await hub.disconnect()

    assert got == ['{"kind": "one"}', '{"kind": "two"}']


async def _next_with_stale(ws: object, *, stale: bool) -> dict[str, object]:
    """Skip discharge updates (the first read fills the yard) up to the turn."""
    while True:
        data = await ws.next_data("1")  # type: ignore[attr-defined]
        if data["dischargeProgress"]["stale"] is stale:  # type: ignore[index]
            return data  # type: ignore[no-any-return]
