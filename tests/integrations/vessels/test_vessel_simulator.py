from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta

import httpx
import pytest

from domain.ports.vessels import VesselChangePage
from domain.vessel_events import (
    PortCallEventType,
    PortCallService,
    PortCallTimestamp,
    TimestampClassifier,
    VesselCallStatus,
    current_times,
)
from integrations.clock import SimClock
from integrations.errors import PermanentIntegrationError, TransientIntegrationError
from integrations.vessels.client import PhinnisiClient
from integrations.vessels.world import BERTHS, PortWorld
from tests.integrations.vessels.conftest import SEED, START


async def read_all(phinnisi: PhinnisiClient, limit: int) -> list[VesselChangePage]:
    pages = [await phinnisi.changes_since(None, limit)]
    while pages[-1].has_more:
        pages.append(await phinnisi.changes_since(pages[-1].next_cursor, limit))
    return pages


def timeline(pages: list[VesselChangePage], call_ref: str) -> list[PortCallTimestamp]:
    return [t for p in pages for t in p.timestamps if t.call_ref == call_ref]


def valid_imo(imo: str) -> bool:
    weighted = sum(int(d) * w for d, w in zip(imo[:6], (7, 6, 5, 4, 3, 2), strict=True))
    return len(imo) == 7 and weighted % 10 == int(imo[6])


async def test_feed_pages_cover_the_whole_log_once(
    phinnisi: PhinnisiClient, http: httpx.AsyncClient
) -> None:
    pages = await read_all(phinnisi, limit=25)
    state = (await http.get("/_control/state")).json()

    read = sum(len(p.vessels) + len(p.calls) + len(p.timestamps) for p in pages)
    assert read == state["changes"]
    assert len(pages) == -(-state["changes"] // 25)
    event_ids = [t.event_id for p in pages for t in p.timestamps]
    assert len(event_ids) == len(set(event_ids))
    assert pages[-1].next_cursor == str(state["changes"])


async def test_replaying_a_cursor_gives_the_same_page(phinnisi: PhinnisiClient) -> None:
    first = await phinnisi.changes_since(None, 30)
    second = await phinnisi.changes_since(first.next_cursor, 30)
    replayed = await phinnisi.changes_since(first.next_cursor, 30)

    assert replayed == second
    assert second.next_cursor == "60"
    assert {t.event_id for t in second.timestamps}.isdisjoint(
        t.event_id for t in first.timestamps
    )


async def test_schedule_is_a_plausible_tanjung_priok_port(
    phinnisi: PhinnisiClient,
) -> None:
    pages = await read_all(phinnisi, limit=500)
    vessels = [v for p in pages for v in p.vessels]
    calls = [c for p in pages for c in p.calls]

    assert len(vessels) >= 5
    assert all(valid_imo(v.imo) for v in vessels)
    assert {c.port for c in calls} == {"IDTPP"}
    assert all(c.berth in BERTHS[c.terminal] for c in calls)
    assert {c.vessel_imo for c in calls} <= {v.imo for v in vessels}
    statuses = {c.call_ref: current_times(timeline(pages, c.call_ref)) for c in calls}
    assert VesselCallStatus.DEPARTED in {t.status for t in statuses.values()}
    assert VesselCallStatus.EXPECTED in {t.status for t in statuses.values()}


async def test_etas_drift_before_arrival(phinnisi: PhinnisiClient) -> None:
    pages = await read_all(phinnisi, limit=500)
    departed = next(
        c.call_ref
        for p in pages
        for c in p.calls
        if current_times(timeline(pages, c.call_ref)).atd is not None
    )
    estimates = [
        t
        for t in timeline(pages, departed)
        if t.kind
        == (TimestampClassifier.EST, PortCallEventType.ARRI, PortCallService.BERTH)
    ]

    assert len({t.event_time for t in estimates}) >= 2
    times = current_times(timeline(pages, departed))
    assert times.ata is not None
    assert times.atb is not None
    assert times.atd is not None
    assert times.ata <= times.atb < times.atd
    assert times.eta == times.atb


async def test_moving_an_eta_appends_a_new_estimate(
    phinnisi: PhinnisiClient, http: httpx.AsyncClient
) -> None:
    state = (await http.get("/_control/state")).json()
    call = next(c for c in state["calls"] if c["status"] == "EXPECTED")
    before = await phinnisi.changes_since(None, 1000)

    response = await http.post(
        f"/_control/calls/{call['call_ref']}/eta", json={"delta_minutes": 90}
    )
    after = await phinnisi.changes_since(before.next_cursor, 1000)

    assert response.status_code == 200
    moved = datetime.fromisoformat(call["eta"]) + timedelta(minutes=90)
    (estimate,) = [
        t
        for t in after.timestamps
        if t.classifier is TimestampClassifier.EST
        and t.event_type is PortCallEventType.ARRI
    ]
    assert estimate.call_ref == call["call_ref"]
    assert estimate.event_time == moved
    assert estimate.event_id == response.json()["event_id"]
    all_stamps = [*before.timestamps, *after.timestamps]
    assert (
        current_times([t for t in all_stamps if t.call_ref == call["call_ref"]]).eta
        == moved
    )


async def test_eta_of_an_unknown_call_is_not_found(http: httpx.AsyncClient) -> None:
    response = await http.post("/_control/calls/NOPE/eta", json={"delta_minutes": 5})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


async def test_outage_is_a_transient_error_until_it_ends(
    phinnisi: PhinnisiClient, http: httpx.AsyncClient
) -> None:
    await http.post("/_control/config", json={"outage": True})

    with pytest.raises(TransientIntegrationError) as raised:
        await phinnisi.changes_since(None, 10)
    assert raised.value.system == "phinnisi"

    await http.post("/_control/config", json={"outage": False})
    page = await phinnisi.changes_since(None, 10)
    assert page.next_cursor == "10"


async def test_every_request_failing_is_transient(
    phinnisi: PhinnisiClient, http: httpx.AsyncClient
) -> None:
    config = await http.post("/_control/config", json={"error_rate": 1.0})

    assert config.json() == {"latency_ms": 0, "error_rate": 1.0, "outage": False}
    with pytest.raises(TransientIntegrationError):
        await phinnisi.changes_since(None, 10)


async def test_latency_above_the_timeout_is_transient(
    phinnisi_url: str, http: httpx.AsyncClient
) -> None:
    await http.post("/_control/config", json={"latency_ms": 300})

    async with httpx.AsyncClient(base_url=phinnisi_url, timeout=0.1) as slow:
        client = PhinnisiClient(slow, "test-phinnisi-key", attempts=2, backoff_s=0.01)
        with pytest.raises(TransientIntegrationError):
            await client.changes_since(None, 10)


async def test_wrong_api_key_is_permanent(http: httpx.AsyncClient) -> None:
    client = PhinnisiClient(http, "wrong-key", attempts=3, backoff_s=0.01)

    with pytest.raises(PermanentIntegrationError) as raised:
        await client.changes_since(None, 10)
    assert raised.value.status_code == 401


async def test_bad_config_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post("/_control/config", json={"error_rate": 2})

    assert response.status_code == 422
    config = (await http.get("/_control/state")).json()["config"]
    assert config["error_rate"] == 0.0


async def test_fast_clock_berths_a_vessel_within_seconds(
    phinnisi: PhinnisiClient, http: httpx.AsyncClient
) -> None:
    calls = (await http.get("/_control/state")).json()["calls"]
    busy = {c["berth"] for c in calls if c["status"] != "EXPECTED"}
    call = next(
        c for c in calls if c["status"] == "EXPECTED" and c["berth"] not in busy
    )
    until_now = START - datetime.fromisoformat(call["eta"])
    await http.post(
        f"/_control/calls/{call['call_ref']}/eta",
        json={"delta_minutes": until_now / timedelta(minutes=1) + 10},
    )

    await http.post("/_control/clock", json={"speed": 600})
    await asyncio.sleep(1.5)
    await http.post("/_control/clock", json={"speed": 0})
    pages = await read_all(phinnisi, limit=500)

    times = current_times(timeline(pages, call["call_ref"]))
    assert times.status is VesselCallStatus.BERTHED
    assert times.ata == START
    assert times.atb == START + timedelta(minutes=10)


def test_a_busy_berth_keeps_the_next_vessel_at_anchorage() -> None:
    clock = SimClock(START, speed=0)
    world = PortWorld(clock, SEED)
    world.advance()
    in_port = {p.call.berth for p in world.calls.values() if p.arrived_at}
    first, second = [p for p in world.calls.values() if p.call.berth not in in_port][:2]
    # Both vessels are sent to one berth, ten minutes apart.
    second.call = replace(second.call, berth=first.call.berth)
    world.move_eta(first.call.call_ref, START + timedelta(minutes=10) - first.eta)
    world.move_eta(second.call.call_ref, START + timedelta(minutes=20) - second.eta)

    clock.advance(timedelta(hours=1))
    world.advance()
    waiting = current_times(second.timestamps)
    assert waiting.status is VesselCallStatus.AT_ANCHORAGE
    assert first.ops_started_at is not None
    assert waiting.eta is not None
    assert waiting.eta >= first.ops_started_at + first.ops_duration()

    clock.advance(timedelta(days=2))
    world.advance()
    assert first.departed_at is not None
    assert second.berthed_at is not None
    assert second.berthed_at >= first.departed_at + timedelta(minutes=30)
    assert current_times(second.timestamps).atb == second.berthed_at


def test_same_seed_gives_the_same_timeline() -> None:
    worlds = [PortWorld(SimClock(START, speed=0), SEED) for _ in range(2)]
    for world in worlds:
        world.advance()

    first, second = (w.changes_after(0, 10_000)[0] for w in worlds)
    assert first == second
    assert len(first) > 50
