"""Why each container got its slot, in terms a planner or customer can check."""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from optimizer.costs import Price, option_costs, price
from optimizer.model import MINUTES_PER_DAY
from optimizer.plan import Alternative, Explanation
from optimizer.readiness import Prepared, usage_keys

ALTERNATIVES = 3


class _Fullness:
    """Which slots a plan has filled, for one container's point of view."""

    def __init__(self, prepared: Prepared, assignment: Mapping[str, int]) -> None:
        self.prepared = prepared
        self.trucks, self.moves, self.fleet = usage_keys(prepared, assignment)

    def full_for(self, container_id: str, slot: int) -> bool:
        """True when the slot has no room left for this box in the plan."""
        box = self.prepared.containers[container_id]
        if self.trucks[slot] >= self.prepared.slots[slot].quota:
            return True
        if self.moves[(box.block, slot)] >= self.prepared.block_capacity(
            box.block, slot
        ):
            return True
        limit = self.prepared.trucker_limit.get(box.trucker or "")
        return limit is not None and self.fleet[(box.trucker or "", slot)] >= limit


def explain(
    prepared: Prepared,
    assignment: Mapping[str, int],
    container_ids: Iterable[str],
    options: Mapping[str, list[tuple[int, int]]] | None = None,
) -> dict[str, Explanation]:
    """Explanations for the assigned boxes among `container_ids`.

    `options` may pass the (slot, cost) table the solver already priced,
    without move penalties, to save pricing every slot again.
    """
    fullness = _Fullness(prepared, assignment)
    table = options or {}
    explained: dict[str, Explanation] = {}
    for cid in container_ids:
        if cid not in assignment:
            continue
        row = table.get(cid)
        if row is None or prepared.containers[cid].booked_slot is not None:
            row = option_costs(prepared, cid, prepared.window_slots(cid))
        explained[cid] = _explain_one(prepared, fullness, cid, assignment[cid], row)
    return explained


def _explain_one(
    prepared: Prepared,
    fullness: _Fullness,
    container_id: str,
    slot: int,
    options: list[tuple[int, int]],
) -> Explanation:
    box = prepared.containers[container_id]
    ready = prepared.ready[container_id]
    chosen = price(prepared, container_id, slot)
    step_at, step_cost = _next_storage_step(prepared, container_id, chosen)
    return Explanation(
        container_id=container_id,
        slot_id=prepared.slots[slot].id,
        ready_at=ready.ready_at or 0,
        latest_end=ready.latest_end,
        preferred=box.preferred,
        deviation_minutes=chosen.deviation_minutes,
        deviation_cost=chosen.deviation_cost,
        storage_cost=chosen.storage_cost,
        storage_days=chosen.storage_days,
        storage_step_at=step_at,
        storage_step_cost=step_cost,
        booking_kept=box.booked_slot == prepared.slots[slot].id,
        alternatives=_alternatives(prepared, fullness, container_id, slot, options),
    )


def _next_storage_step(
    prepared: Prepared, container_id: str, chosen: Price
) -> tuple[int | None, int]:
    """The next storage day after the chosen slot and what it would cost."""
    free = prepared.ready[container_id].free_until
    tariff = prepared.containers[container_id].storage
    if free is None or not tariff.daily_costs:
        return None, 0
    at = free + chosen.storage_days * MINUTES_PER_DAY
    return at, tariff.day_cost(chosen.storage_days)


def _alternatives(
    prepared: Prepared,
    fullness: _Fullness,
    container_id: str,
    chosen: int,
    options: list[tuple[int, int]],
) -> tuple[Alternative, ...]:
    """The next-best feasible slots by the box's own cost, with whether each is full."""
    ranked = heapq.nsmallest(ALTERNATIVES + 1, [(c, s) for s, c in options])
    best = [slot for _, slot in ranked if slot != chosen][:ALTERNATIVES]
    prices = [price(prepared, container_id, slot) for slot in best]
    return tuple(
        Alternative(
            slot_id=prepared.slots[p.slot].id,
            start=prepared.slots[p.slot].start,
            cost=p.cost,
            deviation_minutes=p.deviation_minutes,
            storage_cost=p.storage_cost,
            full=fullness.full_for(container_id, p.slot),
        )
        for p in prices
    )
