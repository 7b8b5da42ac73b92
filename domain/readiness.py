"""Pickup readiness as explicit conditions, each with the time it was (or will be) met.

A container may leave the terminal once it is discharged (and has settled in
the yard), released by customs (SPPB, Surat Persetujuan Pengeluaran Barang),
released by the line (a Delivery Order valid that day), its terminal charges
are paid, and no hold is on it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.errors import ValidationError


class Condition(enum.StrEnum):
    """One condition a container must meet before pickup."""

    DISCHARGED = "DISCHARGED"
    CUSTOMS_RELEASED = "CUSTOMS_RELEASED"
    DO_VALID = "DO_VALID"
    PAID = "PAID"
    NO_HOLDS = "NO_HOLDS"


@dataclass(frozen=True, slots=True)
class Hold:
    """A block on pickup (customs, line, terminal) from `placed_at` until released."""

    code: str
    placed_at: datetime
    released_at: datetime | None = None

    def active_at(self, at: datetime) -> bool:
        return self.placed_at <= at and (
            self.released_at is None or at < self.released_at
        )


@dataclass(frozen=True, slots=True)
class ReadinessFacts:
    """What is known of one container's releases; all times timezone-aware."""

    discharged_at: datetime | None = None
    estimated_discharge_at: datetime | None = None
    settling_time: timedelta = timedelta(0)
    customs_released_at: datetime | None = None
    do_valid_from: datetime | None = None
    do_valid_to: datetime | None = None
    paid_at: datetime | None = None
    holds: tuple[Hold, ...] = ()


@dataclass(frozen=True, slots=True)
class ConditionStatus:
    """Whether a condition holds at `as_of`, since when, or when it is expected."""

    condition: Condition
    met: bool
    met_at: datetime | None
    expected_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ReadyWindow:
    """When pickup may happen: from `earliest` to `latest`, once `unmet` is empty.

    While conditions are unmet, `earliest` is a lower bound from the times known
    (an estimated discharge counts); it is None when no time is known at all.
    `latest` is the Delivery Order's expiry, None without one.
    """

    earliest: datetime | None
    latest: datetime | None
    unmet: list[Condition]
    conditions: tuple[ConditionStatus, ...] = ()

    @property
    def ready(self) -> bool:
        return not self.unmet

    @property
    def closed(self) -> bool:
        """The window is empty: the earliest pickup falls after the DO expires."""
        return (
            self.earliest is not None
            and self.latest is not None
            and self.earliest > self.latest
        )


def ready_window(facts: ReadinessFacts, *, as_of: datetime) -> ReadyWindow:
    """Evaluate every condition at `as_of` and the pickup window they leave."""
    _check_aware(facts, as_of)

    statuses = (
        _discharged(facts, as_of),
        _timed(Condition.CUSTOMS_RELEASED, facts.customs_released_at, as_of),
        _do_valid(facts, as_of),
        _timed(Condition.PAID, facts.paid_at, as_of),
        _no_holds(facts.holds, as_of),
    )

    known = [s.met_at or s.expected_at for s in statuses]
    times = [t for t in known if t is not None]
    return ReadyWindow(
        earliest=max(times) if times else None,
        latest=facts.do_valid_to,
        unmet=[s.condition for s in statuses if not s.met],
        conditions=statuses,
    )


def _discharged(facts: ReadinessFacts, as_of: datetime) -> ConditionStatus:
    """Discharge counts once the box has settled in the yard."""
    if facts.discharged_at is not None:
        settled = facts.discharged_at + facts.settling_time
        return ConditionStatus(Condition.DISCHARGED, settled <= as_of, settled)
    expected = None
    if facts.estimated_discharge_at is not None:
        expected = facts.estimated_discharge_at + facts.settling_time
    return ConditionStatus(Condition.DISCHARGED, False, None, expected)


def _timed(
    condition: Condition, met_at: datetime | None, as_of: datetime
) -> ConditionStatus:
    return ConditionStatus(condition, met_at is not None and met_at <= as_of, met_at)


def _do_valid(facts: ReadinessFacts, as_of: datetime) -> ConditionStatus:
    """A Delivery Order releases the box only between its validity dates."""
    start, end = facts.do_valid_from, facts.do_valid_to
    in_force = start is not None and start <= as_of and (end is None or as_of <= end)
    return ConditionStatus(Condition.DO_VALID, in_force, start)


def _no_holds(holds: Sequence[Hold], as_of: datetime) -> ConditionStatus:
    """Met when no hold is active; since the last release, if any hold was lifted."""
    if any(hold.active_at(as_of) for hold in holds):
        return ConditionStatus(Condition.NO_HOLDS, False, None)
    releases = [h.released_at for h in holds if h.released_at is not None]
    return ConditionStatus(Condition.NO_HOLDS, True, max(releases, default=None))


def _check_aware(facts: ReadinessFacts, as_of: datetime) -> None:
    moments = {
        "asOf": as_of,
        "dischargedAt": facts.discharged_at,
        "estimatedDischargeAt": facts.estimated_discharge_at,
        "customsReleasedAt": facts.customs_released_at,
        "doValidFrom": facts.do_valid_from,
        "doValidTo": facts.do_valid_to,
        "paidAt": facts.paid_at,
    }
    for number, hold in enumerate(facts.holds):
        moments[f"holds.{number}.placedAt"] = hold.placed_at
        moments[f"holds.{number}.releasedAt"] = hold.released_at
    for name, moment in moments.items():
        if moment is not None and moment.utcoffset() is None:
            raise ValidationError(f"{name} must carry a UTC offset", field=(name,))
    if facts.settling_time < timedelta(0):
        raise ValidationError(
            "settling time cannot be negative", field=("settlingTime",)
        )
