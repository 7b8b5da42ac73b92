"""Root fields of documents: upload a file, have the assistant check the set."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.file_uploads import Upload

from domain.documents import DocumentKind
from domain.errors import ValidationError
from domain.models.documents import Document as DocumentRow
from domain.services import documents as service
from domain.viewer import Viewer
from resolvers.transaction import run_use_case
from schema.context import Info
from schema.documents import Document, DocumentCheckReport
from schema.errors import USER_ERRORS, UserError, user_errors
from schema.permissions import IsAuthenticated
from schema.relay import SentID, parse_global_id
from schema.shipments import Shipment

DEFAULT_MAX_BYTES = 10 * 1024 * 1024


@strawberry.input(
    description="A file for a shipment, sent as a multipart request "
    "(GraphQL multipart request spec): PDF, PNG or JPEG."
)
class UploadDocumentInput:
    shipment_id: SentID = strawberry.field(description="The shipment.")
    kind: DocumentKind = strawberry.field(description="What the document is.")
    file: Upload = strawberry.field(description="The file part.")
    valid_from: date | None = strawberry.field(
        default=None,
        description="A Delivery Order's issue day as the customer reads it (local "
        "day at the port); only for a DELIVERY_ORDER. When the documents are "
        "checked, the dates the assistant reads from the DO replace these.",
    )
    valid_until: date | None = strawberry.field(
        default=None,
        description="A Delivery Order's last valid day as the customer reads it "
        "(local day at the port), for a DO the assistant cannot read, such as a "
        "scan; required with validFrom.",
    )


@strawberry.type(description="The stored document.")
class UploadDocumentPayload:
    document: Document | None = strawberry.field(description="The document.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="The shipment whose documents to check.")
class CheckShipmentDocumentsInput:
    shipment_id: SentID = strawberry.field(description="The shipment.")


@strawberry.type(description="The assistant's report; the request is not changed.")
class CheckShipmentDocumentsPayload:
    shipment: Shipment | None = strawberry.field(description="The shipment.")
    report: DocumentCheckReport | None = strawberry.field(
        description="Extracted fields, suggestions and findings."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


async def _read(file: Any, limit: int) -> tuple[str, str, bytes]:
    """The name, declared type and bytes of an upload, reading at most limit + 1."""
    content = await file.read(limit + 1)
    filename = getattr(file, "filename", None) or "document"
    declared = getattr(file, "content_type", None) or ""
    return str(filename), str(declared), bytes(content)


@strawberry.type
class DocumentMutation:
    @strawberry.mutation(
        description="Attach a document to a shipment (multipart upload); the "
        "bytes decide its type, and the size is limited.",
        permission_classes=[IsAuthenticated],
    )
    async def upload_document(
        self, info: Info, input: UploadDocumentInput
    ) -> UploadDocumentPayload:
        extras = info.context.services.extras
        store = extras["file_store"]
        limit = int(extras.get("upload_max_bytes", DEFAULT_MAX_BYTES))
        key = parse_global_id(input.shipment_id, "Shipment")
        if not hasattr(input.file, "read"):
            error = ValidationError(
                "send the file as a multipart part", field=("file",)
            )
            return UploadDocumentPayload(document=None, user_errors=user_errors(error))
        filename, declared, content = await _read(input.file, limit)
        upload = service.Upload(
            input.kind,
            filename,
            declared,
            content,
            valid_from=input.valid_from,
            valid_until=input.valid_until,
        )

        async def use_case(session: AsyncSession, viewer: Viewer) -> DocumentRow:
            return await service.upload_document(
                session, viewer, store, key, upload, max_bytes=limit
            )

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return UploadDocumentPayload(document=None, user_errors=result)
        return UploadDocumentPayload(
            document=Document.from_model(result), user_errors=[]
        )

    @strawberry.mutation(
        description="Have the assistant read every document of a shipment and "
        "check them against the request: extracted fields, suggestions, findings.",
        permission_classes=[IsAuthenticated],
    )
    async def check_shipment_documents(
        self, info: Info, input: CheckShipmentDocumentsInput
    ) -> CheckShipmentDocumentsPayload:
        store = info.context.services.extras["file_store"]
        key = parse_global_id(input.shipment_id, "Shipment")

        async def use_case(
            session: AsyncSession, viewer: Viewer
        ) -> CheckShipmentDocumentsPayload:
            shipment, report = await service.check_documents(
                session, viewer, store, key
            )
            return CheckShipmentDocumentsPayload(
                shipment=Shipment.from_model(shipment),
                report=DocumentCheckReport.of(report),
                user_errors=[],
            )

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return CheckShipmentDocumentsPayload(
                shipment=None, report=None, user_errors=result
            )
        return result
