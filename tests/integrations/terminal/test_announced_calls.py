"""An announced call: Phinnisi reports it, the terminal discharges its boxes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest

from integrations.clock import SimClock
from integrations.serving import serve_app
from integrations.terminal.simulator import create_terminal_simulator
from integrations.terminal.yard import TerminalOptions
from integrations.vessels.simulator import create_vessel_simulator
from integrations.vessels.world import PortWorld, WorldOptions
from tests.integrations.terminal.conftest import START

VESSEL = {"name": "KM Lintas Samudra", "imo": "9456109"}
BOXES = [
    {"number": "MSCU8393472", "size_type": "45G1", "stowage": None},
    {"number": "OOLU2178534", "size_type": "22G1", "stowage": None},
]


@dataclass
class Port:
    vessels: httpx.AsyncClient
    terminal: httpx.AsyncClient


@pytest.fixture
async def port() -> AsyncIterator[Port]:
    """Both simulators over an empty port: only announced calls come in."""
    clock = SimClock(START, speed=0)
    world = PortWorld(clock, 3, WorldOptions(call_count=0))
    options = TerminalOptions(inspection_share=0.0, yard_correction_share=0.0)
    vessels = create_vessel_simulator(clock, 3, world=world)
    terminal = create_terminal_simulator(world, 3, options=options)
    async with (
        serve_app(vessels) as vessels_url,
        serve_app(terminal) as terminal_url,
        httpx.AsyncClient(base_url=vessels_url, timeout=5.0) as vessels_http,
        httpx.AsyncClient(base_url=terminal_url, timeout=5.0) as terminal_http,
    ):
        yield Port(vessels_http, terminal_http)


def announce(eta_hours: float = 2, **changes: Any) -> dict[str, Any]:
    eta = START + timedelta(hours=eta_hours)
    return {
        "vessel": VESSEL,
        "voyage": "661E",
        "terminal": "JICT",
        "eta": eta.isoformat(),
        **changes,
    }


async def changes(port: Port) -> list[dict[str, Any]]:
    response = await port.vessels.get(
        "/v1/changes", params={"limit": 1000}, headers={"X-Api-Key": "phinnisi-sim-key"}
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["changes"]
    return found


async def container_events(port: Port) -> list[dict[str, Any]]:
    response = await port.terminal.get(
        "/v1/container-events",
        params={"limit": 1000},
        headers={"X-Api-Key": "terminal-sim-key"},
    )
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["events"]
    return found


async def test_an_announced_call_is_fed_with_its_vessel_and_eta(port: Port) -> None:
    added = await port.vessels.post("/_control/calls", json=announce())

    assert added.status_code == 201, added.text
    call = added.json()
    assert (call["vessel_imo"], call["voyage"], call["terminal"]) == (
        "9456109",
        "661E",
        "JICT",
    )
    assert call["berth"] == "JICT-U1"
    feed = await changes(port)
    assert [c["kind"] for c in feed[:2]] == ["vessel", "call"]
    assert feed[0]["vessel"]["name"] == "KM Lintas Samudra"
    assert feed[1]["call"]["call_ref"] == call["call_ref"]
    etas = [
        c["timestamp"]["event_time"]
        for c in feed
        if c["kind"] == "timestamp"
        and c["timestamp"]["classifier"] == "EST"
        and c["timestamp"]["event_type"] == "ARRI"
    ]
    assert etas == [(START + timedelta(hours=2)).isoformat()]


async def test_the_terminal_discharges_the_boxes_registered_on_it(port: Port) -> None:
    call = (await port.vessels.post("/_control/calls", json=announce())).json()
    manifest = {"call_ref": call["call_ref"], "containers": BOXES}
    registered = await port.terminal.post("/_control/manifest", json=manifest)
    assert registered.status_code == 201, registered.text

    before = await container_events(port)
    await port.vessels.post("/_control/clock", json={"advance_minutes": 240})
    after = await container_events(port)

    assert before == []
    discharged = [e for e in after if e["event_type"] == "DISC"]
    assert sorted(e["container_number"] for e in discharged) == sorted(
        str(b["number"]) for b in BOXES
    )
    berthed = START + timedelta(hours=2)
    assert all(e["event_time"] > berthed.isoformat() for e in discharged)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"vessel": {"name": "X", "imo": "9456108"}}, "check digit"),
        ({"terminal": "NOPE"}, "no berth"),
        ({"eta": START.isoformat()}, "lies ahead"),
        ({"load_moves": -1}, "malformed"),
    ],
)
async def test_a_bad_announcement_is_refused(
    port: Port, changes: dict[str, Any], reason: str
) -> None:
    response = await port.vessels.post("/_control/calls", json=announce(**changes))

    assert response.status_code == 422
    assert reason in response.json()["error"]["message"]
    assert await changes_count(port) == 0


async def changes_count(port: Port) -> int:
    return len(await changes(port))
