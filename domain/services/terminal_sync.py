"""Apply a page of the terminal's container events to containers and discharge.

Every event is stored once by its id, whether or not its box belongs to a
shipment; a box of a shipment on the event's vessel call gets its status,
yard slot and times recomputed from all its stored events
(domain.container_events). A replayed page changes nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import events
from domain.container_events import ContainerState, container_state
from domain.models.port import VesselCall
from domain.models.shipments import Container, Shipment
from domain.models.tracking import ContainerEventRow, DischargeManifest
from domain.ports.terminal import (
    ContainerEvent,
    ContainerEventPage,
    ContainerEventType,
    YardPosition,
)
from domain.services import feed_cursors
from domain.shipment_status import TRACKED

log = structlog.get_logger(__name__)

DISCHARGE_PROGRESSED = "dischargeProgressed"
# Not news of the yard: plans need no repair for it.
SHIPMENT_FOLLOWED = "tracking.shipment_followed"
CONTAINERS_UPDATED = "containersUpdated"


@dataclass(frozen=True, slots=True)
class TerminalSyncResult:
    """What one page did; `unmanifested` are calls whose manifest we lack."""

    applied: bool
    events_added: int = 0
    containers_changed: int = 0
    unmanifested: dict[uuid.UUID, str] = field(default_factory=dict)


async def apply_container_events(
    session: AsyncSession, page: ContainerEventPage, *, since: str | None, now: datetime
) -> TerminalSyncResult:
    """Apply one feed page read from cursor `since`, and move the cursor on."""
    cursor = await feed_cursors.claim(session, feed_cursors.TERMINAL, since)
    if cursor is None:
        return TerminalSyncResult(applied=False)

    call_ids = await _call_ids(session, {e.vessel_call_ref for e in page.events})
    added = await _insert_events(session, page.events, call_ids)
    boxes = {(e.container_number, call_ids[e.vessel_call_ref]) for e in added}
    changed = await refresh_containers(session, _known(boxes))

    discharged_calls = {
        call_ids[e.vessel_call_ref]
        for e in added
        if e.event_type is ContainerEventType.DISC or e.retracts_event_id
    }
    _record_progress(session, discharged_calls, changed)
    feed_cursors.advance(cursor, page.next_cursor, now)
    missing = await _unmanifested(session, call_ids)
    return TerminalSyncResult(True, len(added), len(changed), missing)


async def refresh_containers(
    session: AsyncSession, boxes: Iterable[tuple[str, uuid.UUID]]
) -> list[Container]:
    """Recompute shipment containers (number, vessel call) from stored events.

    Returns the containers whose state changed. Also for a container added to
    a shipment after the terminal reported on it.
    """
    wanted = set(boxes)
    if not wanted:
        return []
    changed: list[Container] = []
    for container, call_id in await _containers_on_calls(session, wanted):
        timeline = await _timeline(session, container.number, call_id)
        if _set_state(container, container_state(timeline)):
            changed.append(container)
    return changed


async def follow_shipment(session: AsyncSession, shipment: Shipment) -> None:
    """A request's boxes take the state the terminal reported, once it is tracked."""
    if shipment.vessel_call_id is None or shipment.status not in TRACKED:
        return
    await session.flush()
    numbers = await session.scalars(
        select(Container.number).where(Container.shipment_id == shipment.id)
    )
    call_id = shipment.vessel_call_id
    if await refresh_containers(session, [(n, call_id) for n in numbers]):
        # Its counts join the call's discharge progress: tell those watching.
        events.record(
            session,
            events.discharge_channel(call_id),
            SHIPMENT_FOLLOWED,
            vesselCallId=str(call_id),
            shipmentId=str(shipment.id),
        )


async def record_manifest(
    session: AsyncSession, call_id: uuid.UUID, count: int, now: datetime
) -> None:
    """Store how many boxes the terminal's manifest lists for a call."""
    await session.execute(
        insert(DischargeManifest)
        .values(vessel_call_id=call_id, container_count=count, fetched_at=now)
        .on_conflict_do_update(
            index_elements=[DischargeManifest.vessel_call_id],
            set_={"container_count": count, "fetched_at": now},
        )
    )
    events.record(
        session,
        events.discharge_channel(call_id),
        DISCHARGE_PROGRESSED,
        vesselCallId=str(call_id),
    )


def to_event(row: ContainerEventRow) -> ContainerEvent:
    """A stored container event as the pure rules read it."""
    position = None
    if row.yard_block is not None:
        position = YardPosition(
            block=row.yard_block,
            bay=row.yard_bay or 0,
            row=row.yard_row or 0,
            tier=row.yard_tier or 0,
        )
    return ContainerEvent(
        event_id=row.event_id,
        container_number=row.container_number,
        vessel_call_ref=row.vessel_call_ref,
        event_type=row.event_type,
        event_time=row.event_time,
        created_at=row.sent_at,
        yard_position=position,
        retracts_event_id=row.retracts_event_id,
    )


async def _call_ids(
    session: AsyncSession, refs: set[str]
) -> dict[str, uuid.UUID | None]:
    found: dict[str, uuid.UUID | None] = dict.fromkeys(refs)
    if refs:
        rows = await session.execute(
            select(VesselCall.external_ref, VesselCall.id).where(
                VesselCall.external_ref.in_(refs)
            )
        )
        found.update({ref: call_id for ref, call_id in rows})
    return found


async def _insert_events(
    session: AsyncSession,
    page: Sequence[ContainerEvent],
    call_ids: dict[str, uuid.UUID | None],
) -> list[ContainerEvent]:
    """Store new events once by event id; return those that were new."""
    if not page:
        return []
    statement = (
        insert(ContainerEventRow)
        .values([_event_row(event, call_ids) for event in page])
        .on_conflict_do_nothing(index_elements=[ContainerEventRow.event_id])
        .returning(ContainerEventRow.event_id)
    )
    new = set((await session.scalars(statement)).all())
    return [event for event in page if event.event_id in new]


def _event_row(
    event: ContainerEvent, call_ids: dict[str, uuid.UUID | None]
) -> dict[str, object]:
    position = event.yard_position
    return {
        "id": uuid.uuid4(),
        "event_id": event.event_id,
        "container_number": event.container_number,
        "vessel_call_ref": event.vessel_call_ref,
        "vessel_call_id": call_ids.get(event.vessel_call_ref),
        "event_type": event.event_type,
        "event_time": event.event_time,
        "sent_at": event.created_at,
        "yard_block": position.block if position else None,
        "yard_bay": position.bay if position else None,
        "yard_row": position.row if position else None,
        "yard_tier": position.tier if position else None,
        "retracts_event_id": event.retracts_event_id,
    }


def _known(
    boxes: Iterable[tuple[str, uuid.UUID | None]],
) -> list[tuple[str, uuid.UUID]]:
    return [(number, call) for number, call in boxes if call is not None]


async def _containers_on_calls(
    session: AsyncSession, boxes: set[tuple[str, uuid.UUID]]
) -> list[tuple[Container, uuid.UUID]]:
    """The shipment containers among the boxes, each with its shipment's call."""
    rows = await session.execute(
        select(Container, Shipment.vessel_call_id)
        .join(Shipment, Shipment.id == Container.shipment_id)
        .where(
            Container.number.in_({number for number, _ in boxes}),
            Shipment.vessel_call_id.in_({call for _, call in boxes}),
            # A request no operator has verified yet does not follow a box.
            Shipment.status.in_(TRACKED),
        )
        .order_by(Container.number, Container.id)
        .with_for_update(of=Container)
    )
    return [
        (container, call_id)
        for container, call_id in rows
        if call_id is not None and (container.number, call_id) in boxes
    ]


async def _timeline(
    session: AsyncSession, number: str, call_id: uuid.UUID
) -> list[ContainerEvent]:
    rows = await session.scalars(
        select(ContainerEventRow)
        .where(
            ContainerEventRow.container_number == number,
            ContainerEventRow.vessel_call_id == call_id,
        )
        .order_by(ContainerEventRow.seq)
    )
    return [to_event(row) for row in rows]


def _set_state(container: Container, state: ContainerState) -> bool:
    position = state.position
    new = {
        "status": state.status,
        "discharged_at": state.discharged_at,
        "customs_released_at": state.customs_released_at,
        "gated_out_at": state.gated_out_at,
        "yard_block": position.block if position else None,
        "yard_bay": position.bay if position else None,
        "yard_row": position.row if position else None,
        "yard_tier": position.tier if position else None,
    }
    moved = any(getattr(container, name) != value for name, value in new.items())
    for name, value in new.items():
        setattr(container, name, value)
    return moved


def _record_progress(
    session: AsyncSession, call_ids: set[uuid.UUID | None], changed: list[Container]
) -> None:
    # One message per call and per shipment per page: a crane discharging a
    # box a minute would otherwise make every subscriber reload a box a minute.
    for call_id in sorted(c for c in call_ids if c is not None):
        events.record(
            session,
            events.discharge_channel(call_id),
            DISCHARGE_PROGRESSED,
            vesselCallId=str(call_id),
        )
    for shipment_id in sorted({c.shipment_id for c in changed}):
        events.record(
            session,
            events.shipment_channel(shipment_id),
            CONTAINERS_UPDATED,
            shipmentId=str(shipment_id),
        )
    if changed:
        log.info("terminal_sync.containers.updated", containers=len(changed))


async def _unmanifested(
    session: AsyncSession, call_ids: dict[str, uuid.UUID | None]
) -> dict[uuid.UUID, str]:
    known = {call_id: ref for ref, call_id in call_ids.items() if call_id is not None}
    if not known:
        return {}
    have = set(
        await session.scalars(
            select(DischargeManifest.vessel_call_id).where(
                DischargeManifest.vessel_call_id.in_(known)
            )
        )
    )
    return {call_id: ref for call_id, ref in known.items() if call_id not in have}
