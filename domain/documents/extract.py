"""Fields, container rows and invoice lines from the text of a document's pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from domain.documents import labels as L
from domain.documents.model import (
    DocumentKind,
    ExtractedContainer,
    ExtractedField,
    InvoiceLine,
)
from domain.documents.values import compact, parse_amount, parse_date, plain
from domain.errors import ValidationError
from domain.identifiers import HsCode, Npwp

SNIPPET_CHARS = 160

# Column header words of a container table, English and Indonesian.
_COLUMNS: dict[str, re.Pattern[str]] = {
    "number": re.compile(r"\b(container|cntr|peti kemas|kontainer)"),
    "size_type": re.compile(r"\b(type|tipe|size|ukuran)\b"),
    "seal": re.compile(r"\b(seal|segel)"),
    "packages": re.compile(r"\b(packages|pkgs|koli|kemasan|qty)\b"),
    "gross_kg": re.compile(r"\b(gross|weight|berat)\b"),
    "description": re.compile(r"\b(description|uraian|goods|barang)\b"),
}
_CELL = {
    "number": r"(?P<number>[A-Z]{4}\s?\d{6}\s?\d)",
    "size_type": r"(?P<size_type>[0-9L][0-9A-Z][A-Z][0-9])",
    "seal": r"(?P<seal>[A-Z0-9][A-Z0-9/\-]*)",
    "packages": r"(?P<packages>\d[\d.,]*)(?:\s*(?i:pkgs?|packages|ctns?|koli|bales))?",
    "gross_kg": r"(?P<gross_kg>\d[\d.,]*)(?:\s*(?i:kgs?))?",
    "description": r"(?P<description>\S.*?)",
}
DEFAULT_COLUMNS = ("number", "size_type", "seal", "packages", "gross_kg", "description")
_CONTAINER_TOKEN = re.compile(r"\b[A-Z]{4}\s?\d{6}\s?\d\b")

_ITEM_TIMES = re.compile(
    r"(?P<description>.*[A-Za-z].*?)\s+(?P<quantity>\d[\d.,]*)\s*(?:x|×|@)\s*"
    r"(?:[A-Z]{3}\s*)?(?P<unit_price>\d[\d.,]*)"
)
_ITEM_ROW = re.compile(
    r"(?P<description>.*[A-Za-z].*?)\s+(?P<quantity>\d[\d.,]*)\s+(?:[A-Z]{3}\s*)?"
    r"(?P<unit_price>\d[\d.,]*)\s+(?:[A-Z]{3}\s*)?(?P<amount>\d[\d.,]*)"
)


@dataclass
class PageReading:
    """What has been read so far from one document, page by page."""

    kind: DocumentKind
    fields: list[ExtractedField] = field(default_factory=list)
    containers: list[ExtractedContainer] = field(default_factory=list)
    items: list[InvoiceLine] = field(default_factory=list)
    columns: tuple[str, ...] = DEFAULT_COLUMNS
    pending: tuple[str, str] | None = None

    def read_page(self, page: int, text: str) -> None:
        """Read one page's text layer, line by line."""
        self.pending = None
        for raw in text.splitlines():
            line = " ".join(raw.split())
            if line:
                self._read_line(page, line)

    def _read_line(self, page: int, line: str) -> None:
        if _CONTAINER_TOKEN.search(line):
            box = _container_row(line, self.columns, page)
            if box is not None:
                self.containers.append(box)
                return
        if (columns := _table_header(line)) is not None:
            self.columns = columns
            return
        labelled = split_label(line, L.VOCABULARIES[self.kind])
        if labelled is not None:
            name, value = labelled
            # A label alone on its line takes its value from the next line.
            self.pending = None if value else (name, line)
            if value:
                self._add_field(name, value, page, line)
            return
        if self.pending is not None:
            name, label_line = self.pending
            self._add_field(name, line, page, f"{label_line} {line}")
            self.pending = None
            return
        if self.kind is DocumentKind.COMMERCIAL_INVOICE:
            item = _invoice_line(line, page)
            if item is not None:
                self.items.append(item)

    def _add_field(self, name: str, raw: str, page: int, line: str) -> None:
        snippet = line[:SNIPPET_CHARS]
        self.fields += [
            ExtractedField(n, v, page, snippet) for n, v in normalize_value(name, raw)
        ]


def split_label(line: str, words: dict[str, str]) -> tuple[str, str] | None:
    """The field a line labels and the value after the label, if it has one."""
    head, colon, tail = line.partition(":")
    if colon and not head.rstrip().endswith(tuple("0123456789")):
        name = words.get(L.normalize_label(head))
        return (name, tail.strip()) if name else None
    tokens = line.split()
    for size in range(min(L.LONGEST_LABEL_WORDS, len(tokens)), 0, -1):
        name = words.get(L.normalize_label(" ".join(tokens[:size])))
        if name is not None:
            return name, " ".join(tokens[size:]).lstrip(":").strip()
    return None


def normalize_value(name: str, raw: str) -> list[tuple[str, str]]:
    """The normalised (field, value) pairs one labelled value stands for."""
    raw = raw.strip()
    if name in (L.VESSEL_NAME, L.VESSEL_VOYAGE):
        vessel, slash, voyage = raw.partition(" / ")
        pairs = [(L.VESSEL_NAME, vessel.strip())]
        return [*pairs, (L.VOYAGE, compact(voyage))] if slash else pairs
    if name in L.DATE_FIELDS:
        day = parse_date(raw)
        return [(name, day.isoformat() if day else raw)]
    if name in L.AMOUNT_FIELDS:
        return _amount_pairs(name, raw)
    if name in (L.BL_NUMBER, L.VOYAGE, L.POL, L.POD, L.PIB_AJU, L.DO_NUMBER):
        return [(name, compact(raw))]
    return [(name, _identifier(name, raw))]


def _amount_pairs(name: str, raw: str) -> list[tuple[str, str]]:
    numbers = re.findall(r"\d[\d.,]*", raw)
    # "Total 2916 USD 143,117.28": a total's amount is its last figure.
    amount = parse_amount(numbers[-1] if name == L.TOTAL_AMOUNT and numbers else raw)
    pairs = [(name, plain(amount) if amount is not None else raw)]
    currency = re.search(r"\b([A-Z]{3})\b", raw)
    if name == L.TOTAL_AMOUNT and currency:
        pairs.append((L.CURRENCY, currency[1]))
    return pairs


def _identifier(name: str, raw: str) -> str:
    parsers = {L.CONSIGNEE_NPWP: Npwp.parse, L.HS_CODE: HsCode.parse}
    if name == L.VESSEL_IMO:
        return re.sub(r"^IMO[\s:.]*", "", raw.upper()).strip()
    if name in parsers:
        try:
            return str(parsers[name](raw))
        except ValidationError:
            # Keep the printed digits so the check can name the bad value.
            return re.sub(r"[\s.\-]", "", raw)
    return raw


def _table_header(line: str) -> tuple[str, ...] | None:
    """The column order of a container table header line, if this is one."""
    lower = line.lower()
    found = {c: m.start() for c, p in _COLUMNS.items() if (m := p.search(lower))}
    if "number" not in found or len(found) < 4:
        return None
    return tuple(sorted(found, key=found.__getitem__))


def _row_pattern(columns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\s+".join(_CELL[c] for c in columns))


def _container_row(
    line: str, columns: tuple[str, ...], page: int
) -> ExtractedContainer | None:
    match = _row_pattern(columns).fullmatch(line)
    if match is None:
        return None
    cells = match.groupdict()
    packages = parse_amount(cells["packages"]) if cells.get("packages") else None
    gross = parse_amount(cells["gross_kg"]) if cells.get("gross_kg") else None
    return ExtractedContainer(
        number=compact(cells["number"]),
        page=page,
        text=line[:SNIPPET_CHARS],
        size_type=cells.get("size_type"),
        seal=cells.get("seal"),
        packages=int(packages) if packages is not None else None,
        gross_kg=Decimal(plain(gross)) if gross is not None else None,
        description=cells.get("description"),
    )


def _invoice_line(line: str, page: int) -> InvoiceLine | None:
    if match := _ITEM_TIMES.fullmatch(line):
        return _item(match, page, line)
    match = _ITEM_ROW.fullmatch(line)
    if match is None:
        return None
    quantity, price = parse_amount(match["quantity"]), parse_amount(match["unit_price"])
    amount = parse_amount(match["amount"])
    # A row without the "x" is only an item when quantity x price gives its amount.
    if quantity is None or price is None or amount is None:
        return None
    return _item(match, page, line) if abs(quantity * price - amount) < 1 else None


def _item(match: re.Match[str], page: int, line: str) -> InvoiceLine | None:
    quantity, price = parse_amount(match["quantity"]), parse_amount(match["unit_price"])
    if quantity is None or price is None:
        return None
    return InvoiceLine(
        description=match["description"].strip(),
        quantity=Decimal(plain(quantity)),
        unit_price=Decimal(plain(price)),
        page=page,
        text=line[:SNIPPET_CHARS],
    )
