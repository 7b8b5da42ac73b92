from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter
from collections.abc import Mapping

from optimizer import (
    Block,
    Container,
    Instance,
    Prepared,
    Slot,
    SolveOptions,
    TruckerQuota,
    solve,
)
from optimizer.costs import all_options, plan_objective
from optimizer.cpsat import restrict
from optimizer.readiness import usage_keys
from optimizer.relax import descend, relax
from tests.optimizer.builders import FLAT, box, random_instance, three_boxes_two_slots

THREE_SLOTS = (Slot("A", 600, 660, 2), Slot("B", 660, 720, 2), Slot("C", 720, 780, 2))


def with_trucker(instance: Instance, trucker: str) -> tuple[Container, ...]:
    return tuple(dataclasses.replace(c, trucker=trucker) for c in instance.containers)


def test_trucker_quota_spreads_one_company_over_slots() -> None:
    base = three_boxes_two_slots()
    instance = dataclasses.replace(
        base,
        containers=with_trucker(base, "PT Angkut"),
        slots=THREE_SLOTS,
        trucker_quotas=(TruckerQuota("PT Angkut", 1),),
    )

    plan = solve(instance)
    free = solve(dataclasses.replace(instance, trucker_quotas=()))

    per_slot = Counter(a.slot_id for a in plan.assignments.values())
    assert per_slot == {"A": 1, "B": 1, "C": 1}
    # One in A (0), one an hour late (60,000) or c3 half an hour (30,000)
    # plus two hours (120,000): 150,000 either way.
    assert plan.cost.total == 150_000
    assert plan.method == "cp-sat"
    assert plan.optimal
    assert plan.cost.total >= free.cost.total == 30_000


def test_trucker_quota_holds_on_random_instances_and_costs_no_less() -> None:
    for seed in range(3):
        instance = dataclasses.replace(
            random_instance(seed), trucker_quotas=(TruckerQuota("T1", 2),)
        )
        plan = solve(instance, SolveOptions(seed=seed))
        flow = solve(dataclasses.replace(instance, trucker_quotas=()))

        truckers = {c.id: c.trucker for c in instance.containers}
        t1 = Counter(
            a.slot_id for c, a in plan.assignments.items() if truckers[c] == "T1"
        )
        assert max(t1.values()) <= 2
        assert plan.cost.total >= flow.cost.total
        assert plan.bound is not None
        assert plan.bound <= plan.cost.total


def test_two_twenties_share_one_truck_and_one_slot() -> None:
    instance = Instance(
        containers=(
            box("t1", (600, 660), size=20),
            box("t2", (630, 720), size=20),
            box("c3", (600, 660)),
        ),
        slots=(Slot("A", 600, 660, 1), Slot("B", 660, 720, 1)),
        blocks=three_boxes_two_slots().blocks,
        costs=FLAT,
        twin_pairs=(("t1", "t2"),),
    )

    plan = solve(instance)

    # Twins in A (30,000) would push c3 to B (60,000); twins in B cost
    # 60,000 and leave A to c3: one truck per slot either way.
    slots = {cid: a.slot_id for cid, a in plan.assignments.items()}
    assert slots == {"t1": "B", "t2": "B", "c3": "A"}
    assert plan.cost.total == 60_000
    assert plan.unassigned == {}


def test_cp_sat_plan_is_the_same_for_the_same_seed() -> None:
    instance = dataclasses.replace(
        random_instance(3, boxes=80), trucker_quotas=(TruckerQuota("T2", 2),)
    )
    options = SolveOptions(seed=11, work_limit=1.0, time_limit_s=30)

    first, second = solve(instance, options), solve(instance, options)

    assert first.assignments == second.assignments
    assert first.cost == second.cost


def test_twin_relaxation_bound_proves_the_pair_plan_optimal() -> None:
    instance = Instance(
        containers=(
            box("t1", (600, 660), size=20),
            box("t2", (630, 720), size=20),
            box("c3", (600, 660)),
        ),
        slots=(Slot("A", 600, 660, 1), Slot("B", 660, 720, 1)),
        blocks=three_boxes_two_slots().blocks,
        costs=FLAT,
        twin_pairs=(("t1", "t2"),),
    )

    plan = solve(instance)

    # The pair as one unit costs 30,000 in A and 60,000 in B; c3 costs 0 in
    # A and 60,000 in B. With one truck a slot the relaxed flow's optimum is
    # pair in B, c3 in A: 60,000, the plan's cost, so no search is needed.
    assert plan.bound == 60_000
    assert plan.optimal


def feasible(prepared: Prepared, plan: Mapping[str, int]) -> bool:
    """Quotas, yard moves, trucker limits and twins all hold in `plan`."""
    if any(not prepared.fits(cid, slot) for cid, slot in plan.items()):
        return False
    trucks, moves, fleet = usage_keys(prepared, plan)
    limits = prepared.trucker_limit
    return (
        all(n <= prepared.slots[s].quota for s, n in trucks.items())
        and all(n <= prepared.block_capacity(b, s) for (b, s), n in moves.items())
        and all(n <= limits.get(t, n) for (t, _), n in fleet.items())
        and all(plan.get(a) == plan.get(b) for a, b in prepared.twin_of.items())
    )


def brute_force_optimum(instance: Instance) -> int:
    prepared = Prepared(instance)
    options = all_options(prepared)
    boxes = sorted(options)
    choices = [[None, *(slot for slot, _ in options[c])] for c in boxes]
    best = None
    for pick in itertools.product(*choices):
        plan = {c: s for c, s in zip(boxes, pick, strict=True) if s is not None}
        if feasible(prepared, plan):
            cost = plan_objective(prepared, options, plan)
            best = cost if best is None else min(best, cost)
    assert best is not None
    return best


def small_constrained(seed: int) -> Instance:
    """Seven boxes, three slots, one limited trucker and a twin pair."""
    rng = random.Random(seed)
    containers = tuple(
        box(
            f"c{i}",
            (start, start + 60),
            size=20 if i < 2 else 40,
            block=rng.choice(("B1", "B2")),
            trucker="T1" if i == 0 or rng.random() < 0.5 else "T2",
        )
        for i, start in enumerate(rng.choice((600, 660, 720)) for _ in range(7))
    )
    return Instance(
        containers=containers,
        slots=tuple(Slot(f"S{h}", h * 60, (h + 1) * 60, 3, 2) for h in (10, 11, 12)),
        blocks=(Block("B1", 2), Block("B2", 2)),
        trucker_quotas=(TruckerQuota("T1", 1),),
        twin_pairs=(("c0", "c1"),),
    )


def test_side_constraints_plan_is_the_brute_force_optimum_and_bound_below_it() -> None:
    for seed in range(4):
        instance = small_constrained(seed)
        optimum = brute_force_optimum(instance)

        plan = solve(instance, SolveOptions(seed=seed))

        slots = {
            c: Prepared(instance).slot_index[a.slot_id]
            for c, a in plan.assignments.items()
        }
        assert feasible(Prepared(instance), slots)
        assert plan.cost.total == optimum
        assert plan.bound is not None
        assert plan.bound <= optimum


def limited_truckers(seed: int) -> Instance:
    """Eighty boxes whose two trucking companies may send two trucks a slot."""
    return dataclasses.replace(
        random_instance(seed, boxes=80),
        trucker_quotas=(TruckerQuota("T1", 2), TruckerQuota("T2", 2)),
    )


def test_descent_never_raises_the_cost_and_keeps_the_plan_feasible() -> None:
    for seed in range(3):
        instance = limited_truckers(seed)
        prepared = Prepared(instance)
        options = all_options(prepared)
        start = relax(prepared, options)

        plan, cost = descend(prepared, options, start.start, sweeps=3)

        assert feasible(prepared, plan)
        assert cost == plan_objective(prepared, options, plan)
        assert start.bound <= cost <= start.start_objective


def test_a_pair_that_cannot_share_a_slot_is_bounded_by_its_own_price() -> None:
    # t1 keeps its booking in A; t2 is only released for B, so the pair
    # cannot travel and both stay out: twice the price for the kept booking
    # plus once for t2. The bound must not price the pair any higher.
    instance = Instance(
        containers=(
            box("t1", (600, 660), size=20, booked_slot="A"),
            box("t2", (600, 660), size=20, customs_released_at=660),
        ),
        slots=(Slot("A", 600, 660, 2), Slot("B", 660, 720, 2)),
        blocks=three_boxes_two_slots().blocks,
        costs=FLAT,
        twin_pairs=(("t1", "t2"),),
    )

    plan = solve(instance)

    assert plan.assignments == {}
    assert plan.cost.unassigned == 3 * FLAT.unassigned
    assert plan.bound == plan.cost.total


def test_a_narrow_search_keeps_every_limit_and_claims_no_bound() -> None:
    for seed in range(3):
        instance = limited_truckers(seed)
        prepared = Prepared(instance)
        full = solve(instance, SolveOptions(seed=seed))

        # CP-SAT, too, keeps few slots a box: no search here sees them all.
        options = SolveOptions(seed=seed, flow_options=2, max_options=1)
        narrow = solve(instance, options)

        slots = {
            c: prepared.slot_index[a.slot_id] for c, a in narrow.assignments.items()
        }
        assert feasible(prepared, slots)
        assert narrow.bound is None
        assert not narrow.optimal
        # Two slots a box still finds a plan near the full search's.
        assert full.bound is not None
        assert full.bound <= narrow.cost.total <= full.cost.total * 1.05


def test_the_descent_never_raises_the_cost_of_a_narrow_search() -> None:
    for seed in range(3):
        instance = limited_truckers(seed)
        prepared = Prepared(instance)
        priced = all_options(prepared)
        searched = restrict(priced, {}, 2)
        start = relax(prepared, searched, priced)

        plan, cost = descend(prepared, searched, start.start, sweeps=3, priced=priced)

        assert feasible(prepared, plan)
        assert cost == plan_objective(prepared, priced, plan)
        assert cost <= start.start_objective
