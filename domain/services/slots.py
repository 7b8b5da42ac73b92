"""Pickup slots and yard capacity as terminal operators configure them."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from domain.models.identity import Role
from domain.models.scheduling import PickupSlot, SlotConfiguration, YardBlock
from domain.services.planning import mark_stale
from domain.time_bounds import check_near
from domain.viewer import Viewer

log = structlog.get_logger(__name__)

MAX_CONFIGURE_SPAN = timedelta(days=31)
MAX_QUERY_SPAN = timedelta(days=14)
TERMINAL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}")
PAST_SLOTS = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class SlotPlan:
    """Slots to lay out at a terminal: [start, end) cut into `slot_minutes`."""

    terminal: str
    start: datetime
    end: datetime
    slot_minutes: int
    quota: int
    quay_cranes: int | None = None
    moves_per_crane_hour: int | None = None
    settling_minutes: int | None = None


async def configure_slots(
    session: AsyncSession, viewer: Viewer, plan: SlotPlan
) -> list[PickupSlot]:
    """Lay out slots over a span; slots already there keep their quota and bookings."""
    _require_operator(viewer)
    _check_plan(plan)
    starts = _grid(plan)
    await _check_overlap(session, plan, starts)

    await _save_configuration(session, plan)
    length = timedelta(minutes=plan.slot_minutes)
    rows = [
        {
            "id": uuid.uuid4(),
            "terminal": plan.terminal,
            "starts_at": start,
            "ends_at": start + length,
            "quota": plan.quota,
        }
        for start in starts
    ]
    await session.execute(
        insert(PickupSlot)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["terminal", "starts_at"])
    )
    await mark_stale(session, terminal=plan.terminal)
    log.info("slots.configured", terminal=plan.terminal, slots=len(rows))
    return await slots_between(session, plan.terminal, plan.start, plan.end, cap=None)


async def update_slot_quota(
    session: AsyncSession, viewer: Viewer, *, slot_id: uuid.UUID, quota: int
) -> PickupSlot:
    """Change a slot's truck quota; bookings above a lowered quota are kept."""
    _require_operator(viewer)
    if not 0 <= quota <= 10_000:
        raise ValidationError("a quota is 0 to 10000 trucks", field=("quota",))
    slot = await session.scalar(
        select(PickupSlot).where(PickupSlot.id == slot_id).with_for_update()
    )
    if slot is None:
        raise NotFoundError("no such slot", field=("slotId",))

    slot.quota = quota
    await session.flush()
    await mark_stale(session, terminal=slot.terminal)
    log.info("slots.quota_changed", slot=str(slot.id), quota=quota)
    return slot


async def configure_yard_block(
    session: AsyncSession,
    viewer: Viewer,
    *,
    terminal: str,
    code: str,
    moves_per_hour: int,
) -> YardBlock:
    """Create or change a yard block's pickup moves per hour."""
    _require_operator(viewer)
    _check_terminal(terminal)
    code = code.strip().upper()
    if not 1 <= len(code) <= 16:
        raise ValidationError("a block code has 1 to 16 characters", field=("code",))
    if not 0 <= moves_per_hour <= 1_000:
        raise ValidationError("moves per hour are 0 to 1000", field=("movesPerHour",))

    block = await session.scalar(
        select(YardBlock)
        .where(YardBlock.terminal == terminal, YardBlock.code == code)
        .with_for_update()
    )
    if block is None:
        block = YardBlock(terminal=terminal, code=code, moves_per_hour=moves_per_hour)
        session.add(block)
    block.moves_per_hour = moves_per_hour
    await session.flush()
    await mark_stale(session, terminal=terminal)
    log.info("yard.block_configured", terminal=terminal, block=code)
    return block


async def slots_between(
    session: AsyncSession,
    terminal: str,
    start: datetime,
    end: datetime,
    *,
    cap: timedelta | None = MAX_QUERY_SPAN,
) -> list[PickupSlot]:
    """Slots of a terminal that start in [start, end), in time order."""
    _check_terminal(terminal)
    if end <= start:
        raise ValidationError("`to` must come after `from`", field=("to",))
    now = datetime.now(UTC)
    check_near(start, now=now, field=("from",))
    check_near(end, now=now, field=("to",))
    if cap is not None and end - start > cap:
        raise ValidationError(
            f"ask for at most {cap.days} days of slots at once", field=("to",)
        )
    rows = await session.scalars(
        select(PickupSlot)
        .where(
            PickupSlot.terminal == terminal,
            PickupSlot.starts_at >= start,
            PickupSlot.starts_at < end,
        )
        .order_by(PickupSlot.starts_at)
    )
    return list(rows)


def _require_operator(viewer: Viewer) -> None:
    if not viewer.has(Role.OPERATOR):
        raise PermissionDeniedError("only terminal operators configure slots")


def _check_terminal(terminal: str) -> None:
    # Codes as the vessel system names terminals (JICT, NPCT1, KOJA...); an
    # operator lays out slots of a new terminal under its code.
    if TERMINAL_CODE.fullmatch(terminal) is None:
        raise ValidationError(
            "a terminal code has 1 to 16 letters, digits or hyphens",
            field=("terminal",),
        )


def _check_plan(plan: SlotPlan) -> None:
    _check_terminal(plan.terminal)
    if not 15 <= plan.slot_minutes <= 1440:
        raise ValidationError("a slot lasts 15 to 1440 minutes", field=("slotMinutes",))
    if plan.end <= plan.start:
        raise ValidationError("`to` must come after `from`", field=("to",))
    if plan.end - plan.start > MAX_CONFIGURE_SPAN:
        raise ValidationError("configure at most 31 days at once", field=("to",))
    # Slots are laid out for the coming year; a past slot takes no truck.
    now = datetime.now(UTC)
    check_near(plan.start, now=now, field=("from",), behind=PAST_SLOTS)
    check_near(plan.end, now=now, field=("to",), behind=PAST_SLOTS)
    if not 0 <= plan.quota <= 10_000:
        raise ValidationError("a quota is 0 to 10000 trucks", field=("quota",))
    for name, value in (
        ("quayCranes", plan.quay_cranes),
        ("movesPerCraneHour", plan.moves_per_crane_hour),
    ):
        if value is not None and not 1 <= value <= 1_000:
            raise ValidationError(f"{name} is 1 to 1000", field=(name,))
    if plan.settling_minutes is not None and not 0 <= plan.settling_minutes <= 1440:
        raise ValidationError(
            "settling time is 0 to 1440 minutes", field=("settlingMinutes",)
        )


def _grid(plan: SlotPlan) -> list[datetime]:
    """Slot starts from `start`; a last slot that would pass `end` is left out."""
    length = timedelta(minutes=plan.slot_minutes)
    starts = []
    at = plan.start
    while at + length <= plan.end:
        starts.append(at)
        at += length
    if not starts:
        raise ValidationError("the span is shorter than one slot", field=("to",))
    return starts


async def _check_overlap(
    session: AsyncSession, plan: SlotPlan, starts: list[datetime]
) -> None:
    """Existing slots in the span must sit on the same grid, or nothing is made."""
    length = timedelta(minutes=plan.slot_minutes)
    grid = set(starts)
    existing = await session.scalars(
        select(PickupSlot).where(
            PickupSlot.terminal == plan.terminal,
            PickupSlot.starts_at < plan.end,
            PickupSlot.ends_at > plan.start,
        )
    )
    for slot in existing:
        if slot.starts_at not in grid or slot.ends_at - slot.starts_at != length:
            raise ConflictError(
                f"an existing slot from {slot.starts_at.isoformat()} overlaps "
                "the new grid",
                code="SLOTS_OVERLAP",
                field=("from",),
            )


async def _save_configuration(session: AsyncSession, plan: SlotPlan) -> None:
    config = await session.scalar(
        select(SlotConfiguration)
        .where(SlotConfiguration.terminal == plan.terminal)
        .with_for_update()
    )
    if config is None:
        config = SlotConfiguration(
            terminal=plan.terminal,
            slot_minutes=plan.slot_minutes,
            default_quota=plan.quota,
        )
        session.add(config)
    config.slot_minutes = plan.slot_minutes
    config.default_quota = plan.quota
    if plan.quay_cranes is not None:
        config.quay_cranes = plan.quay_cranes
    if plan.moves_per_crane_hour is not None:
        config.moves_per_crane_hour = plan.moves_per_crane_hour
    if plan.settling_minutes is not None:
        config.settling_minutes = plan.settling_minutes
    await session.flush()
