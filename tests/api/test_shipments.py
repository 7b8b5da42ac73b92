"""Import service requests through the API: drafts, the status machine, the list."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from domain.models.identity import OrganisationKind
from domain.services import identity
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory, Member
from tests.support.pre_service import (
    CREATE,
    SUBMIT,
    UPDATE,
    VERIFY,
    add_vessel_call,
    file_sample,
    gid,
    sample_set,
    shipment,
    subscribe,
    subscription_message,
    upload,
)

LIST = """
query($filter: ShipmentFilter, $order: ShipmentOrder!) {
  shipments(filter: $filter, orderBy: $order, first: 20) {
    totalCount edges { node { reference blNumber status containers { number } } }
  }
}"""
BY_REFERENCE = """
query($reference: String!) { shipmentByReference(reference: $reference) { id } }"""


def codes(payload: dict[str, Any]) -> list[str]:
    return [error["code"] for error in payload["userErrors"]]


async def test_a_draft_gets_a_reference_containers_and_a_timeline(
    database: Database, owner: Member
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)

    created = filed.shipment
    assert re.fullmatch(r"DMG-\d{4}-\d{6}", created["reference"])
    assert created["status"] == "DRAFT"
    assert [c["number"] for c in created["containers"]] == sorted(
        c["number"] for c in filed.sample.truth["containers"]
    )
    assert created["timeline"] == [
        {
            "fromStatus": None,
            "toStatus": "DRAFT",
            "reason": "request opened",
            "actorKind": "USER",
        }
    ]


async def test_bad_identifiers_come_back_with_their_paths_and_nothing_is_written(
    owner: Member,
) -> None:
    containers = [
        {"number": "CSQU3054383", "sizeType": "2XG1"},
        {"number": "CSQU3054384", "sizeType": "22G1"},
        {"number": "CSQU3054383", "sizeType": "45G1", "packages": -1},
    ]
    payload = (
        await owner.client.data(
            CREATE,
            {"input": {"containers": containers, "consigneeNpwp": "123"}},
        )
    )["createShipment"]

    assert payload["shipment"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "consigneeNpwp"], "INVALID_NPWP"),
        (["input", "containers", "0", "sizeType"], "INVALID_SIZE_TYPE"),
        (["input", "containers", "1", "number"], "INVALID_CHECK_DIGIT"),
        (["input", "containers", "2", "number"], "DUPLICATE_CONTAINER"),
        (["input", "containers", "2", "packages"], "INVALID"),
    ]
    listed = await owner.client.data(LIST, {"order": "NEWEST_FIRST"})
    assert listed["shipments"]["totalCount"] == 0


async def test_an_update_replaces_the_containers_of_a_draft(
    database: Database, owner: Member
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)
    boxes = [{"number": "MWCU6059784", "sizeType": "45R1", "seal": " s1 "}]

    payload = await owner.client.mutate(
        UPDATE, {"input": {"id": filed.id, "containers": boxes, "notes": "reefer"}}
    )

    assert payload["shipment"]["containers"] == [
        {
            "number": "MWCU6059784",
            "sizeType": "45R1",
            "seal": "S1",
            "packages": None,
            "grossKg": None,
            "status": "ON_VESSEL",
        }
    ]


async def test_the_status_machine_through_submit_reject_reopen_and_approve(
    database: Database, owner: Member, operator: Member
) -> None:
    filed = await file_sample(database, owner, "set-101")

    submitted = await owner.client.mutate(SUBMIT, {"id": filed.id})
    rejected = await operator.client.mutate(
        VERIFY, {"id": filed.id, "decision": "REJECT", "reasons": ["DO unsigned"]}
    )
    reopened = await owner.client.mutate(
        UPDATE, {"input": {"id": filed.id, "notes": "signed DO attached"}}
    )
    await owner.client.mutate(SUBMIT, {"id": filed.id})
    approved = await operator.client.mutate(
        VERIFY, {"id": filed.id, "decision": "APPROVE", "reasons": []}
    )

    assert submitted["shipment"]["status"] == "SUBMITTED"
    assert submitted["shipment"]["latestCheck"]["onSubmit"] is True
    assert rejected["shipment"]["status"] == "REJECTED"
    assert reopened["shipment"]["status"] == "DRAFT"
    timeline = approved["shipment"]["timeline"]
    assert [(t["fromStatus"], t["toStatus"]) for t in timeline] == [
        (None, "DRAFT"),
        ("DRAFT", "SUBMITTED"),
        ("SUBMITTED", "REJECTED"),
        ("REJECTED", "DRAFT"),
        ("DRAFT", "SUBMITTED"),
        ("SUBMITTED", "VERIFIED"),
    ]
    assert timeline[2]["reason"] == "DO unsigned"


async def test_illegal_moves_are_user_errors(
    database: Database, owner: Member, operator: Member
) -> None:
    filed = await file_sample(database, owner, "set-101")

    verify_draft = await operator.client.data(
        VERIFY, {"id": filed.id, "decision": "APPROVE", "reasons": []}
    )
    by_customer = await owner.client.data(
        VERIFY, {"id": filed.id, "decision": "APPROVE", "reasons": []}
    )
    await owner.client.mutate(SUBMIT, {"id": filed.id})
    twice = await owner.client.data(SUBMIT, {"id": filed.id})
    edit = await owner.client.data(UPDATE, {"input": {"id": filed.id, "notes": "x"}})
    no_reason = await operator.client.data(
        VERIFY, {"id": filed.id, "decision": "REJECT", "reasons": [" "]}
    )

    assert codes(verify_draft["verifyShipment"]) == ["ILLEGAL_TRANSITION"]
    assert codes(by_customer["verifyShipment"]) == ["FORBIDDEN"]
    assert codes(twice["submitShipment"]) == ["ILLEGAL_TRANSITION"]
    assert codes(edit["updateShipment"]) == ["NOT_EDITABLE"]
    assert codes(no_reason["verifyShipment"]) == ["REASON_REQUIRED"]
    assert (await shipment(owner.client, filed.id))["status"] == "SUBMITTED"


async def test_blocking_findings_keep_the_request_a_draft(
    database: Database, owner: Member
) -> None:
    filed = await file_sample(database, owner, "set-102")

    payload = (await owner.client.data(SUBMIT, {"id": filed.id}))["submitShipment"]

    assert payload["shipment"] is None
    assert sorted(codes(payload)) == [
        "INVALID_CHECK_DIGIT",
        "SPPB_CONTAINER_NOT_COVERED",
    ]
    after = await shipment(owner.client, filed.id)
    assert after["status"] == "DRAFT"
    assert after["latestCheck"] is None


async def test_warnings_go_with_the_submission_to_the_operator(
    database: Database, owner: Member, operator: Member
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)
    for kind, path in filed.sample.files():
        if kind != "SPPB":  # customs has not released yet (a green-lane wait)
            await upload(owner.client, filed.id, kind, path.read_bytes())

    payload = await owner.client.mutate(SUBMIT, {"id": filed.id})

    assert payload["warnings"] == [{"code": "SPPB_MISSING", "severity": "WARNING"}]
    assert payload["shipment"]["status"] == "SUBMITTED"
    seen = await shipment(operator.client, filed.id)
    assert seen["latestCheck"] == {
        "onSubmit": True,
        "blocking": False,
        "findings": [
            {
                "code": "SPPB_MISSING",
                "severity": "WARNING",
                "document": "SPPB",
                "value": None,
            }
        ],
    }


async def test_an_incomplete_request_cannot_be_submitted(owner: Member) -> None:
    created = await owner.client.mutate(CREATE, {"input": {}})

    payload = (await owner.client.data(SUBMIT, {"id": created["shipment"]["id"]}))[
        "submitShipment"
    ]

    assert codes(payload) == ["INCOMPLETE_REQUEST"] * 3


async def test_the_list_filters_orders_and_stays_within_the_organisation(
    database: Database, owner: Member, outsider: Member, operator: Member
) -> None:
    first = await file_sample(database, owner, "set-101", documents=False)
    second = await file_sample(database, owner, "set-102", documents=False)
    call = second.shipment["vesselCallId"]

    newest = await owner.client.data(LIST, {"order": "NEWEST_FIRST"})
    by_bl = await owner.client.data(
        LIST, {"order": "REFERENCE", "filter": {"blNumber": "onEy673024275"}}
    )
    by_call = await owner.client.data(
        LIST, {"order": "REFERENCE", "filter": {"vesselCallId": call}}
    )
    drafts = await operator.client.data(
        LIST, {"order": "OLDEST_FIRST", "filter": {"status": ["DRAFT"]}}
    )
    foreign = await outsider.client.data(LIST, {"order": "NEWEST_FIRST"})

    references = [e["node"]["reference"] for e in newest["shipments"]["edges"]]
    assert references == [second.shipment["reference"], first.shipment["reference"]]
    assert [e["node"]["blNumber"] for e in by_bl["shipments"]["edges"]] == [
        "ONEY673024275"
    ]
    assert by_call["shipments"]["totalCount"] == 1
    assert drafts["shipments"]["totalCount"] == 2
    assert len(drafts["shipments"]["edges"][0]["node"]["containers"]) == 6
    assert foreign["shipments"]["totalCount"] == 0


async def test_a_shipment_is_found_by_reference_or_bl_number(
    database: Database, owner: Member, outsider: Member
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)

    by_reference = await owner.client.data(
        BY_REFERENCE, {"reference": filed.shipment["reference"].lower()}
    )
    by_bl = await owner.client.data(BY_REFERENCE, {"reference": "MEDU 306711638"})
    foreign = await outsider.client.data(BY_REFERENCE, {"reference": "MEDU306711638"})

    assert by_reference["shipmentByReference"]["id"] == filed.id
    assert by_bl["shipmentByReference"]["id"] == filed.id
    assert foreign["shipmentByReference"] is None


async def test_a_forwarder_files_for_an_importer_it_represents(
    database: Database, factory: Factory
) -> None:
    forwarder = await factory.member(kind=OrganisationKind.FORWARDER)
    importer = await factory.member()
    stranger = await factory.organisation()
    async with database.transaction(SYSTEM) as session:
        await identity.add_representation(
            session,
            forwarder_id=forwarder.organisation_id,
            importer_id=importer.organisation_id,
        )
    sample = sample_set("set-101")
    call = await add_vessel_call(database, sample.truth)

    filed = await forwarder.client.mutate(
        CREATE,
        {
            "input": {
                **sample.request(call),
                "consigneeOrganisationId": gid(
                    "Organisation", importer.organisation_id
                ),
            }
        },
    )
    refused = await forwarder.client.data(
        CREATE, {"input": {"consigneeOrganisationId": gid("Organisation", stranger)}}
    )

    shipment_id = filed["shipment"]["id"]
    assert (await shipment(importer.client, shipment_id))["id"] == shipment_id
    assert [
        (e["field"], e["code"]) for e in refused["createShipment"]["userErrors"]
    ] == [(["input", "consigneeOrganisationId"], "NOT_FOUND")]


async def test_the_owner_follows_status_changes_live(
    database: Database, owner: Member, live_server: str
) -> None:
    filed = await file_sample(database, owner, "set-101")
    assert owner.client.token is not None
    socket, _ = await subscribe(live_server, owner.client.token, filed.id)
    try:
        await asyncio.sleep(0.3)  # let the subscription reach the channel
        await owner.client.mutate(SUBMIT, {"id": filed.id})

        message = await subscription_message(socket)
        while message["payload"]["data"]["shipmentUpdated"]["kind"] != "STATUS_CHANGED":
            message = await subscription_message(socket)
    finally:
        await socket.close()

    assert message["payload"]["data"]["shipmentUpdated"] == {
        "kind": "STATUS_CHANGED",
        "shipment": {"id": filed.id, "status": "SUBMITTED"},
    }


async def test_another_organisation_cannot_subscribe_to_a_shipment(
    database: Database, owner: Member, outsider: Member, live_server: str
) -> None:
    filed = await file_sample(database, owner, "set-101", documents=False)
    assert outsider.client.token is not None
    socket, _ = await subscribe(live_server, outsider.client.token, filed.id)
    try:
        message = await subscription_message(socket)
    finally:
        await socket.close()

    # Refused as every subscription refuses: one `error` message, no `next`.
    assert message["type"] == "error"
    (error,) = message["payload"]
    assert (error["message"], error["extensions"]) == (
        "no such shipment",
        {"code": "NOT_FOUND"},
    )
