"""Readiness windows and the indexed view of an instance every solver reads."""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from optimizer.discharge import NO_DUE, estimate_discharge
from optimizer.model import Container, Instance, Slot
from optimizer.plan import UnassignedReason


@dataclass(frozen=True, slots=True)
class Readiness:
    """When a box can be picked up: ready_at (None if held) and DO expiry."""

    discharged_at: int | None
    ready_at: int | None
    latest_end: int | None
    free_until: int | None
    hold: str | None


def readiness(
    container: Container, discharged_at: int | None, settling: int
) -> Readiness:
    """Earliest pickup is the latest of discharge+settling, customs, payment, DO."""
    conditions = {
        "discharge": None if discharged_at is None else discharged_at + settling,
        "customs release": container.customs_released_at,
        "payment": container.paid_at,
        "delivery order": container.do_valid_from,
    }
    held = [name for name, at in conditions.items() if at is None]
    free = (
        None
        if discharged_at is None
        else container.storage.free_time_end(discharged_at)
    )
    if held:
        return Readiness(discharged_at, None, container.do_expires_at, free, held[0])
    ready = max(at for at in conditions.values() if at is not None)
    return Readiness(discharged_at, ready, container.do_expires_at, free, None)


def discharge_times(instance: Instance) -> dict[str, int | None]:
    """Given or estimated discharge time of each box (None if unknown)."""
    by_call: dict[str, list[Container]] = defaultdict(list)
    times: dict[str, int | None] = {}
    for box in instance.containers:
        times[box.id] = box.discharged_at
        if box.discharged_at is None and box.vessel_call is not None:
            by_call[box.vessel_call].append(box)
    calls = {call.id: call for call in instance.vessel_calls}
    for call_id, boxes in by_call.items():
        if call_id in calls:
            due = {b.id: b.preferred.start if b.preferred else NO_DUE for b in boxes}
            times.update(estimate_discharge(calls[call_id], boxes, due))
    return times


class Prepared:
    """An instance indexed for the solvers: sorted slots, readiness, capacities."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        self.costs = instance.costs
        self.slots: list[Slot] = sorted(instance.slots, key=lambda s: (s.start, s.id))
        self.slot_index = {slot.id: i for i, slot in enumerate(self.slots)}
        self.slot_starts = [slot.start for slot in self.slots]
        self.slot_ends = [slot.end for slot in self.slots]
        self.containers = {c.id: c for c in instance.containers}
        self.blocks = {b.id: b for b in instance.blocks}
        discharged = discharge_times(instance)
        settle = instance.settling_minutes
        self.ready = {
            c.id: readiness(c, discharged[c.id], settle) for c in instance.containers
        }
        self.twin_of: dict[str, str] = {}
        self.second_twins: set[str] = set()
        for first, second in instance.twin_pairs:
            self._pair(first, second)
        self.trucker_limit = {
            q.trucker: q.trucks_per_slot for q in instance.trucker_quotas
        }
        self._capacity: dict[tuple[str, int], int] = {}
        self._deviation: dict[int, int] = {}

    def _pair(self, first: str, second: str) -> None:
        """Register a twin pair; a pair with a box that cannot go travels apart."""
        sizes = {self.containers[first].size, self.containers[second].size}
        if sizes != {20}:
            raise ValueError(f"twin pair {first}/{second} is not two 20' boxes")
        if self.unplaceable(first) or self.unplaceable(second):
            return
        self.twin_of[first], self.twin_of[second] = second, first
        self.second_twins.add(second)

    def window_slots(self, container_id: str) -> list[int]:
        """Slot indices inside the box's readiness window, ignoring bookings."""
        ready = self.ready[container_id]
        if ready.ready_at is None:
            return []
        first = bisect.bisect_left(self.slot_starts, ready.ready_at)
        latest = ready.latest_end
        ends = self.slot_ends
        if latest is None:
            return list(range(first, len(ends)))
        return [i for i in range(first, len(ends)) if ends[i] <= latest]

    def candidate_slots(self, container_id: str) -> list[int]:
        """Slots the box may take: its fixed booking if feasible, else its window."""
        window = self.window_slots(container_id)
        booked = self.containers[container_id].booked_slot
        index = self.slot_index.get(booked) if booked is not None else None
        if index is not None and index in window:
            return [index]
        return window

    def fits(self, container_id: str, slot: int) -> bool:
        """True when the box may go in slot index `slot` (readiness and booking)."""
        ready = self.ready[container_id]
        s = self.slots[slot]
        if ready.ready_at is None or s.start < ready.ready_at:
            return False
        if ready.latest_end is not None and s.end > ready.latest_end:
            return False
        booked = self.containers[container_id].booked_slot
        if booked is None or booked == s.id:
            return True
        return not self.fits_booking(container_id)

    def fits_booking(self, container_id: str) -> bool:
        """True when the box's fixed booking is a slot it can still make."""
        booked = self.containers[container_id].booked_slot
        index = self.slot_index.get(booked) if booked is not None else None
        if index is None:
            return False
        ready = self.ready[container_id]
        s = self.slots[index]
        late = ready.latest_end is not None and s.end > ready.latest_end
        return ready.ready_at is not None and s.start >= ready.ready_at and not late

    def booking_released(self, container_id: str) -> bool:
        """True when the box had a fixed booking that is no longer feasible."""
        booked = self.containers[container_id].booked_slot
        if booked is None:
            return False
        return self.candidate_slots(container_id) != [self.slot_index.get(booked)]

    def block_capacity(self, block_id: str, slot: int) -> int:
        """Pickup moves block `block_id` can make in slot index `slot`."""
        key = (block_id, slot)
        if key not in self._capacity:
            block = self.blocks.get(block_id)
            s = self.slots[slot]
            self._capacity[key] = block.capacity(s.start, s.end) if block else 0
        return self._capacity[key]

    def deviation_cost(self, minutes: int) -> int:
        """The costs' deviation price of `minutes`, memoised for the hot loops."""
        found = self._deviation.get(minutes)
        if found is None:
            found = self._deviation[minutes] = self.costs.deviation_cost(minutes)
        return found

    def unplaceable(self, container_id: str) -> tuple[UnassignedReason, str] | None:
        """Reason the box cannot be placed whatever the load, or None."""
        ready = self.ready[container_id]
        if ready.hold is not None:
            return UnassignedReason.HELD, f"waiting for {ready.hold}"
        if not self.candidate_slots(container_id):
            return UnassignedReason.NO_SLOT_IN_WINDOW, _window_text(ready)
        return None

    def counts_as_truck(self, container_id: str) -> bool:
        """False for the second box of a twin pair: it rides its twin's truck."""
        return container_id not in self.second_twins


def _window_text(ready: Readiness) -> str:
    latest = "open" if ready.latest_end is None else str(ready.latest_end)
    return f"no slot between ready at {ready.ready_at} and DO expiry {latest}"


def usage_keys(
    prepared: Prepared, assignment: Mapping[str, int]
) -> tuple[dict[int, int], dict[tuple[str, int], int], dict[tuple[str, int], int]]:
    """Trucks per slot, moves per (block, slot), trucks per (trucker, slot)."""
    trucks: dict[int, int] = defaultdict(int)
    moves: dict[tuple[str, int], int] = defaultdict(int)
    by_trucker: dict[tuple[str, int], int] = defaultdict(int)
    for cid, slot in assignment.items():
        box = prepared.containers[cid]
        moves[(box.block, slot)] += 1
        if prepared.counts_as_truck(cid):
            trucks[slot] += 1
            if box.trucker is not None:
                by_trucker[(box.trucker, slot)] += 1
    return trucks, moves, by_trucker
