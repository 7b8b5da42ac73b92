"""Pickup readiness: each condition with the time it was met, and the window."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.errors import ValidationError
from domain.readiness import (
    Condition,
    ConditionStatus,
    Hold,
    ReadinessFacts,
    ready_window,
)

WIB = ZoneInfo("Asia/Jakarta")
ONE_HOUR = timedelta(hours=1)


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2021, 3, day, hour, minute, tzinfo=WIB)


# Discharged 07:00 (settled 08:00), SPPB 13:00, paid 10:00, DO 28 Feb to 5 Mar.
CLEARED = ReadinessFacts(
    discharged_at=wib(1, 7),
    settling_time=ONE_HOUR,
    customs_released_at=wib(1, 13),
    do_valid_from=datetime(2021, 2, 28, tzinfo=WIB),
    do_valid_to=wib(5, 23, 59),
    paid_at=wib(1, 10),
)


def status(
    window_conditions: tuple[ConditionStatus, ...], c: Condition
) -> ConditionStatus:
    (found,) = [s for s in window_conditions if s.condition is c]
    return found


def test_all_conditions_met_gives_a_window_from_the_last_one_to_do_expiry() -> None:
    window = ready_window(CLEARED, as_of=wib(1, 14))

    assert window.ready
    assert window.unmet == []
    # latest of settled 08:00, SPPB 13:00, paid 10:00, DO from 28 Feb
    assert window.earliest == wib(1, 13)
    assert window.latest == wib(5, 23, 59)
    assert not window.closed


def test_each_condition_records_when_it_was_met() -> None:
    window = ready_window(CLEARED, as_of=wib(1, 14))

    met_at = {s.condition: s.met_at for s in window.conditions}
    assert met_at == {
        Condition.DISCHARGED: wib(1, 8),
        Condition.CUSTOMS_RELEASED: wib(1, 13),
        Condition.DO_VALID: datetime(2021, 2, 28, tzinfo=WIB),
        Condition.PAID: wib(1, 10),
        Condition.NO_HOLDS: None,
    }


def test_before_sppb_only_customs_is_unmet_and_earliest_is_a_lower_bound() -> None:
    window = ready_window(replace(CLEARED, customs_released_at=None), as_of=wib(1, 11))

    assert window.unmet == [Condition.CUSTOMS_RELEASED]
    assert not window.ready
    # latest known: paid 10:00 (settled 08:00, DO from 28 Feb)
    assert window.earliest == wib(1, 10)


def test_discharge_counts_only_after_settling() -> None:
    facts = replace(CLEARED, customs_released_at=wib(1, 6), paid_at=wib(1, 6))

    assert ready_window(facts, as_of=wib(1, 7, 59)).unmet == [Condition.DISCHARGED]
    assert ready_window(facts, as_of=wib(1, 8)).ready


def test_estimated_discharge_sets_earliest_but_does_not_meet_the_condition() -> None:
    facts = ReadinessFacts(
        estimated_discharge_at=wib(2, 6), settling_time=timedelta(hours=2)
    )

    window = ready_window(facts, as_of=wib(1, 9))

    assert window.earliest == wib(2, 8)
    assert window.latest is None
    assert window.unmet == [
        Condition.DISCHARGED,
        Condition.CUSTOMS_RELEASED,
        Condition.DO_VALID,
        Condition.PAID,
    ]
    discharged = status(window.conditions, Condition.DISCHARGED)
    assert discharged.met_at is None
    assert discharged.expected_at == wib(2, 8)


def test_actual_discharge_overrides_the_estimate() -> None:
    facts = replace(
        CLEARED, estimated_discharge_at=wib(3, 6), customs_released_at=wib(1, 6)
    )

    window = ready_window(facts, as_of=wib(1, 12))

    assert window.ready
    assert window.earliest == wib(1, 10)


def test_do_validity_start_can_be_the_binding_time() -> None:
    window = ready_window(replace(CLEARED, do_valid_from=wib(2, 0)), as_of=wib(1, 14))

    assert window.unmet == [Condition.DO_VALID]
    assert window.earliest == wib(2, 0)


def test_expired_do_is_unmet() -> None:
    window = ready_window(CLEARED, as_of=wib(6, 0))

    assert window.unmet == [Condition.DO_VALID]


def test_do_expiring_before_release_closes_the_window() -> None:
    window = ready_window(replace(CLEARED, do_valid_to=wib(1, 12)), as_of=wib(1, 11))

    assert window.closed
    assert window.earliest == wib(1, 13)
    assert window.latest == wib(1, 12)


def test_active_hold_blocks_and_a_lifted_one_sets_the_time() -> None:
    held = replace(CLEARED, holds=(Hold("CUSTOMS_HOLD", wib(1, 9)),))
    lifted = replace(CLEARED, holds=(Hold("CUSTOMS_HOLD", wib(1, 9), wib(1, 15)),))

    held_window = ready_window(held, as_of=wib(1, 14))
    assert held_window.unmet == [Condition.NO_HOLDS]
    assert held_window.earliest == wib(1, 13)
    assert ready_window(lifted, as_of=wib(1, 14)).unmet == [Condition.NO_HOLDS]
    lifted_window = ready_window(lifted, as_of=wib(1, 16))
    assert lifted_window.ready
    assert lifted_window.earliest == wib(1, 15)


def test_readiness_refuses_naive_times_and_negative_settling() -> None:
    with pytest.raises(ValidationError):
        ready_window(
            replace(CLEARED, paid_at=datetime(2021, 3, 1, 10)), as_of=wib(1, 14)
        )
    with pytest.raises(ValidationError):
        ready_window(CLEARED, as_of=datetime(2021, 3, 1, 14))
    with pytest.raises(ValidationError):
        ready_window(replace(CLEARED, settling_time=-ONE_HOUR), as_of=wib(1, 14))
