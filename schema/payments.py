"""Payments of a shipment, as bills at the finance system show them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Self

import strawberry
from sqlalchemy import Row, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain.models import payments as models
from domain.tenancy import CoreScoped
from schema.context import Info, among, columns_of, keys_of, rows_of, table_of
from schema.relay import load_nodes
from schema.scalars import Money

strawberry.enum(
    models.PaymentStatus,
    description="PENDING_CREATE: not yet billed (retry with the same client key); "
    "PENDING: billed, awaiting transfer; PAID; EXPIRED; CANCELLED.",
)
strawberry.enum(
    models.PaymentPurpose,
    description="What a payment settles: the initial payment or an invoice.",
)
PaymentStatus = models.PaymentStatus
PaymentPurpose = models.PaymentPurpose


@strawberry.type(
    description="A payment of a shipment, billed by the finance system to a "
    "virtual account (a bank account number for this bill only)."
)
class Payment(relay.Node):
    id: relay.NodeID[str]
    purpose: PaymentPurpose = strawberry.field(description="What it settles.")
    status: PaymentStatus = strawberry.field(description="Where it stands.")
    amount: Money = strawberry.field(description="The amount billed, PPN included.")
    client_key: str = strawberry.field(
        description="The client's idempotency key it was started with."
    )
    virtual_account: str | None = strawberry.field(
        description="Where to transfer the amount; null until billed."
    )
    expires_at: datetime | None = strawberry.field(
        description="When the bill lapses unpaid."
    )
    paid_at: datetime | None = strawberry.field(description="When it was paid.")
    created_at: datetime = strawberry.field(description="When it was started.")
    shipment_id: strawberry.Private[uuid.UUID]

    @classmethod
    def from_model(cls, row: models.Payment | Row[Any]) -> Self:
        """From the mapped row, or a row of `PAYMENTS_OF`."""
        return cls(
            id=str(row.id),
            purpose=row.purpose,
            status=row.status,
            amount=Money(amount=row.amount, currency=row.currency),
            client_key=row.client_key,
            virtual_account=row.virtual_account,
            expires_at=row.expires_at,
            paid_at=row.paid_at,
            created_at=row.created_at,
            shipment_id=row.shipment_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, models.Payment, node_ids, cls.from_model)


PAYMENT_COLUMNS = columns_of(
    models.Payment,
    "id",
    "shipment_id",
    "purpose",
    "status",
    "amount",
    "currency",
    "client_key",
    "virtual_account",
    "expires_at",
    "paid_at",
    "created_at",
)
_payment = table_of(models.Payment)
PAYMENTS_OF = CoreScoped.where(
    select(*PAYMENT_COLUMNS)
    .where(among(_payment.shipment_id))
    .order_by(_payment.created_at, _payment.id)
)
LATEST_PAYMENTS_OF = CoreScoped.where(
    select(*PAYMENT_COLUMNS)
    .ext(distinct_on(_payment.shipment_id))
    .where(among(_payment.shipment_id))
    .order_by(_payment.shipment_id, _payment.created_at.desc(), _payment.id.desc())
)


async def payments_by_shipment(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[list[Payment]]:
    """Batch: each shipment's payments, oldest first (plain rows, tenancy-scoped)."""
    rows = await rows_of(session, PAYMENTS_OF, keys_of(keys))
    grouped: dict[uuid.UUID, list[Payment]] = {key: [] for key in keys}
    for row in rows:
        grouped[row.shipment_id].append(Payment.from_model(row))
    return [grouped[key] for key in keys]


async def latest_payments_of(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[Payment | None]:
    """Batch: each shipment's most recent payment, of either purpose, or None."""
    rows = await rows_of(session, LATEST_PAYMENTS_OF, keys_of(keys))
    found = {row.shipment_id: Payment.from_model(row) for row in rows}
    return [found.get(key) for key in keys]
