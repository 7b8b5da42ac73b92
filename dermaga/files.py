"""GET /files/{token}: a document's bytes, through a short-lived signed link."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

import structlog
from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.filestore import FileStore, StoredFileMissingError
from domain.models.documents import Document
from domain.services.downloads import InvalidDownloadLinkError, read_link
from domain.services.identity import principal_active
from domain.unit_of_work import Database

log = structlog.get_logger(__name__)


class DocumentDownloads:
    """Serves a document to the viewer its link was made for, if still allowed."""

    def __init__(self, database: Database, store: FileStore, key: str) -> None:
        self._database = database
        self._store = store
        self._key = key

    async def __call__(self, request: Request) -> Response:
        try:
            grant = read_link(
                self._key, request.path_params["token"], datetime.now(UTC)
            )
        except InvalidDownloadLinkError as error:
            return JSONResponse({"error": error.code}, status_code=403)

        # The link's viewer, through the tenancy scope: what they may no longer
        # see answers exactly as what does not exist.
        async with self._database.reading(grant.viewer) as session:
            document = None
            if await principal_active(session, grant.viewer):
                document = await session.scalar(
                    select(Document).where(Document.id == grant.document_id)
                )
        if document is None:
            return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
        try:
            content = await self._store.get(document.sha256)
        except StoredFileMissingError:
            log.exception("document.bytes_missing", document_id=str(document.id))
            return JSONResponse({"error": "NOT_FOUND"}, status_code=404)
        return Response(
            content, media_type=document.content_type, headers=_headers(document)
        )


def _headers(document: Document) -> dict[str, str]:
    # RFC 6266 with an RFC 5987 UTF-8 name, so any upload name is safe here.
    name = quote(document.filename, safe="")
    return {
        "Content-Disposition": f"attachment; filename*=UTF-8''{name}",
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
