"""Pre-service helpers: vessel calls, sample document sets, shipments, uploads."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import websockets
from strawberry import relay

from domain.models.payments import Payment, PaymentPurpose
from domain.models.port import Vessel, VesselCall
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Member
from tests.support.graphql import GraphQLClient

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
SAMPLE_SETS = ("set-101", "set-102", "set-103")
FILE_KINDS = {
    "bill_of_lading": "BILL_OF_LADING",
    "delivery_order": "DELIVERY_ORDER",
    "pib": "PIB",
    "sppb": "SPPB",
    "commercial_invoice": "COMMERCIAL_INVOICE",
    "packing_list": "PACKING_LIST",
}
JAKARTA = ZoneInfo("Asia/Jakarta")

SHIPMENT_FIELDS = """
  id reference blNumber status services consigneeName consigneeNpwp
  vesselCallId
  containers { number sizeType seal packages grossKg status }
  timeline { fromStatus toStatus reason actorKind }
  documents { id kind filename contentType sizeBytes sha256 downloadUrl }
  payments {
    id status purpose clientKey virtualAccount paidAt amount { amount currency }
  }
  latestCheck { onSubmit blocking findings { code severity document value } }
"""
CREATE = f"""
mutation($input: CreateShipmentInput!) {{
  createShipment(input: $input) {{
    shipment {{ {SHIPMENT_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""
UPDATE = f"""
mutation($input: UpdateShipmentInput!) {{
  updateShipment(input: $input) {{
    shipment {{ {SHIPMENT_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""
SUBMIT = f"""
mutation($id: ID!) {{
  submitShipment(input: {{shipmentId: $id}}) {{
    shipment {{ {SHIPMENT_FIELDS} }}
    warnings {{ code severity }}
    userErrors {{ field code message }}
  }}
}}"""
VERIFY = f"""
mutation($id: ID!, $decision: VerificationDecision!, $reasons: [String!]!) {{
  verifyShipment(input: {{shipmentId: $id, decision: $decision, reasons: $reasons}}) {{
    shipment {{ {SHIPMENT_FIELDS} }}
    userErrors {{ field code message }}
  }}
}}"""
SHIPMENT = f"""
query($id: ID!) {{ node(id: $id) {{ ... on Shipment {{ {SHIPMENT_FIELDS} }} }} }}"""
UPLOAD = """
mutation($input: UploadDocumentInput!) {
  uploadDocument(input: $input) {
    document { id kind filename contentType sizeBytes sha256 downloadUrl }
    userErrors { field code message }
  }
}"""


def gid(type_name: str, key: object) -> str:
    return str(relay.GlobalID(type_name, str(key)))


@dataclass(frozen=True)
class SampleSet:
    """A sample shipment's PDFs and the truth about them."""

    name: str
    truth: dict[str, Any]

    @property
    def folder(self) -> Path:
        return FIXTURES / self.name

    def files(self) -> list[tuple[str, Path]]:
        return [
            (FILE_KINDS[pdf.stem], pdf) for pdf in sorted(self.folder.glob("*.pdf"))
        ]

    def request(self, vessel_call_id: str) -> dict[str, Any]:
        """The createShipment input a careful customer types in."""
        t = self.truth
        return {
            "blNumber": t["bl_number"],
            "vesselCallId": vessel_call_id,
            "consigneeName": t["consignee"]["name"],
            "consigneeNpwp": t["consignee"]["npwp"],
            "services": ["DISCHARGE", "STORAGE", "LIFT_ON_OFF", "PICKUP"],
            "containers": [
                {
                    "number": c["number"],
                    "sizeType": c["size_type"],
                    "seal": c["seal"],
                    "packages": c["packages"],
                    "grossKg": c["gross_kg"],
                }
                for c in t["containers"]
            ],
        }


def sample_set(name: str) -> SampleSet:
    return SampleSet(name, json.loads((FIXTURES / name / "truth.json").read_text()))


async def add_vessel_call(database: Database, truth: dict[str, Any]) -> str:
    """The vessel call a sample set's cargo arrives on (ETA 08:00 WIB that day)."""
    vessel_truth = truth["vessel"]
    eta_day = datetime.fromisoformat(truth["eta"]).date()
    async with database.transaction(SYSTEM) as session:
        vessel = Vessel(imo=vessel_truth["imo"], name=vessel_truth["name"])
        session.add(vessel)
        await session.flush()
        call = VesselCall(
            external_ref=f"PKK-{uuid.uuid4().hex[:10]}",
            vessel_id=vessel.id,
            voyage=vessel_truth["voyage"],
            port="IDTPP",
            terminal="JICT",
            eta=datetime.combine(eta_day, time(8), tzinfo=JAKARTA),
        )
        session.add(call)
        await session.flush()
        return gid("VesselCall", call.id)


async def upload(
    client: GraphQLClient,
    shipment_id: str,
    kind: str,
    content: bytes,
    *,
    filename: str = "document.pdf",
    content_type: str = "application/pdf",
    fields: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """uploadDocument as a multipart request (GraphQL multipart request spec)."""
    given = {"shipmentId": shipment_id, "kind": kind, "file": None, **(fields or {})}
    operations = {"query": UPLOAD, "variables": {"input": given}}
    headers = {"authorization": f"Bearer {client.token}"} if client.token else {}
    response = await client.http.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (filename, content, content_type)},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert not body.get("errors"), body["errors"]
    payload: dict[str, Any] = body["data"]["uploadDocument"]
    return payload


@dataclass
class Filed:
    """A shipment a customer filed from a sample set, with its documents uploaded."""

    owner: Member
    sample: SampleSet
    shipment: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.shipment["id"])


async def file_sample(
    database: Database, owner: Member, name: str, *, documents: bool = True
) -> Filed:
    sample = sample_set(name)
    call_id = await add_vessel_call(database, sample.truth)
    created = await owner.client.mutate(CREATE, {"input": sample.request(call_id)})
    filed = Filed(owner, sample, created["shipment"])
    if documents:
        for kind, path in sample.files():
            payload = await upload(
                owner.client, filed.id, kind, path.read_bytes(), filename=path.name
            )
            assert payload["userErrors"] == [], payload["userErrors"]
    return filed


async def verified(
    database: Database, owner: Member, operator: Member, name: str = "set-101"
) -> Filed:
    """A clean sample, submitted and approved: ready to pay."""
    filed = await file_sample(database, owner, name)
    await owner.client.mutate(SUBMIT, {"id": filed.id})
    await operator.client.mutate(
        VERIFY, {"id": filed.id, "decision": "APPROVE", "reasons": []}
    )
    return filed


async def shipment(client: GraphQLClient, shipment_id: str) -> dict[str, Any]:
    data = await client.data(SHIPMENT, {"id": shipment_id})
    node: dict[str, Any] = data["node"]
    return node


SUBSCRIBE_SHIPMENT = """subscription($id: ID!) {
  shipmentUpdated(id: $id) { kind shipment { id status } }
}"""


async def subscribe(
    live_server: str, token: str, shipment_id: str
) -> tuple[Any, list[dict[str, Any]]]:
    url = live_server.replace("http", "ws", 1) + "/graphql"
    socket = await websockets.connect(
        url,
        subprotocols=[websockets.Subprotocol("graphql-transport-ws")],
        origin=websockets.Origin("https://app.dermaga.example"),
    )
    await socket.send(
        json.dumps(
            {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
        )
    )
    assert json.loads(await socket.recv())["type"] == "connection_ack"
    await socket.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {
                    "query": SUBSCRIBE_SHIPMENT,
                    "variables": {"id": shipment_id},
                },
            }
        )
    )
    return socket, []


async def subscription_message(socket: Any) -> dict[str, Any]:
    async with asyncio.timeout(10):
        message: dict[str, Any] = json.loads(await socket.recv())
    return message


async def pre_service_objects(database: Database, owner: Member) -> dict[str, str]:
    """A shipment, a document and a payment of the owner, by Node type."""
    filed = await file_sample(database, owner, "set-101", documents=False)
    pdf = (FIXTURES / "set-101" / "pib.pdf").read_bytes()
    document = await upload(owner.client, filed.id, "PIB", pdf)
    shipment_key = uuid.UUID(relay.GlobalID.from_id(filed.id).node_id)
    async with database.transaction(SYSTEM) as session:
        payment = Payment(
            organisation_id=owner.organisation_id,
            shipment_id=shipment_key,
            purpose=PaymentPurpose.INITIAL,
            client_key="tenancy",
            amount=Decimal("1000.00"),
            currency="IDR",
        )
        session.add(payment)
        await session.flush()
        payment_id = gid("Payment", payment.id)
    return {
        "Shipment": filed.id,
        "Document": document["document"]["id"],
        "Payment": payment_id,
    }
