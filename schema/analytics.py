"""The analytics report behind the dashboard, as the API shows it."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Self
from urllib.parse import urlencode

import strawberry

from domain.services import analytics as service
from schema.billing import ServiceCode, money
from schema.scalars import Money

strawberry.enum(
    service.GroupBy,
    name="AnalyticsGroupBy",
    description="Bucket rows by day, ISO week or month (WIB).",
)
GroupBy = service.GroupBy

ANALYTICS_DOWNLOAD_PATH = "/downloads/analytics/"
# Names the CSV's query in a signed link: the link signs this id, and the
# route recomputes it from the query string, so the parameters cannot change.
_CSV_NAMESPACE = uuid.UUID("5b0f3c1e-3d0a-4b8e-9a55-7d1c2f0e6a11")


def csv_query_id(query: service.ReportQuery) -> uuid.UUID:
    """The id a CSV link signs for one report query."""
    parts = (
        query.start.isoformat(),
        query.end.isoformat(),
        query.group_by.value,
        str(query.organisation_id or ""),
    )
    return uuid.uuid5(_CSV_NAMESPACE, "|".join(parts))


def csv_params(query: service.ReportQuery) -> str:
    params = {
        "from": query.start.isoformat(),
        "to": query.end.isoformat(),
        "groupBy": query.group_by.value,
    }
    if query.organisation_id is not None:
        params["organisationId"] = str(query.organisation_id)
    return urlencode(params)


@strawberry.input(description="A period [from, to) of time.")
class DateRangeInput:
    start: datetime = strawberry.field(name="from", description="Start, included.")
    end: datetime = strawberry.field(name="to", description="End, excluded.")


@strawberry.type(description="One bucket of the customer's figures.")
class CustomerAnalyticsRow:
    bucket: datetime = strawberry.field(description="Start of the bucket (WIB).")
    shipments: int = strawberry.field(description="Shipments with a box discharged.")
    containers: int = strawberry.field(description="Boxes discharged.")
    dwell_hours: Decimal | None = strawberry.field(
        description="Average discharge to gate-out, in hours, of boxes gone."
    )
    verification_to_pickup_hours: Decimal | None = strawberry.field(
        description="Average hours from the request's verification to gate-out."
    )
    gate_turnaround_minutes: Decimal | None = strawberry.field(
        description="Average minutes a truck spent inside, gate-in to gate-out."
    )
    bookings_kept: int = strawberry.field(description="Trucks in on time or early.")
    bookings_late: int = strawberry.field(description="Trucks in late, within grace.")
    bookings_missed: int = strawberry.field(description="Passes never used in time.")

    @classmethod
    def from_domain(cls, row: service.CustomerRow) -> Self:
        return cls(
            bucket=row.bucket,
            shipments=row.shipments,
            containers=row.containers,
            dwell_hours=row.dwell_hours,
            verification_to_pickup_hours=row.verification_to_pickup_hours,
            gate_turnaround_minutes=row.gate_turnaround_minutes,
            bookings_kept=row.bookings_kept,
            bookings_late=row.bookings_late,
            bookings_missed=row.bookings_missed,
        )


@strawberry.type(description="Storage days charged in one period of the scheme.")
class StoragePeriodFigure:
    period: str = strawberry.field(description="The scheme period (P2, P3...).")
    days: int = strawberry.field(description="Box-days charged in it.")
    amount: Money = strawberry.field(description="What they cost.")


@strawberry.type(description="What one service cost on the invoices issued.")
class ServiceCostFigure:
    service: ServiceCode = strawberry.field(description="The service.")
    amount: Money = strawberry.field(description="Its total, before PPN.")


@strawberry.type(description="Slot use at one hour of the day (WIB).")
class SlotHourFigure:
    hour: int = strawberry.field(description="Hour of the day, 0-23, WIB.")
    quota: int = strawberry.field(description="Trucks the slots allowed.")
    booked: int = strawberry.field(description="Trucks booked.")
    gated_in: int = strawberry.field(description="Trucks that came in.")
    utilisation_percent: Decimal | None = strawberry.field(
        description="Booked as a percent of quota; null without quota."
    )

    @classmethod
    def from_domain(cls, row: service.SlotHour) -> Self:
        return cls(
            hour=row.hour,
            quota=row.quota,
            booked=row.booked,
            gated_in=row.gated_in,
            utilisation_percent=row.utilisation_percent,
        )


@strawberry.type(description="Gate turnaround in one bucket against the level.")
class TurnaroundFigure:
    bucket: datetime = strawberry.field(description="Start of the bucket (WIB).")
    trucks: int = strawberry.field(description="Trucks out.")
    average_minutes: Decimal | None = strawberry.field(
        description="Average gate-in to gate-out."
    )
    within_service_level: int = strawberry.field(
        description="Trucks out within the service level."
    )


@strawberry.type(description="The terminal's figures: slots, gate and peaks.")
class OperatorAnalytics:
    slot_utilisation: list[SlotHourFigure] = strawberry.field(
        description="By hour of the day: quota, booked, gated in."
    )
    gate_turnaround: list[TurnaroundFigure] = strawberry.field(
        description="By bucket: turnaround against the service level."
    )
    peak_hours: list[SlotHourFigure] = strawberry.field(
        description="The three busiest hours by trucks in."
    )
    service_level_minutes: int = strawberry.field(
        description="The published gate service level (125 minutes)."
    )


@strawberry.type(description="The analytics report for the viewer's organisation.")
class AnalyticsReport:
    group_by: GroupBy = strawberry.field(description="How rows are bucketed.")
    rows: list[CustomerAnalyticsRow] = strawberry.field(
        description="The customer's figures by bucket."
    )
    storage_days_by_period: list[StoragePeriodFigure] = strawberry.field(
        description="Storage days and cost by tariff period, on invoices issued."
    )
    cost_by_service: list[ServiceCostFigure] = strawberry.field(
        description="Cost by service, on invoices issued."
    )
    operator: OperatorAnalytics | None = strawberry.field(
        description="The terminal's figures; null unless terminal staff."
    )
    csv_url: str | None = strawberry.field(
        description="The rows as CSV, for the viewer only, valid a few minutes."
    )

    @classmethod
    def from_domain(
        cls, report: service.Report, group_by: GroupBy, csv_url: str | None
    ) -> Self:
        operator = report.operator
        return cls(
            group_by=group_by,
            rows=[CustomerAnalyticsRow.from_domain(r) for r in report.rows],
            storage_days_by_period=[
                StoragePeriodFigure(period=s.period, days=s.days, amount=_idr(s.amount))
                for s in report.storage
            ],
            cost_by_service=[
                ServiceCostFigure(service=c.service, amount=_idr(c.amount))
                for c in report.costs
            ],
            operator=OperatorAnalytics(
                slot_utilisation=[
                    SlotHourFigure.from_domain(h) for h in operator.slot_hours
                ],
                gate_turnaround=[
                    TurnaroundFigure(
                        bucket=t.bucket,
                        trucks=t.trucks,
                        average_minutes=t.average_minutes,
                        within_service_level=t.within_service_level,
                    )
                    for t in operator.turnaround
                ],
                peak_hours=[SlotHourFigure.from_domain(h) for h in operator.peak_hours],
                service_level_minutes=operator.service_level_minutes,
            )
            if operator is not None
            else None,
            csv_url=csv_url,
        )


def _idr(amount: Decimal) -> Money:
    return money(amount, "IDR")
