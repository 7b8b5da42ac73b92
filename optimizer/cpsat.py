"""The pickup plan with side constraints that break the flow, on CP-SAT.

Trucker quotas (a company's trucks per slot) and twin 20' pairs (two boxes
on one truck: same slot, one truck against the quota, two yard moves) are
not flow constraints. This model keeps the flow's costs and capacities,
adds them, and starts from the flow plan as a complete hint.
"""

from __future__ import annotations

import heapq
import os
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from optimizer.readiness import Prepared

Options = Mapping[str, list[tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class CpSatSettings:
    """Search limits: wall seconds, deterministic work, seed, slots per box.

    `lower_bound`, a bound proven elsewhere (the flow relaxations), is given
    to the model so the search can stop within `gap_limit` of it.
    """

    time_limit_s: float = 5.0
    work_limit: float = 2.0
    seed: int = 0
    max_options: int = 8
    probing_level: int = 1
    lower_bound: int | None = None
    gap_limit: float = 0.0


@dataclass(frozen=True, slots=True)
class CpSatResult:
    """Best plan found, its objective and the proven bound.

    `bound` is None when the model kept only some slots per box: a bound on
    that narrower model is none on the plan. `trace` holds (seconds since
    the search's `started`, objective) of every better plan it found.
    """

    assignment: dict[str, int]
    objective: int
    bound: int | None
    optimal: bool
    trace: tuple[tuple[float, int], ...] = ()


class _Progress(cp_model.CpSolverSolutionCallback):
    """Notes when each better plan turns up."""

    def __init__(self, started: float) -> None:
        super().__init__()
        self.started = started
        self.trace: list[tuple[float, int]] = []

    def on_solution_callback(self) -> None:
        elapsed = time.perf_counter() - self.started
        self.trace.append((elapsed, round(self.objective_value)))


def restrict(
    options: Options, hint: Mapping[str, int], keep: int, widen_unplaced: bool = False
) -> dict[str, list[tuple[int, int]]]:
    """Keep each box's `keep` cheapest slots plus its hinted slot.

    With `widen_unplaced`, a box the hint leaves out keeps all its slots.
    """
    # A neighbourhood of the flow optimum: the cheap slots hold the optimum
    # of the constrained problem in practice, and the model stays small
    # enough to search in seconds at thousands of containers.
    kept: dict[str, list[tuple[int, int]]] = {}
    for cid, opts in options.items():
        hinted = hint.get(cid)
        if hinted is None and widen_unplaced:
            # An unplaced box keeps every slot: placing it is worth the most.
            kept[cid] = list(opts)
            continue
        best = [(s, c) for c, s in heapq.nsmallest(keep, [(c, s) for s, c in opts])]
        if hinted is not None and all(slot != hinted for slot, _ in best):
            best += [o for o in opts if o[0] == hinted]
        kept[cid] = sorted(best)
    return kept


class _Model:
    """CP-SAT variables and constraints of one plan."""

    def __init__(self, prepared: Prepared, options: Options) -> None:
        self.prepared = prepared
        self.options = options
        self.model = cp_model.CpModel()
        self.x: dict[tuple[str, int], cp_model.IntVar] = {}
        self.u: dict[str, cp_model.IntVar] = {}
        self.excess: dict[int, list[cp_model.IntVar]] = {}
        self.objective: list[cp_model.LinearExprT] = []

    def build(self, lower_bound: int | None = None) -> None:
        self._choices()
        self._twins()
        self._capacities()
        total = sum(self.objective)
        if lower_bound is not None:
            self.model.add(total >= lower_bound)
        self.model.minimize(total)

    def _choices(self) -> None:
        unassigned = self.prepared.costs.unassigned
        for cid in sorted(self.options):
            row = []
            for slot, cost in self.options[cid]:
                var = self.model.new_bool_var(f"x_{cid}_{slot}")
                self.x[(cid, slot)] = var
                row.append(var)
                self.objective.append(cost * var)
            self.u[cid] = self.model.new_bool_var(f"u_{cid}")
            fixed = self.prepared.containers[cid].booked_slot is not None
            self.objective.append(unassigned * (2 if fixed else 1) * self.u[cid])
            self.model.add_exactly_one([*row, self.u[cid]])

    def _twins(self) -> None:
        for cid, twin in sorted(self.prepared.twin_of.items()):
            if cid > twin or cid not in self.options or twin not in self.options:
                continue
            self.model.add(self.u[cid] == self.u[twin])
            slots = {s for s, _ in self.options[cid]} | {
                s for s, _ in self.options[twin]
            }
            for slot in sorted(slots):
                a, b = self.x.get((cid, slot)), self.x.get((twin, slot))
                if a is not None and b is not None:
                    self.model.add(a == b)
                else:
                    self.model.add((a if a is not None else b) == 0)

    def _capacities(self) -> None:
        trucks: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        moves: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        fleet: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        prepared = self.prepared
        for (cid, slot), var in self.x.items():
            box = prepared.containers[cid]
            moves[(box.block, slot)].append(var)
            if prepared.counts_as_truck(cid):
                trucks[slot].append(var)
                if box.trucker in prepared.trucker_limit:
                    fleet[(box.trucker, slot)].append(var)
        for (block, slot), group in sorted(moves.items()):
            self.model.add(sum(group) <= prepared.block_capacity(block, slot))
        for (trucker, _), group in sorted(fleet.items()):
            self.model.add(sum(group) <= prepared.trucker_limit[trucker])
        for slot, group in sorted(trucks.items()):
            self.model.add(sum(group) <= prepared.slots[slot].quota)
            self._overload(slot, group)

    def _overload(self, slot: int, group: list[cp_model.IntVar]) -> None:
        """Convex load cost: excess trucks fill tiers of rising price in order."""
        s = self.prepared.slots[slot]
        if s.soft_target is None or len(group) <= s.soft_target:
            return
        tiers = self.prepared.costs.overload
        parts = []
        for i, tier in enumerate(tiers):
            width = len(group) if i == len(tiers) - 1 else tier.trucks
            part = self.model.new_int_var(0, width, f"e_{slot}_{i}")
            parts.append(part)
            self.objective.append(tier.cost_per_truck * part)
        self.model.add(sum(parts) >= sum(group) - s.soft_target)
        self.excess[slot] = parts

    def hint(self, assignment: Mapping[str, int]) -> None:
        """Give the solver a complete starting plan, load tiers included."""
        for (cid, slot), var in self.x.items():
            self.model.add_hint(var, int(assignment.get(cid) == slot))
        for cid, var in self.u.items():
            self.model.add_hint(var, int(cid not in assignment))
        load: dict[int, int] = defaultdict(int)
        for cid, slot in assignment.items():
            if (cid, slot) in self.x and self.prepared.counts_as_truck(cid):
                load[slot] += 1
        for slot, parts in self.excess.items():
            target = self.prepared.slots[slot].soft_target or 0
            left = max(0, load[slot] - target)
            for tier, part in zip(self.prepared.costs.overload, parts, strict=True):
                used = min(left, tier.trucks) if part is not parts[-1] else left
                self.model.add_hint(part, used)
                left -= used


def solve_cpsat(
    prepared: Prepared,
    options: Options,
    hint: Mapping[str, int],
    settings: CpSatSettings,
    started: float | None = None,
) -> CpSatResult | None:
    """Search the constrained plan from the hint; None if nothing found in time.

    Deterministic for a given seed as long as the work limit, not the wall
    limit, ends the search.
    """
    entered = time.perf_counter()
    kept = restrict(options, hint, settings.max_options, True)
    complete = all(len(kept[cid]) == len(row) for cid, row in options.items())
    model = _Model(prepared, kept)
    model.build(settings.lower_bound)
    model.hint(hint)

    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = os.cpu_count() or 2
    params.cp_model_probing_level = settings.probing_level
    # Stopping on deterministic work, not wall time, gives the same plan on
    # every run; the wall limit only guards against a slow machine.
    params.max_deterministic_time = settings.work_limit
    built = time.perf_counter() - entered
    params.max_time_in_seconds = max(settings.time_limit_s - built, 0.05)
    params.random_seed = settings.seed
    params.relative_gap_limit = settings.gap_limit
    progress = _Progress(time.perf_counter() if started is None else started)
    status = solver.solve(model.model, progress)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None

    assignment = {
        cid: slot for (cid, slot), var in model.x.items() if solver.boolean_value(var)
    }
    return CpSatResult(
        assignment,
        round(solver.objective_value),
        round(solver.best_objective_bound) if complete else None,
        status == cp_model.OPTIMAL and complete,
        tuple(progress.trace),
    )
