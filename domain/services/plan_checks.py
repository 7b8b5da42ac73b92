"""What a pickup plan request must satisfy before the optimiser is asked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from domain.errors import NotFoundError, ValidationError
from domain.models.shipments import Shipment
from domain.services.plan_inputs import PlanInputs, PreferredWindow
from domain.shipment_status import check_pickup_stage
from domain.time_bounds import check_near

MAX_WINDOWS = 20


def check_stage(shipment: Shipment) -> None:
    """A plan is made for a verified, live request only, as its bookings are."""
    check_pickup_stage(shipment.status, "NOT_PLANNABLE", "a pickup plan")


def check_window_times(windows: Sequence[PreferredWindow], at: datetime) -> None:
    """Each window a real span of the coming year; before any row is loaded."""
    if len(windows) > MAX_WINDOWS:
        raise ValidationError(
            f"at most {MAX_WINDOWS} windows", field=("preferredWindows",)
        )
    for index, window in enumerate(windows):
        field = ("preferredWindows", str(index))
        if window.end <= window.start:
            raise ValidationError(
                "`to` must come after `from`",
                code="INVALID_WINDOW",
                field=(*field, "to"),
            )
        if window.end <= at:
            raise ValidationError(
                "the window is over already: no truck can come in it",
                code="WINDOW_IN_PAST",
                field=(*field, "to"),
            )
        check_near(window.start, now=at, field=(*field, "from"))
        check_near(window.end, now=at, field=(*field, "to"))


def check_windows(windows: Sequence[PreferredWindow], inputs: PlanInputs) -> None:
    """Containers are left to plan; each named container is ours, in one window."""
    if not inputs.containers:
        raise ValidationError(
            "the shipment has no container left to pick up",
            code="NO_CONTAINERS",
            field=("shipmentId",),
        )
    named: set[uuid.UUID] = set()
    ours = {c.id for c in inputs.containers.values()}
    for index, window in enumerate(windows):
        field = ("preferredWindows", str(index))
        for cid in window.container_ids or ():
            if cid not in ours:
                raise NotFoundError(
                    "no such container in the shipment",
                    field=(*field, "containerNumbers"),
                )
            if cid in named:
                raise ValidationError(
                    "a container may have one preferred window",
                    code="WINDOWS_OVERLAP",
                    field=(*field, "containerNumbers"),
                )
            named.add(cid)
