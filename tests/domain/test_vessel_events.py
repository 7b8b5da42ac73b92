from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from domain.vessel_events import (
    PortCallEventType,
    PortCallService,
    PortCallTimestamp,
    TimestampClassifier,
    VesselCallStatus,
    current_times,
)

T0 = datetime(2025, 3, 1, 6, 0, tzinfo=UTC)
_ids = itertools.count(1)

PLN = TimestampClassifier.PLN
EST = TimestampClassifier.EST
REQ = TimestampClassifier.REQ
ACT = TimestampClassifier.ACT
ARRI = PortCallEventType.ARRI
DEPA = PortCallEventType.DEPA
STRT = PortCallEventType.STRT
CMPL = PortCallEventType.CMPL
BERTH = PortCallService.BERTH
CARGO = PortCallService.CARGO_OPERATIONS
PORT_AREA = PortCallService.PORT_AREA
ANCHORAGE = PortCallService.ANCHORAGE


def ts(
    classifier: TimestampClassifier,
    event_type: PortCallEventType,
    service: PortCallService,
    at_hours: float,
    created_hours: float = 0.0,
    retracts: str | None = None,
) -> PortCallTimestamp:
    return PortCallTimestamp(
        event_id=f"E{next(_ids):04d}",
        call_ref="PKK.LN.IDTPP.2503.000001",
        classifier=classifier,
        event_type=event_type,
        service=service,
        event_time=T0 + timedelta(hours=at_hours),
        created_at=T0 + timedelta(hours=created_hours),
        retracts_event_id=retracts,
    )


def hours(value: float) -> datetime:
    return T0 + timedelta(hours=value)


def test_no_events_is_expected_with_no_times() -> None:
    times = current_times([])

    assert times.status is VesselCallStatus.EXPECTED
    assert times.eta is None
    assert times.atb is None


def test_latest_created_estimate_wins_whatever_the_order_received() -> None:
    first = ts(EST, ARRI, BERTH, at_hours=10, created_hours=1)
    second = ts(EST, ARRI, BERTH, at_hours=12, created_hours=2)
    third = ts(EST, ARRI, BERTH, at_hours=11, created_hours=3)

    for order in itertools.permutations([first, second, third]):
        assert current_times(order).eta == hours(11)


def test_created_time_tie_falls_to_the_later_in_feed_order() -> None:
    one = ts(EST, ARRI, BERTH, at_hours=10, created_hours=1)
    other = ts(EST, ARRI, BERTH, at_hours=14, created_hours=1)

    assert current_times([one, other]).eta == hours(14)
    assert current_times([other, one]).eta == hours(10)


def test_eta_falls_back_to_planned_until_estimated() -> None:
    planned = ts(PLN, ARRI, BERTH, at_hours=8)
    estimated = ts(EST, ARRI, BERTH, at_hours=9, created_hours=1)

    assert current_times([planned]).eta == hours(8)
    times = current_times([planned, estimated])
    assert times.eta == hours(9)
    assert times.etb == hours(8)


def test_etb_falls_back_to_requested_window() -> None:
    requested = ts(REQ, ARRI, BERTH, at_hours=7)

    assert current_times([requested]).etb == hours(7)
    assert current_times([requested]).eta is None


def test_retraction_brings_back_the_older_estimate() -> None:
    older = ts(EST, ARRI, BERTH, at_hours=10, created_hours=1)
    mistaken = ts(EST, ARRI, BERTH, at_hours=30, created_hours=2)
    retraction = ts(
        EST, ARRI, BERTH, at_hours=30, created_hours=3, retracts=mistaken.event_id
    )

    assert current_times([older, mistaken]).eta == hours(30)
    assert current_times([retraction, mistaken, older]).eta == hours(10)


def test_retracted_actual_arrival_moves_status_back() -> None:
    berthed = ts(ACT, ARRI, BERTH, at_hours=5, created_hours=5)
    retraction = ts(
        ACT, ARRI, BERTH, at_hours=5, created_hours=6, retracts=berthed.event_id
    )

    assert current_times([berthed]).status is VesselCallStatus.BERTHED
    times = current_times([berthed, retraction])
    assert times.status is VesselCallStatus.EXPECTED
    assert times.atb is None


def test_ata_is_arrival_in_port_area_else_at_berth() -> None:
    at_berth = ts(ACT, ARRI, BERTH, at_hours=6, created_hours=6)
    in_port = ts(ACT, ARRI, PORT_AREA, at_hours=3, created_hours=3)

    assert current_times([at_berth]).ata == hours(6)
    assert current_times([at_berth, in_port]).ata == hours(3)


def test_anchorage_counts_as_reaching_the_port() -> None:
    anchored = ts(ACT, ARRI, ANCHORAGE, at_hours=2, created_hours=2)
    in_port = ts(ACT, ARRI, PORT_AREA, at_hours=1.5, created_hours=4)

    times = current_times([anchored])
    assert times.ata == hours(2)
    assert times.status is VesselCallStatus.AT_ANCHORAGE
    assert current_times([anchored, in_port]).ata == hours(1.5)


@pytest.mark.parametrize(
    ("events", "status"),
    [
        ([ts(EST, ARRI, BERTH, 9)], VesselCallStatus.EXPECTED),
        ([ts(ACT, ARRI, PORT_AREA, 3)], VesselCallStatus.AT_ANCHORAGE),
        (
            [ts(ACT, ARRI, PORT_AREA, 3), ts(ACT, ARRI, BERTH, 5)],
            VesselCallStatus.BERTHED,
        ),
        (
            [ts(ACT, ARRI, BERTH, 5), ts(ACT, STRT, CARGO, 6)],
            VesselCallStatus.DISCHARGING,
        ),
        (
            [ts(ACT, STRT, CARGO, 6), ts(ACT, CMPL, CARGO, 20)],
            VesselCallStatus.COMPLETED,
        ),
        (
            [ts(ACT, CMPL, CARGO, 20), ts(ACT, DEPA, BERTH, 21)],
            VesselCallStatus.DEPARTED,
        ),
    ],
)
def test_status_is_the_furthest_stage_reached(
    events: list[PortCallTimestamp], status: VesselCallStatus
) -> None:
    assert current_times(events).status is status


def test_estimates_do_not_advance_the_status() -> None:
    estimated_departure = ts(EST, DEPA, BERTH, at_hours=30)
    planned_ops = ts(PLN, STRT, CARGO, at_hours=12)

    times = current_times([estimated_departure, planned_ops])
    assert times.status is VesselCallStatus.EXPECTED
    assert times.etd == hours(30)
    assert times.atd is None


def test_full_call_reads_every_time() -> None:
    events = [
        ts(PLN, ARRI, BERTH, 4, 0),
        ts(EST, ARRI, BERTH, 5, 1),
        ts(PLN, DEPA, BERTH, 20, 0),
        ts(EST, DEPA, BERTH, 22, 1),
        ts(ACT, ARRI, PORT_AREA, 3, 3),
        ts(ACT, ARRI, BERTH, 5, 5),
        ts(ACT, STRT, CARGO, 5.5, 5.5),
        ts(ACT, CMPL, CARGO, 19, 19),
        ts(ACT, DEPA, BERTH, 20.5, 20.5),
    ]

    times = current_times(events)

    assert (times.eta, times.etb, times.ata, times.atb) == (
        hours(5),
        hours(4),
        hours(3),
        hours(5),
    )
    assert (times.etd, times.atd) == (hours(22), hours(20.5))
    assert times.cargo_operations_started == hours(5.5)
    assert times.cargo_operations_completed == hours(19)
    assert times.status is VesselCallStatus.DEPARTED
