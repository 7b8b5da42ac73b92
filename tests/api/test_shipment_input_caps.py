"""createShipment: free text is capped, a live B/L is not filed twice."""

from __future__ import annotations

from typing import Any

from tests.support.factories import Member
from tests.support.pre_service import CREATE, UPDATE


def errors(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_notes_and_names_over_their_cap_are_too_long(owner: Member) -> None:
    data = await owner.client.data(
        CREATE,
        {"input": {"notes": "n" * 2001, "consigneeName": "PT " + "a" * 300}},
    )

    payload = data["createShipment"]
    assert payload["shipment"] is None
    assert errors(payload) == [
        (["input", "consigneeName"], "TOO_LONG"),
        (["input", "notes"], "TOO_LONG"),
    ]


async def test_a_seal_longer_than_its_column_is_too_long(owner: Member) -> None:
    box = {"number": "CSQU3054383", "sizeType": "42G1", "seal": "S" * 33}

    data = await owner.client.data(CREATE, {"input": {"containers": [box]}})

    assert errors(data["createShipment"]) == [
        (["input", "containers", "0", "seal"], "TOO_LONG")
    ]


async def test_notes_at_the_cap_are_kept(owner: Member) -> None:
    created = await owner.client.mutate(CREATE, {"input": {"notes": "n" * 2000}})

    assert created["shipment"]["status"] == "DRAFT"


async def test_a_second_live_request_for_one_bl_is_refused(owner: Member) -> None:
    await owner.client.mutate(CREATE, {"input": {"blNumber": "ONEY1234567"}})

    data = await owner.client.data(CREATE, {"input": {"blNumber": "oney 1234567"}})

    assert errors(data["createShipment"]) == [
        (["input", "blNumber"], "DUPLICATE_BL_NUMBER")
    ]


async def test_an_edit_onto_another_live_bl_is_refused(owner: Member) -> None:
    await owner.client.mutate(CREATE, {"input": {"blNumber": "ONEY7000001"}})
    other = await owner.client.mutate(CREATE, {"input": {"blNumber": "ONEY7000002"}})

    data = await owner.client.data(
        UPDATE,
        {"input": {"id": other["shipment"]["id"], "blNumber": "ONEY7000001"}},
    )

    assert errors(data["updateShipment"]) == [
        (["input", "blNumber"], "DUPLICATE_BL_NUMBER")
    ]


async def test_another_organisation_may_file_the_same_bl(
    owner: Member, outsider: Member
) -> None:
    await owner.client.mutate(CREATE, {"input": {"blNumber": "ONEY7000003"}})

    created = await outsider.client.mutate(
        CREATE, {"input": {"blNumber": "ONEY7000003"}}
    )

    assert created["shipment"]["blNumber"] == "ONEY7000003"
