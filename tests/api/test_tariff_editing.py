"""An administrator's tariff edits: refused when they could not price an invoice."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from domain.models.identity import Role
from domain.unit_of_work import Database
from tests.support.factories import Factory, Member
from tests.support.post_service import Box, seed_tariffs, shipment

FINALIZE = """
mutation($id: ID!) {
  finalizeInvoice(input: {shipmentId: $id}) {
    invoice { jsonUrl pdfUrl vat { amount } taxBase { amount } }
    userErrors { field code message }
  }
}"""
SAVE_TARIFF = """
mutation($input: SaveTariffVersionInput!) {
  saveTariffVersion(input: $input) {
    tariffVersion { code rates }
    userErrors { field code message }
  }
}"""


def _sizes(twenty: str, forty: str) -> dict[str, str]:
    return {"twenty": twenty, "forty": forty}


def tariff_input(**overrides: Any) -> dict[str, Any]:
    """A version in force from 60 days ago: it supersedes the seeded ones."""
    figures: dict[str, Any] = {
        "code": "IDTPP-EDITED",
        "port": "IDTPP",
        "validFrom": (date.today() - timedelta(days=60)).isoformat(),
        "liftOnOff": _sizes("285500", "428250"),
        "storageBase": _sizes("42500", "85000"),
        "storageScheme": [
            {"fromDay": 1, "toDay": 1, "percent": "0"},
            {"fromDay": 2, "toDay": 2, "percent": "300"},
            {"fromDay": 3, "toDay": None, "percent": "600"},
        ],
        "noonCutoffHour": 12,
        "inspection": _sizes("1250000", "1875000"),
        "reeferPower": _sizes("150000", "200000"),
        "reeferBlockHours": 8,
        "adminFee": "25000",
        "delivery": [{"zone": "STANDARD", "rates": _sizes("1500000", "2100000")}],
        "vatRatePercent": "12",
    }
    figures.update(overrides)
    return figures


async def _save(factory: Factory, **overrides: Any) -> dict[str, Any]:
    admin: Member = await factory.member(roles=frozenset({Role.ADMIN}))
    data = await admin.client.data(SAVE_TARIFF, {"input": tariff_input(**overrides)})
    payload: dict[str, Any] = data["saveTariffVersion"]
    return payload


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"reeferBlockHours": 0}, "INVALID"),
        ({"reeferBlockHours": 25}, "INVALID"),
        ({"liftOnOff": _sizes("-285500", "428250")}, "PRICE_OUT_OF_RANGE"),
        ({"adminFee": "1" + "0" * 17}, "PRICE_OUT_OF_RANGE"),
        ({"storageBase": _sizes("42500", "Infinity")}, "INVALID"),
        ({"vatRatePercent": "-12"}, "INVALID"),
        ({"vatRatePercent": "101"}, "INVALID"),
        ({"vatRatePercent": "NaN"}, "INVALID"),
    ],
)
async def test_figures_no_invoice_could_use_are_refused(
    factory: Factory, overrides: dict[str, Any], code: str
) -> None:
    saved = await _save(factory, **overrides)

    assert saved["tariffVersion"] is None
    assert [e["code"] for e in saved["userErrors"]] == [code]


async def test_a_noon_cutoff_at_midnight_is_kept(factory: Factory) -> None:
    saved = await _save(factory, noonCutoffHour=0)

    assert saved["userErrors"] == []
    assert saved["tariffVersion"]["rates"]["noon_rule"] == {
        "enabled": True,
        "cutoff_hour": 0,
    }


async def test_the_invoice_documents_state_the_vat_rate_it_was_computed_with(
    database: Database, factory: Factory, http: httpx.AsyncClient
) -> None:
    await seed_tariffs(database)
    saved = await _save(factory, vatRatePercent="11.5")
    assert saved["userErrors"] == []
    owner = await factory.member()
    discharged = datetime.now(UTC) - timedelta(days=2)
    seeded = await shipment(
        database,
        owner.organisation_id,
        [Box("CSQU3054383", "22G1", discharged, discharged + timedelta(hours=1))],
    )

    data = await owner.client.data(FINALIZE, {"id": seeded.global_id})

    invoice = data["finalizeInvoice"]["invoice"]
    base = Decimal(invoice["taxBase"]["amount"])
    assert Decimal(invoice["vat"]["amount"]) == (base * Decimal("0.115")).quantize(
        Decimal(1)
    )
    ubl = (await http.get(invoice["jsonUrl"])).json()
    category = ubl["TaxTotal"]["TaxSubtotal"]["TaxCategory"]
    assert category["Percent"] == "11.5"
    assert category["TaxableFraction"] == "11/12"
    pdf = (await http.get(invoice["pdfUrl"])).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "PPN 11.5%" in text
    assert "PPN 12%" not in text
