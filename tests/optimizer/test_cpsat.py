from __future__ import annotations

import dataclasses
from collections import Counter

from optimizer import Container, Instance, Slot, SolveOptions, TruckerQuota, solve
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
