from __future__ import annotations

import dataclasses
from collections import Counter

from optimizer import (
    Block,
    Costs,
    DeviationTier,
    Instance,
    OverloadTier,
    Slot,
    StorageTariff,
    UnassignedReason,
    solve,
)
from tests.optimizer.builders import FLAT, box, random_instance, three_boxes_two_slots


def slots_of(plan: object) -> dict[str, str]:
    return {cid: a.slot_id for cid, a in plan.assignments.items()}  # type: ignore[attr-defined]


def test_three_boxes_two_slots_quota_two_has_the_hand_optimum() -> None:
    plan = solve(three_boxes_two_slots())

    # c3 tolerates 11:00-11:30, so it alone moves: 30 minutes at Rp 60,000/h.
    assert slots_of(plan) == {"c1": "A", "c2": "A", "c3": "B"}
    assert plan.cost.deviation == 30_000
    assert plan.cost.total == 30_000
    assert plan.method == "flow"
    assert plan.optimal


def test_storage_day_outweighs_an_hour_early() -> None:
    # Discharged 10:00, before noon: free to midnight (minute 1440).
    tariff = StorageTariff(daily_costs=(127_500, 255_000))
    instance = Instance(
        containers=(box("c1", (1440, 1560), discharged_at=600, storage=tariff),),
        slots=(Slot("late-evening", 1380, 1440, 5), Slot("midnight", 1440, 1500, 5)),
        blocks=(Block("B1", 10),),
        costs=Costs(deviation=(DeviationTier(60, 20_000),), overload=()),
    )

    plan = solve(instance)

    assert slots_of(plan) == {"c1": "late-evening"}
    assert plan.cost.total == 20_000
    why = plan.explanations["c1"]
    assert (why.storage_cost, why.storage_step_at, why.storage_step_cost) == (
        0,
        1440,
        127_500,
    )
    assert why.alternatives[0].slot_id == "midnight"
    assert why.alternatives[0].storage_cost == 127_500
    assert not why.alternatives[0].full


def test_default_deviation_price_rises_after_the_first_hour() -> None:
    costs = Costs()

    # Rp 150,000 for the first hour, Rp 250,000 an hour after it.
    assert costs.deviation_cost(30) == 75_000
    assert costs.deviation_cost(60) == 150_000
    assert costs.deviation_cost(90) == 275_000
    assert costs.deviation_cost(180) == 650_000


def test_default_prices_shift_an_hour_for_a_storage_day_but_not_two() -> None:
    # Both 40' boxes are free to midnight (minute 1440); the first storage
    # day costs Rp 255,000. One prefers 00:00-01:00: an hour early (150,000)
    # beats the day. The other prefers 01:00-02:00: two hours early (400,000)
    # does not, so it keeps its window and pays the day.
    tariff = StorageTariff(daily_costs=(255_000, 510_000))
    instance = Instance(
        containers=(
            box("c1", (1440, 1500), discharged_at=600, storage=tariff),
            box("c2", (1500, 1560), discharged_at=600, storage=tariff),
        ),
        slots=(
            Slot("23h", 1380, 1440, 5),
            Slot("00h", 1440, 1500, 5),
            Slot("01h", 1500, 1560, 5),
        ),
        blocks=(Block("B1", 10),),
    )

    plan = solve(instance)

    assert slots_of(plan) == {"c1": "23h", "c2": "01h"}
    assert (plan.cost.deviation, plan.cost.storage) == (150_000, 255_000)


def test_free_time_after_noon_runs_to_the_next_midnight() -> None:
    tariff = StorageTariff(daily_costs=(100,))
    assert tariff.free_time_end(600) == 1440
    assert tariff.free_time_end(800) == 2880
    assert tariff.cost_until(1440, 1441) == (100, 1)
    assert tariff.cost_until(1440, 1440 + 3 * 1440) == (300, 3)


def test_load_above_soft_target_is_convex_and_exact() -> None:
    costs = Costs(
        deviation=(DeviationTier(60, 20_000),),
        overload=(OverloadTier(1, 10_000), OverloadTier(10, 50_000)),
    )
    instance = Instance(
        containers=tuple(box(f"c{i}", (0, 60)) for i in range(3)),
        slots=(
            Slot("A", 0, 60, 5, soft_target=1),
            Slot("B", 60, 120, 5, soft_target=1),
        ),
        blocks=(Block("B1", 10),),
        costs=costs,
    )
    instance = dataclasses.replace(
        instance,
        containers=tuple(
            dataclasses.replace(c, discharged_at=-120) for c in instance.containers
        ),
    )

    plan = solve(instance)

    # Two in A (one over target: 10,000) and one in B (an hour late: 20,000).
    assert Counter(slots_of(plan).values()) == {"A": 2, "B": 1}
    assert (plan.cost.overload, plan.cost.deviation) == (10_000, 20_000)


def test_infeasible_boxes_are_reported_not_raised() -> None:
    instance = Instance(
        containers=(
            box("held", (600, 660), customs_released_at=None),
            box("expired", (600, 660), do_expires_at=630),
            box("late", (600, 660), customs_released_at=700),
            box("ok1", (600, 660)),
            box("ok2", (600, 660)),
        ),
        slots=(Slot("A", 600, 660, 1),),
        blocks=(Block("B1", 10),),
        costs=FLAT,
    )

    plan = solve(instance)

    reasons = {cid: u.reason for cid, u in plan.unassigned.items()}
    served = next(iter(slots_of(plan)))
    turned_away = ({"ok1", "ok2"} - {served}).pop()
    assert reasons == {
        "held": UnassignedReason.HELD,
        "expired": UnassignedReason.NO_SLOT_IN_WINDOW,
        "late": UnassignedReason.NO_SLOT_IN_WINDOW,
        turned_away: UnassignedReason.NO_CAPACITY,
    }
    assert plan.unassigned["held"].detail == "waiting for customs release"
    assert slots_of(plan) == {served: "A"}
    assert plan.cost.unassigned == FLAT.unassigned


def test_quota_and_block_capacity_are_never_exceeded() -> None:
    for seed in range(5):
        instance = random_instance(seed)
        plan = solve(instance)

        blocks = {c.id: c.block for c in instance.containers}
        per_slot = Counter(a.slot_id for a in plan.assignments.values())
        per_block = Counter((blocks[c], a.slot_id) for c, a in plan.assignments.items())
        assert max(per_slot.values()) <= 8
        assert max(per_block.values()) <= 4
        assert len(plan.assignments) + len(plan.unassigned) == 60


def test_block_capacity_moves_boxes_apart() -> None:
    instance = dataclasses.replace(three_boxes_two_slots(), blocks=(Block("B1", 1),))

    plan = solve(instance)

    # One move an hour: one box per slot, the third cannot be served.
    assert Counter(slots_of(plan).values()) == {"A": 1, "B": 1}
    assert [u.reason for u in plan.unassigned.values()] == [
        UnassignedReason.NO_CAPACITY
    ]


def test_fixed_booking_is_kept_even_when_dearer() -> None:
    containers = list(three_boxes_two_slots().containers)
    containers[0] = dataclasses.replace(containers[0], booked_slot="B")
    instance = dataclasses.replace(
        three_boxes_two_slots(), containers=tuple(containers)
    )

    plan = solve(instance)

    assert slots_of(plan) == {"c1": "B", "c2": "A", "c3": "A"}
    assert plan.explanations["c1"].booking_kept
    assert plan.moved == 0


def test_same_input_gives_the_same_plan() -> None:
    first, second = solve(random_instance(7)), solve(random_instance(7))

    assert first.assignments == second.assignments
    assert first.cost == second.cost
    assert first.explanations == second.explanations


def test_explanation_names_the_full_cheaper_slot() -> None:
    plan = solve(three_boxes_two_slots())

    why = plan.explanations["c3"]
    assert (why.slot_id, why.ready_at, why.deviation_minutes) == ("B", 60, 30)
    assert [(a.slot_id, a.cost, a.full) for a in why.alternatives] == [("A", 0, True)]
