"""Simulated time for the simulators: a clock that can run fast, and an agenda."""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


class SimClock:
    """A UTC clock that starts at a given instant and runs `speed` times real time.

    Speed 0 stops the clock; changing the speed keeps the current instant, so
    simulated time never jumps back.
    """

    def __init__(
        self,
        start: datetime,
        speed: float = 1.0,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs an aware start instant")
        _check_speed(speed)
        self._monotonic = monotonic
        self._anchor_sim = start.astimezone(UTC)
        self._anchor_real = monotonic()
        self._speed = speed

    @property
    def speed(self) -> float:
        """Simulated seconds per real second."""
        return self._speed

    def now(self) -> datetime:
        """The current simulated instant, timezone-aware UTC."""
        elapsed = self._monotonic() - self._anchor_real
        return self._anchor_sim + timedelta(seconds=elapsed * self._speed)

    def set_speed(self, speed: float) -> None:
        """Run at a new speed from the current simulated instant on."""
        _check_speed(speed)
        self._reanchor(self.now())
        self._speed = speed

    def advance(self, delta: timedelta) -> None:
        """Jump forward in simulated time (a demo skipping a quiet night)."""
        if delta < timedelta(0):
            raise ValueError("simulated time only moves forward")
        self._reanchor(self.now() + delta)

    def _reanchor(self, instant: datetime) -> None:
        self._anchor_sim = instant
        self._anchor_real = self._monotonic()


def _check_speed(speed: float) -> None:
    if not speed >= 0:
        raise ValueError("the clock speed must be zero or more")


Happening = Callable[[datetime], None]


class Agenda:
    """What is due to happen when: happenings run in time order, ties first-come.

    A happening receives its own due time, not the time it was run at, so a
    simulation reads the same however often it is advanced.
    """

    def __init__(self) -> None:
        self._queue: list[tuple[datetime, int, Happening]] = []
        self._order = itertools.count()

    def __len__(self) -> int:
        return len(self._queue)

    def at(self, due: datetime, happening: Happening) -> None:
        """Have `happening` run once simulated time reaches `due`."""
        heapq.heappush(self._queue, (due, next(self._order), happening))

    def run_until(self, now: datetime) -> int:
        """Run every happening due by `now`, including those they schedule."""
        ran = 0
        while self._queue and self._queue[0][0] <= now:
            due, _, happening = heapq.heappop(self._queue)
            happening(due)
            ran += 1
        return ran
