"""Fan-out benchmark: N WebSocket subscribers of one vessel call, one ETA change.

Run: `.venv/bin/python -m bench.fanout.run --subscribers 5000 --workers 4`
(needs DERMAGA_TEST_DATABASE_URL or the embedded PostgreSQL; `--deflate on`
negotiates permessage-deflate as bare uvicorn would, `--only dermaga` skips the
bare server).
For each of Dermaga's `vesselCallUpdated` and a bare strawberry subscription
fed by broadcaster, a fresh server process takes N sockets from client
processes; one ETA change is triggered over an open HTTP connection and every
client notes when its socket got it. Reports p50, p99 and max delivery time
from the trigger, server memory per socket, the hub's queues (one per shared
group) and the machine's load when the trigger went out.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing as mp
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from dermaga.database import create_engine
from domain.models.identity import OrganisationKind, Role
from domain.models.port import Vessel, VesselCall
from domain.services import identity
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.database import test_database

SECRET = "bench-secret-key-that-is-long-enough-0123456789"
PASSWORD = "a-long-bench-password"
CONNECT_CONCURRENCY = 50
OPEN_TIMEOUT_S = 300
DERMAGA_QUERY = (
    "subscription($id: ID!) { vesselCallUpdated(id: $id) { id eta status } }"
)
BARE_QUERY = "subscription($id: String!) { etaChanged(id: $id) { callId eta } }"


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    query: str
    variables: dict[str, Any]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _seed(url: str) -> tuple[uuid.UUID, str]:
    engine = create_engine(url)
    database = Database(engine)
    email = f"bench-{uuid.uuid4().hex[:6]}@example.id"
    async with database.transaction(SYSTEM) as session:
        org = await identity.create_organisation(
            session, name="Bench Importer", kind=OrganisationKind.IMPORTER, npwp=None
        )
        await identity.create_user(
            session,
            organisation_id=org.id,
            email=email,
            full_name="Bench",
            password=PASSWORD,
            roles=frozenset({Role.CUSTOMER}),
        )
        vessel = Vessel(imo="9074729", name="BENCH STAR")
        session.add(vessel)
        await session.flush()
        call = VesselCall(
            external_ref="PKK-BENCH-1",
            vessel_id=vessel.id,
            voyage="001N",
            port="IDTPP",
            terminal="JICT",
            eta=datetime(2026, 1, 1, 8, tzinfo=UTC),
        )
        session.add(call)
        await session.flush()
        call_id = call.id
    await engine.dispose()
    return call_id, email


def _worker(
    base: str, target: Target, token: str, count: int, out: mp.Queue[Any]
) -> None:
    asyncio.run(_work(base, target, token, count, out))


async def _work(
    base: str, target: Target, token: str, count: int, out: mp.Queue[Any]
) -> None:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    url = base.replace("http://", "ws://") + target.path

    async def open_one(n: int) -> ClientConnection:
        async with gate:
            ws = await connect(
                url,
                subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
                ping_interval=None,
            )
            await ws.send(
                json.dumps(
                    {
                        "type": "connection_init",
                        "payload": {"authorization": f"Bearer {token}"},
                    }
                )
            )
            ack = json.loads(await ws.recv())
            assert ack["type"] == "connection_ack", ack
            payload = {"query": target.query, "variables": target.variables}
            await ws.send(
                json.dumps({"id": "1", "type": "subscribe", "payload": payload})
            )
            return ws

    sockets = await asyncio.gather(*(open_one(n) for n in range(count)))
    # A client's own full collection over its 1,000-odd sockets would pause
    # its reading and be counted as the server's delay: the sockets are
    # frozen out of the collector, as the server does (dermaga/collector.py).
    gc.collect()
    gc.freeze()
    out.put(("ready", count))

    async def first(ws: ClientConnection) -> float | None:
        try:
            async with asyncio.timeout(120):
                message = json.loads(await ws.recv())
        except TimeoutError:
            return None
        received = time.time()
        return received if message.get("type") == "next" else None

    times = await asyncio.gather(*(first(ws) for ws in sockets))
    out.put(("done", times))
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)


def _measure(
    url: str,
    target: Target,
    token: str,
    trigger: str,
    n: int,
    workers: int,
    deflate: str,
) -> dict[str, float]:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([*_server_command(url, port), "--deflate", deflate])
    try:
        _wait_up(base)
        with httpx.Client(base_url=base, timeout=30) as http:
            return _fan_out(http, target, token, trigger, n, workers)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _fan_out(
    http: httpx.Client, target: Target, token: str, trigger: str, n: int, workers: int
) -> dict[str, float]:
    before = http.get("/bench/stats").json()["rss_bytes"]
    out: mp.Queue[Any] = mp.Queue()
    shares = [n // workers + (1 if i < n % workers else 0) for i in range(workers)]
    base = str(http.base_url).rstrip("/")
    procs = [
        mp.Process(target=_worker, args=(base, target, token, share, out))
        for share in shares
    ]
    for proc in procs:
        proc.start()
    for _ in procs:
        kind, _count = out.get(timeout=600)
        assert kind == "ready"
    _wait_subscribed(http, target.name, n)
    stats = http.get("/bench/stats").json()
    load = os.getloadavg()[0]
    # The connection is open already: only the trigger itself is timed.
    started = time.time()
    http.post(trigger).raise_for_status()
    received: list[float] = []
    lost = 0
    for _ in procs:
        kind, times = out.get(timeout=600)
        received += [t - started for t in times if t is not None]
        lost += sum(t is None for t in times)
    for proc in procs:
        proc.join(timeout=60)
    received.sort()
    return {
        "subscribers": n,
        "delivered": len(received),
        "lost": lost,
        "p50_ms": 1000 * statistics.median(received),
        "p99_ms": 1000 * received[max(int(0.99 * len(received)) - 1, 0)],
        "max_ms": 1000 * received[-1],
        "kib_per_socket": (stats["rss_bytes"] - before) / n / 1024,
        "hub_queues": stats["dermaga_queues"] if target.name == "dermaga" else n,
        "load_1m": load,
    }


def _wait_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the bench server did not start")


def _wait_subscribed(http: httpx.Client, name: str, n: int) -> None:
    key = "bare_subscribers" if name == "bare" else "dermaga_subscribers"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if http.get("/bench/stats").json()[key] >= n:
            return
        time.sleep(0.2)
    raise RuntimeError(f"only some of {n} subscriptions started")


def _token(url: str, email: str) -> str:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(_server_command(url, port))
    try:
        _wait_up(base)
        query = """mutation($e: String!, $p: String!) {
          signIn(input: {email: $e, password: $p}) { token } }"""
        body = httpx.post(
            f"{base}/graphql",
            json={"query": query, "variables": {"e": email, "p": PASSWORD}},
        ).json()
        return str(body["data"]["signIn"]["token"])
    finally:
        server.terminate()
        server.wait(timeout=30)


def _server_command(url: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.fanout.server",
        "--database-url",
        url,
        "--port",
        str(port),
        "--secret",
        SECRET,
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=5000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument(
        "--deflate",
        choices=("on", "off"),
        default="off",
        help="permessage-deflate: off as `dermaga serve` runs, on as uvicorn defaults",
    )
    parser.add_argument("--only", choices=("dermaga", "bare"), default=None)
    args = parser.parse_args()
    os.environ.setdefault("DERMAGA_LOG_LEVEL", "WARNING")

    async def run() -> None:
        async with test_database() as url:
            call_id, email = await _seed(url)
            token = await asyncio.to_thread(_token, url, email)
            targets = [
                (
                    Target(
                        "dermaga",
                        "/graphql",
                        DERMAGA_QUERY,
                        {"id": _gid(call_id)},
                    ),
                    f"/bench/eta?call={call_id}",
                ),
                (
                    Target(
                        "bare",
                        "/bare",
                        BARE_QUERY,
                        {"id": str(call_id)},
                    ),
                    f"/bench/bare?call={call_id}&eta=2026-01-01T08:05:00%2B00:00",
                ),
            ]
            for target, trigger in targets:
                if args.only not in (None, target.name):
                    continue
                result = await asyncio.to_thread(
                    _measure,
                    url,
                    target,
                    token,
                    trigger,
                    args.subscribers,
                    args.workers,
                    args.deflate,
                )
                print(target.name, f"deflate={args.deflate}", json.dumps(result))

    asyncio.run(run())


def _gid(call_id: uuid.UUID) -> str:
    from strawberry import relay

    return str(relay.GlobalID("VesselCall", str(call_id)))


if __name__ == "__main__":
    main()
