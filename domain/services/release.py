"""Whether a box may leave: its pickup conditions, now and for a booked slot.

The conditions at a moment are domain/readiness.py's, fed from what is
recorded: discharge and the SPPB on the box, the Delivery Order's validity
(domain/services/delivery_orders.py), the invoices paid, and holds from the
terminal's events. For a gate pass the DO must be in force for the whole
booked slot, and the box's storage must be paid through the slot's end.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, ValidationError
from domain.models.scheduling import PickupSlot
from domain.models.shipments import Container, ContainerStatus, Shipment
from domain.ports.terminal import ContainerEventType
from domain.readiness import Condition, Hold, ReadinessFacts, ready_window
from domain.services import delivery_orders, invoice_settlement, invoices
from domain.services.delivery_orders import DoValidity

UNMET_CODES = {
    Condition.DISCHARGED: ("NOT_DISCHARGED", "the container is not discharged yet"),
    Condition.CUSTOMS_RELEASED: (
        "NOT_RELEASED",
        "customs has not released the container (no SPPB)",
    ),
    Condition.DO_VALID: (
        "DO_INVALID",
        "no Delivery Order with a readable validity is on file (upload it and "
        "check the documents)",
    ),
    Condition.PAID: ("NOT_PAID", "the terminal charges are not paid"),
    Condition.NO_HOLDS: ("ON_HOLD", "a hold blocks the container"),
}


async def unmet_conditions(
    session: AsyncSession,
    shipment: Shipment,
    container: Container,
    now: datetime,
    slot: PickupSlot | None = None,
) -> list[DomainError]:
    """One named error per pickup condition the box does not meet.

    Each condition is judged at `now`, but with a slot the Delivery Order is
    judged over the slot instead: it must be in force from its start to its
    end (DO_NOT_YET_VALID, DO_EXPIRED), and storage must be paid through its
    end (STORAGE_EXTENSION_DUE).
    """
    validity = await delivery_orders.validity_of(session, shipment)
    facts = await readiness_facts(session, shipment, container, validity)
    unmet = ready_window(facts, as_of=now).unmet
    errors = [
        _error(container, *UNMET_CODES[c])
        for c in unmet
        if c is not Condition.DO_VALID or validity is None
    ]
    if validity is not None:
        start, end = (slot.starts_at, slot.ends_at) if slot else (now, now)
        errors += _do_errors(container, validity, max(start, now), max(end, now))
    if slot is not None and Condition.PAID not in unmet:
        errors += _storage_errors(container, slot)
    return _in_condition_order(errors)


async def hold_error(
    session: AsyncSession,
    shipment: Shipment,
    container: Container,
    at: datetime,
    field: tuple[str, ...] = ("containerId",),
) -> DomainError | None:
    """ON_HOLD if a hold blocks the box at `at`: the rule a gate pass is issued by."""
    facts = ReadinessFacts(holds=await _holds(session, shipment, container))
    if Condition.NO_HOLDS not in ready_window(facts, as_of=at).unmet:
        return None
    code, message = UNMET_CODES[Condition.NO_HOLDS]
    return ValidationError(f"{container.number}: {message}", code=code, field=field)


async def readiness_facts(
    session: AsyncSession,
    shipment: Shipment,
    container: Container,
    validity: DoValidity | None,
) -> ReadinessFacts:
    """What is recorded of a box's releases, as the readiness rule reads it."""
    paid_at = await invoice_settlement.shipment_paid_at(session, shipment.id)
    return ReadinessFacts(
        discharged_at=container.discharged_at,
        customs_released_at=container.customs_released_at,
        do_valid_from=validity.starts_at if validity else None,
        do_valid_to=validity.ends_at if validity else None,
        paid_at=paid_at,
        holds=await _holds(session, shipment, container),
    )


def _do_errors(
    container: Container, validity: DoValidity, start: datetime, end: datetime
) -> list[DomainError]:
    if start < validity.starts_at:
        return [
            _error(
                container,
                "DO_NOT_YET_VALID",
                f"the Delivery Order is in force from {validity.starts_at.isoformat()}",
            )
        ]
    if end > validity.ends_at:
        return [
            _error(
                container,
                "DO_EXPIRED",
                f"the Delivery Order lapsed at {validity.ends_at.isoformat()}; "
                "the line must extend it",
            )
        ]
    return []


def _storage_errors(container: Container, slot: PickupSlot) -> list[DomainError]:
    """Storage is billed up to a paid-through time; a later pickup pays more first."""
    paid_through = container.storage_paid_through
    if paid_through is None or slot.ends_at <= paid_through:
        return []
    return [
        _error(
            container,
            "STORAGE_EXTENSION_DUE",
            f"storage is paid through {paid_through.isoformat()} and the slot ends "
            f"at {slot.ends_at.isoformat()}: ask for a storage extension "
            "(extendStorage) and pay it",
        )
    ]


_ORDER = (
    "NOT_DISCHARGED",
    "NOT_RELEASED",
    "DO_INVALID",
    "DO_NOT_YET_VALID",
    "DO_EXPIRED",
    "NOT_PAID",
    "STORAGE_EXTENSION_DUE",
    "ON_HOLD",
)


def _in_condition_order(errors: list[DomainError]) -> list[DomainError]:
    return sorted(errors, key=lambda e: _ORDER.index(e.code))


def _error(container: Container, code: str, message: str) -> DomainError:
    return ValidationError(
        f"{container.number}: {message}", code=code, field=("containerId",)
    )


async def _holds(
    session: AsyncSession, shipment: Shipment, container: Container
) -> tuple[Hold, ...]:
    """A customs hold not yet released by the terminal's events, or a HELD box."""
    events = await invoices.events_by_number(
        session, [container.number], shipment.vessel_call_id
    )
    holds: list[Hold] = []
    for event in events.get(container.number, []):
        if event.event_type is ContainerEventType.CUSTOMS_HOLD:
            holds.append(Hold("CUSTOMS", event.event_time))
        elif event.event_type is ContainerEventType.CUSTOMS_RELEASE and holds:
            last = holds[-1]
            if last.released_at is None:
                holds[-1] = Hold(last.code, last.placed_at, event.event_time)
    if container.status is ContainerStatus.HELD and not any(
        h.released_at is None for h in holds
    ):
        holds.append(Hold("TERMINAL", container.updated_at))
    return tuple(holds)
