from __future__ import annotations

import random

from optimizer import Stowage, VesselCall, plan_discharge
from optimizer.discharge import estimate_discharge, split_bays
from tests.optimizer.builders import box

CALL = VesselCall("V1", berth_at=1000, cranes=1, moves_per_crane_hour=30)


def test_a_stack_comes_off_top_down_whatever_is_due() -> None:
    boxes = [
        ("bottom", Stowage(1, 0, 2)),
        ("middle", Stowage(1, 0, 4)),
        ("top", Stowage(1, 0, 6)),
    ]

    plan = plan_discharge(CALL, boxes, {"bottom": 10, "top": 900})

    assert plan.crane_sequence(0) == ("top", "middle", "bottom")
    assert plan.times() == {"top": 1002, "middle": 1004, "bottom": 1006}


def test_the_stack_holding_the_earliest_pickup_is_dug_out_first() -> None:
    boxes = [
        ("a-low", Stowage(1, 0, 2)),
        ("a-high", Stowage(1, 0, 4)),
        ("b-low", Stowage(1, 1, 2)),
        ("b-high", Stowage(1, 1, 4)),
    ]
    due = {"a-low": 100, "a-high": 900, "b-low": 500, "b-high": 600}

    plan = plan_discharge(CALL, boxes, due)

    assert plan.crane_sequence(0) == ("a-high", "a-low", "b-high", "b-low")


def test_cranes_take_contiguous_bays_of_about_equal_work() -> None:
    assert split_bays({1: 10, 3: 10, 5: 10, 7: 10}, 2) == {1: 0, 3: 0, 5: 1, 7: 1}


def test_random_stowage_never_lifts_a_box_before_the_ones_above() -> None:
    rng = random.Random(5)
    call = VesselCall("V2", 0, cranes=3, moves_per_crane_hour=27)
    places = {
        f"C{i}": Stowage(bay, row, tier)
        for i, (bay, row, tier) in enumerate(
            (b, r, t) for b in (1, 3, 5, 7) for r in range(4) for t in (2, 4, 6, 82, 84)
        )
    }
    due = {cid: rng.randrange(0, 5000) for cid in places}

    plan = plan_discharge(call, list(places.items()), due)

    lifted = {m.container_id: (m.crane, m.sequence) for m in plan.moves}
    assert len(lifted) == len(places)
    for cid, place in places.items():
        for other, above in places.items():
            same_stack = (above.bay, above.row) == (place.bay, place.row)
            if same_stack and above.tier > place.tier:
                assert lifted[other][0] == lifted[cid][0]
                assert lifted[other][1] < lifted[cid][1]


def test_boxes_without_stowage_get_the_calls_completion_time() -> None:
    call = VesselCall("V3", 0, cranes=2, moves_per_crane_hour=25)
    boxes = [box(f"c{i}", discharged_at=None, vessel_call="V3") for i in range(5)]

    times = estimate_discharge(call, boxes, {})

    # Three moves on the busier crane at 25 an hour: 7.2 minutes, rounded up.
    assert set(times.values()) == {8}
