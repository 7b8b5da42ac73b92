"""Compute a pickup plan: the exact flow, or with side constraints a search.

With trucker quotas or twin pairs the plan comes from the flow relaxations
(bound and start, optimizer/relax.py), the exact descent over parts of the
boxes, and CP-SAT from that plan when it is not yet within `gap_limit`.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

from optimizer.assemble import Outcome, assemble, previous_slots
from optimizer.costs import all_options, with_move_penalty
from optimizer.cpsat import CpSatSettings, restrict, solve_cpsat
from optimizer.flow import solve_flow
from optimizer.model import Instance
from optimizer.plan import Plan
from optimizer.readiness import Prepared
from optimizer.relax import descend, relax

# Below this many seconds left, building a CP-SAT model is not worth it.
MIN_SEARCH_S = 0.5


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """Limits of one solve; the caller runs it off the event loop.

    `time_limit_s` is the wall-clock cap. CP-SAT stops on `work_limit`
    deterministic seconds first, so the same input and `seed` give the same
    plan while the descent and CP-SAT finish within the wall limit (a
    loaded machine that cuts them short can change the plan); `max_options`
    is how many of its cheapest slots each box keeps in the CP-SAT model.
    `flow_options` None gives the flow every feasible slot (the exact
    optimum); a number keeps each box's cheapest few, a faster near-optimal
    path for very large instances (with side constraints the plan then
    carries no bound: a search of some slots bounds nothing). `sweeps` bounds
    the rounds of exact flows over parts of the boxes that improve CP-SAT's
    starting plan; a plan within `gap_limit` (a fraction) of the relaxations'
    bound is good enough and ends the search.
    """

    time_limit_s: float = 5.0
    work_limit: float = 2.0
    seed: int = 0
    max_options: int = 8
    flow_options: int | None = None
    sweeps: int = 3
    gap_limit: float = 0.001


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
    move = prepared.costs.move if previous is not None else None
    outcome = optimise(prepared, base, before, move, settings, started)
    if previous is not None:
        outcome = dataclasses.replace(outcome, method="improve")

    return assemble(prepared, outcome, before, previous is not None, base)


def optimise(
    prepared: Prepared,
    base: dict[str, list[tuple[int, int]]],
    before: dict[str, int],
    move: int | None,
    settings: SolveOptions,
    started: float,
) -> Outcome:
    """The best slot per box for `base`'s options; with `move`, each box not
    left in its `before` slot pays that price."""
    priced = _priced(base, before, move)
    table = _searched(priced, before if move is not None else None, settings)
    if prepared.instance.has_side_constraints:
        return _constrained(prepared, table, priced, settings, started)
    flow = solve_flow(prepared, table)
    exact = settings.flow_options is None
    progress = ((_since(started), flow.objective),)
    return Outcome(
        flow.assignment,
        "flow",
        exact,
        started,
        flow.objective if exact else None,
        progress,
    )


def _priced(
    base: dict[str, list[tuple[int, int]]],
    before: dict[str, int],
    move: int | None,
) -> dict[str, list[tuple[int, int]]]:
    """Every option at the price the plan pays: with move penalties when re-planning."""
    if move is None:
        return base
    return {c: with_move_penalty(o, before.get(c), move) for c, o in base.items()}


def _searched(
    priced: dict[str, list[tuple[int, int]]],
    before: dict[str, int] | None,
    settings: SolveOptions,
) -> dict[str, list[tuple[int, int]]]:
    """The options the flows search: all, or each box's cheapest few."""
    if settings.flow_options is None:
        return priced
    return restrict(priced, before or {}, settings.flow_options)


def _constrained(
    prepared: Prepared,
    table: dict[str, list[tuple[int, int]]],
    priced: dict[str, list[tuple[int, int]]],
    settings: SolveOptions,
    started: float,
) -> Outcome:
    """Relaxed flows for a bound and a start, the descent, then CP-SAT if needed.

    The flows search `table`; plans are priced with `priced`, every option.
    When `table` keeps only some slots per box, its relaxations bound nothing
    of the whole problem: the plan then carries no bound.
    """
    complete = table is priced
    relaxed = relax(prepared, table, None if complete else priced)
    bound = relaxed.bound if complete else None
    progress = [(_since(started), relaxed.start_objective)]

    def better(objective: int) -> None:
        progress.append((_since(started), objective))

    # The exact descent gains the most per second; CP-SAT gets what is left.
    deadline = started + settings.time_limit_s
    hint, hinted = descend(
        prepared, table, relaxed.start, settings.sweeps, better, deadline, priced
    )
    if bound is not None and hinted - bound <= settings.gap_limit * bound:
        optimal = hinted == bound
        return Outcome(hint, "cp-sat", optimal, started, bound, tuple(progress))

    left = settings.time_limit_s - (time.perf_counter() - started)
    if left < MIN_SEARCH_S:
        return Outcome(hint, "cp-sat", False, started, bound, tuple(progress))
    cp = CpSatSettings(
        time_limit_s=left,
        work_limit=settings.work_limit,
        seed=settings.seed,
        max_options=settings.max_options,
        lower_bound=bound,
        gap_limit=settings.gap_limit,
    )
    result = solve_cpsat(prepared, priced, hint, cp, started)
    if result is None or result.objective >= hinted:
        return Outcome(hint, "cp-sat", False, started, bound, tuple(progress))
    progress += [
        (1000 * at, objective)
        for at, objective in result.trace
        if objective < progress[-1][1]
    ]
    proven = [b for b in (bound, result.bound) if b is not None]
    best_bound = max(proven) if proven else None
    optimal = result.optimal or result.objective == best_bound
    return Outcome(
        result.assignment, "cp-sat", optimal, started, best_bound, tuple(progress)
    )


def _since(started: float) -> float:
    return 1000 * (time.perf_counter() - started)
