"""Documents through the API: upload, the assistant's check, signed downloads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from domain.models.identity import Role
from domain.services.downloads import DownloadGrant, sign_link
from domain.unit_of_work import Database
from domain.viewer import Viewer
from tests.conftest import TEST_SECRET
from tests.support.factories import Member
from tests.support.pre_service import (
    FIXTURES,
    SAMPLE_SETS,
    UPLOAD,
    file_sample,
    shipment,
    upload,
)

# The truth files name fault kinds; the assistant reports stable codes.
FAULT_CODES = {
    "container_check_digit": "INVALID_CHECK_DIGIT",
    "sppb_missing_container": "SPPB_CONTAINER_NOT_COVERED",
    "do_expires_before_eta": "DO_EXPIRES_BEFORE_ETA",
}
DOCUMENTS = {"delivery_order": "DELIVERY_ORDER", "sppb": "SPPB"}
CHECK = """
mutation($id: ID!) {
  checkShipmentDocuments(input: {shipmentId: $id}) {
    report {
      blocked
      extractedFields { document name value page text }
      fieldSuggestions { field value }
      containerSuggestions { number }
      findings { severity code document field value page message messageIndonesian }
    }
    userErrors { field code message }
  }
}"""
REQUIREMENTS = """
query($id: ID!) {
  documentRequirements(shipmentId: $id) { kind severity uploaded reason }
}"""
PDF = (FIXTURES / "set-101" / "pib.pdf").read_bytes()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def planted(truth: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted(
        (FAULT_CODES[f["kind"]], DOCUMENTS[f["document"]], f["value"])
        for f in truth["faults"]
    )


@pytest.mark.parametrize("name", SAMPLE_SETS)
async def test_the_assistant_finds_exactly_the_planted_faults(
    database: Database, owner: Member, name: str
) -> None:
    filed = await file_sample(database, owner, name)

    payload = await owner.client.mutate(CHECK, {"id": filed.id})

    report = payload["report"]
    found = sorted((f["code"], f["document"], f["value"]) for f in report["findings"])
    assert found == planted(filed.sample.truth)
    assert report["fieldSuggestions"] == []
    assert report["containerSuggestions"] == []
    bl_numbers = [f for f in report["extractedFields"] if f["name"] == "bl_number"]
    assert bl_numbers[0]["value"] == filed.sample.truth["bl_number"]
    assert bl_numbers[0]["page"] == 1
    assert filed.sample.truth["bl_number"] in bl_numbers[0]["text"]


async def test_findings_come_in_english_and_indonesian_and_are_kept(
    database: Database, owner: Member
) -> None:
    filed = await file_sample(database, owner, "set-102")

    payload = await owner.client.mutate(CHECK, {"id": filed.id})

    digit = next(
        f for f in payload["report"]["findings"] if f["code"] == "INVALID_CHECK_DIGIT"
    )
    assert digit["field"] == "containers[0].number"
    assert digit["message"] != digit["messageIndonesian"]
    kept = (await shipment(owner.client, filed.id))["latestCheck"]
    assert kept["onSubmit"] is False
    assert {f["code"] for f in kept["findings"]} == {
        "INVALID_CHECK_DIGIT",
        "SPPB_CONTAINER_NOT_COVERED",
    }


async def test_a_blank_draft_gets_suggestions_from_its_papers(
    database: Database, owner: Member
) -> None:
    filed = await file_sample(database, owner, "set-101")
    await owner.client.mutate(
        """mutation($id: ID!) { updateShipment(input: {id: $id, containers: []}) {
          userErrors { code } } }""",
        {"id": filed.id},
    )

    payload = await owner.client.mutate(CHECK, {"id": filed.id})

    numbers = {c["number"] for c in payload["report"]["containerSuggestions"]}
    assert numbers == {c["number"] for c in filed.sample.truth["containers"]}


async def test_requirements_follow_the_services_and_the_uploads(
    database: Database, owner: Member
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)
    await upload(owner.client, filed.id, "PIB", PDF)

    data = await owner.client.data(REQUIREMENTS, {"id": filed.id})

    needs = {r["kind"]: r for r in data["documentRequirements"]}
    assert set(needs) == {
        "BILL_OF_LADING",
        "DELIVERY_ORDER",
        "COMMERCIAL_INVOICE",
        "PACKING_LIST",
        "PIB",
        "SPPB",
    }
    assert needs["PIB"]["uploaded"] is True
    assert needs["BILL_OF_LADING"]["uploaded"] is False
    assert needs["SPPB"]["severity"] == "WARNING"


async def test_an_upload_is_stored_by_its_hash_and_typed_by_its_bytes(
    database: Database, owner: Member
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)

    payload = await upload(
        owner.client,
        filed.id,
        "OTHER",
        PNG,
        filename="../../etc/scan.png",
        content_type="application/octet-stream",
    )

    document = payload["document"]
    assert payload["userErrors"] == []
    assert document["contentType"] == "image/png"
    assert document["filename"] == "scan.png"
    assert document["sizeBytes"] == len(PNG)
    assert len(document["sha256"]) == 64


@pytest.mark.parametrize(
    ("content", "content_type", "code"),
    [
        (b"plain text, not a PDF", "application/pdf", "UNSUPPORTED_FILE_TYPE"),
        (
            b"MZ\x90\x00 an executable",
            "application/octet-stream",
            "UNSUPPORTED_FILE_TYPE",
        ),
        (PNG, "application/pdf", "CONTENT_TYPE_MISMATCH"),
        (b"%PDF-" + b"x" * 4096, "application/pdf", "FILE_TOO_LARGE"),
    ],
)
async def test_a_wrong_or_oversized_file_is_refused_and_nothing_is_stored(
    database: Database,
    owner: Member,
    content: bytes,
    content_type: str,
    code: str,
    app: Any,
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)
    extras = app.state.runtime.require().extras
    limit = extras["upload_max_bytes"]
    extras["upload_max_bytes"] = 4096
    try:
        payload = await upload(
            owner.client, filed.id, "PIB", content, content_type=content_type
        )
    finally:
        extras["upload_max_bytes"] = limit

    assert payload == {
        "document": None,
        "userErrors": [
            {
                "field": ["input", "file"],
                "code": code,
                "message": payload["userErrors"][0]["message"],
            }
        ],
    }
    assert (await shipment(owner.client, filed.id))["documents"] == []


async def test_another_organisation_cannot_upload_to_a_shipment(
    database: Database, owner: Member, outsider: Member
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)

    payload = await upload(outsider.client, filed.id, "PIB", PDF)

    assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]


async def _uploaded(database: Database, owner: Member) -> tuple[str, str]:
    filed = await file_sample(database, owner, "set-101", documents=False)
    payload = await upload(owner.client, filed.id, "PIB", PDF, filename="pib.pdf")
    return payload["document"]["id"], payload["document"]["downloadUrl"]


async def test_the_download_link_serves_the_owner_the_file(
    database: Database, owner: Member, http: httpx.AsyncClient
) -> None:
    _, url = await _uploaded(database, owner)

    response = await http.get(url)

    assert response.status_code == 200
    assert response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert "pib.pdf" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "private, no-store"


async def test_another_organisation_gets_no_link_and_no_file(
    database: Database, owner: Member, outsider: Member, http: httpx.AsyncClient
) -> None:
    document_id, _ = await _uploaded(database, owner)
    query = "query($id: ID!) { node(id: $id) { ... on Document { downloadUrl } } }"
    # A correctly signed link for the outsider: the route re-checks tenancy.
    outsider_viewer = Viewer(
        principal_id=outsider.user_id,
        organisation_id=outsider.organisation_id,
        roles=frozenset({Role.CUSTOMER}),
    )
    key = document_id_uuid(document_id)
    expires = int(datetime.now(UTC).timestamp()) + 300
    token = sign_link(TEST_SECRET, DownloadGrant(key, outsider_viewer, expires))

    assert (await outsider.client.data(query, {"id": document_id}))["node"] is None
    assert (await http.get(f"/files/{token}")).status_code == 404


async def test_an_expired_or_forged_link_is_refused(
    database: Database, owner: Member, http: httpx.AsyncClient
) -> None:
    document_id, url = await _uploaded(database, owner)
    viewer = Viewer(
        principal_id=owner.user_id,
        organisation_id=owner.organisation_id,
        roles=frozenset({Role.CUSTOMER}),
    )
    past = int(datetime.now(UTC).timestamp()) - 1
    expired = sign_link(
        TEST_SECRET, DownloadGrant(document_id_uuid(document_id), viewer, past)
    )
    forged = sign_link(
        "another-key-" * 4,
        DownloadGrant(document_id_uuid(document_id), viewer, past + 600),
    )
    body, _, signature = url.removeprefix("/files/").partition(".")
    tampered = f"{body}x.{signature}"

    for token in (expired, forged, tampered):
        response = await http.get(f"/files/{token}")
        assert response.status_code == 403, token
    assert (await http.get(f"/files/{expired}")).json() == {
        "error": "DOWNLOAD_LINK_EXPIRED"
    }


def document_id_uuid(global_id: str) -> Any:
    import base64
    import uuid

    return uuid.UUID(base64.b64decode(global_id).decode().split(":", 1)[1])


async def test_a_link_made_for_a_revoked_api_key_serves_nothing(
    database: Database, owner: Member, http: httpx.AsyncClient
) -> None:
    document_id, _ = await _uploaded(database, owner)
    made = await owner.client.mutate(
        'mutation { createApiKey(input: {name: "erp"}) { secret apiKey { id } '
        "userErrors { code } } }"
    )
    partner = owner.client.as_(made["secret"])
    query = "query($id: ID!) { node(id: $id) { ... on Document { downloadUrl } } }"
    url = (await partner.data(query, {"id": document_id}))["node"]["downloadUrl"]
    served = await http.get(url)

    await owner.client.mutate(
        "mutation($id: ID!) { revokeApiKey(input: {id: $id}) { userErrors { code } } }",
        {"id": made["apiKey"]["id"]},
    )
    after = await http.get(url)

    assert served.status_code == 200
    assert after.status_code == 404


@pytest.mark.parametrize(
    "files_map",
    [
        pytest.param({"0": ["variables.input.file.x.y"]}, id="path past the file"),
        pytest.param([1, 2], id="not an object"),
        pytest.param(
            {"0": ["variables.input.file", "variables.other.file"]},
            id="one file at two paths",
        ),
    ],
)
async def test_a_multipart_map_that_does_not_fit_is_a_400_and_writes_nothing(
    database: Database, owner: Member, files_map: object
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)
    given = {"shipmentId": filed.id, "kind": "PIB", "file": None}
    operations = {"query": UPLOAD, "variables": {"input": given, "other": given}}

    response = await owner.client.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps(files_map)},
        files={"0": ("pib.pdf", PDF, "application/pdf")},
        headers={"authorization": f"Bearer {owner.client.token}"},
    )

    assert response.status_code == 400
    assert (await shipment(owner.client, filed.id))["documents"] == []
