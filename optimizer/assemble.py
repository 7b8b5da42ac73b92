"""Turn a slot per container into a Plan: costs by part, reasons, explanations."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from optimizer.costs import price
from optimizer.explain import explain
from optimizer.plan import (
    Assignment,
    CostBreakdown,
    Explanation,
    Plan,
    Unassigned,
    UnassignedReason,
)
from optimizer.readiness import Prepared, usage_keys

NO_ROOM = "every feasible slot is full (quota, yard block or trucker limit)"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a solver path produced, before it is dressed as a Plan."""

    assignment: Mapping[str, int]
    method: str
    optimal: bool
    started: float
    bound: int | None = None
    progress: tuple[tuple[float, int], ...] = ()


def previous_slots(prepared: Prepared, previous: Plan | None) -> dict[str, int]:
    """Slot index per box in the previous plan, or per fixed booking if none."""
    if previous is None:
        pairs = ((c.id, c.booked_slot) for c in prepared.instance.containers)
    else:
        pairs = ((cid, a.slot_id) for cid, a in previous.assignments.items())
    return {
        cid: prepared.slot_index[slot]
        for cid, slot in pairs
        if slot is not None
        and slot in prepared.slot_index
        and cid in prepared.containers
    }


def assemble(
    prepared: Prepared,
    outcome: Outcome,
    before: Mapping[str, int],
    penalise_moves: bool,
    options: Mapping[str, list[tuple[int, int]]] | None = None,
    reuse: Plan | None = None,
) -> Plan:
    """Price every part of the plan; `before` is each box's previous slot.

    With `reuse`, a box whose assignment and readiness did not change keeps
    its explanation from that plan instead of being explained again.
    """
    assignment = outcome.assignment
    assignments = {}
    for cid in sorted(assignment):
        p = price(prepared, cid, assignment[cid])
        slot_id = prepared.slots[assignment[cid]].id
        assignments[cid] = Assignment(
            cid, slot_id, p.cost, p.deviation_minutes, p.storage_cost
        )
    unassigned = _unassigned(prepared, assignment)
    moved = sum(1 for cid, slot in before.items() if assignment.get(cid) != slot)
    cost = _breakdown(prepared, assignments, unassigned, before, penalise_moves)
    explanations = _explanations(prepared, assignment, assignments, options, reuse)
    return Plan(
        assignments=assignments,
        unassigned=unassigned,
        cost=cost,
        method=outcome.method,
        optimal=outcome.optimal,
        moved=moved,
        solve_ms=(time.perf_counter() - outcome.started) * 1000,
        bound=outcome.bound,
        explanations=explanations,
        progress=outcome.progress,
    )


def _explanations(
    prepared: Prepared,
    assignment: Mapping[str, int],
    assignments: Mapping[str, Assignment],
    options: Mapping[str, list[tuple[int, int]]] | None,
    reuse: Plan | None,
) -> dict[str, Explanation]:
    if reuse is None:
        return explain(prepared, assignment, sorted(assignment), options)
    kept: dict[str, Explanation] = {}
    fresh: list[str] = []
    for cid, now in assignments.items():
        old = reuse.explanations.get(cid)
        ready = prepared.ready[cid]
        same = (
            old is not None
            and reuse.assignments.get(cid) == now
            and (old.ready_at, old.latest_end) == (ready.ready_at, ready.latest_end)
        )
        if old is not None and same:
            kept[cid] = old
        else:
            fresh.append(cid)
    kept.update(explain(prepared, assignment, fresh, options))
    return dict(sorted(kept.items()))


def _unassigned(
    prepared: Prepared, assignment: Mapping[str, int]
) -> dict[str, Unassigned]:
    found: dict[str, Unassigned] = {}
    for cid in sorted(prepared.containers):
        if cid in assignment:
            continue
        reason = prepared.unplaceable(cid) or (UnassignedReason.NO_CAPACITY, NO_ROOM)
        found[cid] = Unassigned(cid, reason[0], reason[1])
    return found


def _breakdown(
    prepared: Prepared,
    assignments: Mapping[str, Assignment],
    unassigned: Mapping[str, Unassigned],
    before: Mapping[str, int],
    penalise_moves: bool,
) -> CostBreakdown:
    """Cost parts; their total equals the objective the solvers minimise."""
    costs = prepared.costs
    slot_of = {cid: prepared.slot_index[a.slot_id] for cid, a in assignments.items()}
    trucks, _, _ = usage_keys(prepared, slot_of)
    overload = 0
    for slot, load in trucks.items():
        target = prepared.slots[slot].soft_target
        if target is not None:
            overload += costs.overload_cost(load - target)
    no_room = 0
    for cid, gone in unassigned.items():
        if gone.reason is UnassignedReason.NO_CAPACITY:
            fixed = prepared.containers[cid].booked_slot is not None
            no_room += costs.unassigned * (2 if fixed else 1)
    shifted = sum(1 for cid, slot in slot_of.items() if before.get(cid, slot) != slot)
    return CostBreakdown(
        deviation=sum(
            prepared.costs.deviation_cost(a.deviation_minutes)
            for a in assignments.values()
        ),
        storage=sum(a.storage_cost for a in assignments.values()),
        overload=overload,
        unassigned=no_room,
        moves=shifted * costs.move if penalise_moves else 0,
    )
