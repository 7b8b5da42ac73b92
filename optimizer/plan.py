"""What the pickup optimiser returns: assignments, reasons, costs and explanations."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from optimizer.model import Window


class UnassignedReason(StrEnum):
    """Why a container has no recommended slot."""

    HELD = "held"
    NO_SLOT_IN_WINDOW = "no_slot_in_window"
    NO_CAPACITY = "no_capacity"


@dataclass(frozen=True, slots=True)
class Assignment:
    """A container recommended into a slot, with its own share of the cost."""

    container_id: str
    slot_id: str
    cost: int
    deviation_minutes: int
    storage_cost: int


@dataclass(frozen=True, slots=True)
class Unassigned:
    """A container the plan could not place, and why."""

    container_id: str
    reason: UnassignedReason
    detail: str


@dataclass(frozen=True, slots=True)
class Alternative:
    """Another feasible slot for a container and what it would have cost."""

    slot_id: str
    start: int
    cost: int
    deviation_minutes: int
    storage_cost: int
    full: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a container got its slot: readiness, preference, storage, alternatives.

    `storage_step_at` is the next time a storage day would start to be
    charged after the chosen slot and `storage_step_cost` what that day
    costs: the charge the recommendation avoids by picking up before it.
    """

    container_id: str
    slot_id: str
    ready_at: int
    latest_end: int | None
    preferred: Window | None
    deviation_minutes: int
    deviation_cost: int
    storage_cost: int
    storage_days: int
    storage_step_at: int | None
    storage_step_cost: int
    booking_kept: bool
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """Plan cost by part, in rupiah; `total` is what the solver minimised."""

    deviation: int = 0
    storage: int = 0
    overload: int = 0
    unassigned: int = 0
    moves: int = 0

    @property
    def total(self) -> int:
        """Sum of all parts."""
        return (
            self.deviation + self.storage + self.overload + self.unassigned + self.moves
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """A pickup plan: who goes in which slot, who could not, and at what cost.

    `method` names the path that produced it (flow, cp-sat for the
    side-constraint path whether or not its CP-SAT stage ran, repair,
    improve); `optimal` is True when the solver proved the plan optimal for
    its model; `moved` counts containers whose slot differs from the
    previous plan (or whose fixed booking had to be released). `progress`
    holds (milliseconds since the solve started, objective) of each better
    plan a search found on the way, the last being this plan.
    """

    assignments: dict[str, Assignment]
    unassigned: dict[str, Unassigned]
    cost: CostBreakdown
    method: str
    optimal: bool
    moved: int = 0
    solve_ms: float = 0.0
    bound: int | None = None
    explanations: dict[str, Explanation] = field(default_factory=dict)
    progress: tuple[tuple[float, int], ...] = ()

    def slot_of(self, container_id: str) -> str | None:
        """The recommended slot of a container, or None if unassigned."""
        found = self.assignments.get(container_id)
        return found.slot_id if found else None
