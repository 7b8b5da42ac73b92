"""The analytics report: every figure an SQL aggregate over recorded events.

Customers see their own organisation's figures (the tenancy scope applies to
every statement here); terminal staff see all, plus the operator's figures.
Buckets are calendar days, ISO weeks or months in Jakarta time (WIB).
"""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Numeric,
    and_,
    cast,
    extract,
    func,
    literal,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ValidationError
from domain.invoicing import ServiceCode
from domain.models.billing import Invoice, InvoiceLine
from domain.models.gate import GateEvent, GateEventKind, GatePass, GatePassStatus
from domain.models.scheduling import PickupSlot
from domain.models.shipments import Container, ShipmentStatusChange
from domain.services.gate_events import SERVICE_LEVEL
from domain.shipment_status import ShipmentStatus
from domain.tariff import JAKARTA
from domain.time_bounds import check_near

T = TypeVar("T")
Sessions = Callable[[], AbstractAsyncContextManager[AsyncSession]]
MAX_DAYS = 3 * 366


class GroupBy(enum.StrEnum):
    """How the report's rows are bucketed in time."""

    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """The period [start, end) and bucketing; `organisation_id` narrows staff views."""

    start: datetime
    end: datetime
    group_by: GroupBy = GroupBy.MONTH
    organisation_id: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """One bucket of a customer's figures; averages are None without data."""

    bucket: datetime
    shipments: int = 0
    containers: int = 0
    dwell_hours: Decimal | None = None
    verification_to_pickup_hours: Decimal | None = None
    gate_turnaround_minutes: Decimal | None = None
    bookings_kept: int = 0
    bookings_late: int = 0
    bookings_missed: int = 0


@dataclass(frozen=True, slots=True)
class StorageFigure:
    """Storage days charged in one tariff period, and what they cost."""

    period: str
    days: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class ServiceCost:
    """What one service cost over the period, on issued invoices."""

    service: ServiceCode
    amount: Decimal


@dataclass(frozen=True, slots=True)
class SlotHour:
    """Slot use at one hour of the day (WIB), summed over the period."""

    hour: int
    quota: int
    booked: int
    gated_in: int
    utilisation_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class TurnaroundRow:
    """Gate-in to gate-out in one bucket against the service level."""

    bucket: datetime
    trucks: int
    average_minutes: Decimal | None
    within_service_level: int


@dataclass(frozen=True, slots=True)
class OperatorFigures:
    """The terminal's side: slots against quota, gate turnaround, peak hours."""

    slot_hours: list[SlotHour]
    turnaround: list[TurnaroundRow]
    peak_hours: list[SlotHour]
    service_level_minutes: int


@dataclass(frozen=True, slots=True)
class Report:
    """The analytics report; `operator` only for terminal staff."""

    rows: list[CustomerRow]
    storage: list[StorageFigure]
    costs: list[ServiceCost]
    operator: OperatorFigures | None


async def report(
    sessions: Sessions, query: ReportQuery, *, staff: bool, now: datetime
) -> Report:
    """The whole report, its parts read at once, each in a session of its own.

    Each part is a scan of a year of events; the database works on them side
    by side. `sessions` opens a session under the viewer's tenancy scope.
    The parts may read a moment apart: a report, not a ledger.
    """
    _validate(query, now)

    async def read(part: Callable[[AsyncSession], Awaitable[T]]) -> T:
        async with sessions() as session:
            return await part(session)

    async def no_operator_figures(_: AsyncSession) -> None:
        return None

    boxes, bookings, storage, costs, operator = await asyncio.gather(
        read(lambda s: _container_figures(s, query)),
        read(lambda s: _booking_figures(s, query, now)),
        read(lambda s: storage_figures(s, query)),
        read(lambda s: service_costs(s, query)),
        read(lambda s: operator_figures(s, query) if staff else no_operator_figures(s)),
    )
    rows = _merged(boxes, bookings)
    return Report(rows=rows, storage=storage, costs=costs, operator=operator)


async def customer_rows(
    session: AsyncSession, query: ReportQuery, now: datetime
) -> list[CustomerRow]:
    """Per bucket: boxes handled, dwell, verification to pickup, gate and bookings."""
    return _merged(
        await _container_figures(session, query),
        await _booking_figures(session, query, now),
    )


def _merged(*parts: dict[datetime, dict[str, Any]]) -> list[CustomerRow]:
    """One row per bucket from the figures of each part."""
    merged: dict[datetime, dict[str, Any]] = {}
    for figures in parts:
        for bucket, values in figures.items():
            merged.setdefault(bucket, {}).update(values)
    return [CustomerRow(bucket=b, **merged[b]) for b in sorted(merged)]


async def storage_figures(
    session: AsyncSession, query: ReportQuery
) -> list[StorageFigure]:
    statement = (
        select(
            InvoiceLine.period,
            func.sum(InvoiceLine.quantity),
            func.sum(InvoiceLine.amount),
        )
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(
            InvoiceLine.service == ServiceCode.STORAGE,
            *_in_range(Invoice.issued_at, query, Invoice.organisation_id),
        )
        .group_by(InvoiceLine.period)
        .order_by(InvoiceLine.period)
    )
    rows = await session.execute(statement)
    return [StorageFigure(p or "", int(d), Decimal(a)) for p, d, a in rows]


async def service_costs(session: AsyncSession, query: ReportQuery) -> list[ServiceCost]:
    statement = (
        select(InvoiceLine.service, func.sum(InvoiceLine.amount))
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(*_in_range(Invoice.issued_at, query, Invoice.organisation_id))
        .group_by(InvoiceLine.service)
        .order_by(InvoiceLine.service)
    )
    rows = await session.execute(statement)
    return [ServiceCost(s, Decimal(a)) for s, a in rows]


async def operator_figures(
    session: AsyncSession, query: ReportQuery
) -> OperatorFigures:
    slot_hours = await _slot_hours(session, query)
    peaks = sorted(slot_hours, key=lambda h: (-h.gated_in, h.hour))[:3]
    return OperatorFigures(
        slot_hours=slot_hours,
        turnaround=await _turnaround(session, query),
        peak_hours=[h for h in peaks if h.gated_in],
        service_level_minutes=int(SERVICE_LEVEL.total_seconds() // 60),
    )


async def _container_figures(
    session: AsyncSession, query: ReportQuery
) -> dict[datetime, dict[str, Any]]:
    """Per bucket and shipment first, then per bucket: hash aggregates, no sort."""
    verified = (
        select(
            ShipmentStatusChange.shipment_id.label("shipment_id"),
            func.min(ShipmentStatusChange.at).label("at"),
        )
        .where(ShipmentStatusChange.to_status == ShipmentStatus.VERIFIED)
        .group_by(ShipmentStatusChange.shipment_id)
        .subquery()
    )
    bucket = _bucket(Container.discharged_at, query.group_by)
    dwell = _seconds(Container.gated_out_at - Container.discharged_at)
    to_pickup = _seconds(Container.gated_out_at - verified.c.at)
    per_shipment = (
        select(
            bucket,
            func.count(Container.id).label("boxes"),
            func.sum(dwell).label("dwell"),
            func.count(dwell).label("dwelled"),
            func.sum(to_pickup).label("to_pickup"),
            func.count(to_pickup).label("picked"),
        )
        .outerjoin(verified, verified.c.shipment_id == Container.shipment_id)
        .where(*_in_range(Container.discharged_at, query, Container.organisation_id))
        .group_by(bucket, Container.shipment_id)
        .subquery()
    )
    c = per_shipment.c
    statement = select(
        c.bucket,
        func.count(),
        func.sum(c.boxes),
        _hours(func.sum(c.dwell) / func.nullif(func.sum(c.dwelled), 0)),
        _hours(func.sum(c.to_pickup) / func.nullif(func.sum(c.picked), 0)),
    ).group_by(c.bucket)
    rows = await session.execute(statement)
    return {
        b: {
            "shipments": int(s),
            "containers": int(n),
            "dwell_hours": d,
            "verification_to_pickup_hours": v,
        }
        for b, s, n, d, v in rows
    }


async def _booking_figures(
    session: AsyncSession, query: ReportQuery, now: datetime
) -> dict[datetime, dict[str, Any]]:
    """Passes kept (in by the slot's end), late (in within grace), missed; gate time.

    Read from the gate times each pass records when its gate events are taken.
    A missed pass lapsed unused: stored EXPIRED, or still ISSUED past its
    expiry; a pass cancelled with its booking is no no-show.
    """
    bucket = _bucket(GatePass.slot_starts_at, query.group_by)
    gated_in = GatePass.gated_in_at
    missed = and_(
        gated_in.is_(None),
        GatePass.status.in_((GatePassStatus.ISSUED, GatePassStatus.EXPIRED)),
        GatePass.expires_at < now,
    )
    inside = _seconds(GatePass.gated_out_at - gated_in) / 60
    statement = (
        select(
            bucket,
            func.count(GatePass.id).filter(gated_in <= GatePass.slot_ends_at),
            func.count(GatePass.id).filter(gated_in > GatePass.slot_ends_at),
            func.count(GatePass.id).filter(missed),
            func.round(cast(func.avg(inside), Numeric), 1),
        )
        .where(*_in_range(GatePass.slot_starts_at, query, GatePass.organisation_id))
        .group_by(bucket)
    )
    rows = await session.execute(statement)
    return {
        b: {
            "bookings_kept": int(k),
            "bookings_late": int(late),
            "bookings_missed": int(m),
            "gate_turnaround_minutes": t,
        }
        for b, k, late, m, t in rows
    }


async def _slot_hours(session: AsyncSession, query: ReportQuery) -> list[SlotHour]:
    slot_hour = _hour_of_day(PickupSlot.starts_at)
    slots = await session.execute(
        select(
            slot_hour,
            func.sum(PickupSlot.quota),
            func.sum(PickupSlot.booked),
            func.round(
                100
                * cast(func.sum(PickupSlot.booked), Numeric)
                / func.nullif(func.sum(PickupSlot.quota), 0),
                1,
            ),
        )
        .where(PickupSlot.starts_at >= query.start, PickupSlot.starts_at < query.end)
        .group_by(slot_hour)
    )
    event_hour = _hour_of_day(GateEvent.at)
    arrivals = await session.execute(
        select(event_hour, func.count(GateEvent.id))
        .where(
            GateEvent.kind == GateEventKind.GATE_IN,
            *_in_range(GateEvent.at, query, GateEvent.organisation_id),
        )
        .group_by(event_hour)
    )
    quotas = {int(h): (int(q), int(b), u) for h, q, b, u in slots}
    gated = {int(h): int(n) for h, n in arrivals}
    return [
        SlotHour(
            hour,
            *quotas.get(hour, (0, 0, None))[:2],
            gated.get(hour, 0),
            quotas.get(hour, (0, 0, None))[2],
        )
        for hour in sorted(set(quotas) | set(gated))
    ]


async def _turnaround(session: AsyncSession, query: ReportQuery) -> list[TurnaroundRow]:
    bucket = _bucket(GateEvent.at, query.group_by)
    rows = await session.execute(
        select(
            bucket,
            func.count(GateEvent.id),
            func.round(cast(func.avg(GateEvent.turnaround_minutes), Numeric), 1),
            func.count(GateEvent.id).filter(GateEvent.within_service_level.is_(True)),
        )
        .where(
            GateEvent.kind == GateEventKind.GATE_OUT,
            *_in_range(GateEvent.at, query, GateEvent.organisation_id),
        )
        .group_by(bucket)
        .order_by(bucket)
    )
    return [TurnaroundRow(b, int(n), a, int(w)) for b, n, a, w in rows]


def _bucket(column: Any, group_by: GroupBy) -> ColumnElement[datetime]:
    """The start of the column's local bucket, as an instant (timestamptz)."""
    local = func.timezone(JAKARTA, column)
    start = func.date_trunc(group_by.value.lower(), local)
    return func.timezone(JAKARTA, start).label("bucket")


def _hour_of_day(column: Any) -> ColumnElement[Any]:
    return extract("hour", func.timezone(JAKARTA, column)).label("hour")


def _seconds(interval: Any) -> ColumnElement[Any]:
    return extract("epoch", interval)


def _hours(seconds: Any) -> ColumnElement[Decimal]:
    return func.round(cast(seconds / literal(3600), Numeric), 2)


def _in_range(column: Any, query: ReportQuery, owner: Any) -> list[Any]:
    criteria = [column >= query.start, column < query.end]
    if query.organisation_id is not None:
        criteria.append(owner == query.organisation_id)
    return criteria


def _validate(query: ReportQuery, now: datetime) -> None:
    if query.start.utcoffset() is None or query.end.utcoffset() is None:
        raise ValidationError("the range needs times with an offset", field=("range",))
    if query.end <= query.start:
        raise ValidationError("the range must end after it starts", field=("range",))
    if (query.end - query.start).days > MAX_DAYS:
        raise ValidationError("the range is at most three years", field=("range",))
    check_near(query.start, now=now, field=("range", "from"))
    check_near(query.end, now=now, field=("range", "to"))
