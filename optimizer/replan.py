"""Re-planning after events: a fast repair of the old plan, then a full improve."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from dataclasses import dataclass

from optimizer.assemble import Outcome, assemble, previous_slots
from optimizer.budget import within_budget
from optimizer.greedy import greedy_fill
from optimizer.model import CapacityReduction, Instance
from optimizer.plan import Plan
from optimizer.readiness import Prepared
from optimizer.solve import SolveOptions, solve


@dataclass(frozen=True, slots=True)
class EtaMoved:
    """The vessel call now berths at `berth_at`; its boxes discharge then."""

    vessel_call_id: str
    berth_at: int


@dataclass(frozen=True, slots=True)
class CustomsHold:
    """Customs holds the box (inspection) until `released_at`, None if unknown."""

    container_id: str
    released_at: int | None = None


@dataclass(frozen=True, slots=True)
class QuotaChanged:
    """The terminal changed a slot's truck quota."""

    slot_id: str
    quota: int


@dataclass(frozen=True, slots=True)
class BlockCapacityChanged:
    """A yard block works at `moves_per_hour` during [start, end) (crane down)."""

    block_id: str
    start: int
    end: int
    moves_per_hour: int


Change = EtaMoved | CustomsHold | QuotaChanged | BlockCapacityChanged


def apply_changes(instance: Instance, changes: Iterable[Change]) -> Instance:
    """The instance as it stands after the events, in the order given."""
    for change in changes:
        instance = _apply(instance, change)
    return instance


def _apply(instance: Instance, change: Change) -> Instance:
    replace = dataclasses.replace
    if isinstance(change, EtaMoved):
        calls = tuple(
            replace(c, berth_at=change.berth_at) if c.id == change.vessel_call_id else c
            for c in instance.vessel_calls
        )
        return replace(instance, vessel_calls=calls)
    if isinstance(change, CustomsHold):
        boxes = tuple(
            replace(c, customs_released_at=change.released_at)
            if c.id == change.container_id
            else c
            for c in instance.containers
        )
        return replace(instance, containers=boxes)
    if isinstance(change, QuotaChanged):
        slots = tuple(
            replace(s, quota=change.quota) if s.id == change.slot_id else s
            for s in instance.slots
        )
        return replace(instance, slots=slots)
    cut = CapacityReduction(change.start, change.end, change.moves_per_hour)
    blocks = tuple(
        replace(b, reductions=(*b.reductions, cut)) if b.id == change.block_id else b
        for b in instance.blocks
    )
    return replace(instance, blocks=blocks)


def repair(instance: Instance, previous: Plan, changes: Iterable[Change] = ()) -> Plan:
    """Keep the old plan; re-insert only boxes whose slot no longer works.

    A box moves when its slot is now before its ready time or after its DO
    expiry, or its slot, block or trucker went over capacity; it goes to
    its cheapest feasible slot with room (greedy, most urgent first).
    Boxes without a slot before are tried too. Milliseconds, not optimal.
    """
    started = time.perf_counter()
    prepared = Prepared(apply_changes(instance, changes))
    before = previous_slots(prepared, previous)

    assignment = greedy_fill(prepared, before)

    outcome = Outcome(assignment, "repair", False, started)
    return assemble(prepared, outcome, before, True, reuse=previous)


def improve(
    instance: Instance,
    previous: Plan,
    changes: Iterable[Change] = (),
    options: SolveOptions | None = None,
    max_moves: int | None = None,
) -> Plan:
    """Full re-solve after the events.

    Without `max_moves`, every moved booking pays the instance's move cost.
    With it, the plan is the cheapest found that moves at most `max_moves`
    of `previous`'s boxes, and its `bound` is a lower bound on the cost of
    every plan within that budget (see optimizer/budget.py).
    """
    after = apply_changes(instance, changes)
    if max_moves is None:
        return solve(after, options, previous)
    return within_budget(after, previous, max_moves, options or SolveOptions())
