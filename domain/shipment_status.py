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
# Pickups are booked and planned once an operator has verified the request:
# its papers show whose the boxes are, so no one holds seats for others' boxes.
BOOKABLE = frozenset({S.VERIFIED, S.AWAITING_PAYMENT, S.IN_SERVICE, S.READY_FOR_PICKUP})
# The terminal's reports on a box reach a request from verification on.
TRACKED = BOOKABLE | {S.COMPLETED}


def check_transition(current: ShipmentStatus, target: ShipmentStatus) -> None:
    """Refuse a move the machine does not allow, naming both ends."""
    if target not in TRANSITIONS[current]:
        raise ConflictError(
            f"a {current.value} request cannot become {target.value}",
            code="ILLEGAL_TRANSITION",
        )


def check_pickup_stage(status: ShipmentStatus, closed_code: str, what: str) -> None:
    """Refuse pickup work (`what`: a booking, a plan) for a request not verified.

    A closed request is refused with `closed_code`; a draft as NOT_SUBMITTED,
    any other unverified request as NOT_VERIFIED.
    """
    if status in BOOKABLE:
        return
    if status in (S.COMPLETED, S.CANCELLED):
        message = f"a {status.lower()} request takes no {what}"
        raise ConflictError(message, code=closed_code, field=("shipmentId",))
    if status is S.DRAFT:
        # Nothing is known to be coming yet: papers, payment and the vessel
        # call are checked only once the request is submitted.
        raise ConflictError(
            f"submit the request, and have it verified, before asking for {what}",
            code="NOT_SUBMITTED",
            field=("shipmentId",),
        )
    raise ConflictError(
        f"{what} waits until the request is verified",
        code="NOT_VERIFIED",
        field=("shipmentId",),
    )
