"""Seeded pickup instances: vessel calls over three days, their boxes and the gate.

Minute 0 is local midnight of the first day. Figures follow DOMAIN.md: 2021
Tanjung Priok storage bases (Rp 42,500 20', Rp 85,000 40' a day) with day 1
free and then 300%, 600%, 900%; about nine in ten declarations on the green
lane; quay cranes at 25-30 moves an hour. Prices are the optimiser's
defaults (optimizer/model.py), deviation included: every method is scored
with them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from optimizer import (
    Block,
    BlockCapacityChanged,
    Change,
    Container,
    Costs,
    CustomsHold,
    EtaMoved,
    Instance,
    Slot,
    StorageTariff,
    Stowage,
    TruckerQuota,
    VesselCall,
    Window,
)

DAY = 1440
HOUR = 60
PLANNING_DAYS = 3
SLOT_DAYS = 4
TRUCKERS = tuple(f"TRK{i}" for i in range(8))
BASE_RATE = {20: 42_500, 40: 85_000}
ROWS, HOLD_TIERS, DECK_TIERS = 10, 8, 5


@dataclass(frozen=True, slots=True)
class Scenario:
    """An instance, the same with side constraints, and the events to re-plan for."""

    instance: Instance
    constrained: Instance
    events: dict[str, list[Change]]


def generate(size: int, seed: int) -> Scenario:
    """A reproducible scenario of `size` boxes from several vessel calls."""
    rng = random.Random(seed)
    calls = _calls(rng, size)
    containers = _containers(rng, size, calls)
    blocks = tuple(Block(f"Y{i:02d}", 10) for i in range(max(3, size // 400)))
    containers = [replace(c, block=rng.choice(blocks).id) for c in containers]
    instance = Instance(
        containers=tuple(containers),
        slots=_slots(size),
        blocks=blocks,
        vessel_calls=tuple(calls),
        costs=Costs(),
        settling_minutes=60,
    )
    return Scenario(instance, _constrained(rng, instance), _events(rng, instance))


def _calls(rng: random.Random, size: int) -> list[VesselCall]:
    count = 3 + size // 1000
    return [
        VesselCall(
            id=f"V{i:02d}",
            berth_at=rng.randrange(-12 * HOUR, 36 * HOUR, 30),
            cranes=rng.randint(2, 5),
            moves_per_crane_hour=rng.randint(25, 30),
        )
        for i in range(count)
    ]


def _slots(size: int) -> tuple[Slot, ...]:
    """One-hour slots round the clock; quota 1.5x and target 1.1x the mean load."""
    mean = size / (PLANNING_DAYS * 24)
    quota, target = math.ceil(1.5 * mean), math.ceil(1.1 * mean)
    return tuple(
        Slot(f"S{h:03d}", h * HOUR, (h + 1) * HOUR, quota, target)
        for h in range(SLOT_DAYS * 24)
    )


def _containers(
    rng: random.Random, size: int, calls: list[VesselCall]
) -> list[Container]:
    shares = [rng.uniform(0.5, 1.5) for _ in calls]
    total = sum(shares)
    counts = [int(size * share / total) for share in shares]
    counts[0] += size - sum(counts)
    boxes: list[Container] = []
    for call, count in zip(calls, counts, strict=True):
        places = _stowage(count)
        boxes += [_box(rng, call, len(boxes) + i, places[i]) for i in range(count)]
    return boxes


def _stowage(count: int) -> list[Stowage]:
    """Fill bays hold first, bottom up, then deck (tiers 82 and up, ISO 9711)."""
    tiers = [2 * t + 2 for t in range(HOLD_TIERS)] + [
        82 + 2 * t for t in range(DECK_TIERS)
    ]
    places = [
        Stowage(bay, row, tier)
        for bay in range(1, 200, 2)
        for row in range(ROWS)
        for tier in tiers
    ]
    return places[:count]


def _box(rng: random.Random, call: VesselCall, index: int, place: Stowage) -> Container:
    size = 20 if rng.random() < 0.4 else 40
    done = call.berth_at + 10 * HOUR
    lane = rng.random()
    release = call.berth_at - 6 * HOUR
    if lane > 0.9:
        release = done + rng.randrange(12 * HOUR, 36 * HOUR, 30)
    paid = release + rng.randrange(0, 6 * HOUR, 15)
    expiry = call.berth_at + rng.randrange(3 * DAY, 6 * DAY, HOUR)
    if rng.random() < 0.01:
        expiry = call.berth_at + rng.randrange(4 * HOUR, 12 * HOUR, HOUR)
    return Container(
        id=f"C{index:05d}",
        block="",
        size=size,
        storage=_tariff(size),
        vessel_call=call.id,
        stowage=place,
        customs_released_at=release,
        paid_at=paid,
        do_valid_from=call.berth_at - DAY,
        do_expires_at=expiry,
        preferred=_preferred(rng, max(done, paid)),
        trucker=rng.choice(TRUCKERS),
    )


def _tariff(size: int) -> StorageTariff:
    base = BASE_RATE[size]
    return StorageTariff(daily_costs=(3 * base, 6 * base, 9 * base))


def _preferred(rng: random.Random, after: int) -> Window:
    """A two-to-four-hour daytime window within two days of `after`."""
    day = max(0, after // DAY) + rng.choice((0, 0, 1, 1, 2))
    hour = rng.choice((7, 8, 8, 9, 9, 10, 10, 11, 13, 14, 15, 16, 19, 22))
    start = min(day * DAY + hour * HOUR, (SLOT_DAYS * DAY) - 4 * HOUR)
    return Window(start, start + rng.choice((2, 3, 4)) * HOUR)


def _constrained(rng: random.Random, instance: Instance) -> Instance:
    """Add trucker quotas and twin pairs of 20' boxes of one call and trucker."""
    mean = len(instance.containers) / (PLANNING_DAYS * 24)
    quotas = tuple(
        TruckerQuota(t, max(2, math.ceil(mean / len(TRUCKERS) * 1.6)))
        for t in TRUCKERS[:4]
    )
    twenties: dict[tuple[str | None, str | None], list[Container]] = {}
    for box in instance.containers:
        if box.size == 20:
            twenties.setdefault((box.vessel_call, box.trucker), []).append(box)
    pairs: list[tuple[str, str]] = []
    boxes = {c.id: c for c in instance.containers}
    for group in twenties.values():
        for first, second in zip(group[::2], group[1::2], strict=False):
            if rng.random() < 0.2:
                pairs.append((first.id, second.id))
                boxes[second.id] = replace(second, preferred=first.preferred)
    return replace(
        instance,
        containers=tuple(boxes[c.id] for c in instance.containers),
        trucker_quotas=quotas,
        twin_pairs=tuple(pairs),
    )


def _events(rng: random.Random, instance: Instance) -> dict[str, list[Change]]:
    calls = instance.vessel_calls
    late, later = calls[1], calls[2]
    held = rng.sample([c.id for c in instance.containers], 1)[0]
    block = rng.choice(instance.blocks).id
    drop_at = DAY + 8 * HOUR
    return {
        "eta+3h": [EtaMoved(late.id, late.berth_at + 3 * HOUR)],
        "eta+12h": [EtaMoved(later.id, later.berth_at + 12 * HOUR)],
        "customs hold": [CustomsHold(held, None)],
        "block drop": [BlockCapacityChanged(block, drop_at, drop_at + 6 * HOUR, 3)],
    }
