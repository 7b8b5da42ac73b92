"""A re-plan allowed to move at most so many bookings: priced rounds, a bound, a mix.

The budget is one constraint across the whole plan, which a flow cannot
hold. Moves are priced instead: each round solves for cost + price x moves
exactly, the price rising while plans move too many and bisected once one
keeps within the budget. Lagrangian duality bounds the budgeted optimum
from every round: for each plan P with at most B moves,
cost(P) >= (the round's optimum, or a lower bound on it) - price x B.

Between two prices the plan jumps: whole chains of boxes move at once, and
the best plan within the budget may lie between the two. The change from a
plan within budget to one over it splits into cycles of the network, each
of which can be applied alone and keeps the plan feasible; which of them to
apply is a small knapsack (saving against extra moves), solved exactly.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass

from optimizer.assemble import Outcome, assemble, previous_slots
from optimizer.costs import all_options, plan_objective
from optimizer.flow import Cycle, Flows, PricedMoves
from optimizer.greedy import greedy_fill
from optimizer.model import Instance
from optimizer.plan import Plan
from optimizer.readiness import Prepared
from optimizer.solve import MIN_SEARCH_S, SolveOptions, optimise

# Rounds of the price search; each is one exact flow (or constrained search).
PRICE_ROUNDS = 20
# The first price, in rupiah per moved box, when the instance's move cost is
# lower: from here 19 fourfold rises pass any cost a plan can have.
MIN_PRICE = 1_000
# The rounds stop at this share of the time limit; the rest is for the last
# mixes and for pricing and explaining the plan.
ROUNDS_SHARE = 0.65
# A constrained search (CP-SAT) gets at most this share of the time left.
SEARCH_SHARE = 0.25
# At the end, this many plans within budget are each mixed with as many over it.
MIX_PAIRS = 2


@dataclass(frozen=True, slots=True, eq=False)
class _Tried:
    """A plan one round found, how many boxes it moves and its unpriced cost."""

    outcome: Outcome
    moved: int
    cost: int
    flows: Flows | None


class _Search:
    """The instance, the previous slots and the network every round shares."""

    def __init__(
        self, prepared: Prepared, previous: Plan, settings: SolveOptions, started: float
    ) -> None:
        self.prepared = prepared
        self.before = previous_slots(prepared, previous)
        self.base = all_options(prepared)
        self.settings = settings
        self.started = started
        flow = not prepared.instance.has_side_constraints
        exact = settings.flow_options is None
        self.network = (
            PricedMoves(prepared, self.base, self.before) if flow and exact else None
        )

    def repaired(self) -> _Tried:
        """The old plan with only what no longer fits moved: the fallback."""
        assignment = greedy_fill(self.prepared, self.before)
        return self.tried(Outcome(assignment, "repair", False, self.started), None)

    def at(self, price: int, seconds: float) -> _Tried:
        """The plan that minimises cost + `price` x moves.

        A constrained search stops after `seconds`; the exact flow needs no limit.
        """
        if self.network is None:
            settings = dataclasses.replace(self.settings, time_limit_s=seconds)
            outcome = optimise(
                self.prepared,
                self.base,
                self.before,
                price,
                settings,
                time.perf_counter(),
            )
            return self.tried(outcome, None)
        flow, flows = self.network.solve(price)
        outcome = Outcome(flow.assignment, "flow", True, self.started, flow.objective)
        return self.tried(outcome, flows)

    def tried(self, outcome: Outcome, flows: Flows | None) -> _Tried:
        plan = outcome.assignment
        moved = sum(1 for cid, slot in self.before.items() if plan.get(cid) != slot)
        cost = plan_objective(self.prepared, self.base, plan)
        return _Tried(outcome, moved, cost, flows)

    def mix(self, kept: _Tried, over: _Tried, max_moves: int) -> _Tried | None:
        """`kept` with the cycles toward `over` that save most within the budget."""
        if self.network is None or kept.flows is None or over.flows is None:
            return None
        room = max_moves - kept.moved
        free: list[Cycle] = []
        items: list[Cycle] = []
        for cycle in self.network.cycles(kept.flows, over.flows):
            if cycle.cost < 0 and cycle.moves <= 0:
                free.append(cycle)
                room -= cycle.moves
            elif cycle.cost < 0:
                items.append(cycle)
        chosen = free + _knapsack(items, room)
        if not chosen:
            return None
        plan, flows = self.network.apply(kept.flows, chosen)
        mixed = self.tried(dataclasses.replace(kept.outcome, assignment=plan), flows)
        return mixed if mixed.moved <= max_moves else None

    def best_mix(
        self, within: list[_Tried], over: list[_Tried], max_moves: int, pairs: int
    ) -> _Tried | None:
        """The cheapest plan within budget, mixing the `pairs` cheapest plans
        within it with the `pairs` plans over it that move fewest.

        A mix that beats them joins `within`, to be mixed again later.
        """
        if not within:
            return None
        best = min(within, key=lambda t: t.cost)
        # Only plans of the flow have cycles to mix.
        kept = sorted(within, key=lambda t: (t.flows is None, t.cost))[:pairs]
        toward = sorted(over, key=lambda t: t.moved)[:pairs]
        for plan in kept:
            for other in toward:
                mixed = self.mix(plan, other, max_moves)
                if mixed is not None and mixed.cost < best.cost:
                    best = mixed
        if all(best is not plan for plan in within):
            within.append(best)
        return best


def within_budget(
    instance: Instance, previous: Plan, max_moves: int, settings: SolveOptions
) -> Plan:
    """The cheapest plan found that moves at most `max_moves` of `previous`'s boxes.

    The plan's `bound` is the best Lagrangian bound of the rounds; its cost
    leaves moves unpriced, since the budget, not a price, limits them. The
    repair of `previous` (only what no longer fits moved) is a candidate
    too, so a budget the repair keeps is always kept. The rounds end when
    the plan is within `gap_limit` of the bound, when another would end past
    ROUNDS_SHARE of `time_limit_s`, when the two bracketing prices meet, or
    when the rounds are spent. If no plan keeps within the budget, the one
    moving fewest is returned without a bound.
    """
    started = time.perf_counter()
    deadline = started + ROUNDS_SHARE * settings.time_limit_s
    search = _Search(Prepared(instance), previous, settings, started)

    low, high = 0, None
    price = max(search.prepared.costs.move, MIN_PRICE)
    within: list[_Tried] = []
    over: list[_Tried] = []
    repaired = search.repaired()
    if repaired.moved <= max_moves:
        within.append(repaired)
    bound: int | None = None
    for _ in range(PRICE_ROUNDS):
        entered = time.perf_counter()
        seconds = max(SEARCH_SHARE * (deadline - entered), MIN_SEARCH_S)
        found = search.at(price, seconds)
        if found.outcome.bound is not None:
            dual = found.outcome.bound - price * max_moves
            bound = dual if bound is None else max(bound, dual)
        if found.moved <= max_moves:
            high = price
            within.append(found)
        else:
            low = price
            over.append(found)
        best = search.best_mix(within, over, max_moves, pairs=1)
        if best is not None and bound is not None:
            if best.cost - bound <= settings.gap_limit * max(bound, 1):
                break
        # Stop when another round like this one would end past the deadline.
        now = time.perf_counter()
        if now + (now - entered) > deadline:
            break
        if high is None:
            price *= 4
        elif low == 0:
            price = high // 4
        elif high - low <= 1:
            break
        else:
            price = math.isqrt(low * high)

    best = search.best_mix(within, over, max_moves, pairs=MIX_PAIRS)
    fewest = min([*over, repaired], key=lambda t: t.moved)
    return _dressed(search, best, fewest, bound)


def _dressed(
    search: _Search, best: _Tried | None, fewest: _Tried, bound: int | None
) -> Plan:
    """The chosen plan as a Plan; with none in budget, the one moving fewest."""
    elapsed = 1000 * (time.perf_counter() - search.started)
    if best is None:
        outcome = dataclasses.replace(
            fewest.outcome, method="improve", optimal=False, bound=None
        )
    else:
        outcome = dataclasses.replace(
            best.outcome,
            method="improve",
            optimal=best.cost == bound,
            bound=bound,
            progress=((elapsed, best.cost),),
        )
    return assemble(search.prepared, outcome, search.before, False, search.base)


def _knapsack(items: list[Cycle], room: int) -> list[Cycle]:
    """The cycles of greatest total saving whose extra moves fit in `room`."""
    if room <= 0 or not items:
        return []
    # best[m]: (saving, chosen item indices) using at most m extra moves.
    best: list[tuple[int, tuple[int, ...]]] = [(0, ())] * (room + 1)
    for index, cycle in enumerate(items):
        extra, saving = cycle.moves, -cycle.cost
        for m in range(room, extra - 1, -1):
            candidate = best[m - extra][0] + saving
            if candidate > best[m][0]:
                best[m] = (candidate, (*best[m - extra][1], index))
    return [items[i] for i in best[room][1]]
