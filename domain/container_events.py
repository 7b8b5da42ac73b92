"""Where a box stands, read off its DCSA Track and Trace events.

Events count in the order they happened (event time, then the order the
terminal sent them); an event naming `retracts_event_id` withdraws the one it
names and takes its place, as the terminal corrects a wrongly reported yard
slot. The status is the furthest stage the standing events show: gated out,
gated in, available for pickup, in inspection, held, released, in the yard,
discharged, else still on the vessel.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from domain.models.shipments import ContainerStatus
from domain.ports.terminal import ContainerEvent, ContainerEventType, YardPosition

_E = ContainerEventType
# Customs' inspection area (behandle): a box parked there is not in the stack.
INSPECTION_BLOCK = "BHD"


@dataclass(frozen=True, slots=True)
class ContainerState:
    """The current facts about one box at the terminal; times are UTC."""

    status: ContainerStatus = ContainerStatus.ON_VESSEL
    position: YardPosition | None = None
    discharged_at: datetime | None = None
    customs_released_at: datetime | None = None
    gated_out_at: datetime | None = None
    held: bool = False
    inspecting: bool = False
    available: bool = False
    gated_in: bool = False


def standing(events: Iterable[ContainerEvent]) -> list[ContainerEvent]:
    """The events that still count, in the order they happened."""
    timeline = list(events)
    withdrawn = {e.retracts_event_id for e in timeline if e.retracts_event_id}
    kept = [e for e in timeline if e.event_id not in withdrawn]
    # A stable sort keeps the feed order of events of the same instant.
    return sorted(kept, key=lambda e: e.event_time)


def container_state(events: Iterable[ContainerEvent]) -> ContainerState:
    """Fold a box's events into its current state and status."""
    state = ContainerState()
    for event in standing(events):
        state = _apply(state, event)
    return replace(state, status=_status(state))


def _apply(state: ContainerState, event: ContainerEvent) -> ContainerState:
    kind, at = event.event_type, event.event_time
    if kind is _E.DISC:
        return replace(state, discharged_at=at)
    if kind in (_E.YARD, _E.YARD_MOVE):
        return replace(state, position=event.yard_position or state.position)
    if kind is _E.CUSTOMS_HOLD:
        return replace(state, held=True, available=False)
    if kind is _E.CUSTOMS_RELEASE:
        return replace(state, held=False, customs_released_at=at)
    if kind is _E.INSP_START:
        return replace(state, inspecting=True)
    if kind is _E.INSP_END:
        return replace(state, inspecting=False)
    if kind is _E.AVPU:
        return replace(state, available=True)
    if kind is _E.GTIN:
        return replace(state, gated_in=True)
    return replace(state, gated_out_at=at, available=False)


def _status(state: ContainerState) -> ContainerStatus:
    in_inspection_area = (
        state.position is not None and state.position.block == INSPECTION_BLOCK
    )
    inspecting = state.inspecting or (state.held and in_inspection_area)
    stages = (
        (state.gated_out_at is not None, ContainerStatus.GATED_OUT),
        (state.gated_in, ContainerStatus.GATED_IN),
        (state.available, ContainerStatus.AVAILABLE),
        (inspecting, ContainerStatus.IN_INSPECTION),
        (state.held, ContainerStatus.HELD),
        (state.customs_released_at is not None, ContainerStatus.RELEASED),
        (state.position is not None, ContainerStatus.IN_YARD),
        (state.discharged_at is not None, ContainerStatus.DISCHARGED),
    )
    return next((s for met, s in stages if met), ContainerStatus.ON_VESSEL)
