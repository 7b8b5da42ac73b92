"""Discharge order per quay crane and the discharge time it gives each box."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from optimizer.model import MINUTES_PER_HOUR, Container, Stowage, VesselCall

NO_DUE = 1 << 60


@dataclass(frozen=True, slots=True)
class DischargeMove:
    """One box lifted off by one crane; `sequence` counts from 0 on that crane."""

    container_id: str
    crane: int
    sequence: int
    completes_at: int


@dataclass(frozen=True, slots=True)
class DischargePlan:
    """The proposed discharge of a vessel call: moves per crane, in order."""

    vessel_call_id: str
    moves: tuple[DischargeMove, ...]

    def crane_sequence(self, crane: int) -> tuple[str, ...]:
        """Container ids crane `crane` lifts, first to last."""
        return tuple(m.container_id for m in self.moves if m.crane == crane)

    def times(self) -> dict[str, int]:
        """Discharge completion time of each box."""
        return {m.container_id: m.completes_at for m in self.moves}


def move_completes_at(call: VesselCall, sequence: int) -> int:
    """When a crane's move number `sequence` (from 0) is done, rounded up."""
    minutes = (sequence + 1) * MINUTES_PER_HOUR
    return call.berth_at + -(-minutes // call.moves_per_crane_hour)


def call_completes_at(call: VesselCall, boxes: int) -> int:
    """When all `boxes` are off if the cranes share them evenly."""
    per_crane = -(-boxes // max(call.cranes, 1))
    return call.berth_at if per_crane == 0 else move_completes_at(call, per_crane - 1)


def split_bays(counts: Mapping[int, int], cranes: int) -> dict[int, int]:
    """Give each crane a contiguous run of bays with about equal moves."""
    # Quay cranes share one rail and cannot pass each other, so each works
    # a contiguous stretch of bays.
    total = sum(counts.values())
    target = -(-total // max(cranes, 1))
    crane_of: dict[int, int] = {}
    crane, done = 0, 0
    for bay in sorted(counts):
        if done >= target * (crane + 1) and crane < cranes - 1:
            crane += 1
        crane_of[bay] = crane
        done += counts[bay]
    return crane_of


def _urgency(stack: list[tuple[int, str]], due: Mapping[str, int]) -> dict[str, int]:
    """Each box inherits the earliest due time of the boxes under it."""
    urgency: dict[str, int] = {}
    earliest = NO_DUE
    for _, box in sorted(stack):
        earliest = min(earliest, due.get(box, NO_DUE))
        urgency[box] = earliest
    return urgency


def plan_discharge(
    call: VesselCall,
    boxes: Sequence[tuple[str, Stowage]],
    due: Mapping[str, int],
) -> DischargePlan:
    """Order the boxes per crane: stacks top-down, earliest pickups first.

    A box is lifted only after every box above it in its bay/row stack
    (higher tier is on top); among the boxes free to lift, the one whose
    stack holds the earliest due pickup goes first. Ties break by bay, row,
    tier and id, so the order is deterministic.
    """
    stacks: dict[tuple[int, int], list[tuple[int, str]]] = defaultdict(list)
    for box, place in boxes:
        stacks[(place.bay, place.row)].append((place.tier, box))
    counts: dict[int, int] = defaultdict(int)
    for (bay, _), stack in stacks.items():
        counts[bay] += len(stack)
    crane_of = split_bays(counts, call.cranes)

    moves: list[DischargeMove] = []
    for crane in sorted(set(crane_of.values())):
        mine = {k: v for k, v in stacks.items() if crane_of[k[0]] == crane}
        order = _crane_order(mine, due)
        moves.extend(
            DischargeMove(box, crane, i, move_completes_at(call, i))
            for i, box in enumerate(order)
        )
    return DischargePlan(call.id, tuple(moves))


def _crane_order(
    stacks: Mapping[tuple[int, int], list[tuple[int, str]]], due: Mapping[str, int]
) -> list[str]:
    """List scheduling over stack tops, most urgent top first."""
    urgency: dict[str, int] = {}
    remaining: dict[tuple[int, int], list[tuple[int, str]]] = {}
    for key, stack in stacks.items():
        urgency.update(_urgency(stack, due))
        remaining[key] = sorted(stack)
    heap = [_entry(key, remaining[key][-1], urgency) for key in remaining]
    heapq.heapify(heap)
    order: list[str] = []
    while heap:
        _, bay, row, _, box = heapq.heappop(heap)
        order.append(box)
        stack = remaining[(bay, row)]
        stack.pop()
        if stack:
            heapq.heappush(heap, _entry((bay, row), stack[-1], urgency))
    return order


def _entry(
    key: tuple[int, int], top: tuple[int, str], urgency: Mapping[str, int]
) -> tuple[int, int, int, int, str]:
    tier, box = top
    return (urgency[box], key[0], key[1], -tier, box)


def estimate_discharge(
    call: VesselCall, containers: Sequence[Container], due: Mapping[str, int]
) -> dict[str, int]:
    """Discharge time of each box of the call.

    Boxes with stowage get the time of their move in the proposed order;
    boxes without it get the call's completion time, the earliest time that
    can be promised without knowing where they sit.
    """
    stowed = [(c.id, c.stowage) for c in containers if c.stowage is not None]
    times = plan_discharge(call, stowed, due).times() if stowed else {}
    done = call_completes_at(call, len(containers))
    return {c.id: times.get(c.id, done) for c in containers}
