"""finalizeInvoice against hand-computed figures, numbering, PDF and JSON downloads.

Figures: the published 2021 Tanjung Priok tariff (lift-on/lift-off Rp 285,500
for 20', Rp 428,250 for 40'; storage base Rp 42,500 and Rp 85,000 a day, day 1
free, then 300%, 600%, 900% from scheme day 4; the noon rule ends free time at
midnight of the discharge day before noon, of the next day after) and the
seed book's demo figures (inspection Rp 1,250,000 for 20', admin fee
Rp 25,000 per document).
"""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from pypdf import PdfReader

from domain.invoice_pdf import format_amount
from domain.ports.terminal import ContainerEventType
from domain.shipment_status import ShipmentStatus
from domain.unit_of_work import Database
from tests.support.factories import Factory
from tests.support.graphql import GraphQLClient
from tests.support.post_service import (
    Box,
    container_event,
    delivery_order,
    payment,
    seed_tariffs,
    shipment,
)

WIB = ZoneInfo("Asia/Jakarta")
FINALIZE = """
mutation($id: ID!) {
  finalizeInvoice(input: {shipmentId: $id}) {
    invoice {
      id number status tariffCode pdfUrl jsonUrl
      subtotal { amount currency } taxBase { amount } vat { amount }
      total { amount } initialPayment { amount } balanceDue { amount }
      lines { position service containerNumber quantity unitPrice { amount }
              amount { amount } period }
    }
    userErrors { field code message }
  }
}"""


def wib(day: int, hour: int) -> datetime:
    return datetime(2021, 3, day, hour, tzinfo=WIB)


def four_boxes() -> list[Box]:
    return [
        # 20', before noon, out day 3 (one red-lane inspection, see below).
        Box("CSQU3054383", "22G1", wib(1, 9), wib(3, 15), wib(1, 10)),
        # 40', after noon, out day 6.
        Box("MWCU6059784", "45G1", wib(1, 14), wib(6, 8), wib(1, 15)),
        # 20', after noon, out day 1: free time only.
        Box("TGHU1234567", "22G1", wib(1, 13), wib(1, 23), wib(1, 14)),
        # 40', before noon, out day 3.
        Box("TCKU7654321", "42G1", wib(1, 8), wib(3, 9), wib(1, 9)),
    ]


async def finalize(client: GraphQLClient, shipment_id: str) -> dict[str, Any]:
    data = await client.data(FINALIZE, {"id": shipment_id})
    payload: dict[str, Any] = data["finalizeInvoice"]
    return payload


async def issued(database: Database, factory: Factory) -> tuple[Any, dict[str, Any]]:
    await seed_tariffs(database)
    owner = await factory.member()
    seeded = await shipment(database, owner.organisation_id, four_boxes())
    await container_event(
        database, "CSQU3054383", ContainerEventType.INSP_START, wib(2, 9)
    )
    await delivery_order(database, seeded)
    await payment(database, seeded, "3000000")
    payload = await finalize(owner.client, seeded.global_id)
    assert payload["userErrors"] == []
    return owner, payload["invoice"]


async def test_invoice_lines_and_totals_match_the_hand_computed_figures(
    database: Database, factory: Factory
) -> None:
    _, invoice = await issued(database, factory)

    rows = [
        (
            line["containerNumber"],
            line["service"],
            line["quantity"],
            line["unitPrice"]["amount"],
            line["amount"]["amount"],
            line["period"],
        )
        for line in invoice["lines"]
    ]
    assert rows == [
        ("CSQU3054383", "LIFT_ON_OFF", 1, "285500", "285500", None),
        # day 2 42,500 x 300%; day 3 42,500 x 600%
        ("CSQU3054383", "STORAGE", 1, "127500", "127500", "P2"),
        ("CSQU3054383", "STORAGE", 1, "255000", "255000", "P3"),
        ("CSQU3054383", "INSPECTION", 1, "1250000", "1250000", None),
        ("MWCU6059784", "LIFT_ON_OFF", 1, "428250", "428250", None),
        # after noon: days 1-2 free; day 3 85,000 x 300%, day 4 x 600%,
        # days 5-6 x 900% = 765,000 each
        ("MWCU6059784", "STORAGE", 1, "255000", "255000", "P2"),
        ("MWCU6059784", "STORAGE", 1, "510000", "510000", "P3"),
        ("MWCU6059784", "STORAGE", 2, "765000", "1530000", "P4"),
        # before noon: day 2 85,000 x 300%, day 3 x 600%
        ("TCKU7654321", "LIFT_ON_OFF", 1, "428250", "428250", None),
        ("TCKU7654321", "STORAGE", 1, "255000", "255000", "P2"),
        ("TCKU7654321", "STORAGE", 1, "510000", "510000", "P3"),
        # out on the discharge day: no storage line
        ("TGHU1234567", "LIFT_ON_OFF", 1, "285500", "285500", None),
        # one document (the Delivery Order) at 25,000
        (None, "ADMIN_FEE", 1, "25000", "25000", None),
    ]
    # 285,500 + 127,500 + 255,000 + 1,250,000 + 428,250 + 255,000 + 510,000
    #   + 1,530,000 + 428,250 + 255,000 + 510,000 + 285,500 + 25,000 = 6,145,000
    assert invoice["subtotal"] == {"amount": "6145000", "currency": "IDR"}
    # 6,145,000 x 11 / 12 = 5,632,916.67 -> 5,632,917
    assert Decimal(invoice["taxBase"]["amount"]) == Decimal("5632917")
    # 5,632,917 x 12% = 675,950.04 -> 675,950
    assert Decimal(invoice["vat"]["amount"]) == Decimal("675950")
    # 6,145,000 + 675,950
    assert Decimal(invoice["total"]["amount"]) == Decimal("6820950")
    assert Decimal(invoice["initialPayment"]["amount"]) == Decimal("3000000")
    # 6,820,950 - 3,000,000
    assert Decimal(invoice["balanceDue"]["amount"]) == Decimal("3820950")
    assert invoice["status"] == "ISSUED"
    assert invoice["tariffCode"] == "IDTPP-2021"


async def test_a_shipment_is_invoiced_once(
    database: Database, factory: Factory
) -> None:
    owner, _ = await issued(database, factory)
    data = await owner.client.data(
        "{ invoices { edges { node { id shipment { id } } } } }"
    )
    (edge,) = data["invoices"]["edges"]
    shipment_id = edge["node"]["shipment"]["id"]

    again = await finalize(owner.client, shipment_id)

    assert again["invoice"] is None
    assert [e["code"] for e in again["userErrors"]] == ["ALREADY_INVOICED"]


async def test_undischarged_boxes_and_drafts_are_refused(
    database: Database, factory: Factory
) -> None:
    await seed_tariffs(database)
    owner = await factory.member()
    waiting = await shipment(
        database, owner.organisation_id, [Box("CSQU3054383", "22G1", None)]
    )
    draft = await shipment(
        database,
        owner.organisation_id,
        [Box("MWCU6059784", "42G1", wib(1, 9))],
        status=ShipmentStatus.DRAFT,
    )

    not_discharged = await finalize(owner.client, waiting.global_id)
    not_served = await finalize(owner.client, draft.global_id)

    assert [e["code"] for e in not_discharged["userErrors"]] == ["NOT_DISCHARGED"]
    assert [e["code"] for e in not_served["userErrors"]] == ["NOT_INVOICEABLE"]


async def test_concurrent_finalisation_gives_distinct_consecutive_numbers(
    database: Database, factory: Factory
) -> None:
    await seed_tariffs(database)
    owner = await factory.member()
    shipments = [
        await shipment(
            database,
            owner.organisation_id,
            [Box("CSQU3054383", "22G1", wib(1, 9), wib(2, 9))],
        )
        for _ in range(6)
    ]

    payloads = await asyncio.gather(
        *(finalize(owner.client, s.global_id) for s in shipments)
    )

    numbers = [p["invoice"]["number"] for p in payloads]
    sequences = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert sequences == [1, 2, 3, 4, 5, 6]
    assert len(set(numbers)) == 6


async def test_pdf_and_json_agree_with_the_invoice_to_the_rupiah(
    database: Database, factory: Factory, http: httpx.AsyncClient
) -> None:
    _, invoice = await issued(database, factory)

    pdf = await http.get(invoice["pdfUrl"])
    document = await http.get(invoice["jsonUrl"])

    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    text = "".join(page.extract_text() for page in pages)
    total = Decimal(invoice["total"]["amount"])
    balance = Decimal(invoice["balanceDue"]["amount"])
    assert f"Total IDR {format_amount(total)}" in text  # 6.820.950
    assert f"Balance due IDR {format_amount(balance)}" in text  # 3.820.950
    assert invoice["number"] in text
    for line in invoice["lines"]:
        assert format_amount(Decimal(line["amount"]["amount"])) in text

    ubl = document.json()
    assert ubl["ID"] == invoice["number"]
    totals = ubl["LegalMonetaryTotal"]
    assert Decimal(totals["TaxInclusiveAmount"]["value"]) == total
    assert Decimal(totals["PayableAmount"]["value"]) == balance
    amounts = [Decimal(x["LineExtensionAmount"]["value"]) for x in ubl["InvoiceLine"]]
    assert sum(amounts) == Decimal(invoice["subtotal"]["amount"])


async def test_a_forged_or_foreign_download_link_is_refused(
    database: Database, factory: Factory, http: httpx.AsyncClient
) -> None:
    _, invoice = await issued(database, factory)
    url: str = invoice["pdfUrl"]
    token = url.removeprefix("/downloads/invoices/").removesuffix(".pdf")
    body, _, signature = token.partition(".")

    forged = await http.get(f"/downloads/invoices/{body}.{signature[:-2]}AA.pdf")

    assert forged.status_code == 403
