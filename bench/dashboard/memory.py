"""The floor to compare against: the dashboard's query shape, answered from memory.

A small strawberry schema with the fields the dashboard selects (shipments,
their boxes, the vessel call and its ship, the latest payment, the invoice),
filled once at start-up; no database, no loaders, no tenancy.
"""

from __future__ import annotations

import argparse
import enum
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import strawberry
import uvicorn
from starlette.applications import Starlette
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache

SHIPMENTS, BOXES = 25, 4


@strawberry.enum
class ShipmentOrder(enum.Enum):
    NEWEST_FIRST = "NEWEST_FIRST"


@strawberry.type
class Money:
    amount: Decimal
    currency: str


@strawberry.type
class Vessel:
    name: str
    imo: str


@strawberry.type
class VesselCall:
    id: strawberry.ID
    voyage: str
    terminal: str
    berth: str | None
    status: str
    eta: datetime | None
    etb: datetime | None
    ata: datetime | None
    atb: datetime | None
    etd: datetime | None
    atd: datetime | None
    cargo_operations_started_at: datetime | None
    cargo_operations_completed_at: datetime | None
    vessel: Vessel


@strawberry.type
class Container:
    number: str
    size_type: str
    status: str


@strawberry.type
class Payment:
    id: strawberry.ID
    purpose: str
    status: str
    paid_at: datetime | None
    amount: Money


@strawberry.type
class Invoice:
    id: strawberry.ID
    number: str
    status: str
    paid_at: datetime | None
    total: Money
    balance_due: Money


@strawberry.type
class Shipment:
    id: strawberry.ID
    reference: str
    bl_number: str | None
    status: str
    updated_at: datetime
    containers: list[Container]
    vessel_call: VesselCall | None
    latest_payment: Payment | None
    invoice: Invoice | None


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class ShipmentConnection:
    page_info: PageInfo
    nodes: list[Shipment]


def _shipment(index: int, now: datetime) -> Shipment:
    eta = now - timedelta(days=2, hours=index)
    call = VesselCall(
        id=strawberry.ID(f"call-{index}"),
        voyage="101N",
        terminal="JICT",
        berth="JICT-U1",
        status="DISCHARGING",
        eta=eta,
        etb=eta,
        ata=eta - timedelta(hours=1),
        atb=eta,
        etd=eta + timedelta(hours=20),
        atd=None,
        cargo_operations_started_at=eta + timedelta(minutes=30),
        cargo_operations_completed_at=None,
        vessel=Vessel(name=f"MV MEMORY {index}", imo="9074729"),
    )
    return Shipment(
        id=strawberry.ID(f"shipment-{index}"),
        reference=f"DMG-2026-{index:06d}",
        bl_number=f"MEDU{index:09d}",
        status="IN_SERVICE",
        updated_at=now,
        containers=[
            Container(
                number=f"DSHU{index:03d}{box:04d}", size_type="22G1", status="IN_YARD"
            )
            for box in range(BOXES)
        ],
        vessel_call=call,
        latest_payment=Payment(
            id=strawberry.ID(f"payment-{index}"),
            purpose="INITIAL",
            status="PAID",
            paid_at=now,
            amount=Money(amount=Decimal("1000000"), currency="IDR"),
        ),
        invoice=Invoice(
            id=strawberry.ID(f"invoice-{index}"),
            number=f"INV-2026-{index:06d}",
            status="ISSUED",
            paid_at=None,
            total=Money(amount=Decimal("2500000"), currency="IDR"),
            balance_due=Money(amount=Decimal("1500000"), currency="IDR"),
        ),
    )


SHELF = [_shipment(i, datetime.now(UTC)) for i in range(SHIPMENTS)]


@strawberry.type
class Query:
    @strawberry.field
    def shipments(
        self, first: int = 20, order_by: ShipmentOrder = ShipmentOrder.NEWEST_FIRST
    ) -> ShipmentConnection:
        page = SHELF[:first]
        return ShipmentConnection(
            page_info=PageInfo(
                has_next_page=len(SHELF) > first, end_cursor=str(len(page) - 1)
            ),
            nodes=page,
        )


def schema() -> strawberry.Schema:
    """The floor's schema, with the parser and validation caches Dermaga uses."""
    return strawberry.Schema(
        query=Query,
        extensions=[
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
    )


def app() -> Starlette:
    graphql = GraphQL(schema(), graphql_ide=None)
    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8822)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bench.dashboard.memory:app",
        factory=True,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
