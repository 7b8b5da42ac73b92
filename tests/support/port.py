"""The port's simulators on loopback, feed syncs, a graphql-transport-ws client."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from strawberry import relay
from websockets.asyncio.client import ClientConnection, connect

from dermaga.settings import Settings
from dermaga.sync import Syncs, running_syncs
from domain.models.port import Vessel, VesselCall
from domain.models.shipments import Container, Shipment
from domain.models.tracking import ContainerEventRow
from domain.ports.terminal import ContainerEventType
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from integrations.clock import SimClock
from integrations.serving import serve_app
from integrations.terminal.simulator import create_terminal_simulator
from integrations.terminal.yard import TerminalYard
from integrations.vessels.simulator import create_vessel_simulator
from integrations.vessels.world import PortWorld

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
SEED = 7
WAIT_S = 15.0
_references = itertools.count(1)


@dataclass
class PortSim:
    """Phinnisi and the terminal over one PortWorld, their clock stopped."""

    vessels_url: str
    terminal_url: str
    clock: SimClock
    world: PortWorld
    yard: TerminalYard

    async def control(self, system: str, path: str, body: dict[str, Any]) -> Any:
        base = self.vessels_url if system == "vessels" else self.terminal_url
        async with httpx.AsyncClient(base_url=base, timeout=5.0) as http:
            response = await http.post(f"/_control{path}", json=body)
            assert response.status_code < 300, response.text
            return response.json()

    async def move_eta(self, call_ref: str, minutes: int) -> str:
        """Move a call's ETA; return the new ETA as the simulator sent it."""
        body = await self.control(
            "vessels", f"/calls/{call_ref}/eta", {"delta_minutes": minutes}
        )
        return str(body["eta"])

    async def outage(self, system: str, down: bool) -> None:
        await self.control(system, "/config", {"outage": down})

    def expected_call(self) -> str:
        """A call that has not yet arrived, so its ETA can still move."""
        self.world.advance()
        return next(
            ref
            for ref, plan in sorted(self.world.calls.items())
            if plan.arrived_at is None
        )

    def discharged_call(self) -> str:
        """A call whose boxes have started to come off."""
        self.yard.advance()
        return next(
            ref
            for ref, plan in sorted(self.world.calls.items())
            if plan.ops_started_at is not None
        )


@contextlib.asynccontextmanager
async def port_simulators() -> AsyncIterator[PortSim]:
    clock = SimClock(START, speed=0)
    world = PortWorld(clock, SEED)
    vessels = create_vessel_simulator(clock, SEED, world=world)
    terminal = create_terminal_simulator(world, SEED)
    async with serve_app(vessels) as vessels_url, serve_app(terminal) as terminal_url:
        yield PortSim(vessels_url, terminal_url, clock, world, terminal.state.yard)


def with_feeds(settings: Settings, sim: PortSim, **changes: Any) -> Settings:
    """The test settings, reading the simulators' feeds."""
    return settings.model_copy(
        update={
            "vessels_url": sim.vessels_url,
            "terminal_url": sim.terminal_url,
            "sync_attempts": 1,
            **changes,
        }
    )


@pytest.fixture
async def port_sim() -> AsyncIterator[PortSim]:
    async with port_simulators() as sim:
        yield sim


@pytest.fixture
async def syncs(
    database: Database, settings: Settings, port_sim: PortSim
) -> AsyncIterator[Syncs]:
    """Feed syncs over the session database, run by the test, not in the background."""
    async with running_syncs(
        database, with_feeds(settings, port_sim), start=False
    ) as s:
        yield s


async def sync_all(syncs: Syncs, app: Starlette) -> None:
    """Read both feeds to their end and publish the events they recorded."""
    assert syncs.vessels is not None
    assert syncs.terminal is not None
    await syncs.vessels.sync_once()
    await syncs.terminal.sync_once()
    await app.state.runtime.extras["relay"].drain()


async def call_id_of(database: Database, call_ref: str) -> uuid.UUID:
    async with database.transaction(SYSTEM) as session:
        found = await session.scalar(
            select(VesselCall.id).where(VesselCall.external_ref == call_ref)
        )
    assert found is not None, call_ref
    return found


async def add_shipment(
    database: Database,
    organisation_id: uuid.UUID,
    call_id: uuid.UUID,
    numbers: list[str],
    status: ShipmentStatus = ShipmentStatus.IN_SERVICE,
) -> uuid.UUID:
    """A shipment of the organisation on the call, with the given boxes."""
    async with database.transaction(SYSTEM) as session:
        shipment = Shipment(
            organisation_id=organisation_id,
            filed_by_organisation_id=organisation_id,
            reference=f"PORT-{next(_references):05d}-{uuid.uuid4().hex[:4]}",
            status=status,
            vessel_call_id=call_id,
            services=[],
        )
        session.add(shipment)
        await session.flush()
        for number in numbers:
            session.add(
                Container(
                    organisation_id=organisation_id,
                    shipment_id=shipment.id,
                    number=number,
                    size_type="22G1",
                )
            )
        return shipment.id


async def eventually(
    check: Callable[[], Awaitable[bool]], *, timeout: float = WAIT_S
) -> None:
    """Wait until `check` holds; fail after `timeout` seconds (no timing asserted)."""
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.05)


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/graphql"


class GraphQLWebSocket:
    """A graphql-transport-ws client over one socket."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket

    async def send(self, message: dict[str, Any]) -> None:
        await self.socket.send(json.dumps(message))

    async def init(self, token: str | None) -> dict[str, Any]:
        payload = {"authorization": f"Bearer {token}"} if token else {}
        await self.send({"type": "connection_init", "payload": payload})
        return await self.receive()

    async def subscribe(
        self, op_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        payload = {"query": query, "variables": variables or {}}
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})

    async def receive(self, timeout: float = WAIT_S) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                message: dict[str, Any] = json.loads(await self.socket.recv())
                if message["type"] == "ping":
                    await self.send({"type": "pong"})
                    continue
                return message

    async def next_data(self, op_id: str) -> dict[str, Any]:
        """The data of the next `next` message of the operation, errors failing."""
        message = await self.receive()
        assert message.get("id") == op_id, message
        assert message["type"] == "next", message
        assert not message["payload"].get("errors"), message["payload"]["errors"]
        data: dict[str, Any] = message["payload"]["data"]
        return data


@contextlib.asynccontextmanager
async def graphql_ws(
    base_url: str, token: str | None = None, *, init: bool = True
) -> AsyncIterator[GraphQLWebSocket]:
    async with connect(ws_url(base_url), subprotocols=["graphql-transport-ws"]) as s:  # type: ignore[list-item]
        client = GraphQLWebSocket(s)
        if init:
            ack = await client.init(token)
            assert ack["type"] == "connection_ack", ack
        yield client


def later(minutes: int) -> timedelta:
    return timedelta(minutes=minutes)


def _imo(seed: int) -> str:
    first_six = f"{seed % 900000 + 100000}"
    check = sum(int(d) * w for d, w in zip(first_six, range(7, 1, -1), strict=True))
    return f"{first_six}{check % 10}"


async def port_objects(
    database: Database, organisation_id: uuid.UUID
) -> dict[str, str]:
    """A public vessel call and the organisation's shipment on it, one box off."""
    async with database.transaction(SYSTEM) as session:
        vessel = Vessel(imo=_imo(uuid.uuid4().int), name="TENANCY STAR", flag="ID")
        session.add(vessel)
        await session.flush()
        call = VesselCall(
            external_ref=f"PKK-T-{uuid.uuid4().hex[:10]}",
            vessel_id=vessel.id,
            voyage="001N",
            port="IDTPP",
            terminal="JICT",
            eta=START,
        )
        session.add(call)
        await session.flush()
        session.add(
            ContainerEventRow(
                event_id=uuid.uuid4().hex,
                container_number="CSQU3054383",
                vessel_call_ref=call.external_ref,
                vessel_call_id=call.id,
                event_type=ContainerEventType.DISC,
                event_time=START,
                sent_at=START,
            )
        )
    shipment_id = await add_shipment(
        database, organisation_id, call.id, ["CSQU3054383"]
    )
    return {
        "Vessel": str(relay.GlobalID("Vessel", str(vessel.id))),
        "VesselCall": str(relay.GlobalID("VesselCall", str(call.id))),
        "PortShipment": str(relay.GlobalID("Shipment", str(shipment_id))),
    }


async def first_message(
    base_url: str,
    token: str | None,
    query: str,
    variables: dict[str, Any],
    publish: Callable[[], Awaitable[None]],
) -> dict[str, Any]:
    """The first message a subscription gets once `publish` has sent an event."""
    async with graphql_ws(base_url, token) as ws:
        await ws.subscribe("probe", query, variables)
        first: asyncio.Task[dict[str, Any]] = asyncio.create_task(ws.receive())
        # Keep publishing until the subscription, now listening, answers.
        while not first.done():
            await publish()
            await asyncio.wait({first}, timeout=0.2)
        return first.result()
