"""A box's status and yard slot, read off its Track and Trace events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.container_events import container_state
from domain.models.shipments import ContainerStatus
from domain.ports.terminal import ContainerEvent, ContainerEventType, YardPosition

T0 = datetime(2025, 3, 3, 8, tzinfo=UTC)
_E = ContainerEventType


def event(
    event_id: str,
    kind: ContainerEventType,
    minutes: int,
    *,
    position: YardPosition | None = None,
    retracts: str | None = None,
) -> ContainerEvent:
    at = T0 + timedelta(minutes=minutes)
    return ContainerEvent(
        event_id, "CSQU3054383", "PKK-1", kind, at, at, position, retracts
    )


def test_a_box_with_no_events_is_still_on_the_vessel() -> None:
    assert container_state([]).status is ContainerStatus.ON_VESSEL


def test_discharged_stacked_released_and_available() -> None:
    slot = YardPosition("JICT-A01", 3, 2, 1)
    events = [
        event("1", _E.DISC, 0),
        event("2", _E.YARD, 8, position=slot),
        event("3", _E.CUSTOMS_RELEASE, 120),
        event("4", _E.AVPU, 120),
    ]

    state = container_state(events)

    assert state.status is ContainerStatus.AVAILABLE
    assert state.discharged_at == T0
    assert state.position == slot
    assert state.customs_released_at == T0 + timedelta(minutes=120)


def test_a_held_box_in_behandle_is_in_inspection_until_released() -> None:
    events = [
        event("1", _E.DISC, 0),
        event("2", _E.YARD, 8, position=YardPosition("JICT-A01", 1, 1, 1)),
        event("3", _E.CUSTOMS_HOLD, 40),
        event("4", _E.YARD_MOVE, 120, position=YardPosition("BHD", 1, 1, 1)),
    ]

    held = container_state(events)
    released = container_state([*events, event("5", _E.CUSTOMS_RELEASE, 300)])

    assert held.status is ContainerStatus.IN_INSPECTION
    assert released.status is ContainerStatus.RELEASED


def test_a_retraction_replaces_the_wrong_yard_slot() -> None:
    wrong, right = YardPosition("A", 1, 1, 1), YardPosition("B", 2, 2, 2)
    events = [
        event("1", _E.DISC, 0),
        event("2", _E.YARD, 8, position=wrong),
        event("3", _E.YARD, 8, position=right, retracts="2"),
    ]

    assert container_state(events).position == right


def test_gate_out_is_the_last_stage() -> None:
    events = [
        event("1", _E.DISC, 0),
        event("2", _E.AVPU, 60),
        event("3", _E.GTIN, 90),
        event("4", _E.GTOT, 100),
    ]

    state = container_state(events)

    assert state.status is ContainerStatus.GATED_OUT
    assert state.gated_out_at == T0 + timedelta(minutes=100)
