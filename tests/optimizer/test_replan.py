from __future__ import annotations

import dataclasses
from collections import Counter

from optimizer import (
    Block,
    BlockCapacityChanged,
    CustomsHold,
    EtaMoved,
    Instance,
    QuotaChanged,
    Slot,
    UnassignedReason,
    VesselCall,
    apply_changes,
    improve,
    repair,
    solve,
)
from optimizer.readiness import Prepared
from tests.optimizer.builders import FLAT, box, random_instance, three_boxes_two_slots


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
