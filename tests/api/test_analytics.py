"""The analytics report against a hand count over seeded events."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from strawberry import relay

from domain.models.gate import (
    GateEvent,
    GateEventKind,
    GatePass,
    GatePassStatus,
    Punctuality,
)
from domain.models.scheduling import PickupSlot
from domain.unit_of_work import Database
from domain.viewer import SYSTEM
from tests.support.factories import Factory, Member
from tests.support.graphql import error_codes
from tests.support.post_service import Box, Seeded, shipment

WIB = ZoneInfo("Asia/Jakarta")
REPORT = """
query($groupBy: AnalyticsGroupBy!) {
  analytics(range: {from: "2026-01-01T00:00:00+07:00", to: "2026-02-01T00:00:00+07:00"},
            groupBy: $groupBy) {
    rows { bucket shipments containers dwellHours verificationToPickupHours
           gateTurnaroundMinutes bookingsKept bookingsLate bookingsMissed }
    operator {
      slotUtilisation { hour quota booked gatedIn utilisationPercent }
      gateTurnaround { trucks averageMinutes withinServiceLevel }
      peakHours { hour gatedIn }
      serviceLevelMinutes
    }
    csvUrl
  }
}"""


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=WIB)


async def seed(database: Database, factory: Factory) -> tuple[Member, Member]:
    owner = await factory.member()
    outsider = await factory.member()
    seeded = await shipment(
        database,
        owner.organisation_id,
        [
            # dwell 24 h; verified 5 Jan 08:00, so 26 h to pickup
            Box("CSQU3054383", "22G1", wib(5, 10), wib(6, 10)),
            # dwell 48 h; 52 h from verification to pickup
            Box("MWCU6059784", "42G1", wib(5, 12), wib(7, 12)),
            # still in the yard: counted, no dwell
            Box("TGHU1234567", "22G1", wib(20, 9)),
        ],
        verified_at=wib(5, 8),
    )
    # Another organisation's box: never in the owner's figures.
    await shipment(
        database,
        outsider.organisation_id,
        [Box("TCKU7654321", "22G1", wib(5, 10), wib(9, 10))],
    )
    await _gate(database, seeded)
    return owner, outsider


async def _gate(database: Database, seeded: Seeded) -> None:
    box = seeded.containers["CSQU3054383"]
    async with database.transaction(SYSTEM) as session:
        session.add_all(
            [
                PickupSlot(
                    terminal="JICT",
                    starts_at=wib(6, 9),
                    ends_at=wib(6, 11),
                    quota=10,
                    booked=4,
                ),
                PickupSlot(
                    terminal="JICT",
                    starts_at=wib(7, 10),
                    ends_at=wib(7, 12),
                    quota=10,
                    booked=5,
                ),
                PickupSlot(
                    terminal="JICT",
                    starts_at=wib(8, 9),
                    ends_at=wib(8, 11),
                    quota=10,
                    booked=1,
                ),
            ]
        )
        kept = _pass(seeded, box, wib(6, 9), (wib(6, 9, 30), wib(6, 10, 30)))
        late = _pass(seeded, box, wib(7, 10), (wib(7, 12, 10), wib(7, 14, 20)))
        missed = _pass(seeded, box, wib(8, 9), None)
        session.add_all([kept, late, missed])
        await session.flush()
        session.add_all(
            [
                _event(kept, GateEventKind.GATE_IN, wib(6, 9, 30), Punctuality.ON_TIME),
                _event(kept, GateEventKind.GATE_OUT, wib(6, 10, 30), turnaround=60),
                _event(late, GateEventKind.GATE_IN, wib(7, 12, 10), Punctuality.LATE),
                _event(late, GateEventKind.GATE_OUT, wib(7, 14, 20), turnaround=130),
            ]
        )


def _pass(
    seeded: Seeded,
    box: object,
    start: datetime,
    gate: tuple[datetime, datetime] | None,
) -> GatePass:
    """A pass as the gate leaves it: its gate-in and gate-out times, if used."""
    return GatePass(
        organisation_id=seeded.organisation_id,
        shipment_id=seeded.shipment_id,
        container_id=box,
        container_number="CSQU3054383",
        booking_id=seeded.shipment_id,
        terminal="JICT",
        slot_starts_at=start,
        slot_ends_at=start + timedelta(hours=2),
        truck_plate="B1234XYZ",
        token_id=f"t{start.day}",
        status=GatePassStatus.COMPLETED if gate else GatePassStatus.ISSUED,
        expires_at=start + timedelta(hours=2, minutes=30),
        gated_in_at=gate[0] if gate else None,
        gated_out_at=gate[1] if gate else None,
    )


def _event(
    gate_pass: GatePass,
    kind: GateEventKind,
    at: datetime,
    punctuality: Punctuality | None = None,
    turnaround: int | None = None,
) -> GateEvent:
    return GateEvent(
        organisation_id=gate_pass.organisation_id,
        gate_pass_id=gate_pass.id,
        container_id=gate_pass.container_id,
        kind=kind,
        at=at,
        truck_plate="B1234XYZ",
        punctuality=punctuality,
        minutes_late=10 if punctuality is Punctuality.LATE else 0,
        turnaround_minutes=turnaround,
        within_service_level=None if turnaround is None else turnaround <= 125,
    )


async def test_customer_figures_equal_a_hand_count(
    database: Database, factory: Factory, http: httpx.AsyncClient
) -> None:
    owner, _ = await seed(database, factory)

    data = await owner.client.data(REPORT, {"groupBy": "MONTH"})

    report = data["analytics"]
    assert report["operator"] is None
    assert report["rows"] == [
        {
            # January in WIB starts at 17:00 UTC on 31 December
            "bucket": "2025-12-31T17:00:00+00:00",
            "shipments": 1,
            "containers": 3,
            "dwellHours": "36.00",  # (24 + 48) / 2
            "verificationToPickupHours": "39.00",  # (26 + 52) / 2
            "gateTurnaroundMinutes": "95.0",  # (60 + 130) / 2
            "bookingsKept": 1,
            "bookingsLate": 1,
            "bookingsMissed": 1,
        }
    ]
    exported = await http.get(report["csvUrl"])
    assert exported.status_code == 200
    (row,) = list(csv.DictReader(io.StringIO(exported.text)))
    assert row["containers"] == "3"
    assert row["dwell_hours"] == "36.00"
    assert row["bookings_missed"] == "1"


async def test_days_split_the_same_events(database: Database, factory: Factory) -> None:
    owner, _ = await seed(database, factory)

    data = await owner.client.data(REPORT, {"groupBy": "DAY"})

    counts = {r["bucket"][:10]: r["containers"] for r in data["analytics"]["rows"]}
    # 5 Jan WIB starts 4 Jan 17:00 UTC: two boxes; 20 Jan: one box
    assert counts["2026-01-04"] == 2
    assert counts["2026-01-19"] == 1


async def test_operator_sees_slots_turnaround_and_peaks(
    database: Database, factory: Factory
) -> None:
    await seed(database, factory)
    operator = await factory.operator()

    data = await operator.client.data(REPORT, {"groupBy": "MONTH"})

    figures = data["analytics"]["operator"]
    slots = {h["hour"]: h for h in figures["slotUtilisation"]}
    # 09:00 slots: quota 10 + 10, booked 4 + 1 = 25%; one truck in at 09:30
    assert slots[9] == {
        "hour": 9,
        "quota": 20,
        "booked": 5,
        "gatedIn": 1,
        "utilisationPercent": "25.0",
    }
    assert slots[10]["utilisationPercent"] == "50.0"
    assert slots[12]["gatedIn"] == 1
    (turnaround,) = figures["gateTurnaround"]
    assert turnaround == {
        "trucks": 2,
        "averageMinutes": "95.0",
        "withinServiceLevel": 1,
    }
    assert figures["serviceLevelMinutes"] == 125
    assert sorted(p["hour"] for p in figures["peakHours"]) == [9, 12]
    # the operator's rows count every organisation's boxes: 3 + 1
    assert data["analytics"]["rows"][0]["containers"] == 4


async def test_a_reversed_range_is_refused(factory: Factory) -> None:
    owner = await factory.member()

    body = await owner.client.raw(
        """{ analytics(range: {from: "2026-02-01T00:00:00Z",
                               to: "2026-01-01T00:00:00Z"}) { rows { bucket } } }"""
    )

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_organisation_the_viewer_cannot_see_is_not_found(
    factory: Factory,
) -> None:
    owner, outsider = await factory.member(), await factory.member()
    operator = await factory.operator()
    query = """query($org: ID) {
      analytics(range: {from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z"},
                organisationId: $org) { rows { bucket } } }"""
    theirs = str(relay.GlobalID("Organisation", str(outsider.organisation_id)))
    own = str(relay.GlobalID("Organisation", str(owner.organisation_id)))

    foreign = await owner.client.raw(query, {"org": theirs})
    garbage = await operator.client.raw(query, {"org": "zz"})
    mine = await owner.client.data(query, {"org": own})
    staff = await operator.client.data(query, {"org": theirs})

    assert error_codes(foreign) == ["NOT_FOUND"]
    assert error_codes(garbage) == ["NOT_FOUND"]
    assert mine["analytics"]["rows"] is not None
    assert staff["analytics"]["rows"] is not None
