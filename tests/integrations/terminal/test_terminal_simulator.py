from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from domain.ports.terminal import ContainerEvent, ContainerEventType, ManifestEntry
from integrations.errors import PermanentIntegrationError, TransientIntegrationError
from integrations.terminal.client import TerminalClient
from tests.integrations.terminal.conftest import OPS_START_DELAY, START

DISC = ContainerEventType.DISC
IN_PORT = {"AT_ANCHORAGE", "BERTHED", "DISCHARGING", "COMPLETED"}
LETTERS = "A0BCDEFGHIJK0LMNOPQRSTU0VWXYZ"  # ISO 6346 values 10..38, 0 = skipped


def container_number(owner: str, serial: int) -> str:
    code = f"{owner}{serial:06d}"
    values = [int(c) if c.isdigit() else LETTERS.index(c) + 10 for c in code]
    check = sum(v * 2**i for i, v in enumerate(values)) % 11 % 10
    return f"{code}{check}"


# Stacks as (bay, row, tiers bottom to top); bay 2 is the 40' bay of hatch 0.
STACKS = [(1, 2, (82, 84, 86)), (2, 4, (2, 4, 6, 8)), (3, 0, (4, 6)), (6, 1, (82, 84))]
STACKS += [(7, 3, (2, 4, 6)), (10, 5, (82, 84, 86, 88)), (9, 2, (2, 4, 6, 8, 10, 12))]


def manifest_body(call_ref: str) -> dict[str, Any]:
    containers = []
    for bay, row, tiers in STACKS:
        size = "45G1" if bay % 2 == 0 else "22G1"
        for tier in tiers:
            number = container_number("TSTU", bay * 10000 + row * 100 + tier)
            stowage = {"bay": bay, "row": row, "tier": tier}
            containers.append({"number": number, "size_type": size, "stowage": stowage})
    return {"call_ref": call_ref, "containers": containers}


async def expected_call(vessels_control: httpx.AsyncClient) -> dict[str, Any]:
    """An expected call whose berth nobody is at or waiting for."""
    calls = (await vessels_control.get("/_control/state")).json()["calls"]
    busy = {c["berth"] for c in calls if c["status"] in IN_PORT}
    return next(
        c for c in calls if c["status"] == "EXPECTED" and c["berth"] not in busy
    )


async def bring_alongside(
    vessels_control: httpx.AsyncClient, call: dict[str, Any], after: timedelta
) -> None:
    until = START + after - datetime.fromisoformat(call["eta"])
    response = await vessels_control.post(
        f"/_control/calls/{call['call_ref']}/eta",
        json={"delta_minutes": until / timedelta(minutes=1)},
    )
    assert response.status_code == 200


async def read_all(terminal: TerminalClient, limit: int = 1000) -> list[ContainerEvent]:
    page = await terminal.container_events_since(None, limit)
    events = list(page.events)
    while page.has_more:
        page = await terminal.container_events_since(page.next_cursor, limit)
        events.extend(page.events)
    return events


def call_state(state: dict[str, Any], call_ref: str) -> dict[str, Any]:
    return next(c for c in state["calls"] if c["call_ref"] == call_ref)


async def test_fast_clock_discharges_at_the_crane_rate(
    control: httpx.AsyncClient,
    vessels_control: httpx.AsyncClient,
    terminal: TerminalClient,
) -> None:
    call = await expected_call(vessels_control)
    body = manifest_body(call["call_ref"])
    boxes = len(body["containers"])
    assert (await control.post("/_control/manifest", json=body)).status_code == 201
    await bring_alongside(vessels_control, call, timedelta(minutes=5))

    began = time.monotonic()
    await control.post("/_control/clock", json={"speed": 600})
    samples = []
    while time.monotonic() - began < 10:
        state = (await control.get("/_control/state")).json()
        ours = call_state(state, call["call_ref"])
        if ours["ops_started_at"] is not None:
            samples.append((state["clock"]["now"], ours))
            if ours["discharged"] == boxes:
                break
        await asyncio.sleep(0.15)
    real_s = time.monotonic() - began

    rate = call["moves_per_hour"]
    sim_minutes = 5 + OPS_START_DELAY / timedelta(minutes=1) + boxes / rate * 60
    assert samples[-1][1]["discharged"] == boxes
    assert real_s == pytest.approx(sim_minutes * 60 / 600, rel=0.35)
    for now, ours in samples:
        elapsed = datetime.fromisoformat(now) - datetime.fromisoformat(
            ours["ops_started_at"]
        )
        expected = int(elapsed / timedelta(hours=1) * rate)
        assert abs(ours["discharged"] - min(expected, boxes)) <= 1
    assert len(samples) >= 5

    discharged = [e for e in await read_all(terminal) if e.event_type is DISC]
    ours_disc = [e for e in discharged if e.vessel_call_ref == call["call_ref"]]
    started = datetime.fromisoformat(samples[-1][1]["ops_started_at"])
    assert [e.event_time for e in ours_disc] == [
        started + timedelta(hours=k / rate) for k in range(1, boxes + 1)
    ]


async def test_discharge_takes_top_tiers_first_in_each_stack(
    control: httpx.AsyncClient,
    vessels_control: httpx.AsyncClient,
    terminal: TerminalClient,
) -> None:
    call = await expected_call(vessels_control)
    await control.post("/_control/manifest", json=manifest_body(call["call_ref"]))
    manifest = {
        e.container_number: e for e in await terminal.manifest(call["call_ref"])
    }
    await bring_alongside(vessels_control, call, timedelta(minutes=1))

    await control.post("/_control/clock", json={"advance_minutes": 120})
    events = await read_all(terminal)

    order = [
        manifest[e.container_number]
        for e in sorted(events, key=lambda e: e.event_time)
        if e.event_type is DISC and e.vessel_call_ref == call["call_ref"]
    ]
    assert len(order) == len(manifest)
    tiers_by_stack: dict[tuple[int, int], list[int]] = defaultdict(list)
    for entry in order:
        assert entry.stowage is not None
        tiers_by_stack[(entry.stowage.bay, entry.stowage.row)].append(
            entry.stowage.tier
        )
    for tiers in tiers_by_stack.values():
        assert tiers == sorted(tiers, reverse=True)
    hatch_of = [(e.stowage.bay - 1) // 4 for e in order if e.stowage is not None]
    assert hatch_of == sorted(hatch_of)


async def test_history_discharged_every_box_of_completed_calls(
    control: httpx.AsyncClient, terminal: TerminalClient
) -> None:
    events = await read_all(terminal, limit=700)
    state = (await control.get("/_control/state")).json()

    disc = defaultdict(set)
    for event in events:
        if event.event_type is DISC:
            disc[event.vessel_call_ref].add(event.container_number)
    worked = [c for c in state["calls"] if c["ops_started_at"] is not None]
    assert worked
    for call in worked:
        assert len(disc[call["call_ref"]]) == call["discharged"] > 0
    assert len(events) == state["events"]
    assert len({e.event_id for e in events}) == len(events)
    stacked = [e for e in events if e.event_type is ContainerEventType.YARD]
    assert all(e.yard_position is not None for e in stacked)


async def test_replaying_a_cursor_gives_the_same_events(
    terminal: TerminalClient,
) -> None:
    first = await terminal.container_events_since(None, 50)
    second = await terminal.container_events_since(first.next_cursor, 50)
    replayed = await terminal.container_events_since(first.next_cursor, 50)

    assert replayed == second
    assert (first.next_cursor, second.next_cursor) == ("50", "100")


async def test_pickup_follows_customs_and_the_gate(
    control: httpx.AsyncClient, terminal: TerminalClient
) -> None:
    events = await read_all(terminal)
    number = next(e.container_number for e in events if e.event_type.value == "AVPU")

    async def act(action: str) -> httpx.Response:
        return await control.post(f"/_control/containers/{number}/{action}")

    assert (await act("gate-out")).status_code == 409
    assert (await act("gate-in")).json()["event_type"] == "GTIN"
    assert (await act("hold")).json()["event_type"] == "CUSTOMS_HOLD"
    assert (await act("gate-out")).status_code == 409
    assert (await act("release")).json()["event_type"] == "CUSTOMS_RELEASE"
    assert (await act("gate-out")).json()["event_type"] == "GTOT"

    mine = [e for e in await read_all(terminal) if e.container_number == number]
    assert [e.event_type.value for e in mine[-5:]] == [
        "GTIN",
        "CUSTOMS_HOLD",
        "CUSTOMS_RELEASE",
        "AVPU",
        "GTOT",
    ]


async def test_red_lane_boxes_are_held_inspected_then_released(
    control: httpx.AsyncClient,
    vessels_control: httpx.AsyncClient,
    terminal: TerminalClient,
) -> None:
    call = await expected_call(vessels_control)
    await control.post("/_control/inspections", json={"share": 1.0})
    await control.post(
        "/_control/manifest", json={"call_ref": call["call_ref"], "count": 3}
    )
    await bring_alongside(vessels_control, call, timedelta(minutes=1))

    await control.post("/_control/clock", json={"advance_minutes": 12 * 60})
    events = await read_all(terminal)

    by_box: dict[str, list[ContainerEvent]] = defaultdict(list)
    for event in events:
        if event.vessel_call_ref == call["call_ref"]:
            by_box[event.container_number].append(event)
    assert len(by_box) == 3
    for timeline in by_box.values():
        assert [e.event_type.value for e in timeline] == [
            "DISC",
            "YARD",
            "CUSTOMS_HOLD",
            "YARD_MOVE",
            "INSP_START",
            "INSP_END",
            "YARD_MOVE",
            "CUSTOMS_RELEASE",
            "AVPU",
        ]
        inspection_area = timeline[3].yard_position
        assert inspection_area is not None
        assert inspection_area.block == "BHD"
        times = [e.event_time for e in timeline]
        assert times == sorted(times)


async def test_manifest_reads_back_what_was_registered(
    control: httpx.AsyncClient,
    vessels_control: httpx.AsyncClient,
    terminal: TerminalClient,
) -> None:
    call = await expected_call(vessels_control)
    body = manifest_body(call["call_ref"])
    await control.post("/_control/manifest", json=body)

    manifest = await terminal.manifest(call["call_ref"])

    assert [e.container_number for e in manifest] == [
        c["number"] for c in body["containers"]
    ]
    first = manifest[0]
    assert isinstance(first, ManifestEntry)
    assert (first.size_type, first.stowage and first.stowage.tier) == ("22G1", 82)
    state = (await vessels_control.get("/_control/state")).json()
    assert call_state(state, call["call_ref"])["discharge_moves"] == len(manifest)


async def test_generated_manifests_use_valid_container_numbers(
    terminal: TerminalClient, vessels_control: httpx.AsyncClient
) -> None:
    call = await expected_call(vessels_control)

    manifest = await terminal.manifest(call["call_ref"])

    assert len(manifest) == call["discharge_moves"]
    assert all(
        container_number(e.container_number[:4], int(e.container_number[4:10]))
        == e.container_number
        for e in manifest
    )
    slots = [e.stowage for e in manifest]
    assert len(set(slots)) == len(slots)


async def test_manifest_with_a_bad_check_digit_is_refused(
    control: httpx.AsyncClient, vessels_control: httpx.AsyncClient
) -> None:
    call = await expected_call(vessels_control)
    body = {
        "call_ref": call["call_ref"],
        "containers": [{"number": "CSQU3054384", "size_type": "22G1"}],
    }

    response = await control.post("/_control/manifest", json=body)

    assert response.status_code == 422
    assert "CSQU3054384" in response.json()["error"]["message"]


async def test_manifest_of_a_working_call_cannot_change(
    control: httpx.AsyncClient,
) -> None:
    state = (await control.get("/_control/state")).json()
    worked = next(c for c in state["calls"] if c["ops_started_at"] is not None)

    response = await control.post(
        "/_control/manifest", json={"call_ref": worked["call_ref"], "count": 5}
    )

    assert response.status_code == 409


async def test_unknown_call_manifest_is_a_permanent_error(
    terminal: TerminalClient,
) -> None:
    with pytest.raises(PermanentIntegrationError) as raised:
        await terminal.manifest("PKK.LN.IDTPP.0000.999999")
    assert raised.value.status_code == 404


async def test_outage_is_a_transient_error(
    control: httpx.AsyncClient, terminal: TerminalClient
) -> None:
    await control.post("/_control/config", json={"outage": True})

    with pytest.raises(TransientIntegrationError):
        await terminal.container_events_since(None, 10)
    with pytest.raises(TransientIntegrationError):
        await terminal.manifest("PKK.LN.IDTPP.0000.999999")
