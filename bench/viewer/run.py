"""`viewer { id }` with a bearer token against a bare `{ hello }`, same run.

Run by hand: `.venv/bin/python -m bench.viewer.run` (needs `wrk` on PATH and
a PostgreSQL server: DERMAGA_BENCH_DATABASE_URL, default the local one).
Both servers are one uvicorn process; wrk drives 32 connections at each in
turn, and the figure that matters is the ratio, which survives a noisy
machine. Target: at least 0.7 of the bare endpoint.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
DATABASE = os.environ.get(
    "DERMAGA_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DERMAGA_PORT, BARE_PORT = 8811, 8812
CONNECTIONS, SECONDS = 32, 15
PASSWORD = "bench-password-123"
LUA = """
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
local token = os.getenv("BENCH_TOKEN")
if token and #token > 0 then wrk.headers["Authorization"] = "Bearer " .. token end
"""


def bench_database() -> str:
    admin = DATABASE.rsplit("/", 1)[0]
    subprocess.run(
        ["psql", DATABASE, "-qc", "DROP DATABASE IF EXISTS dermaga_bench WITH (FORCE)"],
        check=True,
    )
    subprocess.run(
        ["psql", DATABASE, "-qc", "CREATE DATABASE dermaga_bench"], check=True
    )
    return f"{admin}/dermaga_bench"


def start(
    command: list[str], env: dict[str, str], port: int
) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(command, env=env, cwd=ROOT)
    for _ in range(100):
        try:
            httpx.post(
                f"http://127.0.0.1:{port}/graphql", json={"query": "{__typename}"}
            )
            return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server on port {port} did not start")


def wrk(port: int, body: str, token: str = "") -> tuple[float, float]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    result = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--latency",
            "-s",
            script.name,
            f"http://127.0.0.1:{port}/graphql",
        ],
        env={**os.environ, "BENCH_BODY": body, "BENCH_TOKEN": token},
        capture_output=True,
        text=True,
        check=True,
    )
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", result.stdout).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", result.stdout)
    assert p99 is not None, result.stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
    if errors:
        sys.exit(f"{errors.group(1)} failed responses:\n{result.stdout}")
    return rps, float(p99.group(1)) * scale


def main() -> None:
    env = {
        **os.environ,
        "DERMAGA_DATABASE_URL": bench_database(),
        "DERMAGA_SECRET_KEY": "bench-secret-key-that-is-long-enough-000",
        "DERMAGA_LOG_LEVEL": "WARNING",
        "DERMAGA_NEW_USER_PASSWORD": PASSWORD,
    }
    dermaga = ROOT / ".venv" / "bin" / "dermaga"
    subprocess.run(
        [
            str(dermaga),
            "create-user",
            "--email",
            "bench@example.id",
            "--name",
            "Bench",
            "--organisation",
            "Bench Importer",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    servers = [
        start([str(dermaga), "serve", "--port", str(DERMAGA_PORT)], env, DERMAGA_PORT),
        start(
            [sys.executable, "-m", "bench.viewer.bare", "--port", str(BARE_PORT)],
            env,
            BARE_PORT,
        ),
    ]
    try:
        signed = httpx.post(
            f"http://127.0.0.1:{DERMAGA_PORT}/graphql",
            json={
                "query": 'mutation { signIn(input: {email: "bench@example.id", '
                f'password: "{PASSWORD}"}}) {{ token }} }}'
            },
        ).json()
        token = signed["data"]["signIn"]["token"]
        viewer = json.dumps({"query": "{ viewer { id } }"})
        hello = json.dumps({"query": "{ hello }"})
        wrk(DERMAGA_PORT, viewer, token)  # warm-up
        wrk(BARE_PORT, hello)
        ours = wrk(DERMAGA_PORT, viewer, token)
        bare = wrk(BARE_PORT, hello)
    finally:
        for server in servers:
            server.terminate()
            server.wait(10)
    print(f"{'endpoint':<28} {'req/s':>8} {'p99 ms':>8}")
    print(f"{'dermaga viewer { id }':<28} {ours[0]:>8.0f} {ours[1]:>8.1f}")
    print(f"{'bare strawberry { hello }':<28} {bare[0]:>8.0f} {bare[1]:>8.1f}")
    print(f"ratio: {ours[0] / bare[0]:.2f} (target >= 0.70)")


if __name__ == "__main__":
    main()
