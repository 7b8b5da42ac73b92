"""Root fields of pickup plans: recommend one, accept it, follow its new versions."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession

from domain import events
from domain.models.shipments import Shipment as ShipmentRow
from domain.services import bookings, planning
from domain.services.plan_inputs import PreferredWindow
from domain.viewer import Viewer
from resolvers.transaction import run_use_case
from schema.context import Info, Loaders
from schema.errors import USER_ERRORS, UserError
from schema.permissions import IsAuthenticated
from schema.pickup_plans import PickupPlan, current_plans
from schema.relay import SentID, parse_global_id
from schema.scheduling import TruckBooking
from schema.subscriptions import watch


@strawberry.input(description="A preferred pickup window.")
class PreferredWindowInput:
    from_: datetime = strawberry.field(name="from", description="Start of it.")
    to: datetime = strawberry.field(description="End of it (exclusive).")
    container_numbers: list[str] | None = strawberry.field(
        default=None,
        description="The containers it is for; null for every container "
        "not named by another window.",
    )


@strawberry.input(description="Ask the optimiser for a shipment's pickup plan.")
class RecommendPickupPlanInput:
    shipment_id: SentID = strawberry.field(description="The shipment.")
    preferred_windows: list[PreferredWindowInput] | None = strawberry.field(
        default=None,
        description="When the customer would like to pick up; none for the "
        "earliest, cheapest slots.",
    )


@strawberry.type(description="The new current plan.")
class PickupPlanPayload:
    plan: PickupPlan | None = strawberry.field(description="The plan.")
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.input(description="Book every slot of the current plan.")
class AcceptPickupPlanInput:
    plan_id: SentID = strawberry.field(description="The current plan.")
    truck_plate: str | None = strawberry.field(
        default=None, description="One truck for all its new bookings; or later."
    )
    driver_name: str | None = strawberry.field(
        default=None, description="Its driver; or later."
    )


@strawberry.type(description="The accepted plan and its bookings.")
class AcceptPickupPlanPayload:
    plan: PickupPlan | None = strawberry.field(description="The plan.")
    bookings: list[TruckBooking] = strawberry.field(
        description="One active booking per planned container."
    )
    user_errors: list[UserError] = strawberry.field(description=USER_ERRORS)


@strawberry.type
class PlanQuery:
    @strawberry.field(
        description="The shipment's current recommended pickup plan; null if "
        "none was asked for or the shipment may not be seen.",
        permission_classes=[IsAuthenticated],
    )
    async def pickup_plan(self, info: Info, shipment_id: SentID) -> PickupPlan | None:
        key = parse_global_id(shipment_id, "Shipment")
        loader = info.context.loaders.batched("plan.current", current_plans)
        return await loader.load(key)


@strawberry.type
class PlanMutation:
    @strawberry.mutation(
        description="Ask the optimiser for the best pickup slot of each "
        "container, given the preferred windows; it becomes the current plan. "
        "The request must be verified (NOT_SUBMITTED for a draft, NOT_VERIFIED "
        "until an operator has verified it).",
        permission_classes=[IsAuthenticated],
    )
    async def recommend_pickup_plan(
        self, info: Info, input: RecommendPickupPlanInput
    ) -> PickupPlanPayload:
        shipment_id = parse_global_id(input.shipment_id, "Shipment")

        async def use_case(session: AsyncSession, viewer: Viewer) -> PickupPlan:
            given = input.preferred_windows or []
            windows = await _windows(session, shipment_id, given)
            row = await planning.recommend_plan(
                session, viewer, shipment_id=shipment_id, windows=windows
            )
            return PickupPlan.from_model(row)

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return PickupPlanPayload(plan=None, user_errors=result)
        return PickupPlanPayload(plan=result, user_errors=[])

    @strawberry.mutation(
        description="Accept the current plan: book each planned slot, moving "
        "bookings the plan relocated. All or nothing.",
        permission_classes=[IsAuthenticated],
    )
    async def accept_pickup_plan(
        self, info: Info, input: AcceptPickupPlanInput
    ) -> AcceptPickupPlanPayload:
        plan_id = parse_global_id(input.plan_id, "PickupPlan")
        truck = bookings.Truck(input.truck_plate, input.driver_name)

        async def use_case(
            session: AsyncSession, viewer: Viewer
        ) -> AcceptPickupPlanPayload:
            plan, booked = await planning.accept_plan(
                session, viewer, plan_id=plan_id, truck=truck
            )
            return AcceptPickupPlanPayload(
                plan=PickupPlan.from_model(plan),
                bookings=[TruckBooking.from_model(b) for b in booked],
                user_errors=[],
            )

        result = await run_use_case(info, use_case)
        if isinstance(result, list):
            return AcceptPickupPlanPayload(plan=None, bookings=[], user_errors=result)
        return result


@strawberry.type
class PlanSubscription:
    @strawberry.subscription(
        description="The shipment's current pickup plan whenever a new version "
        "is made: recommended, repaired after an ETA change, a delay, an "
        "inspection or a quota change, or improved in the background.",
        permission_classes=[IsAuthenticated],
    )
    async def pickup_plan_changed(
        self, info: Info, shipment_id: SentID
    ) -> AsyncGenerator[PickupPlan, None]:
        key = parse_global_id(shipment_id, "Shipment")
        reader, loaders = info.context.fresh_loaders()
        try:
            visible = await loaders.of(ShipmentRow).load(key)
        finally:
            await reader.close()
        if visible is None:
            raise GraphQLError("no such shipment", extensions={"code": "NOT_FOUND"})

        async def load(loaders: Loaders, _: dict[str, Any]) -> PickupPlan | None:
            # Checked again for every event: access may have ended meanwhile.
            if info.context.viewer is None:
                return None
            return await loaders.batched("plan.current", current_plans).load(key)

        return watch(info, events.plan_channel(key), load)


async def _windows(
    session: AsyncSession, shipment_id: uuid.UUID, given: list[PreferredWindowInput]
) -> list[PreferredWindow]:
    windows = []
    for index, window in enumerate(given):
        ids = None
        if window.container_numbers is not None:
            field = ("preferredWindows", str(index), "containerNumbers")
            found = await bookings.containers_by_number(
                session, shipment_id, window.container_numbers, field
            )
            ids = tuple(found)
        windows.append(PreferredWindow(window.from_, window.to, ids))
    return windows
