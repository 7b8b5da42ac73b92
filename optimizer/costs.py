"""The cost of putting one container in one slot: deviation plus storage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from optimizer.model import MINUTES_PER_DAY
from optimizer.readiness import Prepared, usage_keys

NO_LIMIT = 1 << 60


@dataclass(frozen=True, slots=True)
class Price:
    """The parts of one container-slot cost, in rupiah and minutes."""

    slot: int
    deviation_minutes: int
    deviation_cost: int
    storage_cost: int
    storage_days: int

    @property
    def cost(self) -> int:
        """What the choice costs the plan, before load and move penalties."""
        return self.deviation_cost + self.storage_cost


def price(prepared: Prepared, container_id: str, slot: int) -> Price:
    """Deviation from the preferred window and storage until the slot ends."""
    box = prepared.containers[container_id]
    s = prepared.slots[slot]
    gap = box.preferred.deviation(s.start, s.end) if box.preferred else 0
    free = prepared.ready[container_id].free_until
    # Storage runs until the box leaves the gate; the slot's end is the
    # latest it can leave, so that is what is charged.
    storage, days = (0, 0) if free is None else box.storage.cost_until(free, s.end)
    return Price(slot, gap, prepared.deviation_cost(gap), storage, days)


def option_costs(
    prepared: Prepared, container_id: str, slots: list[int] | None = None
) -> list[tuple[int, int]]:
    """(slot index, cost) for each slot the box may take (or `slots`), as price sums."""
    box = prepared.containers[container_id]
    pref = box.preferred
    free = prepared.ready[container_id].free_until
    tariff = box.storage
    deviation = prepared.deviation_cost
    starts, ends = prepared.slot_starts, prepared.slot_ends
    early, late = (pref.start, pref.end) if pref else (-NO_LIMIT, NO_LIMIT)
    storage_by_days: dict[int, int] = {}
    options = []
    if slots is None:
        slots = prepared.candidate_slots(container_id)
    # The hot loop of every solve: plain comparisons instead of price().
    for slot in slots:
        start, end = starts[slot], ends[slot]
        off = early - start if early - start > end - late else end - late
        cost = deviation(off) if off > 0 else 0
        if free is not None and end > free:
            days = -(-(end - free) // MINUTES_PER_DAY)
            if days not in storage_by_days:
                storage_by_days[days] = tariff.cost_until(free, end)[0]
            cost += storage_by_days[days]
        options.append((slot, cost))
    return options


def with_move_penalty(
    options: list[tuple[int, int]], previous: int | None, penalty: int
) -> list[tuple[int, int]]:
    """Add `penalty` to every option but the previous slot (re-planning)."""
    if previous is None:
        return options
    return [
        (slot, cost + (0 if slot == previous else penalty)) for slot, cost in options
    ]


def all_options(prepared: Prepared) -> dict[str, list[tuple[int, int]]]:
    """Options of every placeable container, by container id."""
    table: dict[str, list[tuple[int, int]]] = {}
    for cid in sorted(prepared.containers):
        if prepared.ready[cid].ready_at is None:
            continue
        options = option_costs(prepared, cid)
        if options:
            table[cid] = options
    return table


def overload_step(prepared: Prepared, slot: int, trucks_before: int) -> int:
    """Extra load cost of one more truck in a slot already holding `trucks_before`."""
    target = prepared.slots[slot].soft_target
    if target is None:
        return 0
    costs = prepared.costs
    return costs.overload_cost(trucks_before + 1 - target) - costs.overload_cost(
        trucks_before - target
    )


def plan_objective(
    prepared: Prepared,
    options: Mapping[str, list[tuple[int, int]]],
    plan: Mapping[str, int],
) -> int:
    """The solvers' objective of a plan: option costs, load cost, unplaced boxes."""
    total = 0
    for cid, row in options.items():
        slot = plan.get(cid)
        if slot is None:
            fixed = prepared.containers[cid].booked_slot is not None
            total += prepared.costs.unassigned * (2 if fixed else 1)
        else:
            total += dict(row)[slot]
    trucks, _, _ = usage_keys(prepared, plan)
    for slot, load in trucks.items():
        target = prepared.slots[slot].soft_target
        if target is not None:
            total += prepared.costs.overload_cost(load - target)
    return total
