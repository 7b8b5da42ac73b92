"""Reading an uploaded file's text layer, offline, into an ExtractedDocument."""

from __future__ import annotations

import io

import structlog
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from domain.documents.extract import PageReading
from domain.documents.model import DocumentKind, ExtractedDocument

log = structlog.get_logger(__name__)

PDF = "application/pdf"
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/jpg", "image/tiff"})
_MAGIC = {b"%PDF": PDF, b"\x89PNG": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def sniff_content_type(content: bytes, declared: str) -> str:
    """The content type the bytes show, falling back to the declared one."""
    for magic, content_type in _MAGIC.items():
        if content.startswith(magic):
            return content_type
    return declared.split(";")[0].strip().lower()


def read_document(
    kind: DocumentKind, content: bytes, content_type: str
) -> ExtractedDocument:
    """Read a PDF's text layer; an image, or a page without text, gets no guesses."""
    actual = sniff_content_type(content, content_type)
    if actual in IMAGE_TYPES:
        return ExtractedDocument(kind=kind, page_count=1, pages_without_text=(1,))
    if actual != PDF:
        log.warning("documents.read.unsupported", kind=kind, content_type=actual)
        return ExtractedDocument(kind=kind, page_count=0, unreadable=True)
    try:
        pages = _page_texts(content)
    except (PyPdfError, ValueError, OSError) as error:
        log.warning("documents.read.failed", kind=kind, error=type(error).__name__)
        return ExtractedDocument(kind=kind, page_count=0, unreadable=True)
    return read_pages(kind, pages)


def read_pages(kind: DocumentKind, pages: list[str]) -> ExtractedDocument:
    """Extract fields from the text of each page, page numbers from 1."""
    reading = PageReading(kind)
    blank: list[int] = []
    for number, text in enumerate(pages, start=1):
        if text.strip():
            reading.read_page(number, text)
        else:
            blank.append(number)
    return ExtractedDocument(
        kind=kind,
        page_count=len(pages),
        fields=tuple(reading.fields),
        containers=tuple(reading.containers),
        items=tuple(reading.items),
        pages_without_text=tuple(blank),
    )


def _page_texts(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    if reader.is_encrypted:
        raise ValueError("encrypted PDF")
    return [page.extract_text() or "" for page in reader.pages]
