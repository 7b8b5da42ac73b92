"""Times and windows a client gives: out of range, reversed or past is a userError."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from domain.unit_of_work import Database
from tests.support.factories import Member
from tests.support.graphql import error_codes
from tests.support.pre_service import CREATE
from tests.support.scheduling import (
    RECOMMEND,
    box_numbers,
    cargo,
    configure,
    discharged,
    gid,
    next_hour,
    vessel_call,
)

FAR = "9999-12-31T00:00:00Z"
CONFIGURE = """
mutation($input: ConfigureSlotsInput!) {
  configureSlots(input: $input) { slots { id } userErrors { field code message } }
}"""


def errors(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def test_slots_at_the_end_of_the_calendar_are_a_user_error(
    operator: Member,
) -> None:
    data = await operator.client.data(
        CONFIGURE,
        {
            "input": {
                "terminal": "KOJA",
                "from": FAR,
                "to": "9999-12-31T23:00:00Z",
                "slotMinutes": 60,
                "quota": 2,
            }
        },
    )

    assert errors(data["configureSlots"]) == [(["input", "from"], "OUT_OF_RANGE")]


async def test_slots_are_listed_only_near_now(operator: Member) -> None:
    body = await operator.client.raw(
        """query($from: DateTime!, $to: DateTime!) {
             slots(terminal: "KOJA", from: $from, to: $to) { id } }""",
        {"from": "9999-12-20T00:00:00Z", "to": FAR},
    )

    assert error_codes(body) == ["OUT_OF_RANGE"]


async def test_an_analytics_range_far_ahead_is_refused(owner: Member) -> None:
    body = await owner.client.raw(
        f"""{{ analytics(range: {{from: "9999-01-01T00:00:00Z", to: "{FAR}"}})
               {{ rows {{ bucket }} }} }}"""
    )

    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert "days ahead" in body["errors"][0]["message"]


async def _planned(database: Database, owner: Member, operator: Member) -> str:
    (number,) = box_numbers(1, owner="TBW")
    shipment = await cargo(database, owner.organisation_id, [discharged(number)])
    await configure(operator.client, next_hour(2), 4, quota=5)
    return shipment.shipment_gid


async def test_a_window_ending_before_it_starts_is_a_user_error(
    database: Database, owner: Member, operator: Member
) -> None:
    shipment = await _planned(database, owner, operator)
    start = datetime.now(UTC) + timedelta(hours=5)
    window = {"from": start.isoformat(), "to": (start - timedelta(hours=2)).isoformat()}

    data = await owner.client.data(
        RECOMMEND,
        {"input": {"shipmentId": shipment, "preferredWindows": [window]}},
    )

    assert errors(data["recommendPickupPlan"]) == [
        (["input", "preferredWindows", "0", "to"], "INVALID_WINDOW")
    ]


async def test_a_window_already_over_is_a_user_error(
    database: Database, owner: Member, operator: Member
) -> None:
    shipment = await _planned(database, owner, operator)
    end = datetime.now(UTC) - timedelta(hours=1)
    window = {"from": (end - timedelta(hours=3)).isoformat(), "to": end.isoformat()}

    data = await owner.client.data(
        RECOMMEND,
        {"input": {"shipmentId": shipment, "preferredWindows": [window]}},
    )

    assert data["recommendPickupPlan"]["plan"] is None
    assert errors(data["recommendPickupPlan"]) == [
        (["input", "preferredWindows", "0", "to"], "WINDOW_IN_PAST")
    ]


async def test_a_draft_gets_no_pickup_plan(
    database: Database, owner: Member, operator: Member
) -> None:
    call_id, _ = await vessel_call(database, eta=next_hour(-6))
    await configure(operator.client, next_hour(2), 4, quota=5)
    created = await owner.client.mutate(
        CREATE,
        {
            "input": {
                "blNumber": "DRAFTPLAN001",
                "vesselCallId": gid("VesselCall", call_id),
                "containers": [{"number": "CSQU3054383", "sizeType": "42G1"}],
            }
        },
    )

    data = await owner.client.data(
        RECOMMEND, {"input": {"shipmentId": created["shipment"]["id"]}}
    )

    assert data["recommendPickupPlan"]["plan"] is None
    assert errors(data["recommendPickupPlan"]) == [
        (["input", "shipmentId"], "NOT_SUBMITTED")
    ]
