"""Import service requests: the shipment, its containers and its timeline."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Self

import strawberry
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.dataloader import DataLoader

from domain import shipment_status
from domain.models import shipments as models
from domain.models.identity import Organisation as OrganisationRow
from domain.models.identity import User as UserRow
from domain.tenancy import CoreScoped
from schema.container_events import ContainerEvent, container_timeline
from schema.context import (
    Info,
    among,
    columns_of,
    keys_of,
    rows_of,
    settled,
    table_of,
)
from schema.documents import (
    Document,
    DocumentCheck,
    documents_by_shipment,
    latest_checks,
)
from schema.fast_paths import direct
from schema.identity import Organisation, User
from schema.payments import Payment, latest_payments_of, payments_by_shipment
from schema.port import VesselCall, vessel_call_of
from schema.relay import global_id, load_nodes

if TYPE_CHECKING:
    from schema.billing import Invoice

strawberry.enum(
    shipment_status.ShipmentStatus,
    description="Where a request stands: DRAFT, SUBMITTED, IN_VERIFICATION, then "
    "VERIFIED or REJECTED, AWAITING_PAYMENT, IN_SERVICE, READY_FOR_PICKUP, "
    "COMPLETED; or CANCELLED.",
)
strawberry.enum(models.ServiceKind, description="A service asked of the terminal.")
strawberry.enum(
    models.ContainerStatus,
    description="Where a box stands, after DCSA Track and Trace events.",
)
ShipmentStatus = shipment_status.ShipmentStatus
ServiceKind = models.ServiceKind
ContainerStatus = models.ContainerStatus


@strawberry.type(description="A container of a shipment, by its ISO 6346 number.")
class Container:
    number: str = strawberry.field(description="ISO 6346 number, check digit valid.")
    size_type: str = strawberry.field(description="ISO 6346 size-type code (22G1...).")
    seal: str | None = strawberry.field(description="The seal number.")
    packages: int | None = strawberry.field(description="Number of packages.")
    gross_kg: int | None = strawberry.field(description="Gross weight in kilograms.")
    status: ContainerStatus = strawberry.field(
        description="Where the box stands, after the terminal's reports; they "
        "reach a request once an operator has verified it (ON_VESSEL until then)."
    )
    storage_paid_through: datetime | None = strawberry.field(
        default=None,
        description="Until when the invoices pay the box's stay: the midnight "
        "ending the last local storage day charged (for a reefer, no later "
        "than the end of its last power block charged). A box still in the "
        "yard is charged to the end of its booked pickup slot; a pickup slot "
        "ending later needs a storage extension (extendStorage) paid first. "
        "Null before the first invoice.",
    )
    key: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="The box's terminal events, oldest first; none until the "
        "request is verified."
    )
    async def events(self, info: Info) -> list[ContainerEvent]:
        return await container_timeline(info, self.key)

    @classmethod
    def from_model(cls, row: models.Container | Row[Any]) -> Self:
        """From the mapped row, or a row of `CONTAINERS_OF`."""
        return cls(
            key=row.id,
            number=row.number,
            size_type=row.size_type,
            seal=row.seal,
            packages=row.packages,
            gross_kg=row.gross_kg,
            status=row.status,
            storage_paid_through=row.storage_paid_through,
        )


@strawberry.type(description="One step of a request's timeline: who, when and why.")
class ShipmentStatusChange:
    from_status: ShipmentStatus | None = strawberry.field(
        description="The status before; null for the first step."
    )
    to_status: ShipmentStatus = strawberry.field(description="The status after.")
    at: datetime = strawberry.field(description="When it changed.")
    actor_kind: str = strawberry.field(
        description="USER, API_KEY or SYSTEM (payments, the terminal)."
    )
    reason: str | None = strawberry.field(description="Why, when one was given.")
    actor_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(
        description="The user who made the change; null for the system or when "
        "the user belongs to an organisation the viewer may not see."
    )
    async def actor(self, info: Info) -> User | None:
        if self.actor_id is None:
            return None
        row = await info.context.loaders.of(UserRow).load(self.actor_id)
        return User.from_model(row) if row is not None else None

    @classmethod
    def from_model(cls, row: models.ShipmentStatusChange) -> Self:
        return cls(
            from_status=row.from_status,
            to_status=row.to_status,
            at=row.at,
            actor_kind=row.actor_kind,
            reason=row.reason,
            actor_id=row.actor_id,
        )


@strawberry.type(description="An import service request for one B/L.")
class Shipment(relay.Node):
    id: relay.NodeID[str]
    reference: str = strawberry.field(description="Human reference, DMG-2026-000123.")
    bl_number: str | None = strawberry.field(description="The B/L number.")
    status: ShipmentStatus = strawberry.field(description="Where it stands.")
    consignee_name: str | None = strawberry.field(description="Consignee on the B/L.")
    consignee_npwp: str | None = strawberry.field(
        description="Consignee's tax number (NPWP), 16 digits (15 for legacy)."
    )
    services: list[ServiceKind] = strawberry.field(description="Services asked for.")
    notes: str | None = strawberry.field(description="Free notes of the customer.")
    created_at: datetime = strawberry.field(description="When it was opened.")
    updated_at: datetime = strawberry.field(description="Last change.")
    organisation_id: strawberry.Private[uuid.UUID]
    vessel_call_key: strawberry.Private[uuid.UUID | None]

    @strawberry.field(description="Global id of the vessel call it arrives on.")
    def vessel_call_id(self) -> relay.GlobalID | None:
        if self.vessel_call_key is None:
            return None
        return global_id("VesselCall", self.vessel_call_key)

    # The fields a page of shipments shows are plain functions, which
    # graphql-core calls itself (`direct`): they answer at once when the page
    # read ahead (`schema.shipment_page`), else with the loader's future,
    # which graphql-core awaits (see `settled`).
    @strawberry.field(
        description="The vessel call it arrives on.", graphql_type=VesselCall | None
    )
    @direct
    def vessel_call(
        self, info: Info
    ) -> VesselCall | Awaitable[VesselCall | None] | None:
        if self.vessel_call_key is None:
            return None
        return settled(vessel_call_of(info, self.vessel_call_key))

    @strawberry.field(description="The consignee's organisation, which owns it.")
    async def organisation(self, info: Info) -> Organisation | None:
        row = await info.context.loaders.of(OrganisationRow).load(self.organisation_id)
        return Organisation.from_model(row) if row is not None else None

    @strawberry.field(
        description="Its containers, by number.", graphql_type=list[Container]
    )
    @direct
    def containers(self, info: Info) -> list[Container] | Awaitable[list[Container]]:
        return settled(containers_loader(info).load(self.key))

    @strawberry.field(description="Every status change, oldest first.")
    async def timeline(self, info: Info) -> list[ShipmentStatusChange]:
        loader = info.context.loaders.batched("shipment.timeline", timelines_of)
        return await loader.load(self.key)

    @strawberry.field(description="Its documents, oldest first.")
    async def documents(self, info: Info) -> list[Document]:
        loader = info.context.loaders.batched(
            "shipment.documents", documents_by_shipment
        )
        return await loader.load(self.key)

    @strawberry.field(description="Its payments, oldest first.")
    async def payments(self, info: Info) -> list[Payment]:
        return await payments_loader(info).load(self.key)

    @strawberry.field(
        description="Its most recent payment, of either purpose.",
        graphql_type=Payment | None,
    )
    @direct
    def latest_payment(self, info: Info) -> Payment | Awaitable[Payment | None] | None:
        return settled(latest_payment_loader(info).load(self.key))

    @strawberry.field(
        description="Its one consolidated invoice; null until issued.",
        graphql_type=Annotated["Invoice", strawberry.lazy("schema.billing")] | None,
    )
    @direct
    def invoice(self, info: Info) -> Invoice | Awaitable[Invoice | None] | None:
        return settled(invoice_loader(info).load(self.key))

    @strawberry.field(
        description="The assistant's latest stored check; after submission, the "
        "warnings the operator weighs."
    )
    async def latest_check(self, info: Info) -> DocumentCheck | None:
        loader = info.context.loaders.batched("shipment.latest_check", latest_checks)
        return await loader.load(self.key)

    @property
    def key(self) -> uuid.UUID:
        return uuid.UUID(self.id)

    @classmethod
    def from_model(cls, row: models.Shipment) -> Self:
        return cls(
            id=str(row.id),
            reference=row.reference,
            bl_number=row.bl_number,
            status=row.status,
            consignee_name=row.consignee_name,
            consignee_npwp=row.consignee_npwp,
            services=list(row.services),
            notes=row.notes,
            created_at=row.created_at,
            updated_at=row.updated_at,
            organisation_id=row.organisation_id,
            vessel_call_key=row.vessel_call_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, models.Shipment, node_ids, cls.from_model)


def containers_loader(info: Info) -> DataLoader[uuid.UUID, list[Container]]:
    return info.context.loaders.batched("shipment.containers", containers_of)


def payments_loader(info: Info) -> DataLoader[uuid.UUID, list[Payment]]:
    return info.context.loaders.batched("shipment.payments", payments_by_shipment)


def latest_payment_loader(info: Info) -> DataLoader[uuid.UUID, Payment | None]:
    return info.context.loaders.batched("shipment.latest_payment", latest_payments_of)


def invoice_loader(info: Info) -> DataLoader[uuid.UUID, Invoice | None]:
    # Imported here: schema.billing imports this module for Invoice.shipment.
    from schema.billing import invoices_by_shipment

    return info.context.loaders.batched("shipment.invoice", invoices_by_shipment)


CONTAINERS_OF = CoreScoped.where(
    select(
        *columns_of(
            models.Container,
            "id",
            "shipment_id",
            "number",
            "size_type",
            "seal",
            "packages",
            "gross_kg",
            "status",
            "storage_paid_through",
        )
    )
    .where(among(table_of(models.Container).shipment_id))
    .order_by(table_of(models.Container).shipment_id, table_of(models.Container).number)
)


async def containers_of(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[list[Container]]:
    """Batch: each shipment's containers, by number.

    Plain rows, not mapped objects: a page of shipments has a hundred boxes,
    and the identity map adds nothing to a read (see `columns_of`).
    """
    rows = await rows_of(session, CONTAINERS_OF, keys_of(keys))
    grouped: dict[uuid.UUID, list[Container]] = {key: [] for key in keys}
    for row in rows:
        grouped[row.shipment_id].append(Container.from_model(row))
    return [grouped[key] for key in keys]


async def timelines_of(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[list[ShipmentStatusChange]]:
    """Batch: each shipment's status changes, oldest first."""
    change = models.ShipmentStatusChange
    rows = await session.scalars(
        select(change)
        .where(change.shipment_id.in_(keys))
        .order_by(change.at, change.created_at, change.id)
    )
    grouped: dict[uuid.UUID, list[ShipmentStatusChange]] = {key: [] for key in keys}
    for row in rows:
        grouped[row.shipment_id].append(ShipmentStatusChange.from_model(row))
    return [grouped[key] for key in keys]
