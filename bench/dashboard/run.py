"""The dashboard query against a live server and against an in-memory schema, same run.

Run by hand: `.venv/bin/python -m bench.dashboard.run` (needs `wrk` on PATH
and a PostgreSQL server: DERMAGA_BENCH_DATABASE_URL, default the local one).
The customer has 25 shipments of 4 boxes, each on a vessel call of its own,
paid and invoiced; the request is clients/operations/dashboard.graphql for
the 20 latest. wrk drives 16 connections at each server in turn. Targets: at
least half the in-memory rate, p99 under 100 ms. `--workers N` runs both
servers as N processes (one a core is the fair setting on a small machine);
Dermaga's then share a PostgreSQL broadcaster, as several processes must.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
from sqlalchemy import select

from bench.viewer.run import LUA, bench_database, start
from dermaga.database import create_engine
from domain.models.identity import User
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.dashboard import seed
from tests.support.post_service import seed_tariffs

ROOT = Path(__file__).resolve().parents[2]
DERMAGA_PORT, MEMORY_PORT = 8821, 8822
CONNECTIONS, SECONDS = 16, 15
SHIPMENTS = 25
PASSWORD = "bench-password-123"
EMAIL = "dashboard@example.id"
QUERY = (ROOT / "clients" / "operations" / "dashboard.graphql").read_text()


def wrk(port: int, body: str, token: str = "") -> tuple[float, float]:
    """Requests a second and p99 latency in milliseconds over one wrk run."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    result = subprocess.run(
        [*command, "-s", script.name, f"http://127.0.0.1:{port}/graphql"],
        env={**os.environ, "BENCH_BODY": body, "BENCH_TOKEN": token},
        capture_output=True,
        text=True,
        check=True,
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", result.stdout)
    assert rate is not None, result.stdout
    assert p99 is not None, result.stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        sys.exit(f"{errors.group(1)} failed responses:\n{result.stdout}")
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(rate.group(1)), float(p99.group(1)) * scale


async def seed_customer(url: str) -> None:
    """Tariffs and the customer's paid, invoiced shipments."""
    engine = create_engine(url)
    database = Database(engine)
    try:
        await seed_tariffs(database)
        async with database.transaction(SYSTEM) as session:
            user = await session.scalar(select(User).where(User.email == EMAIL))
        assert user is not None
        await seed(database, user.organisation_id, SHIPMENTS)
    finally:
        await engine.dispose()


def sign_in() -> str:
    mutation = (
        f'mutation {{ signIn(input: {{email: "{EMAIL}", password: "{PASSWORD}"}}) '
        "{ token } }"
    )
    answer = httpx.post(
        f"http://127.0.0.1:{DERMAGA_PORT}/graphql", json={"query": mutation}
    ).json()
    return str(answer["data"]["signIn"]["token"])


def check(port: int, body: str, token: str = "") -> None:
    """One request first: the page must be full and free of errors."""
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    answer = httpx.post(
        f"http://127.0.0.1:{port}/graphql", content=body, headers=headers
    ).json()
    assert not answer.get("errors"), answer["errors"]
    assert len(answer["data"]["shipments"]["nodes"]) == 20, answer


def main(workers: int) -> None:
    url = bench_database()
    env = {
        **os.environ,
        "DERMAGA_DATABASE_URL": url,
        "DERMAGA_BROADCAST_URL": url.replace("postgresql://", "postgres://"),
        "DERMAGA_SECRET_KEY": "bench-secret-key-that-is-long-enough-000",
        "DERMAGA_LOG_LEVEL": "WARNING",
        "DERMAGA_NEW_USER_PASSWORD": PASSWORD,
    }
    dermaga = str(ROOT / ".venv" / "bin" / "dermaga")
    subprocess.run([dermaga, "migrate"], env=env, check=True, capture_output=True)
    user = ["--email", EMAIL, "--name", "Bench", "--organisation", "Bench Importer"]
    subprocess.run(
        [dermaga, "create-user", *user],
        env=env,
        check=True,
        capture_output=True,
    )
    asyncio.run(seed_customer(url.replace("postgresql://", "postgresql+asyncpg://")))
    processes = ["--workers", str(workers)]
    servers = [
        start(
            [dermaga, "serve", "--port", str(DERMAGA_PORT), *processes],
            env,
            DERMAGA_PORT,
        ),
        start(
            [
                sys.executable,
                "-m",
                "bench.dashboard.memory",
                "--port",
                str(MEMORY_PORT),
                *processes,
            ],
            env,
            MEMORY_PORT,
        ),
    ]
    try:
        token = sign_in()
        body = json.dumps({"query": QUERY, "variables": {"first": 20}})
        check(DERMAGA_PORT, body, token)
        check(MEMORY_PORT, body)
        wrk(DERMAGA_PORT, body, token)  # warm-up
        wrk(MEMORY_PORT, body)
        ours = wrk(DERMAGA_PORT, body, token)
        memory = wrk(MEMORY_PORT, body)
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    report(ours, memory, workers)


def report(
    ours: tuple[float, float], memory: tuple[float, float], workers: int
) -> None:
    print(
        f"dashboard, 20 shipments x 4 boxes, {CONNECTIONS} connections, "
        f"{workers} worker process(es) per server"
    )
    print(f"{'server':<30} {'req/s':>8} {'p99 ms':>8}")
    print(f"{'dermaga on PostgreSQL':<30} {ours[0]:>8.0f} {ours[1]:>8.1f}")
    print(f"{'strawberry from memory':<30} {memory[0]:>8.0f} {memory[1]:>8.1f}")
    print(f"ratio: {ours[0] / memory[0]:.2f} (target >= 0.50); p99 target < 100 ms")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--workers", type=int, default=1, help="processes per server, both alike"
    )
    main(parser.parse_args().workers)
