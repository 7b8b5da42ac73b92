from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.clock import Agenda, SimClock

START = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)


class FakeMonotonic:
    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self) -> float:
        return self.seconds


def test_clock_runs_speed_times_real_time() -> None:
    real = FakeMonotonic()
    clock = SimClock(START, speed=600, monotonic=real)

    real.seconds = 2.5
    assert clock.now() == START + timedelta(minutes=25)


def test_speed_change_keeps_the_current_instant() -> None:
    real = FakeMonotonic()
    clock = SimClock(START, speed=60, monotonic=real)
    real.seconds = 10

    clock.set_speed(0)
    real.seconds = 100
    assert clock.now() == START + timedelta(minutes=10)

    clock.set_speed(1)
    real.seconds = 160
    assert clock.now() == START + timedelta(minutes=11)


def test_clock_refuses_naive_start_and_negative_speed() -> None:
    with pytest.raises(ValueError, match="aware"):
        SimClock(datetime(2025, 3, 3, 8, 0), speed=1)
    with pytest.raises(ValueError, match="speed"):
        SimClock(START, speed=-1)


def test_advance_jumps_forward_only() -> None:
    clock = SimClock(START, speed=0)

    clock.advance(timedelta(hours=2))
    assert clock.now() == START + timedelta(hours=2)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(timedelta(minutes=-1))


def test_agenda_runs_due_happenings_in_time_order_with_their_due_time() -> None:
    agenda = Agenda()
    seen: list[tuple[str, datetime]] = []

    def later(due: datetime) -> None:
        seen.append(("later", due))

    def first(due: datetime) -> None:
        seen.append(("first", due))
        agenda.at(due + timedelta(minutes=5), later)

    agenda.at(START + timedelta(minutes=30), lambda due: seen.append(("last", due)))
    agenda.at(START, first)

    assert agenda.run_until(START + timedelta(minutes=10)) == 2
    assert seen == [("first", START), ("later", START + timedelta(minutes=5))]
    assert len(agenda) == 1
