"""Requests per second of `shipments(first: 20)` with containers, over HTTP.

Run by hand: `.venv/bin/python -m bench.shipments.bench_list` (needs a
PostgreSQL server: DERMAGA_BENCH_DATABASE_URL, default the local one). It
serves Dermaga in its own uvicorn process, seeds SHIPMENTS requests of
CONTAINERS boxes each for one importer, then CLIENTS httpx clients ask for
the first page, each page's containers through one batched load, for SECONDS.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from bench.viewer.run import bench_database, start
from dermaga.database import async_url, create_engine
from domain.identifiers import iso6346_check_digit
from domain.models.identity import User
from domain.services.draft_fields import ContainerEntry, ShipmentDraft
from domain.services.drafts import create_shipment
from domain.unit_of_work import Database
from domain.viewer import SYSTEM, Viewer

PORT = 8813
SHIPMENTS, CONTAINERS = 200, 5
CLIENTS, SECONDS = 16, 10
PASSWORD = "bench-password-123"
EMAIL = "bench-shipments@example.id"
QUERY = """{ shipments(first: 20) { totalCount edges { node {
  reference status blNumber containers { number sizeType seal grossKg } } } } }"""


def box(serial: int) -> ContainerEntry:
    prefix = f"BNCU{serial:06d}"
    number = f"{prefix}{iso6346_check_digit(prefix)}"
    return ContainerEntry(number, "45G1", f"S{serial}", 100, 20000)


async def seed(url: str) -> None:
    engine = create_engine(async_url(url))
    database = Database(engine)
    async with database.transaction(SYSTEM) as session:
        user = await session.scalar(select(User).where(User.email == EMAIL))
        assert user is not None
        viewer = Viewer(user.id, user.organisation_id, frozenset(user.roles))
    now = datetime.now(UTC)
    for n in range(SHIPMENTS):
        draft = ShipmentDraft(
            bl_number=f"BENCH{n:08d}",
            containers=[box(n * CONTAINERS + i) for i in range(CONTAINERS)],
        )
        async with database.transaction(viewer) as session:
            await create_shipment(session, viewer, draft, now)
    await engine.dispose()


async def load(token: str) -> tuple[int, list[float]]:
    latencies: list[float] = []
    deadline = time.perf_counter() + SECONDS
    headers = {"authorization": f"Bearer {token}"}

    async def client() -> None:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{PORT}") as http:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                response = await http.post(
                    "/graphql", json={"query": QUERY}, headers=headers
                )
                body = response.json()
                if response.status_code != 200 or body.get("errors"):
                    raise RuntimeError(f"request failed: {body}")
                latencies.append((time.perf_counter() - began) * 1000)

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return len(latencies), latencies


def main() -> None:
    url = bench_database()
    env = {
        **os.environ,
        "DERMAGA_DATABASE_URL": url,
        "DERMAGA_SECRET_KEY": "bench-secret-key-that-is-long-enough-000",
        "DERMAGA_LOG_LEVEL": "WARNING",
        "DERMAGA_NEW_USER_PASSWORD": PASSWORD,
    }
    dermaga = [sys.executable, "-m", "dermaga.cli"]
    server = start([*dermaga, "serve", "--port", str(PORT)], env, PORT)
    try:
        subprocess.run(
            [*dermaga, "create-user", "--email", EMAIL, "--name", "Bench",
             "--organisation", "Bench Importer"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip
        asyncio.run(seed(url))
        signed = httpx.post(
            f"http://127.0.0.1:{PORT}/graphql",
            json={
                "query": f'mutation {{ signIn(input: {{email: "{EMAIL}", '
                f'password: "{PASSWORD}"}}) {{ token }} }}'
            },
        ).json()
        token = signed["data"]["signIn"]["token"]
        asyncio.run(load(token))  # warm-up
        count, latencies = asyncio.run(load(token))
    finally:
        server.terminate()
        server.wait(10)
    cuts = statistics.quantiles(latencies, n=100)
    print(f"shipments(first: 20) x {CONTAINERS} containers, {CLIENTS} clients")
    print(f"requests/s {count / SECONDS:8.0f}")
    print(f"p50 ms     {cuts[49]:8.1f}")
    print(f"p99 ms     {cuts[98]:8.1f}")


if __name__ == "__main__":
    main()
