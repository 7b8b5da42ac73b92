"""The dashboard query in process: the ASGI apps called directly, no network.

Run by hand: `.venv/bin/python -m bench.dashboard.inprocess` (needs a
PostgreSQL server: DERMAGA_BENCH_DATABASE_URL, default the local one). Times
one request after another through httpx's ASGI transport, for Dermaga on a
seeded database and for the in-memory floor, and prints the milliseconds a
request takes, the median of several rounds: steadier than wrk on a busy
machine, and what a profile is taken of (`--profile out.prof` writes
cProfile stats of Dermaga's requests).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import uvloop
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL

from bench.dashboard import memory
from bench.dashboard.run import EMAIL, PASSWORD, QUERY, SHIPMENTS
from dermaga.app import create_app
from dermaga.settings import Settings
from domain.models.identity import OrganisationKind, Role
from domain.services import identity
from domain.viewer import SYSTEM
from tests.support.dashboard import seed
from tests.support.post_service import seed_tariffs

DATABASE = os.environ.get(
    "DERMAGA_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
NAME = "dermaga_bench_dashboard_inprocess"
Call = tuple[httpx.AsyncClient, dict[str, str]]
BODY = json.dumps({"query": QUERY, "variables": {"first": 20}})


def fresh_database() -> str:
    for sql in (
        f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)",
        f"CREATE DATABASE {NAME}",
    ):
        subprocess.run(["psql", DATABASE, "-qc", sql], check=True)
    return f"{DATABASE.rsplit('/', 1)[0]}/{NAME}"


async def prepare(app: Starlette) -> None:
    services = app.state.runtime.require()
    async with services.database.transaction(SYSTEM) as session:
        org = await identity.find_or_create_organisation(
            session, name="Bench Importer", kind=OrganisationKind.IMPORTER, npwp=None
        )
        await identity.create_user(
            session,
            organisation_id=org.id,
            email=EMAIL,
            full_name="Bench",
            password=PASSWORD,
            roles=frozenset({Role.CUSTOMER}),
        )
    await seed_tariffs(services.database)
    await seed(services.database, org.id, SHIPMENTS)


async def rounds(
    client: httpx.AsyncClient, headers: dict[str, str], count: int, repeat: int
) -> tuple[float, float]:
    """Wall and CPU ms per request, the best of `repeat` rounds of `count`.

    CPU time is this process's own (the database server's is not in it), so
    it moves less than wall time when other work shares the machine.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(count):
            response = await client.post("/graphql", content=BODY, headers=headers)
            assert response.status_code == 200, response.text
        walls.append((time.perf_counter() - wall) * 1000 / count)
        cpus.append((time.process_time() - cpu) * 1000 / count)
    return min(walls), min(cpus)


def client_of(app: object) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=transport, base_url="http://bench")


@contextlib.asynccontextmanager
async def clients() -> AsyncIterator[tuple[Call, Call]]:
    """Dermaga on a fresh seeded database, signed in, and the in-memory floor."""
    settings = Settings(
        database_url=fresh_database(),
        secret_key="bench-secret-key-that-is-long-enough-000",  # type: ignore[arg-type]
        data_dir=Path(tempfile.mkdtemp()),
        log_format="json",
        log_level="WARNING",
    )
    app = create_app(settings)
    floor = Starlette(
        routes=[Route("/graphql", GraphQL(memory.schema()), methods=["POST"])]
    )
    async with (
        app.router.lifespan_context(app),
        client_of(app) as client,
        client_of(floor) as bare,
    ):
        await prepare(app)
        sign_in = (
            f'mutation {{ signIn(input: {{email: "{EMAIL}", password: "{PASSWORD}"}})'
            " { token } }"
        )
        answer = (await client.post("/graphql", json={"query": sign_in})).json()
        headers = {
            "content-type": "application/json",
            "authorization": f"Bearer {answer['data']['signIn']['token']}",
        }
        plain = {"content-type": "application/json"}
        for http, sent in ((client, headers), (bare, plain)):
            page = (await http.post("/graphql", content=BODY, headers=sent)).json()
            assert not page.get("errors"), page["errors"]
            assert len(page["data"]["shipments"]["nodes"]) == 20, page
        yield (client, headers), (bare, plain)


async def main(count: int, repeat: int, profile: str | None) -> None:
    async with clients() as (ours, floor):
        await rounds(*floor, count, 1)
        await rounds(*ours, count, 1)
        ours_ms = await rounds(*ours, count, repeat)
        floor_ms = await rounds(*floor, count, repeat)
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            await rounds(*ours, count, 1)
            profiler.disable()
            profiler.dump_stats(profile)
    print(f"dashboard in process, {count} requests x {repeat} rounds (best)")
    print(f"{'server':<24} {'wall ms':>8} {'CPU ms':>8}")
    for name, (wall, cpu) in (
        ("dermaga on PostgreSQL", ours_ms),
        ("strawberry from memory", floor_ms),
    ):
        print(f"{name:<24} {wall:>8.2f} {cpu:>8.2f}")
    print(
        f"ratio of rates: {floor_ms[0] / ours_ms[0]:.2f} wall, "
        f"{floor_ms[1] / ours_ms[1]:.2f} CPU"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", default=None)
    args = parser.parse_args()
    uvloop.run(main(args.count, args.repeat, args.profile))
