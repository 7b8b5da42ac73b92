"""Build a shipment's pickup-optimiser instance from what the database knows now.

Release conditions, as the optimiser reads them (domain/readiness.py names
the same conditions):

- discharge: the actual time, else estimated by the optimiser from the
  vessel call's berthing time (cargo start, else ATB, else the later of ETA
  and the berth window ETB), the terminal's quay cranes and their moves per
  crane-hour; with none of these known the box waits for discharge.
- customs: the SPPB time when known; a box in inspection or on hold waits
  with no time; otherwise release is assumed by the time it is ready.
- payment: the time the shipment's initial payment was confirmed; without a
  confirmed payment it is assumed to be made in time (named in `assumed`).
- Delivery Order: in force over the validity the assistant read from the
  shipment's DO (domain/services/delivery_orders.py): from its start, and
  no pickup slot may end after its expiry. Without a DO whose expiry was
  read it is assumed valid: never a limit, and named in `assumed`.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ValidationError
from domain.models.payments import Payment, PaymentPurpose, PaymentStatus
from domain.models.port import VesselCall
from domain.models.scheduling import (
    BookingStatus,
    PickupSlot,
    SlotConfiguration,
    TruckBooking,
    YardBlock,
)
from domain.models.shipments import Container, ContainerStatus, Shipment
from domain.pickup_storage import PlanClock, storage_tariff, tariff_in_force
from domain.services import delivery_orders
from domain.services.delivery_orders import DoValidity
from optimizer import (
    Block,
    CapacityReduction,
    Instance,
    Prepared,
    Slot,
    Window,
)
from optimizer import Container as Box
from optimizer import VesselCall as Call

HORIZON = timedelta(days=7)
ANY_BLOCK = "*"
UNLIMITED_MOVES = 1_000_000
HELD_STATUSES = (ContainerStatus.IN_INSPECTION, ContainerStatus.HELD)
DEFAULTS = SlotConfiguration(
    slot_minutes=120,
    default_quota=0,
    quay_cranes=3,
    moves_per_crane_hour=25,
    settling_minutes=60,
)


@dataclass(frozen=True, slots=True)
class PreferredWindow:
    """A customer's preferred pickup window, for some containers or for all."""

    start: datetime
    end: datetime
    container_ids: tuple[uuid.UUID, ...] | None = None

    def as_json(self) -> dict[str, object]:
        ids = (
            None if self.container_ids is None else [str(i) for i in self.container_ids]
        )
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "containers": None if ids is None else [str(i) for i in ids],
        }

    @classmethod
    def from_json(cls, value: dict[str, object]) -> PreferredWindow:
        ids = value.get("containers")
        return cls(
            datetime.fromisoformat(str(value["from"])),
            datetime.fromisoformat(str(value["to"])),
            None if not isinstance(ids, list) else tuple(uuid.UUID(i) for i in ids),
        )


@dataclass(frozen=True, slots=True)
class PlanInputs:
    """An instance and the rows it was built from, keyed by the optimiser's ids."""

    clock: PlanClock
    instance: Instance
    terminal: str
    vessel_call_id: uuid.UUID
    berth_at: datetime | None
    config: SlotConfiguration
    containers: dict[str, Container]
    slots: dict[str, PickupSlot]
    bookings: dict[str, TruckBooking]
    assumed: dict[str, list[str]]


async def load_inputs(
    session: AsyncSession,
    shipment: Shipment,
    windows: list[PreferredWindow],
    now: datetime,
) -> PlanInputs:
    """Everything the optimiser needs for one shipment, as of `now`."""
    if shipment.vessel_call_id is None:
        raise ValidationError(
            "the shipment names no vessel call", code="NO_VESSEL_CALL"
        )
    call = await session.get_one(VesselCall, shipment.vessel_call_id)
    config = await _configuration(session, call.terminal)
    clock = PlanClock.at(now)

    containers = await _containers(session, shipment.id)
    bookings = await _bookings(session, containers)
    slots = await _slots(session, call.terminal, now, bookings)
    blocks = await _blocks(session, call.terminal)
    paid_at = await _paid_at(session, shipment.id)
    validity = await delivery_orders.validity_of(session, shipment)
    others = await _other_load(session, shipment.id, slots)

    berth_at = berth_time(call)
    boxes, assumed = _boxes(
        str(call.id), containers, bookings, blocks, paid_at, validity, windows, clock
    )
    instance = Instance(
        containers=tuple(boxes),
        slots=tuple(_slot(s, bookings, clock) for s in slots.values()),
        blocks=_optimiser_blocks(blocks, slots, others, clock),
        vessel_calls=_calls(call.id, berth_at, config, clock),
        settling_minutes=config.settling_minutes,
    )
    instance = _with_storage(instance, containers, call.port, clock)
    return PlanInputs(
        clock=clock,
        instance=instance,
        terminal=call.terminal,
        vessel_call_id=call.id,
        berth_at=berth_at,
        config=config,
        containers=containers,
        slots=slots,
        bookings=bookings,
        assumed=assumed,
    )


def berth_time(call: VesselCall) -> datetime | None:
    """When discharge starts: cargo start, ATB, else the later of ETA and ETB."""
    # A vessel berths neither before it arrives (ETA) nor before its berth
    # window (ETB, DCSA JIT): the later of the two estimates counts.
    if call.cargo_started_at is not None:
        return call.cargo_started_at
    if call.atb is not None:
        return call.atb
    estimates = [t for t in (call.eta, call.etb) if t is not None]
    return max(estimates, default=None)


async def _configuration(session: AsyncSession, terminal: str) -> SlotConfiguration:
    found = await session.scalar(
        select(SlotConfiguration).where(SlotConfiguration.terminal == terminal)
    )
    return found or DEFAULTS


async def _containers(
    session: AsyncSession, shipment_id: uuid.UUID
) -> dict[str, Container]:
    rows = await session.scalars(
        select(Container)
        .where(
            Container.shipment_id == shipment_id,
            Container.status != ContainerStatus.GATED_OUT,
        )
        .order_by(Container.number)
    )
    return {str(row.id): row for row in rows}


async def _bookings(
    session: AsyncSession, containers: dict[str, Container]
) -> dict[str, TruckBooking]:
    ids = [row.id for row in containers.values()]
    rows = await session.scalars(
        select(TruckBooking).where(
            TruckBooking.container_id.in_(ids),
            TruckBooking.status == BookingStatus.ACTIVE,
        )
    )
    return {str(row.container_id): row for row in rows}


async def _slots(
    session: AsyncSession,
    terminal: str,
    now: datetime,
    bookings: dict[str, TruckBooking],
) -> dict[str, PickupSlot]:
    """Slots starting within the horizon, and the slots the shipment holds."""
    booked = [b.slot_id for b in bookings.values()]
    in_horizon = (PickupSlot.starts_at >= now) & (PickupSlot.starts_at < now + HORIZON)
    rows = await session.scalars(
        select(PickupSlot)
        .where(
            PickupSlot.terminal == terminal,
            in_horizon | (PickupSlot.id.in_(booked) & (PickupSlot.starts_at >= now)),
        )
        .order_by(PickupSlot.starts_at)
    )
    return {str(row.id): row for row in rows}


async def _blocks(session: AsyncSession, terminal: str) -> dict[str, YardBlock]:
    rows = await session.scalars(
        select(YardBlock).where(YardBlock.terminal == terminal)
    )
    return {row.code: row for row in rows}


async def _paid_at(session: AsyncSession, shipment_id: uuid.UUID) -> datetime | None:
    return await session.scalar(
        select(func.min(Payment.paid_at)).where(
            Payment.shipment_id == shipment_id,
            Payment.purpose == PaymentPurpose.INITIAL,
            Payment.status == PaymentStatus.PAID,
        )
    )


async def _other_load(
    session: AsyncSession, shipment_id: uuid.UUID, slots: dict[str, PickupSlot]
) -> dict[tuple[str | None, uuid.UUID], int]:
    """Active bookings of other shipments per (yard block, slot): a count only."""
    # Other organisations' bookings are counted, never shown, so the count
    # runs outside the viewer's tenancy scope.
    rows = await session.execute(
        select(Container.yard_block, TruckBooking.slot_id, func.count())
        .join(Container, Container.id == TruckBooking.container_id)
        .where(
            TruckBooking.slot_id.in_([s.id for s in slots.values()]),
            TruckBooking.status == BookingStatus.ACTIVE,
            TruckBooking.shipment_id != shipment_id,
        )
        .group_by(Container.yard_block, TruckBooking.slot_id),
        execution_options={"skip_tenancy": True},
    )
    return {(block, slot): int(count) for block, slot, count in rows.all()}


def _slot(row: PickupSlot, bookings: dict[str, TruckBooking], clock: PlanClock) -> Slot:
    """The slot with the room this shipment has: quota less others' bookings."""
    own = sum(1 for b in bookings.values() if b.slot_id == row.id)
    room = max(row.quota - row.booked + own, own)
    return Slot(
        str(row.id), clock.minutes(row.starts_at), clock.minutes(row.ends_at), room
    )


def _optimiser_blocks(
    blocks: dict[str, YardBlock],
    slots: dict[str, PickupSlot],
    others: dict[tuple[str | None, uuid.UUID], int],
    clock: PlanClock,
) -> tuple[Block, ...]:
    """Yard blocks with their rate cut, per slot, by other shipments' pickups.

    Boxes whose block is not known yet plan against the whole import yard.
    """
    rates = {code: b.moves_per_hour for code, b in blocks.items()}
    rates[ANY_BLOCK] = sum(rates.values()) if blocks else UNLIMITED_MOVES
    used: dict[str, dict[uuid.UUID, int]] = defaultdict(dict)
    for (code, slot_id), count in others.items():
        key = code if code in blocks else ANY_BLOCK
        used[key][slot_id] = used[key].get(slot_id, 0) + count
        if key != ANY_BLOCK:
            used[ANY_BLOCK][slot_id] = used[ANY_BLOCK].get(slot_id, 0) + count
    return tuple(
        Block(code, rate, _cuts(rate, used[code], slots, clock))
        for code, rate in sorted(rates.items())
    )


def _cuts(
    rate: int,
    used: dict[uuid.UUID, int],
    slots: dict[str, PickupSlot],
    clock: PlanClock,
) -> tuple[CapacityReduction, ...]:
    cuts = []
    for slot_id, moves in used.items():
        slot = slots[str(slot_id)]
        start, end = clock.minutes(slot.starts_at), clock.minutes(slot.ends_at)
        taken_per_hour = -(-moves * 60 // max(end - start, 1))
        cuts.append(CapacityReduction(start, end, max(rate - taken_per_hour, 0)))
    return tuple(cuts)


def _calls(
    call_id: uuid.UUID,
    berth_at: datetime | None,
    config: SlotConfiguration,
    clock: PlanClock,
) -> tuple[Call, ...]:
    if berth_at is None:
        return ()
    return (
        Call(
            str(call_id),
            clock.minutes(berth_at),
            config.quay_cranes,
            config.moves_per_crane_hour,
        ),
    )


def _boxes(
    call_id: str,
    containers: dict[str, Container],
    bookings: dict[str, TruckBooking],
    blocks: dict[str, YardBlock],
    paid_at: datetime | None,
    validity: DoValidity | None,
    windows: list[PreferredWindow],
    clock: PlanClock,
) -> tuple[list[Box], dict[str, list[str]]]:
    boxes: list[Box] = []
    assumed: dict[str, list[str]] = {}
    for cid, row in containers.items():
        conditions = [] if validity else ["DO_VALID"]
        if paid_at is None:
            conditions.append("PAID")
        if row.customs_released_at is None and row.status not in HELD_STATUSES:
            conditions.append("CUSTOMS_RELEASED")
        assumed[cid] = sorted(conditions)
        booking = bookings.get(cid)
        window = _window_of(row.id, windows)
        boxes.append(
            Box(
                id=cid,
                block=row.yard_block if row.yard_block in blocks else ANY_BLOCK,
                size=20 if row.size_type.startswith("2") else 40,
                vessel_call=call_id,
                discharged_at=_minutes(row.discharged_at, clock),
                customs_released_at=_customs(row, clock),
                paid_at=_or_now(_minutes(paid_at, clock)),
                do_valid_from=clock.minutes(validity.starts_at) if validity else 0,
                do_expires_at=clock.minutes(validity.ends_at) if validity else None,
                preferred=None
                if window is None
                else Window(clock.minutes(window.start), clock.minutes(window.end)),
                booked_slot=None if booking is None else str(booking.slot_id),
            )
        )
    return boxes, assumed


def _customs(row: Container, clock: PlanClock) -> int | None:
    """SPPB time; None (held) while the box is in inspection or on hold."""
    if row.status in HELD_STATUSES:
        return None
    return _or_now(_minutes(row.customs_released_at, clock))


def _or_now(minutes: int | None) -> int:
    """A condition with no known time is taken as met from the plan's epoch."""
    return 0 if minutes is None else minutes


def _minutes(moment: datetime | None, clock: PlanClock) -> int | None:
    return None if moment is None else clock.minutes(moment)


def _window_of(
    container_id: uuid.UUID, windows: list[PreferredWindow]
) -> PreferredWindow | None:
    """The window naming the container, else the first window naming none."""
    for window in windows:
        if window.container_ids is not None and container_id in window.container_ids:
            return window
    return next((w for w in windows if w.container_ids is None), None)


def _with_storage(
    instance: Instance, containers: dict[str, Container], port: str, clock: PlanClock
) -> Instance:
    """Give each box its storage tariff, from its actual or estimated discharge."""
    discharged = {cid: r.discharged_at for cid, r in Prepared(instance).ready.items()}
    boxes = []
    for box in instance.containers:
        minutes = discharged[box.id]
        if minutes is None:
            boxes.append(box)
            continue
        at = clock.moment(minutes)
        book = tariff_in_force(port, at)
        tariff = storage_tariff(book, containers[box.id].size_type, at, clock)
        boxes.append(dataclasses.replace(box, storage=tariff))
    return dataclasses.replace(instance, containers=tuple(boxes))
