"""Flow relaxations of the constrained plan: a lower bound and a starting plan.

Twin pairs and trucker quotas break the flow, but two relaxations of them
are flows. A twin pair becomes one unit priced at both boxes' costs in the
slots both may take: one truck, as in the real plan. The unit meets either
its first box's yard block (its second box's move and the trucker quotas
dropped) or its trucking company's limit per slot (yard blocks dropped).
Each optimum is a lower bound on the constrained optimum, and the larger one
is the bound the plan's gap is measured against; each is also a plan that
breaks only the dropped limits, which the greedy repairs into a start.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from optimizer.costs import plan_objective
from optimizer.flow import Held, Options, solve_flow, unplaced_cost
from optimizer.greedy import greedy_fill
from optimizer.readiness import Prepared, usage_keys


@dataclass(frozen=True, slots=True)
class Relaxed:
    """The best lower bound of the relaxations and the cheapest repaired start."""

    bound: int
    start: dict[str, int]
    start_objective: int


def twin_units(
    prepared: Prepared, options: Options
) -> tuple[dict[str, list[tuple[int, int]]], dict[str, int]]:
    """Options per flow unit (a pair under its first box); each pair's cost left out."""
    units: dict[str, list[tuple[int, int]]] = {}
    unplaced: dict[str, int] = {}
    for cid, row in options.items():
        if cid in prepared.second_twins:
            continue
        twin = prepared.twin_of.get(cid)
        if twin is None or twin not in options:
            units[cid] = row
            continue
        other = dict(options[twin])
        units[cid] = [(slot, cost + other[slot]) for slot, cost in row if slot in other]
        unplaced[cid] = unplaced_cost(prepared, cid) + unplaced_cost(prepared, twin)
    return units, unplaced


def with_twins(prepared: Prepared, assignment: Mapping[str, int]) -> dict[str, int]:
    """A unit plan spelled out per box: each second twin rides with its pair."""
    plan = dict(assignment)
    for rider in prepared.second_twins:
        lead = prepared.twin_of[rider]
        if lead in plan:
            plan[rider] = plan[lead]
    return plan


def relax(
    prepared: Prepared, options: Options, priced: Options | None = None
) -> Relaxed:
    """Solve both relaxations; the larger optimum bounds, the cheaper repair starts.

    The starts are priced with `priced` (every option) when the relaxations
    search only some of them; the greedy repair may use any. Such a search
    bounds nothing of the whole problem, so only the relaxation through the
    yard blocks is solved, whose repaired start is the cheaper in practice.
    """
    pricing = options if priced is None else priced
    units, unplaced = twin_units(prepared, options)
    bound = -1
    best: tuple[int, dict[str, int]] | None = None
    throughs = ("trucker", "block") if priced is None else ("block",)
    for through in throughs:
        flow = solve_flow(prepared, units, through, unplaced)
        bound = max(bound, flow.objective)
        plan = greedy_fill(prepared, with_twins(prepared, flow.assignment))
        objective = plan_objective(prepared, pricing, plan)
        if best is None or objective < best[0]:
            best = (objective, plan)
    assert best is not None
    return Relaxed(bound, best[1], best[0])


def descend(
    prepared: Prepared,
    options: Options,
    plan: Mapping[str, int],
    sweeps: int,
    on_better: Callable[[int], None] | None = None,
    deadline: float | None = None,
    priced: Options | None = None,
) -> tuple[dict[str, int], int]:
    """Re-solve part of the boxes at a time, the rest held; (plan, cost).

    A part is one limited trucking company's boxes, the unlimited companies'
    boxes together, or one yard block's boxes. With the others held, the
    limit the part shares caps its slot arcs, so each step is an exact flow
    and the cost never rises. Twin pairs stay where they are. `on_better`
    hears the cost after each sweep that lowered it. Past `deadline` (a
    `time.perf_counter()` value) no further part is re-solved. With `priced`
    (every option, when `options` keeps only some), plans are priced by it and
    each freed box may also keep the slot it has.
    """
    pricing = options if priced is None else priced
    parts: dict[tuple[str, str], list[str]] = {}
    for cid in sorted(options):
        if cid in prepared.twin_of:
            continue
        box = prepared.containers[cid]
        company = box.trucker if box.trucker in prepared.trucker_limit else None
        parts.setdefault(("trucker", company or ""), []).append(cid)
        parts.setdefault(("block", box.block), []).append(cid)
    current = dict(plan)
    objective = plan_objective(prepared, pricing, current)
    for _ in range(sweeps):
        before = objective
        for part, free in sorted(parts.items()):
            if deadline is not None and time.perf_counter() > deadline:
                break
            current = _resolve_part(prepared, options, current, part, free, pricing)
        objective = plan_objective(prepared, pricing, current)
        if objective >= before:
            break
        if on_better is not None:
            on_better(objective)
        if deadline is not None and time.perf_counter() > deadline:
            break
    return current, objective


def _resolve_part(
    prepared: Prepared,
    options: Options,
    plan: Mapping[str, int],
    part: tuple[str, str],
    free: list[str],
    priced: Options,
) -> dict[str, int]:
    moving = set(free)
    kept = {cid: slot for cid, slot in plan.items() if cid not in moving}
    trucks, moves, fleet = usage_keys(prepared, kept)
    kind, name = part
    slots = range(len(prepared.slots))
    room = None
    if kind == "block":
        room = {
            s: prepared.block_capacity(name, s) - moves.get((name, s), 0) for s in slots
        }
    elif name:
        limit = prepared.trucker_limit[name]
        room = {s: limit - fleet.get((name, s), 0) for s in slots}
    flow = solve_flow(
        prepared,
        {cid: _with_current(options, priced, plan, cid) for cid in free},
        "trucker" if kind == "block" else "block",
        held=Held(trucks, moves, fleet, room),
    )
    return kept | flow.assignment


def _with_current(
    options: Options, priced: Options, plan: Mapping[str, int], cid: str
) -> list[tuple[int, int]]:
    """A freed box's options, its present slot among them: the cost cannot rise."""
    row = options[cid]
    slot = plan.get(cid)
    if slot is None or options is priced or any(s == slot for s, _ in row):
        return row
    return sorted([*row, *(o for o in priced[cid] if o[0] == slot)])
