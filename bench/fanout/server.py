"""One server process for the fan-out benchmark: Dermaga beside a bare subscription.

`/graphql` is the whole Dermaga app (event hub, outbox relay, per-event reloads
through the tenancy scope). `/bare` is a bare strawberry subscription fed by
`broadcaster.Broadcast` (memory backend), which yields the message itself.
`/bench/*` triggers one ETA change on either and reports the process's memory.
"""

from __future__ import annotations

import argparse
import contextlib
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import timedelta
from pathlib import Path

import strawberry
import uvicorn
from broadcaster import Broadcast
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from strawberry.asgi import GraphQL

from dermaga.app import create_app
from dermaga.settings import Settings
from domain import events
from domain.models.port import VesselCall
from domain.unit_of_work import Database
from domain.viewer import SYSTEM

BARE = Broadcast("memory://")
BARE_SUBSCRIBERS: dict[str, int] = {"count": 0}


@strawberry.type
class EtaChange:
    call_id: str
    eta: str


@strawberry.type
class BareQuery:
    ok: bool = True


@strawberry.type
class BareSubscription:
    @strawberry.subscription
    async def eta_changed(self, id: str) -> AsyncGenerator[EtaChange, None]:
        BARE_SUBSCRIBERS["count"] += 1
        try:
            async with BARE.subscribe(f"bare:{id}") as subscriber:
                async for event in subscriber:  # type: ignore[union-attr]
                    if event is not None:
                        yield EtaChange(call_id=id, eta=event.message)
        finally:
            BARE_SUBSCRIBERS["count"] -= 1


def build(settings: Settings) -> Starlette:
    dermaga = create_app(settings, migrate=False)
    bare = GraphQL(strawberry.Schema(query=BareQuery, subscription=BareSubscription))

    async def change_eta(request: Request) -> JSONResponse:
        call_id = uuid.UUID(request.query_params["call"])
        database: Database = dermaga.state.runtime.require().database
        async with database.transaction(SYSTEM) as session:
            call = await session.get(VesselCall, call_id, with_for_update=True)
            assert call is not None
            assert call.eta is not None
            call.eta = call.eta + timedelta(minutes=5)
            eta = call.eta.isoformat()
            events.record(
                session,
                events.vessel_call_channel(call_id),
                "vesselCallUpdated",
                vesselCallId=str(call_id),
            )
        return JSONResponse({"eta": eta})

    async def change_bare(request: Request) -> JSONResponse:
        call = request.query_params["call"]
        eta = request.query_params["eta"]
        await BARE.publish(f"bare:{call}", eta)
        return JSONResponse({"eta": eta})

    async def stats(request: Request) -> JSONResponse:
        hub = dermaga.state.runtime.broadcast
        return JSONResponse(
            {
                "rss_bytes": _rss_bytes(),
                "dermaga_subscribers": hub.subscriber_count() if hub else 0,
                "dermaga_queues": hub.queue_count() if hub else 0,
                "bare_subscribers": BARE_SUBSCRIBERS["count"],
            }
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with dermaga.router.lifespan_context(dermaga), BARE:
            yield

    return Starlette(
        routes=[
            Route("/bench/eta", change_eta, methods=["POST"]),
            Route("/bench/bare", change_bare, methods=["POST"]),
            Route("/bench/stats", stats),
            WebSocketRoute("/bare", bare),
            Mount("/", dermaga),
        ],
        lifespan=lifespan,
    )


def _rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument(
        "--deflate",
        choices=("on", "off"),
        default="off",
        help="negotiate permessage-deflate (RFC 7692); `dermaga serve` does not",
    )
    args = parser.parse_args()
    settings = Settings(
        database_url=args.database_url,
        secret_key=args.secret,
        log_level="WARNING",
        log_format="console",
        max_subscriptions_per_socket=5,
        subscriber_queue_size=64,
    )
    uvicorn.run(
        build(settings),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        ws_ping_interval=None,
        ws_per_message_deflate=args.deflate == "on",
        backlog=8192,
    )


if __name__ == "__main__":
    main()
