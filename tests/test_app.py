"""The HTTP surface: health, readiness, CORS, WebSocket origins, request ids."""

from __future__ import annotations

import json

import httpx
import pytest
import websockets
from typer.testing import CliRunner
from websockets.typing import Subprotocol

from dermaga.cli import app as cli
from tests.support.factories import Factory

ALLOWED = "https://app.dermaga.example"
PROTOCOL = Subprotocol("graphql-transport-ws")


async def test_health_and_readiness(http: httpx.AsyncClient) -> None:
    health = await http.get("/healthz")
    ready = await http.get("/readyz")

    assert health.json() == {"status": "ok"}
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "broadcast": True}


async def test_a_request_id_is_echoed_or_made(http: httpx.AsyncClient) -> None:
    given = await http.get("/healthz", headers={"x-request-id": "trace-42"})
    made = await http.get("/healthz")

    assert given.headers["x-request-id"] == "trace-42"
    assert len(made.headers["x-request-id"]) == 32


@pytest.mark.parametrize(
    ("origin", "allowed"), [(ALLOWED, True), ("https://evil.example", False)]
)
async def test_cors_admits_only_the_configured_origins(
    http: httpx.AsyncClient, origin: str, allowed: bool
) -> None:
    preflight = await http.options(
        "/graphql",
        headers={
            "origin": origin,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )

    header = preflight.headers.get("access-control-allow-origin")
    assert (header == origin) is allowed
    assert "access-control-allow-credentials" not in preflight.headers


async def test_graphiql_is_served_to_a_browser(http: httpx.AsyncClient) -> None:
    page = await http.get("/graphql", headers={"accept": "text/html"})

    assert page.status_code == 200
    assert "graphiql" in page.text.lower()


async def _handshake(live_server: str, origin: str | None) -> int:
    """101 if the upgrade was accepted, else the HTTP status of the refusal."""
    url = live_server.replace("http", "ws", 1) + "/graphql"
    headers = {"Origin": origin} if origin else {}
    try:
        async with websockets.connect(
            url,
            subprotocols=[PROTOCOL],
            additional_headers=headers,
        ) as socket:
            await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
            await socket.recv()
    except websockets.InvalidStatus as refused:
        return refused.response.status_code
    except websockets.ConnectionClosed:
        return 101
    return 101


async def test_a_websocket_from_a_foreign_origin_is_refused(
    live_server: str, factory: Factory
) -> None:
    assert await _handshake(live_server, "https://evil.example") == 403
    assert await _handshake(live_server, ALLOWED) == 101
    assert await _handshake(live_server, None) == 101


async def test_a_websocket_without_a_token_is_closed_at_init(live_server: str) -> None:
    url = live_server.replace("http", "ws", 1) + "/graphql"
    async with websockets.connect(url, subprotocols=[PROTOCOL]) as socket:
        await socket.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()

    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4403


@pytest.mark.parametrize(
    ("database_given", "broadcast_given"),
    [("", "postgres://db/dermaga"), ("postgresql://db/dermaga", "memory://")],
)
def test_several_workers_are_refused_without_a_shared_database_and_broadcaster(
    database_given: str, broadcast_given: str
) -> None:
    env = {
        "DERMAGA_DATABASE_URL": database_given,
        "DERMAGA_BROADCAST_URL": broadcast_given,
    }
    result = CliRunner().invoke(cli, ["serve", "--workers", "2"], env=env)

    assert result.exit_code == 1
    assert "several workers need" in result.output
