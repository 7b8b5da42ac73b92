"""Compute a pickup plan: the exact flow, then CP-SAT when side constraints exist."""

from __future__ import annotations

import time
from dataclasses import dataclass

from optimizer.assemble import Outcome, assemble, previous_slots
from optimizer.costs import all_options, plan_objective, with_move_penalty
from optimizer.cpsat import CpSatSettings, restrict, solve_cpsat
from optimizer.flow import solve_flow
from optimizer.greedy import greedy_fill
from optimizer.model import Instance
from optimizer.plan import Plan
from optimizer.readiness import Prepared


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """Limits of one solve; the caller runs it off the event loop.

    `time_limit_s` is the wall-clock cap. CP-SAT stops on `work_limit`
    deterministic seconds first, so the same input and `seed` give the same
    plan; `max_options` is how many of its cheapest slots each box keeps in
    the CP-SAT model. `flow_options` None gives the flow every feasible slot
    (the exact optimum); a number keeps each box's cheapest few, a faster
    near-optimal path for very large instances.
    """

    time_limit_s: float = 5.0
    work_limit: float = 2.0
    seed: int = 0
    max_options: int = 8
    flow_options: int | None = None


def solve(
    instance: Instance,
    options: SolveOptions | None = None,
    previous: Plan | None = None,
) -> Plan:
    """Recommend a slot for every container; synchronous, bounded by the time limit.

    With `previous`, every box placed in another slot than before pays the
    move cost, so the new plan keeps the old one where it can.
    """
    settings = options or SolveOptions()
    started = time.perf_counter()
    prepared = Prepared(instance)
    before = previous_slots(prepared, previous)
    base = all_options(prepared)
    table = _table(prepared, base, before if previous else None, settings)

    if instance.has_side_constraints:
        outcome = _constrained(prepared, table, settings, started)
    else:
        flow = solve_flow(prepared, table)
        exact = settings.flow_options is None
        outcome = Outcome(flow.assignment, "flow", exact, started, flow.objective)
    if previous is not None:
        outcome = Outcome(
            outcome.assignment, "improve", outcome.optimal, started, outcome.bound
        )

    return assemble(prepared, outcome, before, previous is not None, base)


def _table(
    prepared: Prepared,
    base: dict[str, list[tuple[int, int]]],
    before: dict[str, int] | None,
    settings: SolveOptions,
) -> dict[str, list[tuple[int, int]]]:
    """Options the solvers see: move penalties when re-planning, maybe fewer slots."""
    table = base
    if before is not None:
        move = prepared.costs.move
        table = {c: with_move_penalty(o, before.get(c), move) for c, o in base.items()}
    if settings.flow_options is not None:
        table = restrict(table, before or {}, settings.flow_options)
    return table


def _constrained(
    prepared: Prepared,
    table: dict[str, list[tuple[int, int]]],
    settings: SolveOptions,
    started: float,
) -> Outcome:
    """Relaxed flow for a bound and a start, greedy to feasibility, then CP-SAT."""
    # Dropping trucker quotas and letting each twin's rider skip the slot and
    # block arcs at its cheapest price relaxes the problem: the flow
    # optimum is a lower bound on the constrained one.
    riders = prepared.second_twins
    flow = solve_flow(prepared, {c: o for c, o in table.items() if c not in riders})
    bound = flow.objective + sum(min(cost for _, cost in table[c]) for c in riders)
    start = dict(flow.assignment)
    for rider in riders:
        if prepared.twin_of[rider] in start:
            start[rider] = start[prepared.twin_of[rider]]
    hint = greedy_fill(prepared, start)

    cp = CpSatSettings(
        time_limit_s=max(settings.time_limit_s - (time.perf_counter() - started), 0.1),
        work_limit=settings.work_limit,
        seed=settings.seed,
        max_options=settings.max_options,
    )
    result = solve_cpsat(prepared, table, hint, cp)
    hinted = plan_objective(prepared, table, hint)
    if result is None or result.objective > hinted:
        return Outcome(hint, "cp-sat", hinted == bound, started, bound)
    best_bound = max(bound, result.bound)
    optimal = result.optimal or result.objective == best_bound
    return Outcome(result.assignment, "cp-sat", optimal, started, best_bound)
