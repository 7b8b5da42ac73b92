"""Small optimiser instances whose optimum can be worked out by hand."""

from __future__ import annotations

import random

from optimizer import Block, Container, Costs, DeviationTier, Instance, Slot, Window

HOUR = 60
FLAT = Costs(deviation=(DeviationTier(60, 60_000),), overload=())


def box(
    cid: str, preferred: tuple[int, int] | None = None, **fields: object
) -> Container:
    """A 40' box in block B1, discharged at minute 0 and released at once."""
    values: dict[str, object] = {"block": "B1", "size": 40, "discharged_at": 0}
    values.update(fields)
    window = Window(*preferred) if preferred else None
    return Container(id=cid, preferred=window, **values)  # type: ignore[arg-type]


def three_boxes_two_slots(**fields: object) -> Instance:
    """c1, c2 prefer 10:00-11:00, c3 10:00-11:30; slots A 10-11, B 11-12, quota 2."""
    return Instance(
        containers=(
            box("c1", (600, 660)),
            box("c2", (600, 660)),
            box("c3", (600, 690)),
        ),
        slots=(Slot("A", 600, 660, 2), Slot("B", 660, 720, 2)),
        blocks=(Block("B1", 10),),
        costs=FLAT,
        **fields,  # type: ignore[arg-type]
    )


def random_instance(seed: int, boxes: int = 60) -> Instance:
    """A seeded instance with tight quotas and yard blocks."""
    rng = random.Random(seed)
    slots = tuple(Slot(f"S{h}", h * HOUR, (h + 1) * HOUR, 8, 6) for h in range(8))
    blocks = tuple(Block(f"Y{i}", 4) for i in range(3))
    containers = []
    for i in range(boxes):
        ready = rng.randrange(0, 4 * HOUR, 30)
        start = ready + rng.randrange(0, 3 * HOUR, 30)
        containers.append(
            box(
                f"C{i:03d}",
                (start, start + 2 * HOUR),
                block=rng.choice(blocks).id,
                customs_released_at=ready,
                trucker=rng.choice(("T1", "T2", "T3")),
            )
        )
    return Instance(tuple(containers), slots, blocks)
