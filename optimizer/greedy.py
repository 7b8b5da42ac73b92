"""Greedy plan repair: evict what no longer fits, insert at the cheapest room."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from functools import partial

from optimizer.costs import option_costs, overload_step
from optimizer.readiness import Prepared, usage_keys

NEVER = 1 << 60
SWAP_SLOTS = 8


class GreedyPlan:
    """A plan under greedy repair: kept assignments and the room left in each slot."""

    def __init__(self, prepared: Prepared, kept: dict[str, int]) -> None:
        self.prepared = prepared
        self.assignment = kept
        self.trucks, self.moves, self.fleet = usage_keys(prepared, kept)

    def evict_overflow(self) -> list[str]:
        """Take boxes out of slots whose quota or capacity fell below their load."""
        evicted: list[str] = []
        for slot in sorted(self.trucks):
            if self._trucks_over(slot):
                members = self._in_slot(slot, trucks_only=True)
                evicted += self._shed(members, partial(self._trucks_over, slot))
        for block, slot in sorted(self.moves):
            if self._moves_over(block, slot):
                members = self._in_slot(slot, block=block)
                evicted += self._shed(members, partial(self._moves_over, block, slot))
        for trucker, slot in sorted(self.fleet):
            if self._fleet_over(trucker, slot):
                members = self._in_slot(slot, trucker=trucker, trucks_only=True)
                evicted += self._shed(members, partial(self._fleet_over, trucker, slot))
        return evicted

    def _trucks_over(self, slot: int) -> bool:
        return self.trucks[slot] > self.prepared.slots[slot].quota

    def _moves_over(self, block: str, slot: int) -> bool:
        return self.moves[(block, slot)] > self.prepared.block_capacity(block, slot)

    def _fleet_over(self, trucker: str, slot: int) -> bool:
        limit = self.prepared.trucker_limit.get(trucker)
        return limit is not None and self.fleet[(trucker, slot)] > limit

    def _in_slot(
        self,
        slot: int,
        block: str | None = None,
        trucker: str | None = None,
        trucks_only: bool = False,
    ) -> list[str]:
        """Boxes in the slot, narrowed to a block, a trucker or truck-counting boxes."""
        found = []
        for cid, at in self.assignment.items():
            box = self.prepared.containers[cid]
            if at != slot or (block is not None and box.block != block):
                continue
            if trucker is not None and box.trucker != trucker:
                continue
            if trucks_only and not self.prepared.counts_as_truck(cid):
                continue
            found.append(cid)
        return found

    def _shed(self, members: list[str], over: Callable[[], bool]) -> list[str]:
        """Remove members, most slack first, while the limit is exceeded."""
        evicted: list[str] = []
        for cid in sorted(members, key=self._eviction_order):
            if not over():
                break
            if cid in self.assignment:
                evicted += self._remove(cid)
        return evicted

    def _eviction_order(self, cid: str) -> tuple[bool, bool, int, str]:
        """Free boxes before fixed bookings, singles before twins, most slack first."""
        # A twin pair needs a truck and two yard moves in one slot to come
        # back in; a single box finds room far more easily.
        latest = self.prepared.ready[cid].latest_end
        fixed = self.prepared.containers[cid].booked_slot is not None
        twin = cid in self.prepared.twin_of
        return (fixed, twin, -(NEVER if latest is None else latest), cid)

    def _remove(self, cid: str) -> list[str]:
        gone = [cid]
        twin = self.prepared.twin_of.get(cid)
        if twin is not None and twin in self.assignment:
            gone.append(twin)
        for box in gone:
            self._count(box, self.assignment.pop(box), -1)
        return gone

    def _count(self, cid: str, slot: int, step: int) -> None:
        box = self.prepared.containers[cid]
        self.moves[(box.block, slot)] += step
        if self.prepared.counts_as_truck(cid):
            self.trucks[slot] += step
            if box.trucker is not None:
                self.fleet[(box.trucker, slot)] += step

    def insert(self, cid: str) -> None:
        """Put the box (and its twin) in its cheapest slot with room, if any."""
        if cid in self.assignment:
            return
        unit = [
            cid,
            *([self.prepared.twin_of[cid]] if cid in self.prepared.twin_of else []),
        ]
        priced = [dict(option_costs(self.prepared, box)) for box in unit]
        best: tuple[int, int] | None = None
        for slot in sorted(set.intersection(*(set(p) for p in priced))):
            if not self._room(unit, slot):
                continue
            cost = sum(p[slot] for p in priced)
            cost += overload_step(self.prepared, slot, self.trucks[slot])
            if best is None or (cost, slot) < best:
                best = (cost, slot)
        if best is not None:
            self._place(unit, best[1])

    def _place(self, unit: Sequence[str], slot: int) -> None:
        for box in unit:
            self.assignment[box] = slot
            self._count(box, slot, 1)

    def insert_by_swap(self, cid: str) -> None:
        """Place a box whose slots are all full by moving one occupant elsewhere."""
        # A one-step ejection chain: enough to place the last boxes of a
        # tight plan without a solver; twins and fixed bookings stay put.
        if cid in self.assignment or cid in self.prepared.twin_of:
            return
        options = sorted(
            (cost, slot) for slot, cost in option_costs(self.prepared, cid)
        )
        for _, slot in options[:SWAP_SLOTS]:
            for other in self._movable_in(slot):
                self._remove(other)
                if self._room([cid], slot):
                    self._place([cid], slot)
                    self.insert(other)
                    if other in self.assignment:
                        return
                    self._remove(cid)
                self._place([other], slot)

    def _movable_in(self, slot: int) -> list[str]:
        prepared = self.prepared
        return sorted(
            other
            for other, at in self.assignment.items()
            if at == slot
            and other not in prepared.twin_of
            and prepared.containers[other].booked_slot is None
        )

    def _room(self, unit: Sequence[str], slot: int) -> bool:
        prepared = self.prepared
        if self.trucks[slot] + 1 > prepared.slots[slot].quota:
            return False
        need: dict[str, int] = defaultdict(int)
        for box in unit:
            need[prepared.containers[box].block] += 1
        for block, n in need.items():
            if self.moves[(block, slot)] + n > prepared.block_capacity(block, slot):
                return False
        # The truck is the one of the box that counts as a truck (a twin
        # pair's first box); its trucking company's limit is the one to meet.
        truck = next(box for box in unit if prepared.counts_as_truck(box))
        trucker = prepared.containers[truck].trucker
        limit = prepared.trucker_limit.get(trucker or "")
        return limit is None or self.fleet[(trucker or "", slot)] + 1 <= limit


def insertion_order(prepared: Prepared, placed: Mapping[str, int]) -> list[str]:
    """Boxes to place, tightest DO expiry first, then earliest ready."""
    waiting = [
        cid
        for cid in prepared.containers
        if cid not in placed and prepared.unplaceable(cid) is None
    ]

    def urgency(cid: str) -> tuple[int, int, str]:
        ready = prepared.ready[cid]
        latest = NEVER if ready.latest_end is None else ready.latest_end
        return (latest, ready.ready_at or 0, cid)

    return sorted(waiting, key=urgency)


def greedy_fill(prepared: Prepared, start: Mapping[str, int]) -> dict[str, int]:
    """Keep what fits of `start`, then place every other box at its cheapest room."""
    kept = {cid: slot for cid, slot in start.items() if prepared.fits(cid, slot)}
    for cid in list(kept):
        twin = prepared.twin_of.get(cid)
        if twin is not None and kept.get(twin) != kept.get(cid):
            kept.pop(cid, None)
            kept.pop(twin, None)
    state = GreedyPlan(prepared, kept)
    state.evict_overflow()
    for cid in insertion_order(prepared, state.assignment):
        state.insert(cid)
    for cid in insertion_order(prepared, state.assignment):
        state.insert_by_swap(cid)
    return dict(state.assignment)
