"""A page of shipments and what a list shows of each, in two reads.

The web app's dashboard shows, for each shipment of a page, its vessel call
and ship, its consolidated invoice and its latest payment: one each, so they
come in the page's own statement (outer joins, LATERAL subqueries), and
prime the request's loaders, whose fields then answer without awaiting. The
containers, many to a shipment, are one more read, started as soon as the
page is known. Nothing outlives the request.
"""

from __future__ import annotations

import asyncio
from collections import namedtuple
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Integer, Row, Select, bindparam, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types.nodes import SelectedField, Selection

from domain.models import billing, payments, port
from domain.models import shipments as models
from domain.tenancy import CoreScoped, Criterion
from schema.billing import INVOICE_COLUMNS, Invoice
from schema.context import Info, columns_of, rows_of, table_of
from schema.payments import PAYMENT_COLUMNS, Payment
from schema.port import CALL_COLUMNS, SHIP_COLUMNS, call_with_vessel, calls_with_vessels
from schema.shipments import (
    Shipment,
    containers_loader,
    invoice_loader,
    latest_payment_loader,
    payments_loader,
)

SHIPMENT_COLUMNS = columns_of(
    models.Shipment,
    "id",
    "reference",
    "bl_number",
    "status",
    "consignee_name",
    "consignee_npwp",
    "services",
    "notes",
    "created_at",
    "updated_at",
    "organisation_id",
    "vessel_call_id",
)
# What the page's statement adds, by field of the shipment.
JOINED = frozenset({"vesselCall", "invoice", "latestPayment"})
_shipment = table_of(models.Shipment)
# The orders of a page, by name (ShipmentOrder's values).
ORDERS = {
    "NEWEST_FIRST": (_shipment.created_at.desc(), _shipment.id),
    "OLDEST_FIRST": (_shipment.created_at, _shipment.id),
    "REFERENCE": (_shipment.reference_number, _shipment.id),
}
_OFFSET = bindparam("page_offset", type_=Integer)
_LIMIT = bindparam("page_limit", type_=Integer)


def _shipments(criterion: Criterion) -> Select[Any]:
    return select(*SHIPMENT_COLUMNS).where(criterion(models.Shipment.__table__))


def _with_joined(criterion: Criterion) -> Select[Any]:
    invoice, payment = table_of(billing.Invoice), table_of(payments.Payment)
    call, vessel = table_of(port.VesselCall), table_of(port.Vessel)
    invoices = (
        select(*INVOICE_COLUMNS)
        .where(
            invoice.shipment_id == _shipment.id,
            invoice.extends_invoice_id.is_(None),
            criterion(billing.Invoice.__table__),
        )
        .limit(1)
        .lateral("invoice")
    )
    latest = (
        select(*PAYMENT_COLUMNS)
        .where(
            payment.shipment_id == _shipment.id,
            criterion(payments.Payment.__table__),
        )
        .order_by(payment.created_at.desc(), payment.id.desc())
        .limit(1)
        .lateral("payment")
    )
    joined = (
        models.Shipment.__table__.outerjoin(
            port.VesselCall.__table__, call.id == _shipment.vessel_call_id
        )
        .outerjoin(port.Vessel.__table__, vessel.id == call.vessel_id)
        .outerjoin(invoices, true())
        .outerjoin(latest, true())
    )
    return (
        select(
            *SHIPMENT_COLUMNS,
            *(column.label(f"call_{column.key}") for column in CALL_COLUMNS),
            *SHIP_COLUMNS,
            *(column.label(f"invoice_{column.key}") for column in invoices.c),
            *(column.label(f"payment_{column.key}") for column in latest.c),
        )
        .select_from(joined)
        .where(criterion(models.Shipment.__table__))
    )


def _paged(build: Callable[[Criterion], Select[Any]], order: str) -> CoreScoped[Any]:
    return CoreScoped(
        lambda criterion: (
            build(criterion).order_by(*ORDERS[order]).offset(_OFFSET).limit(_LIMIT)
        )
    )


# Every page statement, made once: (joined?, order) -> statement.
PAGES = {
    (joined, order): _paged(_with_joined if joined else _shipments, order)
    for joined in (False, True)
    for order in ORDERS
}

# The joined parts of a row, as rows of their own for the types' `from_model`.
_CallRow = namedtuple(  # type: ignore[misc]
    "_CallRow", [c.key for c in CALL_COLUMNS] + [c.key for c in SHIP_COLUMNS]
)
_InvoiceRow = namedtuple("_InvoiceRow", [c.key for c in INVOICE_COLUMNS])  # type: ignore[misc]
_PaymentRow = namedtuple("_PaymentRow", [c.key for c in PAYMENT_COLUMNS])  # type: ignore[misc]
_CALL = len(SHIPMENT_COLUMNS)
_INVOICE = _CALL + len(_CallRow._fields)
_PAYMENT = _INVOICE + len(_InvoiceRow._fields)


def page_reader(
    info: Info, order: str, criteria: Sequence[ColumnElement[bool]]
) -> Callable[[AsyncSession, int, int], Awaitable[Sequence[Row[Any]]]]:
    """`paginate`'s reader of a page of shipments in `order`, matching `criteria`.

    It joins what the selection shows of each shipment's one-to-one parts.
    Without criteria (the dashboard) the statement is one made at import.
    """
    scoped = PAGES[bool(node_fields(info) & JOINED), order]

    def refine(statement: Select[Any]) -> Select[Any]:
        return statement.where(*criteria)

    async def read(
        session: AsyncSession, offset: int, limit: int
    ) -> Sequence[Row[Any]]:
        window = {"page_offset": offset, "page_limit": limit}
        return await rows_of(session, scoped, window, refine if criteria else None)

    return read


def converter(info: Info) -> Callable[[Row[Any]], Shipment]:
    """A page row's shipment; the joined parts, if read, prime their loaders."""
    if not node_fields(info) & JOINED:
        return _shipment_of
    calls, invoices = calls_with_vessels(info), invoice_loader(info)
    latest = latest_payment_loader(info)

    def convert(row: Row[Any]) -> Shipment:
        shipment = _shipment_of(row)
        key = shipment.key
        if row.vessel_call_id is not None and row.call_id is not None:
            call = call_with_vessel(_part(_CallRow, row, _CALL, _INVOICE))
            calls.prime(row.vessel_call_id, call)
        invoice = None
        if row.invoice_id is not None:
            invoice = Invoice.from_model(_part(_InvoiceRow, row, _INVOICE, _PAYMENT))
        invoices.prime(key, invoice)
        payment = None
        if row.payment_id is not None:
            payment = Payment.from_model(_part(_PaymentRow, row, _PAYMENT, None))
        latest.prime(key, payment)
        return shipment

    return convert


def _shipment_of(row: Row[Any]) -> Shipment:
    # The row answers the mapped object's attribute names (`columns_of`).
    return Shipment.from_model(cast(models.Shipment, row))


def _part(
    kind: type[tuple[Any, ...]], row: Row[Any], start: int, end: int | None
) -> Any:
    """Columns start:end of a page row, as a row of their own, by name."""
    return kind._make(row[start:end])  # type: ignore[attr-defined]


async def prefetch_shipments(info: Info, shipments: Sequence[Shipment]) -> None:
    """Read the lists the selection shows of a page of shipments, together.

    The same batched reads the fields would make, started once the page is
    known, so the fields find their answers in the request's loaders and
    complete without awaiting. A read that fails is left in its loader for
    the field to report.
    """
    wanted = node_fields(info)
    keys = [shipment.key for shipment in shipments]
    reads: list[Awaitable[object]] = []
    if "containers" in wanted:
        reads.append(containers_loader(info).load_many(keys))
    if "payments" in wanted:
        reads.append(payments_loader(info).load_many(keys))
    await asyncio.gather(*reads, return_exceptions=True)


def _selected_fields(selections: Iterable[Selection]) -> Iterator[SelectedField]:
    """The fields of a selection, those inside fragments included."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        else:
            yield from _selected_fields(selection.selections)


def node_fields(info: Info) -> set[str]:
    """Names of the fields selected on a connection's nodes (`nodes`, `edges.node`)."""
    names: set[str] = set()
    for connection in _selected_fields(info.selected_fields):
        for field in _selected_fields(connection.selections):
            if field.name == "nodes":
                names.update(f.name for f in _selected_fields(field.selections))
            elif field.name == "edges":
                for edge in _selected_fields(field.selections):
                    if edge.name == "node":
                        names.update(f.name for f in _selected_fields(edge.selections))
    return names
