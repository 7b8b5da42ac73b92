"""The import request's status machine (pure rules, no database)."""

from __future__ import annotations

import enum

from domain.errors import ConflictError


class ShipmentStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    IN_VERIFICATION = "IN_VERIFICATION"
    VERIFIED = "VERIFIED"
    REJECTED = "REJECTED"
    AWAITING_PAYMENT = "AWAITING_PAYMENT"
    IN_SERVICE = "IN_SERVICE"
    READY_FOR_PICKUP = "READY_FOR_PICKUP"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"


S = ShipmentStatus
# Who may move a request where: the customer drafts, submits and cancels; the
# operator verifies; payments and the terminal move it through service.
TRANSITIONS: dict[ShipmentStatus, frozenset[ShipmentStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.IN_VERIFICATION, S.VERIFIED, S.REJECTED, S.CANCELLED}),
    S.IN_VERIFICATION: frozenset({S.VERIFIED, S.REJECTED, S.CANCELLED}),
    S.REJECTED: frozenset({S.DRAFT, S.CANCELLED}),
    S.VERIFIED: frozenset({S.AWAITING_PAYMENT, S.IN_SERVICE, S.CANCELLED}),
    S.AWAITING_PAYMENT: frozenset({S.IN_SERVICE, S.CANCELLED}),
    S.IN_SERVICE: frozenset({S.READY_FOR_PICKUP, S.COMPLETED}),
    S.READY_FOR_PICKUP: frozenset({S.IN_SERVICE, S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}
EDITABLE = frozenset({S.DRAFT})
# The terminal's reports on a box reach a request once an operator has
# verified it: its papers show the box is the customer's to follow.
TRACKED = frozenset(
    {S.VERIFIED, S.AWAITING_PAYMENT, S.IN_SERVICE, S.READY_FOR_PICKUP, S.COMPLETED}
)


def check_transition(current: ShipmentStatus, target: ShipmentStatus) -> None:
    """Refuse a move the machine does not allow, naming both ends."""
    if target not in TRANSITIONS[current]:
        raise ConflictError(
            f"a {current.value} request cannot become {target.value}",
            code="ILLEGAL_TRANSITION",
        )
