"""The move budget off the plain flow path, and at the edges of the price search.

improve(..., max_moves=B) gives the cheapest plan found that moves at most
B of the previous plan's boxes; only when no plan keeps within the budget
may the plan moving fewest come back. In every case below the previous
plan itself, or an obvious plan, keeps within the budget. Each case was
found by a newcomer's brute-force probe of the first version.
"""

from __future__ import annotations

import dataclasses
import math

from optimizer import (
    Assignment,
    Block,
    CostBreakdown,
    Costs,
    Instance,
    Plan,
    Slot,
    SolveOptions,
    TruckerQuota,
    improve,
    repair,
    solve,
)
from optimizer.readiness import Prepared, usage_keys
from tests.optimizer.builders import box


def _previous(slots: dict[str, str]) -> Plan:
    """A previous plan holding only its assignments (as the server passes it)."""
    assignments = {c: Assignment(c, s, 0, 0, 0) for c, s in slots.items()}
    return Plan(assignments, {}, CostBreakdown(), "flow", False)


def _slots(plan: Plan) -> dict[str, str]:
    return {cid: a.slot_id for cid, a in plan.assignments.items()}


def _displaced() -> tuple[Instance, Plan]:
    """X was planned in A, its only slot; U, new, also only fits A.

    Keeping X (0 moves) costs U's unassigned cost plus X's hour of
    deviation (100,150,000); putting U there instead leaves X out (1 move,
    100,000,000). With a budget of 0, X must stay.
    """
    instance = Instance(
        containers=(box("X", (60, 120)), box("U", (0, 60))),
        slots=(Slot("A", 0, 60, 1),),
        blocks=(Block("B1", 10),),
        settling_minutes=0,
    )
    return instance, _previous({"X": "A"})


def test_side_constraints_leaving_a_box_out_is_not_counted_as_a_move() -> None:
    # The constrained path (trucker quotas, twins: relax, descend, CP-SAT)
    # prices a move only on slot options, not on leaving a box out, so no
    # price keeps X; the repair, which keeps X, is a candidate too. The same
    # instance without the (unused) trucker quota gives X in A by the flow.
    instance, previous = _displaced()
    constrained = dataclasses.replace(
        instance, trucker_quotas=(TruckerQuota("nobody", 5),)
    )
    assert improve(instance, previous, max_moves=0).moved == 0  # control

    plan = improve(constrained, previous, max_moves=0)

    assert plan.moved <= 0, (_slots(plan), plan.moved)
    assert _slots(plan) == {"X": "A"}


def test_narrowed_flow_options_leaving_a_box_out_is_not_counted_as_a_move() -> None:
    # The narrowed flow (SolveOptions.flow_options) prices moves as the
    # constrained path does; the repair keeps the budget here too.
    instance, previous = _displaced()

    plan = improve(
        instance, previous, options=SolveOptions(flow_options=1), max_moves=0
    )

    assert plan.moved <= 0, (_slots(plan), plan.moved)


def test_budget_holds_whatever_the_move_cost() -> None:
    # With a budget the move cost is no part of the objective, so the result
    # must not depend on it: from a move cost of 0 the price search still
    # rises past what placing one more box saves (100,000,000).
    # X sits in A; U can only take A (DO expiry); X could go to B.
    instance = Instance(
        containers=(box("X", (0, 60)), box("U", (0, 60), do_expires_at=60)),
        slots=(Slot("A", 0, 60, 1), Slot("B", 60, 120, 1)),
        blocks=(Block("B1", 10),),
        costs=Costs(move=0),
        settling_minutes=0,
    )
    previous = _previous({"X": "A"})
    default = dataclasses.replace(instance, costs=Costs())
    assert improve(default, previous, max_moves=0).moved == 0  # control

    plan = improve(instance, previous, max_moves=0)

    assert plan.moved <= 0, (_slots(plan), plan.moved)


def test_side_constraints_one_search_round_spends_the_whole_time_limit() -> None:
    # With side constraints each round is a constrained search; once the
    # first took all the time, and the plan it found moved more than the
    # budget. A round now gets a share of the time, and the repair (within
    # budget by construction here) is a candidate whatever the time allows.
    from bench.optimizer.generate import generate

    scenario = generate(400, 0)
    instance = scenario.constrained
    plan = solve(instance, SolveOptions(time_limit_s=1.0))
    changes = scenario.events["block drop"]
    quick = repair(instance, plan, changes)
    budget = math.floor(1.5 * quick.moved)
    assert quick.moved <= budget  # a plan within the budget exists

    improved = improve(
        instance,
        plan,
        changes,
        SolveOptions(time_limit_s=0.75, gap_limit=0),
        max_moves=budget,
    )

    assert improved.moved <= budget, (improved.moved, budget)


def test_twin_pair_respects_the_trucker_quota_of_the_box_that_counts() -> None:
    # A twin pair rides on the truck of its first box (P, trucker T1, limit
    # 0); the greedy fill once checked the trucker of the box it inserted
    # (Q, T2, unlimited, first because its DO expires first) and put the
    # pair in A, T1 a truck over its limit.
    instance = Instance(
        containers=(
            box("P", (0, 60), size=20, trucker="T1"),
            box("Q", (0, 60), size=20, trucker="T2", do_expires_at=60),
        ),
        slots=(Slot("A", 0, 60, 2),),
        blocks=(Block("B1", 10),),
        trucker_quotas=(TruckerQuota("T1", 0),),
        twin_pairs=(("P", "Q"),),
        settling_minutes=0,
    )

    plan = improve(instance, _previous({}), max_moves=2)

    prepared = Prepared(instance)
    placed = {c: prepared.slot_index[s] for c, s in _slots(plan).items()}
    _, _, fleet = usage_keys(prepared, placed)
    assert all(n <= 0 for (trucker, _), n in fleet.items() if trucker == "T1"), _slots(
        plan
    )


def test_a_budget_of_one_move_places_the_booked_box_it_can() -> None:
    # Default costs: C2 has a fixed booking in S1 (left out it costs
    # 200,000,000) but yard block B1 makes one move an hour and C4 holds
    # it. By moves (brute force): 0 moves 200,000,000 (C2 out); 1 move
    # 100,000,000 (C4 out, C2 in); 2 moves 300,000. The 1-move plan is
    # optimal only for prices in (99.7M, 100M): the bisection must run until
    # its two prices meet to find it, as it now does.
    instance = Instance(
        containers=(
            box("C4", (60, 120), block="B1"),
            box("C2", (60, 120), block="B1", booked_slot="S1"),
            box("C1", (120, 180), block="B2"),
        ),
        slots=(Slot("S1", 60, 120, 3), Slot("S2", 120, 180, 1)),
        blocks=(Block("B1", 1), Block("B2", 10)),
    )
    previous = _previous({"C4": "S1", "C1": "S2"})

    plan = improve(instance, previous, options=SolveOptions(gap_limit=0), max_moves=1)

    assert plan.moved <= 1
    assert plan.cost.total == 100_000_000, (_slots(plan), plan.cost.total)
