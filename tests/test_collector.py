"""The cycle collector's policy: survivors frozen out of its walks, cycles reclaimed."""

from __future__ import annotations

import gc
import weakref

from dermaga.collector import CollectorPolicy, managed_collection


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


def test_settling_freezes_what_survives() -> None:
    policy = CollectorPolicy()
    kept = [_Node() for _ in range(1000)]

    policy.settle()

    assert gc.get_freeze_count() >= len(kept)


def test_a_frozen_cycle_waits_for_the_reclaim() -> None:
    policy = CollectorPolicy()
    holder = [_Node()]
    holder[0].other = holder[0]
    alive = weakref.ref(holder[0])
    policy.settle()
    holder.clear()

    gc.collect()
    assert alive() is not None, "a frozen cycle is out of the collector's reach"

    policy.reclaim()
    assert alive() is None


def test_a_young_cycle_is_collected_when_settling() -> None:
    policy = CollectorPolicy()
    gone = _cycle()

    policy.settle()

    assert gone() is None


async def test_the_app_leaves_nothing_frozen_when_it_stops() -> None:
    async with managed_collection(CollectorPolicy(settle_seconds=0.01)):
        assert gc.get_freeze_count() > 0

    assert gc.get_freeze_count() == 0
