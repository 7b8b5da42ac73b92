from __future__ import annotations

import dataclasses
import itertools
import random
from collections import Counter

from optimizer import (
    Block,
    BlockCapacityChanged,
    Costs,
    CustomsHold,
    DeviationTier,
    EtaMoved,
    Instance,
    Plan,
    QuotaChanged,
    Slot,
    SolveOptions,
    UnassignedReason,
    VesselCall,
    apply_changes,
    improve,
    repair,
    solve,
)
from optimizer.costs import all_options, plan_objective
from optimizer.readiness import Prepared
from tests.optimizer.builders import (
    FLAT,
    HOUR,
    box,
    random_instance,
    three_boxes_two_slots,
)


def two_calls() -> Instance:
    """Two calls berthing at 00:00, two boxes each, all preferring 02:00-03:00."""
    boxes = [
        box(cid, (120, 180), discharged_at=None, vessel_call=call)
        for cid, call in (("a1", "V1"), ("a2", "V1"), ("b1", "V2"), ("b2", "V2"))
    ]
    return Instance(
        containers=tuple(boxes),
        slots=tuple(Slot(f"S{h}", h * 60, (h + 1) * 60, 4) for h in range(2, 8)),
        blocks=(Block("B1", 10),),
        vessel_calls=(VesselCall("V1", 0, 1, 30), VesselCall("V2", 0, 1, 30)),
        costs=FLAT,
    )


def slots_of(plan: object) -> dict[str, str]:
    return {cid: a.slot_id for cid, a in plan.assignments.items()}  # type: ignore[attr-defined]


def test_eta_moved_reinserts_only_that_calls_boxes() -> None:
    instance = two_calls()
    plan = solve(instance)
    assert set(slots_of(plan).values()) == {"S2"}

    repaired = repair(instance, plan, [EtaMoved("V1", 180)])

    # V1 now discharges by 03:04 and settles to 04:04: first slot 05:00.
    assert slots_of(repaired) == {"a1": "S5", "a2": "S5", "b1": "S2", "b2": "S2"}
    assert repaired.moved == 2
    assert repaired.method == "repair"
    assert repaired.explanations["a1"].ready_at == 244
    assert repaired.explanations["b1"] == plan.explanations["b1"]


def test_repair_keeps_untouched_bookings_when_a_quota_drops() -> None:
    instance = three_boxes_two_slots()
    plan = solve(instance)

    repaired = repair(instance, plan, [QuotaChanged("A", 1)])

    assert slots_of(repaired)["c3"] == "B"
    assert sorted(slots_of(repaired).values()) == ["A", "B", "B"]
    assert repaired.moved == 1


def test_customs_hold_unassigns_the_box_and_nothing_else() -> None:
    instance = three_boxes_two_slots()
    plan = solve(instance)

    repaired = repair(instance, plan, [CustomsHold("c1")])

    assert repaired.unassigned["c1"].reason is UnassignedReason.HELD
    assert slots_of(repaired) == {"c2": "A", "c3": "B"}
    assert repaired.moved == 1


def test_block_capacity_drop_is_respected_by_repair() -> None:
    instance = three_boxes_two_slots()
    plan = solve(instance)
    change = BlockCapacityChanged("B1", 600, 660, 1)

    repaired = repair(instance, plan, [change])

    assert sorted(slots_of(repaired).values()) == ["A", "B", "B"]
    prepared = Prepared(apply_changes(instance, [change]))
    assert prepared.block_capacity("B1", prepared.slot_index["A"]) == 1


def test_improve_is_no_worse_than_repair_and_counts_moves() -> None:
    for seed in range(3):
        instance = random_instance(seed)
        plan = solve(instance)
        changes = [QuotaChanged("S2", 3), QuotaChanged("S3", 3)]

        quick = repair(instance, plan, changes)
        full = improve(instance, plan, changes)

        assert full.method == "improve"
        assert full.cost.total <= quick.cost.total
        reassigned = [
            c
            for c, a in full.assignments.items()
            if c in plan.assignments and plan.assignments[c].slot_id != a.slot_id
        ]
        lost = [c for c in plan.assignments if c not in full.assignments]
        assert full.moved == len(reassigned) + len(lost)
        assert full.cost.moves == len(reassigned) * instance.costs.move
        for plan_after in (quick, full):
            load = Counter(a.slot_id for a in plan_after.assignments.values())
            assert load["S2"] <= 3
            assert load["S3"] <= 3


def test_repair_without_changes_moves_nothing() -> None:
    instance = random_instance(4)
    plan = solve(instance)

    again = repair(instance, plan)

    assert again.assignments == plan.assignments
    assert again.moved == 0


def test_improve_after_eta_keeps_the_other_call() -> None:
    instance = two_calls()
    plan = solve(instance)

    improved = improve(instance, plan, [EtaMoved("V1", 180)])

    assert slots_of(improved) == {"a1": "S5", "a2": "S5", "b1": "S2", "b2": "S2"}
    assert improved.moved == 2
    assert dataclasses.replace(improved.cost, moves=0).total == 2 * 180_000


def crowded(seed: int) -> Instance:
    """Six boxes, six one-truck slots, a deviation cost that grows by the hour."""
    rng = random.Random(seed)
    boxes = [
        box(f"C{i}", (start, start + HOUR))
        for i, start in enumerate(rng.randrange(0, 4) * HOUR for _ in range(6))
    ]
    rising = Costs(
        deviation=tuple(DeviationTier(60, 10_000 * 3**k) for k in range(4)),
        overload=(),
    )
    return Instance(
        containers=tuple(boxes),
        slots=tuple(Slot(f"S{h}", h * HOUR, (h + 1) * HOUR, 1) for h in range(6)),
        blocks=(Block("B1", 10),),
        costs=rising,
    )


def cheapest_by_moves(after: Instance, before: Plan) -> dict[int, int]:
    """The least cost of any plan by how many boxes it moves, by enumeration."""
    prepared = Prepared(after)
    options = all_options(prepared)
    boxes = sorted(options)
    best: dict[int, int] = {}
    rows = [[None, *(slot for slot, _ in options[cid])] for cid in boxes]
    for choice in itertools.product(*rows):
        placed = {
            cid: slot
            for cid, slot in zip(boxes, choice, strict=True)
            if slot is not None
        }
        trucks = Counter(placed.values())
        if any(n > prepared.slots[slot].quota for slot, n in trucks.items()):
            continue
        moved = sum(
            1
            for cid, a in before.assignments.items()
            if placed.get(cid) != prepared.slot_index[a.slot_id]
        )
        cost = plan_objective(prepared, options, placed)
        best[moved] = min(cost, best.get(moved, cost))
    return best


def test_a_move_budget_gives_the_cheapest_plan_within_it() -> None:
    binding = 0
    for seed in range(6):
        instance = crowded(seed)
        plan = solve(instance)
        # Two slots close: their boxes, and maybe a chain behind them, move.
        changes = [QuotaChanged(slot, 0) for slot in ("S2", "S3")]
        by_moves = cheapest_by_moves(apply_changes(instance, changes), plan)
        had = repair(instance, plan, changes).moved
        for budget in range(had, had + 3):
            exact = SolveOptions(gap_limit=0)
            improved = improve(instance, plan, changes, exact, max_moves=budget)

            best = min(cost for moved, cost in by_moves.items() if moved <= budget)
            assert improved.moved <= budget
            assert improved.cost.total == best, (seed, budget)
            assert improved.bound == best
            assert improved.cost.moves == 0
            binding += best > min(by_moves.values())
    # The budget must have cost something somewhere, or nothing was tested.
    assert binding >= 3


def test_a_budget_of_no_moves_keeps_a_plan_that_still_works() -> None:
    instance = random_instance(5)
    plan = solve(instance)

    kept = improve(instance, plan, max_moves=0)

    assert slots_of(kept) == slots_of(plan)
    assert kept.optimal
    assert kept.bound == kept.cost.total


def test_a_budget_of_no_moves_still_places_boxes_that_cannot_stay() -> None:
    instance = two_calls()
    plan = solve(instance)

    improved = improve(instance, plan, [EtaMoved("V1", 180)], max_moves=0)

    # Nothing fits in a budget of no moves: the plan moving fewest is given,
    # with no bound, since no plan keeps within the budget.
    assert improved.moved == 2
    assert improved.bound is None
    assert not improved.optimal
