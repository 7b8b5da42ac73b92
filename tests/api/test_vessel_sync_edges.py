"""Edges of the vessel feed's sync: IMO spellings, and calls that change place."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from domain.models.outbox import OutboxEvent
from domain.models.port import Vessel, VesselCall
from domain.ports.vessels import Vessel as FeedVessel
from domain.ports.vessels import VesselCall as FeedCall
from domain.ports.vessels import VesselChangePage
from domain.services import feed_cursors
from domain.services.vessel_sync import apply_vessel_changes
from domain.unit_of_work import Database
from domain.viewer import SYSTEM


def _imo(seed: int) -> str:
    """A valid IMO number: six digits and their check digit (IMO A.1078(28))."""
    first_six = f"{seed % 900000 + 100000}"
    total = sum(int(d) * w for d, w in zip(first_six, range(7, 1, -1), strict=True))
    return f"{first_six}{total % 10}"


def _new_imo() -> str:
    return _imo(uuid.uuid4().int)


def _ref() -> str:
    return f"PKK-E-{uuid.uuid4().hex[:8]}"


def _vessel(imo: str) -> FeedVessel:
    return FeedVessel(imo, "EDGE STAR", "YBAA", "ID")


def _page(
    vessels: tuple[FeedVessel, ...] = (), calls: tuple[FeedCall, ...] = ()
) -> VesselChangePage:
    return VesselChangePage(vessels, calls, (), uuid.uuid4().hex, False)


async def _apply(database: Database, page: VesselChangePage) -> None:
    async with database.transaction(SYSTEM) as session:
        since = await feed_cursors.current_cursor(session, feed_cursors.VESSELS)
    async with database.transaction(SYSTEM) as session:
        result = await apply_vessel_changes(
            session, page, since=since, now=datetime.now(UTC)
        )
    assert result.applied


async def _stored_call(database: Database, ref: str) -> VesselCall | None:
    async with database.transaction(SYSTEM) as session:
        return await session.scalar(
            select(VesselCall).where(VesselCall.external_ref == ref)
        )


async def _last_event_id(database: Database) -> int:
    async with database.transaction(SYSTEM) as session:
        return int(await session.scalar(select(func.max(OutboxEvent.id))) or 0)


async def _channels_after(database: Database, event_id: int) -> list[str]:
    async with database.transaction(SYSTEM) as session:
        rows = await session.scalars(
            select(OutboxEvent.channel).where(OutboxEvent.id > event_id)
        )
        return sorted(rows)


# --- The vessel a call names, whatever the spelling of its IMO number ---


async def test_a_call_of_a_vessel_sent_with_an_imo_prefix_is_kept(
    database: Database,
) -> None:
    imo, ref = _new_imo(), _ref()
    call = FeedCall(ref, f"IMO {imo}", "001N", "IDTPP", "JICT", None)

    await _apply(database, _page((_vessel(f"IMO {imo}"),), (call,)))

    stored = await _stored_call(database, ref)
    async with database.transaction(SYSTEM) as session:
        vessel_id = await session.scalar(select(Vessel.id).where(Vessel.imo == imo))
    assert stored is not None
    assert vessel_id is not None
    assert stored.vessel_id == vessel_id


async def test_a_call_finds_a_vessel_of_an_earlier_page_by_its_normalised_imo(
    database: Database,
) -> None:
    imo, ref = _new_imo(), _ref()
    await _apply(database, _page((_vessel(imo),)))

    call = FeedCall(ref, f"imo: {imo}", "001N", "IDTPP", "JICT", None)
    await _apply(database, _page(calls=(call,)))

    assert await _stored_call(database, ref) is not None


async def test_a_call_with_an_invalid_imo_is_skipped_and_the_page_applied(
    database: Database,
) -> None:
    imo, skipped, kept = _new_imo(), _ref(), _ref()
    wrong_check_digit = imo[:6] + str((int(imo[6]) + 1) % 10)
    calls = (
        FeedCall(skipped, wrong_check_digit, "001N", "IDTPP", "JICT", None),
        FeedCall(kept, imo, "001N", "IDTPP", "JICT", None),
    )

    await _apply(database, _page((_vessel(imo),), calls))

    assert await _stored_call(database, skipped) is None
    assert await _stored_call(database, kept) is not None


# --- A call that changes place is announced ---


async def test_a_call_moved_to_another_port_is_announced_at_both_ports(
    database: Database,
) -> None:
    imo, ref = _new_imo(), _ref()
    first = FeedCall(ref, imo, "001N", "IDTPP", "JICT", "B1")
    await _apply(database, _page((_vessel(imo),), (first,)))
    before = await _last_event_id(database)

    moved = FeedCall(ref, imo, "001N", "IDSUB", "JICT", "B1")
    await _apply(database, _page(calls=(moved,)))

    stored = await _stored_call(database, ref)
    assert stored is not None
    assert stored.port == "IDSUB"
    assert await _channels_after(database, before) == sorted(
        [f"vessel-call:{stored.id}", "port:IDSUB", "port:IDTPP"]
    )


async def test_a_call_moved_to_another_vessel_is_announced(
    database: Database,
) -> None:
    imo, other, ref = _new_imo(), _new_imo(), _ref()
    first = FeedCall(ref, imo, "001N", "IDTPP", "JICT", "B1")
    await _apply(database, _page((_vessel(imo), _vessel(other)), (first,)))
    before = await _last_event_id(database)

    swapped = FeedCall(ref, other, "001N", "IDTPP", "JICT", "B1")
    await _apply(database, _page(calls=(swapped,)))

    stored = await _stored_call(database, ref)
    assert stored is not None
    assert await _channels_after(database, before) == sorted(
        [f"vessel-call:{stored.id}", "port:IDTPP"]
    )


async def test_a_call_sent_again_unchanged_is_not_announced(
    database: Database,
) -> None:
    imo, ref = _new_imo(), _ref()
    call = FeedCall(ref, imo, "001N", "IDTPP", "JICT", "B1")
    await _apply(database, _page((_vessel(imo),), (call,)))
    before = await _last_event_id(database)

    await _apply(database, _page(calls=(call,)))

    assert await _channels_after(database, before) == []
