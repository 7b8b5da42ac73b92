"""Documents, their download links, and what the assistant reports about them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Self

import strawberry
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay

from domain import documents as assistant
from domain.models.documents import Document as DocumentRow
from domain.models.documents import DocumentCheck as DocumentCheckRow
from domain.services.documents import Requirement, finding_from_json
from domain.services.downloads import DownloadGrant, sign_link
from schema.context import Info
from schema.relay import load_nodes, node_key

DOWNLOAD_PATH = "/files/"
DEFAULT_LINK_TTL_S = 300

# strawberry.enum registers the domain's enums in place, under their own names.
strawberry.enum(assistant.DocumentKind, description="The papers of an import shipment.")
strawberry.enum(
    assistant.Severity,
    description="BLOCKING keeps a request in DRAFT; WARNING is for the operator.",
)
DocumentKind = assistant.DocumentKind
Severity = assistant.Severity


@strawberry.type(description="A file attached to a shipment (PDF, PNG or JPEG).")
class Document(relay.Node):
    id: relay.NodeID[str]
    kind: DocumentKind = strawberry.field(description="What the document is.")
    filename: str = strawberry.field(description="The file's name as uploaded.")
    content_type: str = strawberry.field(
        description="The type its bytes show: application/pdf, image/png or image/jpeg."
    )
    size_bytes: int = strawberry.field(description="Size of the file in bytes.")
    sha256: str = strawberry.field(description="SHA-256 of the bytes, in hex.")
    created_at: datetime = strawberry.field(description="When it was uploaded.")
    valid_from: date | None = strawberry.field(
        default=None,
        description="A Delivery Order's issue day (local day at the port), as "
        "the assistant read it when the documents were checked; the DO is in "
        "force from its start (from the upload when none was read). Null for "
        "other kinds.",
    )
    valid_until: date | None = strawberry.field(
        default=None,
        description="A Delivery Order's last valid day (local day at the port), "
        "as the assistant read it when the documents were checked. A gate pass "
        "needs a DO in force over the whole booked slot; a DO with no readable "
        "last day releases nothing. Null for other kinds.",
    )
    shipment_id: strawberry.Private[uuid.UUID]

    @strawberry.field(
        description="A signed link to download the file, relative to the API's "
        "origin, made for the viewer: it serves only what that viewer may still "
        "see, needs no Authorization header (a browser can follow it) and lapses "
        "after about five minutes. Whoever holds it until then can use it, so "
        "hand it to no one else."
    )
    def download_url(self, info: Info) -> str | None:
        viewer = info.context.viewer
        if viewer is None:
            return None
        services = info.context.services
        ttl = int(services.extras.get("download_link_ttl_s", DEFAULT_LINK_TTL_S))
        expires = int(datetime.now(UTC).timestamp()) + ttl
        grant = DownloadGrant(node_key(self.id), viewer, expires)
        return DOWNLOAD_PATH + sign_link(services.signing_key, grant)

    @classmethod
    def from_model(cls, row: DocumentRow) -> Self:
        return cls(
            id=str(row.id),
            kind=row.kind,
            filename=row.filename,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            sha256=row.sha256,
            created_at=row.created_at,
            valid_from=row.valid_from,
            valid_until=row.valid_until,
            shipment_id=row.shipment_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(info, DocumentRow, node_ids, cls.from_model)


@strawberry.type(
    description="A problem the assistant found, in English and Indonesian."
)
class Finding:
    severity: Severity = strawberry.field(description="Blocking or a warning.")
    code: str = strawberry.field(description="A stable UPPER_SNAKE_CASE code.")
    document: DocumentKind | None = strawberry.field(
        description="The document at fault; null for the request itself."
    )
    field: str | None = strawberry.field(
        description="The field or table cell at fault, e.g. `containers[0].number`."
    )
    value: str | None = strawberry.field(description="The offending value.")
    page: int | None = strawberry.field(description="Page of the document, from 1.")
    message: str = strawberry.field(description="What is wrong, in English.")
    message_indonesian: str = strawberry.field(
        description="What is wrong, in Indonesian."
    )

    @classmethod
    def of(cls, finding: assistant.Finding) -> Self:
        return cls(
            severity=finding.severity,
            code=finding.code,
            document=finding.document,
            field=finding.field,
            value=finding.value,
            page=finding.page,
            message=finding.message_en,
            message_indonesian=finding.message_id,
        )


@strawberry.type(description="Where in which document a value was read.")
class SourceRef:
    document: DocumentKind = strawberry.field(description="The document.")
    page: int = strawberry.field(description="The page, from 1.")
    text: str = strawberry.field(description="The line of text the value came from.")

    @classmethod
    def of(cls, source: assistant.SourceRef) -> Self:
        return cls(document=source.document, page=source.page, text=source.text)


@strawberry.type(description="One value read from a document.")
class ExtractedField:
    document: DocumentKind = strawberry.field(description="The document read.")
    name: str = strawberry.field(description="The field, e.g. `bl_number`.")
    value: str = strawberry.field(description="The value, normalised.")
    page: int = strawberry.field(description="The page, from 1.")
    text: str = strawberry.field(description="The source text it was read from.")


@strawberry.type(
    description="A value for a request field, read from a document; apply it "
    "with updateShipment if it is right."
)
class FieldSuggestion:
    field: str = strawberry.field(description="The request field, e.g. `bl_number`.")
    value: str = strawberry.field(description="The value the document states.")
    current: str | None = strawberry.field(description="The request's value now.")
    source: SourceRef = strawberry.field(description="Where it was read.")


@strawberry.type(
    description="A container for the request's list, read from a document."
)
class ContainerSuggestion:
    number: str = strawberry.field(description="ISO 6346 container number.")
    size_type: str | None = strawberry.field(description="ISO 6346 size-type code.")
    seal: str | None = strawberry.field(description="Seal number.")
    packages: int | None = strawberry.field(description="Number of packages.")
    gross_kg: Decimal | None = strawberry.field(description="Gross weight in kg.")
    source: SourceRef = strawberry.field(description="Where it was read.")


@strawberry.type(description="What the assistant read and found; it changes nothing.")
class DocumentCheckReport:
    blocked: bool = strawberry.field(
        description="True when a blocking finding would keep the request in DRAFT."
    )
    extracted_fields: list[ExtractedField] = strawberry.field(
        description="Every value read, with its page and source text."
    )
    field_suggestions: list[FieldSuggestion] = strawberry.field(
        description="Values for request fields the documents state differently."
    )
    container_suggestions: list[ContainerSuggestion] = strawberry.field(
        description="Boxes the papers list that the request lacks or differs on."
    )
    findings: list[Finding] = strawberry.field(description="Problems found.")

    @classmethod
    def of(cls, report: assistant.AssistantReport) -> Self:
        return cls(
            blocked=report.is_blocked,
            extracted_fields=[
                ExtractedField(
                    document=d.kind,
                    name=f.name,
                    value=f.value,
                    page=f.page,
                    text=f.text,
                )
                for d in report.documents
                for f in d.flat_fields()
            ],
            field_suggestions=[
                FieldSuggestion(
                    field=s.field,
                    value=s.value,
                    current=s.current,
                    source=SourceRef.of(s.source),
                )
                for s in report.field_suggestions
            ],
            container_suggestions=[
                ContainerSuggestion(
                    number=s.container.number,
                    size_type=s.container.size_type,
                    seal=s.container.seal,
                    packages=s.container.packages,
                    gross_kg=s.container.gross_kg,
                    source=SourceRef.of(s.source),
                )
                for s in report.container_suggestions
            ],
            findings=[Finding.of(f) for f in report.findings],
        )


@strawberry.type(description="A stored run of the assistant over a shipment.")
class DocumentCheck:
    checked_at: datetime = strawberry.field(description="When it ran.")
    on_submit: bool = strawberry.field(
        description="True for the check that went with the submission."
    )
    blocking: bool = strawberry.field(description="Whether any finding blocked.")
    findings: list[Finding] = strawberry.field(description="What it found.")

    @classmethod
    def from_model(cls, row: DocumentCheckRow) -> Self:
        return cls(
            checked_at=row.checked_at,
            on_submit=row.on_submit,
            blocking=row.blocking,
            findings=[Finding.of(finding_from_json(f)) for f in row.findings],
        )


@strawberry.type(description="A document the request needs, why, and whether it is in.")
class DocumentRequirement:
    kind: DocumentKind = strawberry.field(description="The document needed.")
    reason: str = strawberry.field(description="Why, in English.")
    reason_indonesian: str = strawberry.field(description="Why, in Indonesian.")
    severity: Severity = strawberry.field(
        description="BLOCKING: submission waits for it; WARNING: it may follow."
    )
    uploaded: bool = strawberry.field(description="A document of this kind is in.")

    @classmethod
    def of(cls, item: Requirement) -> Self:
        need = item.requirement
        return cls(
            kind=need.kind,
            reason=need.reason_en,
            reason_indonesian=need.reason_id,
            severity=need.severity,
            uploaded=item.uploaded,
        )


async def documents_by_shipment(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[list[Document]]:
    """Batch: each shipment's documents, oldest first."""
    rows = await session.scalars(
        select(DocumentRow)
        .where(DocumentRow.shipment_id.in_(keys))
        .order_by(DocumentRow.created_at, DocumentRow.id)
    )
    grouped: dict[uuid.UUID, list[Document]] = {key: [] for key in keys}
    for row in rows:
        grouped[row.shipment_id].append(Document.from_model(row))
    return [grouped[key] for key in keys]


async def latest_checks(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[DocumentCheck | None]:
    """Batch: each shipment's latest stored check."""
    rows = await session.scalars(
        select(DocumentCheckRow)
        .where(DocumentCheckRow.shipment_id.in_(keys))
        .order_by(
            DocumentCheckRow.shipment_id,
            DocumentCheckRow.checked_at.desc(),
            DocumentCheckRow.id,
        )
        .ext(distinct_on(DocumentCheckRow.shipment_id))
    )
    found = {row.shipment_id: DocumentCheck.from_model(row) for row in rows}
    return [found.get(key) for key in keys]
