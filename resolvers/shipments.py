"""Root fields of import service requests: list, find, open, edit, submit, verify."""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import NotFoundError
from domain.events import shipment_channel
from domain.models import shipments as models
from domain.services import documents as documents_service
from domain.services import draft_fields, drafts
from domain.services import shipments as service
from domain.services.submission import submit_shipment
from domain.viewer import Viewer
from resolvers.transaction import run_use_case
from schema.context import Info, Loaders
from schema.documents import DocumentRequirement, Finding
from schema.errors import USER_ERRORS, UserError
from schema.permissions import IsAuthenticated
from schema.relay import Connection, SentID, paginate, parse_global_id
from schema.shipment_page import converter, page_reader, prefetch_shipments
from schema.shipments import ServiceKind, Shipment, ShipmentStatus
from schema.subscriptions import watch


@strawberry.input(description="Narrow the list of shipments; all given must match.")
class ShipmentFilter:
    status: list[ShipmentStatus] | None = strawberry.field(
        default=None, description="Any of these statuses."
    )
    reference: str | None = strawberry.field(
        default=None, description="The human reference, exactly."
    )
    bl_number: str | None = strawberry.field(
        default=None, description="The B/L number, exactly."
    )
    vessel_call_id: SentID | None = strawberry.field(
        default=None, description="Arriving on this vessel call."
    )


@strawberry.enum(description="How to order shipments.")
class ShipmentOrder(enum.Enum):
    NEWEST_FIRST = "NEWEST_FIRST"
    OLDEST_FIRST = "OLDEST_FIRST"
    REFERENCE = "REFERENCE"


@strawberry.input(description="A container as the request lists it.")
class ContainerInput:
    number: str = strawberry.field(description="ISO 6346 number, e.g. CSQU3054383.")
    size_type: str = strawberry.field(description="ISO 6346 size-type code, e.g. 22G1.")
    seal: str | None = strawberry.field(default=None, description="The seal number.")
    packages: int | None = strawberry.field(default=None, description="Packages.")
    gross_kg: int | None = strawberry.field(default=None, description="Gross kg.")

    def entry(self) -> draft_fields.ContainerEntry:
        return draft_fields.ContainerEntry(
            self.number, self.size_type, self.seal, self.packages, self.gross_kg
        )


@strawberry.input(description="What a draft says; an update changes what it names.")
class DraftFields:
    bl_number: str | None = strawberry.field(default=None, description="B/L number.")
    vessel_call_id: SentID | None = strawberry.field(
        default=None, description="The vessel call it arrives on."
    )
    consignee_name: str | None = strawberry.field(
        default=None, description="Consignee's name as on the B/L."
    )
    consignee_npwp: str | None = strawberry.field(
        default=None, description="Consignee's NPWP (16 digits, or 15 legacy)."
    )
    services: list[ServiceKind] | None = strawberry.field(
        default=None, description="Services asked for; an update replaces the list."
    )
    notes: str | None = strawberry.field(default=None, description="Free notes.")
    containers: list[ContainerInput] | None = strawberry.field(
        default=None,
        description="The containers; an update replaces the whole list.",
    )


@strawberry.input(description="A new import service request (a draft).")
class CreateShipmentInput(DraftFields):
    consignee_organisation_id: SentID | None = strawberry.field(
        default=None,
        description="The importer it is for; default the viewer's organisation. "
        "A forwarder may name an importer it represents.",
    )


@strawberry.input(description="Changes to a draft; omitted fields stay as they are.")
class UpdateShipmentInput(DraftFields):
    id: SentID = strawberry.field(description="The shipment.")


@strawberry.input(description="The shipment to hand in for verification.")
class SubmitShipmentInput:
    shipment_id: SentID = strawberry.field(description="The shipment.")


@strawberry.enum(description="An operator's decision on a submitted request.")
class VerificationDecision(enum.Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


@strawberry.input(description="An operator's verification of a submitted request.")
class VerifyShipmentInput:
    shipment_id: SentID = strawberry.field(description="The shipment.")
    decision: VerificationDecision = strawberry.field(description="Approve or reject.")
    reasons: list[str] = strawberry.field(
        default_factory=list, description="Why; required to reject."
    )


@strawberry.type(description="The shipment after the change.")
class ShipmentPayload:
    shipment: Shipment | None = strawberry.field(description="The shipment.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type(description="The submitted shipment and the warnings it carries.")
class SubmitShipmentPayload:
    shipment: Shipment | None = strawberry.field(description="The shipment.")
    warnings: list[Finding] = strawberry.field(
        description="Findings that did not block; the operator weighs them."
    )
    user_errors: list[UserError] = strawberry.field(
        description=USER_ERRORS + " A blocking finding comes back here, its code "
        "the finding's, and the request stays a DRAFT."
    )


def _id(value: SentID | None, type_name: str) -> uuid.UUID | None:
    return parse_global_id(value, type_name) if value is not None else None


def _draft(
    input: DraftFields, consignee: SentID | None = None
) -> draft_fields.ShipmentDraft:
    return draft_fields.ShipmentDraft(
        consignee_organisation_id=_id(consignee, "Organisation"),
        bl_number=input.bl_number,
        vessel_call_id=_id(input.vessel_call_id, "VesselCall"),
        consignee_name=input.consignee_name,
        consignee_npwp=input.consignee_npwp,
        services=input.services,
        notes=input.notes,
        containers=(
            [c.entry() for c in input.containers]
            if input.containers is not None
            else None
        ),
    )


def _criteria(filter: ShipmentFilter | None) -> list[ColumnElement[bool]]:
    if filter is None:
        return []
    shipment = models.Shipment.__table__.c
    criteria: list[ColumnElement[bool]] = []
    if filter.status:
        criteria.append(shipment.status.in_(filter.status))
    if filter.reference is not None:
        criteria.append(shipment.reference == filter.reference.upper())
    if filter.bl_number is not None:
        criteria.append(shipment.bl_number == filter.bl_number.upper())
    if filter.vessel_call_id is not None:
        call = parse_global_id(filter.vessel_call_id, "VesselCall")
        criteria.append(shipment.vessel_call_id == call)
    return criteria


@strawberry.type
class ShipmentQuery:
    @strawberry.field(
        description="The organisation's import shipments (an operator sees all).",
        permission_classes=[IsAuthenticated],
    )
    async def shipments(
        self,
        info: Info,
        filter: ShipmentFilter | None = None,
        order_by: ShipmentOrder = ShipmentOrder.NEWEST_FIRST,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[Shipment]:
        criteria = _criteria(filter)
        # Counted through the ORM session, whose listener scopes it.
        counted = select(models.Shipment.id).where(*criteria)
        page = await paginate(
            info,
            counted,
            converter(info),
            first=first,
            after=after,
            last=last,
            before=before,
            read=page_reader(info, order_by.value, criteria),
        )
        await prefetch_shipments(info, [edge.node for edge in page.edges])
        return page

    @strawberry.field(
        description="One shipment by its human reference or its B/L number; "
        "null if none the viewer may see.",
        permission_classes=[IsAuthenticated],
    )
    async def shipment_by_reference(
        self, info: Info, reference: str
    ) -> Shipment | None:
        text = "".join(reference.split()).upper()
        shipment = models.Shipment
        statement = (
            select(shipment)
            .where(or_(shipment.reference == text, shipment.bl_number == text))
            .order_by(shipment.created_at.desc())
            .limit(1)
        )
        async with info.context.reader.session() as session:
            row = await session.scalar(statement)
        return Shipment.from_model(row) if row is not None else None

    @strawberry.field(
        description="The documents this shipment needs for its services, why, "
        "and which are uploaded; null if the shipment is not visible.",
        permission_classes=[IsAuthenticated],
    )
    async def document_requirements(
        self, info: Info, shipment_id: SentID
    ) -> list[DocumentRequirement] | None:
        key = parse_global_id(shipment_id, "Shipment")
        async with info.context.reader.session() as session:
            try:
                _, items = await documents_service.requirements(session, key)
            except NotFoundError:
                return None
        return [DocumentRequirement.of(item) for item in items]


def _payload(result: models.Shipment | list[UserError]) -> ShipmentPayload:
    if isinstance(result, list):
        return ShipmentPayload(shipment=None, user_errors=result)
    return ShipmentPayload(shipment=Shipment.from_model(result), user_errors=[])


@strawberry.type
class ShipmentMutation:
    @strawberry.mutation(
        description="Open a draft import service request.",
        permission_classes=[IsAuthenticated],
    )
    async def create_shipment(
        self, info: Info, input: CreateShipmentInput
    ) -> ShipmentPayload:
        draft = _draft(input, input.consignee_organisation_id)

        async def use_case(session: AsyncSession, viewer: Viewer) -> models.Shipment:
            return await drafts.create_shipment(
                session, viewer, draft, datetime.now(UTC)
            )

        return _payload(await run_use_case(info, use_case))

    @strawberry.mutation(
        description="Edit a draft; containers are replaced as a whole list.",
        permission_classes=[IsAuthenticated],
    )
    async def update_shipment(
        self, info: Info, input: UpdateShipmentInput
    ) -> ShipmentPayload:
        draft = _draft(input)
        key = parse_global_id(input.id, "Shipment")

        async def use_case(session: AsyncSession, viewer: Viewer) -> models.Shipment:
            try:
                return await drafts.update_shipment(session, viewer, key, draft)
            except NotFoundError as error:
                raise NotFoundError(error.message, field=("id",)) from error

        return _payload(await run_use_case(info, use_case))

    @strawberry.mutation(
        description="Hand a draft in for verification; the assistant checks it first.",
        permission_classes=[IsAuthenticated],
    )
    async def submit_shipment(
        self, info: Info, input: SubmitShipmentInput
    ) -> SubmitShipmentPayload:
        key = parse_global_id(input.shipment_id, "Shipment")
        store = info.context.services.extras["file_store"]

        async def use_case(
            session: AsyncSession, viewer: Viewer
        ) -> SubmitShipmentPayload:
            shipment, report = await submit_shipment(session, viewer, store, key)
            return SubmitShipmentPayload(
                shipment=Shipment.from_model(shipment),
                warnings=[Finding.of(f) for f in report.findings],
                user_errors=[],
            )

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return SubmitShipmentPayload(shipment=None, warnings=[], user_errors=result)
        return result

    @strawberry.mutation(
        description="An operator approves a submitted request or rejects it with "
        "reasons.",
        permission_classes=[IsAuthenticated],
    )
    async def verify_shipment(
        self, info: Info, input: VerifyShipmentInput
    ) -> ShipmentPayload:
        key = parse_global_id(input.shipment_id, "Shipment")
        approve = input.decision is VerificationDecision.APPROVE

        async def use_case(session: AsyncSession, viewer: Viewer) -> models.Shipment:
            return await service.verify_shipment(
                session, viewer, key, approve=approve, reasons=input.reasons
            )

        return _payload(await run_use_case(info, use_case))


@strawberry.enum(description="What happened to a shipment.")
class ShipmentEventKind(enum.Enum):
    CREATED = "CREATED"
    UPDATED = "UPDATED"
    STATUS_CHANGED = "STATUS_CHANGED"
    DOCUMENT_UPLOADED = "DOCUMENT_UPLOADED"
    DOCUMENTS_CHECKED = "DOCUMENTS_CHECKED"
    PAYMENT_STARTED = "PAYMENT_STARTED"
    PAYMENT_CONFIRMED = "PAYMENT_CONFIRMED"
    OTHER = "OTHER"


@strawberry.type(description="A change to a shipment, with the shipment as it is now.")
class ShipmentUpdate:
    kind: ShipmentEventKind = strawberry.field(description="What happened.")
    shipment: Shipment = strawberry.field(description="The shipment, reloaded.")


@strawberry.type
class ShipmentSubscription:
    @strawberry.subscription(
        description="Status changes, payments confirmed and documents checked of "
        "one shipment the viewer may see.",
        permission_classes=[IsAuthenticated],
    )
    async def shipment_updated(
        self, info: Info, id: SentID
    ) -> AsyncGenerator[ShipmentUpdate, None]:
        key = parse_global_id(id, "Shipment")
        reader, loaders = info.context.fresh_loaders()
        try:
            visible = await loaders.of(models.Shipment).load(key)
        finally:
            await reader.close()
        if visible is None:
            raise GraphQLError("no such shipment", extensions={"code": "NOT_FOUND"})

        async def load(
            loaders: Loaders, message: dict[str, Any]
        ) -> ShipmentUpdate | None:
            row = await loaders.of(models.Shipment).load(key)
            if row is None:
                return None
            kind = message.get("kind", "OTHER")
            known = kind in ShipmentEventKind.__members__
            return ShipmentUpdate(
                kind=ShipmentEventKind[kind] if known else ShipmentEventKind.OTHER,
                shipment=Shipment.from_model(row),
            )

        return watch(info, shipment_channel(key), load)
