"""The demo: one command seeds a port in every stage, serves it, and shows how."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import secrets
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import websockets
from rich.console import Console
from sqlalchemy.engine import make_url
from strawberry import relay

from dermaga.demo import (
    berth_note,
    clock_note,
    example_operations,
    is_loopback,
    log_console,
    print_welcome,
    progress,
    sign_in_operation,
    welcome_notes,
)
from dermaga.demo_run import RunningDemo, graphiql_examples, running_demo
from dermaga.demo_world import DEMO_CLOCK_SPEED, WorldState, resume_clock
from dermaga.graphiql import TOKEN_PLACEHOLDER, ExampleTab, graphiql_html
from dermaga.settings import Settings
from domain import events
from domain.viewer import SYSTEM
from integrations.clock import SimClock
from tests.conftest import TEST_SECRET

STAGES = {
    "DRAFT",
    "SUBMITTED",
    "VERIFIED",
    "AWAITING_PAYMENT",
    "IN_SERVICE",
    "READY_FOR_PICKUP",
    "COMPLETED",
}
SHIPMENTS = """{
  shipments(first: 50) {
    totalCount
    edges { node { id blNumber status latestCheck { blocking } } }
  }
  invoices(first: 10) { edges { node { status shipment { blNumber } } } }
  gatePasses(first: 10) { edges { node { status events { kind } } } }
}"""


@pytest.fixture(scope="module")
async def demo_database(database_url: str) -> AsyncIterator[str]:
    """A database of the demo's own on the test server; the app migrates it."""
    name = f"dermaga_demo_{secrets.token_hex(4)}"
    url = make_url(database_url)
    await _admin(database_url, f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        await _admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
async def demo(
    demo_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningDemo]:
    settings = Settings(
        database_url=demo_database,
        data_dir=tmp_path_factory.mktemp("demo"),
        secret_key=TEST_SECRET,  # type: ignore[arg-type]
        log_format="console",
        log_level="WARNING",
    )
    console = Console(file=io.StringIO())
    port = _free_port()
    async with running_demo(
        settings, "127.0.0.1", port, "demo-pass-123", console
    ) as running:
        await running.seed(console)
        yield running


async def test_the_seed_leaves_a_request_in_every_stage(demo: RunningDemo) -> None:
    data = await _graphql(demo, SHIPMENTS, await _token(demo))

    nodes = [e["node"] for e in data["shipments"]["edges"]]
    assert {n["status"] for n in nodes} == STAGES
    assert data["shipments"]["totalCount"] == len(STAGES)
    submitted = next(n for n in nodes if n["status"] == "SUBMITTED")
    assert submitted["latestCheck"]["blocking"] is False
    invoiced = {e["node"]["shipment"]["blNumber"] for e in data["invoices"]["edges"]}
    assert invoiced == {"SSLU2600000106", "SSLU2600000107"}
    passes = [e["node"] for e in data["gatePasses"]["edges"]]
    assert [p["status"] for p in passes] == ["COMPLETED", "COMPLETED"]
    assert all(
        [ev["kind"] for ev in p["events"]] == ["GATE_IN", "GATE_OUT"] for p in passes
    )


async def test_the_printed_query_and_mutation_run_as_shown(demo: RunningDemo) -> None:
    token = await _token(demo)
    query, mutation, *_ = demo.examples

    shipments = await _graphql(demo, query.document, token)
    plan = await _graphql(demo, mutation.document, token)

    assert shipments["shipments"]["totalCount"] == len(STAGES)
    payload = plan["recommendPickupPlan"]
    assert payload["userErrors"] == []
    items = payload["plan"]["items"]
    assert len(items) == 4
    assert all(item["slot"] is not None for item in items)


async def test_the_printed_subscription_reports_a_moved_eta(demo: RunningDemo) -> None:
    token = await _token(demo)
    subscription = demo.examples[2].document
    assert demo.report is not None
    assert demo.report.watch_call is not None
    call = demo.report.watch_call
    url = demo.base_url.replace("http", "ws", 1) + "/graphql"

    async with websockets.connect(
        url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as ws:
        init = {"authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        start = {"query": subscription}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": start}))
        await asyncio.sleep(0.5)
        moved = await _move_eta(demo, call.ref)
        async with asyncio.timeout(20):
            message = json.loads(await ws.recv())

    assert moved in (200, 409)  # 409: the vessel berthed meanwhile, also news
    assert message["type"] == "next", message
    assert "errors" not in message["payload"]
    update = message["payload"]["data"]["vesselCallUpdated"]
    assert update["callReference"] == call.ref


async def test_the_printed_discharge_subscription_counts_the_boxes(
    demo: RunningDemo,
) -> None:
    token = await _token(demo)
    subscription = demo.examples[3].document
    assert demo.report is not None
    assert demo.report.watch_call is not None
    call_id = uuid.UUID(relay.GlobalID.from_id(demo.report.watch_call.id).node_id)
    url = demo.base_url.replace("http", "ws", 1) + "/graphql"

    async with websockets.connect(
        url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")]
    ) as ws:
        init = {"authorization": f"Bearer {token}"}
        await ws.send(json.dumps({"type": "connection_init", "payload": init}))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        start = {"query": subscription}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": start}))
        await asyncio.sleep(0.5)
        # What the terminal feed's sync records when a box comes off.
        async with demo.database.transaction(SYSTEM) as session:
            events.record(
                session,
                events.discharge_channel(call_id),
                "dischargeProgressed",
                vesselCallId=str(call_id),
            )
        async with asyncio.timeout(20):
            message = json.loads(await ws.recv())

    assert message["type"] == "next", message
    progress = message["payload"]["data"]["dischargeProgress"]
    assert progress["total"] > 0
    assert 0 <= progress["discharged"] <= progress["total"]


async def test_graphiql_opens_with_the_examples_signed_in(demo: RunningDemo) -> None:
    async with httpx.AsyncClient(base_url=demo.base_url) as http:
        page = await http.get("/graphql", headers={"accept": "text/html"})

    assert page.status_code == 200
    assert "const DERMAGA_TABS = " in page.text
    tabs = json.loads(page.text.split("const DERMAGA_TABS = ")[1].split(";\n")[0])
    assert len(demo.examples) == 4
    assert len(tabs) == 1 + len(demo.examples)
    assert sign_in_operation(demo.password) in tabs[0]["query"]
    for tab, example in zip(tabs[1:], demo.examples, strict=True):
        assert example.document in tab["query"]
        bearer = json.loads(tab["headers"])["Authorization"]
        assert bearer.startswith("Bearer ")
        await _graphql(demo, "{ viewer { kind } }", bearer.removeprefix("Bearer "))


async def test_off_loopback_graphiql_carries_no_token_and_the_demo_warns(
    demo: RunningDemo,
) -> None:
    exposed = dataclasses.replace(demo, loopback=False)
    clock = demo.simulators.clock

    tabs = await graphiql_examples(exposed)()
    exposed_notes = welcome_notes(
        clock, None, "http://0.0.0.0:8000", loopback=False, public_key=True
    )
    local_notes = welcome_notes(
        clock, None, demo.base_url, loopback=True, public_key=True
    )

    headers = [json.loads(t.headers)["Authorization"] for t in tabs if t.headers]
    assert headers == [f"Bearer {TOKEN_PLACEHOLDER}"] * len(demo.examples)
    assert not any(demo.password in tab.query for tab in tabs)
    assert "public demo key" in exposed_notes[-1]
    assert not any("warning" in note for note in local_notes)
    assert all(is_loopback(h) for h in ("127.0.0.1", "::1", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "192.168.1.5", "example.id"))


def test_a_piped_welcome_keeps_its_lines_whole() -> None:
    out = io.StringIO()
    console = log_console(Console(file=out))
    password = "p" * 40
    shipment = "U2hpcG1lbnQ6" + "x" * 60

    with progress(console, "seeding") as update:
        update("in_service: B/L SSLU2600000105")
    examples = example_operations(shipment, "VmVzc2VsQ2FsbDo" + "y" * 60)
    print_welcome(console, "http://127.0.0.1:8000", password, examples, Path("var"))

    lines = out.getvalue().splitlines()
    assert lines[:2] == ["... seeding", "... in_service: B/L SSLU2600000105"]
    for example in examples:
        assert all(line in lines for line in example.document.splitlines())
    assert all(line in lines for line in sign_in_operation(password).splitlines())
    assert (
        f"password of every demo user: {password} (kept in var/demo-password.txt)"
        in lines
    )


def test_the_printout_says_how_the_port_clock_runs_and_when_the_vessel_berths() -> None:
    wall = datetime(2026, 3, 1, 12, tzinfo=UTC)
    behind = wall - timedelta(hours=10)

    fast = clock_note(behind, wall, DEMO_CLOCK_SPEED)
    level = clock_note(wall, wall, 1.0)
    soon = berth_note("PKK.1", behind + timedelta(hours=3), behind, wall, 60.0)
    late = berth_note("PKK.2", wall + timedelta(hours=2), wall, wall, 1.0)
    past = berth_note("PKK.3", behind, behind, wall, 60.0)

    assert "10 h behind the wall clock" in fast
    assert "60 times faster until it catches up in about 10 min" in fast
    assert "real time" in level
    assert str(soon).endswith("in about 3 min from now")
    assert str(late).endswith("in about 2 h from now")
    assert past is None


async def test_a_second_seed_changes_nothing(demo: RunningDemo) -> None:
    token = await _token(demo)
    before = await _graphql(demo, SHIPMENTS, token)
    first = demo.report
    assert first is not None

    again = await demo.seed(Console(file=io.StringIO()))

    after = await _graphql(demo, SHIPMENTS, token)
    assert again.created == 0
    assert again.shipments == first.shipments
    assert after == before


def test_graphiql_keeps_its_page_and_escapes_the_examples() -> None:
    template = (
        "<title>Strawberry GraphiQL</title><script>"
        "const EXAMPLE_QUERY = `x`; React.useState(parameters.q || EXAMPLE_QUERY,);"
        "createElement(GraphiQL, { fetcher: fetcher, });</script>"
    )

    page = graphiql_html(
        template, [ExampleTab("# </script>\nquery { viewer { kind } }")]
    )

    assert "<title>Dermaga GraphiQL</title>" in page
    assert "React.useState(parameters.q,)" in page
    assert "defaultTabs: DERMAGA_TABS," in page
    assert "<\\/script>" in page
    assert page.count("</script>") == 1
    assert graphiql_html("<html>changed</html>", []) == "<html>changed</html>"


def test_a_new_port_replays_fast_and_a_caught_up_one_runs_in_real_time(
    tmp_path: Path,
) -> None:
    wall = datetime(2026, 3, 1, 12, tzinfo=UTC)
    fresh = WorldState.load(tmp_path / "world.json", wall)
    behind = SimClock(fresh.anchor, 0.0)
    level = SimClock(wall - timedelta(hours=30), 0.0)

    resume_clock(behind, fresh.reached, wall)
    resume_clock(level, wall + timedelta(minutes=1), wall)

    assert behind.speed == DEMO_CLOCK_SPEED
    assert level.speed == 1.0
    WorldState(fresh.anchor, wall).save(tmp_path / "world.json")
    assert WorldState.load(tmp_path / "world.json", wall).reached == wall


async def _token(demo: RunningDemo) -> str:
    data = await _graphql(demo, sign_in_operation(demo.password), None)
    token: str = data["signIn"]["token"]
    return token


async def _graphql(demo: RunningDemo, query: str, token: str | None) -> dict[str, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(base_url=demo.base_url, timeout=60) as http:
        response = await http.post("/graphql", json={"query": query}, headers=headers)
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body["errors"]
    data: dict[str, Any] = body["data"]
    return data


async def _move_eta(demo: RunningDemo, call_ref: str) -> int:
    async with httpx.AsyncClient(base_url=demo.simulators.vessels_url) as http:
        response = await http.post(
            f"/_control/calls/{call_ref}/eta", json={"delta_minutes": 45}
        )
    return response.status_code


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _admin(server_url: str, statement: str) -> None:
    parsed = make_url(server_url)
    connection = await asyncpg.connect(
        user=parsed.username,
        password=parsed.password,
        host=parsed.query.get("host") or parsed.host,
        port=parsed.port,
        database="postgres",
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
