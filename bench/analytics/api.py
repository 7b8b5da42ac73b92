"""The same year of analytics asked through the GraphQL API, end to end in process.

Called by bench.analytics.run after the domain timings, on the same seeded
database: the app is built as `dermaga serve` builds it (lifespan included),
a customer of the seeded organisation and an operator sign in, and the
`analytics` query is posted through httpx's ASGI transport, one request
after another. No network is crossed, so the time is the server's: parsing,
validation, permissions, the report's SQL, serialising the answer.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
from starlette.applications import Starlette

from dermaga.app import create_app
from dermaga.settings import Settings
from domain.models.identity import OrganisationKind, Role
from domain.services import identity
from domain.viewer import SYSTEM

PASSWORD = "bench-password-000"
QUERY = """
query Analytics($from: DateTime!, $to: DateTime!) {
  analytics(range: {from: $from, to: $to}, groupBy: MONTH) {
    rows { bucket shipments containers dwellHours verificationToPickupHours
           gateTurnaroundMinutes bookingsKept bookingsLate bookingsMissed }
    storageDaysByPeriod { period days amount { amount currency } }
    costByService { service amount { amount currency } }
    operator {
      slotUtilisation { hour quota booked gatedIn utilisationPercent }
      gateTurnaround { trucks averageMinutes withinServiceLevel }
      peakHours { hour gatedIn }
      serviceLevelMinutes
    }
  }
}"""


async def time_api(
    url: str, organisation_id: uuid.UUID, start: datetime, end: datetime, runs: int
) -> None:
    """Print the median and worst wall time of the report for both viewers."""
    settings = Settings(
        database_url=url,
        secret_key="bench-secret-key-that-is-long-enough-000",  # type: ignore[arg-type]
        data_dir=Path(tempfile.mkdtemp()),
        log_format="json",
        log_level="ERROR",
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    body = json.dumps(
        {
            "query": QUERY,
            "variables": {"from": start.isoformat(), "to": end.isoformat()},
        }
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        await _users(app, organisation_id)
        for name in ("customer", "operator"):
            headers = await _signed_in(client, f"{name}@bench.example")
            timings, size = [], 0
            for _ in range(runs + 1):
                started = time.perf_counter()
                response = await client.post("/graphql", content=body, headers=headers)
                timings.append((time.perf_counter() - started) * 1000)
                answer = response.json()
                assert not answer.get("errors"), answer["errors"]
                size = len(response.content)
            timings = timings[1:]  # the first request warms the caches
            print(
                f"analytics via GraphQL/ASGI ({name}, {size} bytes): median "
                f"{statistics.median(timings):.0f} ms, max {max(timings):.0f} ms "
                f"over {runs} runs (target < 300 ms)"
            )


async def _users(app: Starlette, organisation_id: uuid.UUID) -> None:
    services = app.state.runtime.require()
    async with services.database.transaction(SYSTEM) as session:
        terminal = await identity.create_organisation(
            session,
            name="Bench Terminal",
            kind=OrganisationKind.TERMINAL_OPERATOR,
            npwp=None,
        )
        for name, role, org in (
            ("customer", Role.CUSTOMER, organisation_id),
            ("operator", Role.OPERATOR, terminal.id),
        ):
            await identity.create_user(
                session,
                organisation_id=org,
                email=f"{name}@bench.example",
                full_name=f"Bench {name}",
                password=PASSWORD,
                roles=frozenset({role}),
            )


async def _signed_in(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    sign_in = (
        "mutation($e: String!, $p: String!) "
        "{ signIn(input: {email: $e, password: $p}) { token } }"
    )
    response = await client.post(
        "/graphql",
        json={"query": sign_in, "variables": {"e": email, "p": PASSWORD}},
    )
    token = response.json()["data"]["signIn"]["token"]
    return {"content-type": "application/json", "authorization": f"Bearer {token}"}
