"""Apply a page of the vessel system's change feed: vessels, calls and timestamps.

Idempotent: vessels and calls are upserted by IMO number and call reference,
timestamps inserted once by event id, and a vessel call's current times are
recomputed from all its stored timestamps (domain.vessel_events). A replayed
page therefore changes nothing and records no event.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain import events
from domain.errors import ValidationError
from domain.identifiers import ImoNumber
from domain.models.port import Vessel, VesselCall
from domain.models.tracking import ContainerEventRow, PortCallTimestampRow
from domain.ports.vessels import Vessel as FeedVessel
from domain.ports.vessels import VesselCall as FeedCall
from domain.ports.vessels import VesselChangePage
from domain.services import feed_cursors
from domain.vessel_events import PortCallTimestamp, VesselCallTimes, current_times

log = structlog.get_logger(__name__)

VESSEL_CALL_UPDATED = "vesselCallUpdated"
# UN/LOCODE: country code and three letters or digits 2-9 (UNECE Rec. 16).
_LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
_TIME_FIELDS = ("eta", "etb", "ata", "atb", "etd", "atd")


@dataclass(frozen=True, slots=True)
class VesselSyncResult:
    """What one page did; `applied` is False when another worker had applied it."""

    applied: bool
    timestamps_added: int = 0
    calls_changed: int = 0


async def apply_vessel_changes(
    session: AsyncSession, page: VesselChangePage, *, since: str | None, now: datetime
) -> VesselSyncResult:
    """Apply one feed page read from cursor `since`, and move the cursor on."""
    cursor = await feed_cursors.claim(session, feed_cursors.VESSELS, since)
    if cursor is None:
        return VesselSyncResult(applied=False)

    vessel_ids = await _upsert_vessels(session, page.vessels)
    moved = await _upsert_calls(session, page.calls, vessel_ids)
    call_ids = await _call_ids(session, {t.call_ref for t in page.timestamps})
    added = await _insert_timestamps(session, page.timestamps, call_ids)

    left = {call_id: port for call_id, port in moved.items() if port is not None}
    changed = await recompute_calls(session, added, moved=moved, left_ports=left)
    feed_cursors.advance(cursor, page.next_cursor, now)
    return VesselSyncResult(True, len(page.timestamps), changed)


async def recompute_calls(
    session: AsyncSession,
    call_ids: Iterable[uuid.UUID],
    *,
    moved: Iterable[uuid.UUID] = (),
    left_ports: Mapping[uuid.UUID, str] | None = None,
) -> int:
    """Re-read calls' times off their timestamps; record an event where they moved.

    Calls in `moved` changed otherwise (a new call, another berth or port)
    and get their event whatever their times do. A call in `left_ports` has
    moved away from the port named there, whose subscribers hear it too.
    """
    changed, forced, left = 0, set(moved), left_ports or {}
    for call_id in sorted(set(call_ids) | forced):
        call = await session.get(VesselCall, call_id, with_for_update=True)
        if call is None:
            continue
        times = current_times(await _timeline(session, call_id))
        if _set_times(call, times) or call_id in forced:
            _record_update(session, call, left_port=left.get(call_id))
            changed += 1
    return changed


async def _upsert_vessels(
    session: AsyncSession, vessels: Iterable[FeedVessel]
) -> dict[str, uuid.UUID]:
    ids: dict[str, uuid.UUID] = {}
    for vessel in vessels:
        try:
            imo = str(ImoNumber.parse(vessel.imo))
        except ValidationError:
            log.warning("vessel_sync.vessel.invalid_imo", imo=vessel.imo)
            continue
        values = {"name": vessel.name, "call_sign": vessel.call_sign}
        statement = (
            insert(Vessel)
            .values(id=uuid.uuid4(), imo=imo, flag=vessel.flag, **values)
            .on_conflict_do_update(
                index_elements=[Vessel.imo], set_={**values, "flag": vessel.flag}
            )
            .returning(Vessel.id)
        )
        ids[imo] = (await session.execute(statement)).scalar_one()
    return ids


async def _upsert_calls(
    session: AsyncSession, calls: Iterable[FeedCall], vessel_ids: dict[str, uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """Upsert calls; return those that changed, each with the port it left.

    A call changed when it is new or its vessel, voyage, port, terminal or
    berth moved; the port it left is None unless its port changed.
    """
    moved: dict[uuid.UUID, str | None] = {}
    for call in calls:
        vessel_id = await _vessel_of(session, call, vessel_ids)
        if vessel_id is None or not _LOCODE.fullmatch(call.port):
            log.warning("vessel_sync.call.rejected", call_ref=call.call_ref)
            continue
        existing = await session.scalar(
            select(VesselCall).where(VesselCall.external_ref == call.call_ref)
        )
        if existing is None:
            existing = VesselCall(external_ref=call.call_ref, vessel_id=vessel_id)
            session.add(existing)
            former_port = None
        else:
            former_port = existing.port
        before = _placing(existing)
        existing.vessel_id = vessel_id
        existing.voyage, existing.port = call.voyage, call.port
        existing.terminal, existing.berth = call.terminal, call.berth
        await session.flush()
        if before != _placing(existing):
            left = former_port if former_port not in (None, call.port) else None
            moved[existing.id] = left
            await _link_container_events(session, existing)
    return moved


async def _vessel_of(
    session: AsyncSession, call: FeedCall, vessel_ids: dict[str, uuid.UUID]
) -> uuid.UUID | None:
    """The stored vessel a call names, by its normalised IMO number."""
    try:
        imo = str(ImoNumber.parse(call.vessel_imo))
    except ValidationError:
        log.warning(
            "vessel_sync.call.invalid_imo", call_ref=call.call_ref, imo=call.vessel_imo
        )
        return None
    return vessel_ids.get(imo) or await session.scalar(
        select(Vessel.id).where(Vessel.imo == imo)
    )


def _placing(call: VesselCall) -> tuple[object, ...]:
    """What places a call, apart from its times: a change is announced."""
    return (call.vessel_id, call.voyage, call.port, call.terminal, call.berth)


async def _link_container_events(session: AsyncSession, call: VesselCall) -> None:
    # Terminal events may arrive before the vessel system reports the call.
    await session.execute(
        update(ContainerEventRow)
        .where(
            ContainerEventRow.vessel_call_ref == call.external_ref,
            ContainerEventRow.vessel_call_id.is_(None),
        )
        .values(vessel_call_id=call.id)
    )


async def _call_ids(session: AsyncSession, refs: set[str]) -> dict[str, uuid.UUID]:
    if not refs:
        return {}
    rows = await session.execute(
        select(VesselCall.external_ref, VesselCall.id).where(
            VesselCall.external_ref.in_(refs)
        )
    )
    return {ref: call_id for ref, call_id in rows}


async def _insert_timestamps(
    session: AsyncSession,
    stamps: Iterable[PortCallTimestamp],
    call_ids: dict[str, uuid.UUID],
) -> set[uuid.UUID]:
    """Store new timestamps once by event id; return the calls that got any."""
    rows = []
    for stamp in stamps:
        call_id = call_ids.get(stamp.call_ref)
        if call_id is None:
            log.warning("vessel_sync.timestamp.unknown_call", call_ref=stamp.call_ref)
            continue
        rows.append(
            {
                "id": uuid.uuid4(),
                "event_id": stamp.event_id,
                "vessel_call_id": call_id,
                "classifier": stamp.classifier,
                "event_type": stamp.event_type,
                "service": stamp.service,
                "event_time": stamp.event_time,
                "sent_at": stamp.created_at,
                "retracts_event_id": stamp.retracts_event_id,
            }
        )
    if not rows:
        return set()
    # One statement keeps the feed order in the identity column (`seq`).
    statement = (
        insert(PortCallTimestampRow)
        .values(rows)
        .on_conflict_do_nothing(index_elements=[PortCallTimestampRow.event_id])
        .returning(PortCallTimestampRow.vessel_call_id)
    )
    return set((await session.scalars(statement)).all())


async def _timeline(
    session: AsyncSession, call_id: uuid.UUID
) -> list[PortCallTimestamp]:
    rows = await session.scalars(
        select(PortCallTimestampRow)
        .where(PortCallTimestampRow.vessel_call_id == call_id)
        .order_by(PortCallTimestampRow.seq)
    )
    return [to_timestamp(row) for row in rows]


def to_timestamp(row: PortCallTimestampRow, call_ref: str = "") -> PortCallTimestamp:
    """A stored timestamp as the pure rules read it."""
    return PortCallTimestamp(
        event_id=row.event_id,
        call_ref=call_ref,
        classifier=row.classifier,
        event_type=row.event_type,
        service=row.service,
        event_time=row.event_time,
        created_at=row.sent_at,
        retracts_event_id=row.retracts_event_id,
    )


def _set_times(call: VesselCall, times: VesselCallTimes) -> bool:
    """Copy the derived times onto the call; True if any of them moved."""
    new = {name: getattr(times, name) for name in _TIME_FIELDS}
    new["cargo_started_at"] = times.cargo_operations_started
    new["cargo_completed_at"] = times.cargo_operations_completed
    moved = call.status != times.status or any(
        getattr(call, name) != value for name, value in new.items()
    )
    if moved:
        call.status = times.status
        for name, value in new.items():
            setattr(call, name, value)
    return moved


def _record_update(
    session: AsyncSession, call: VesselCall, *, left_port: str | None = None
) -> None:
    call_id = str(call.id)
    log.info(
        "vessel_call.updated",
        vessel_call_id=call_id,
        status=call.status.value,
        eta=call.eta.isoformat() if call.eta else None,
        left_port=left_port,
    )
    channels = [events.vessel_call_channel(call.id), events.port_channel(call.port)]
    if left_port is not None:
        # The call left this port: its subscribers get it, now elsewhere, to drop.
        channels.append(events.port_channel(left_port))
    for channel in channels:
        events.record(session, channel, VESSEL_CALL_UPDATED, vesselCallId=call_id)
