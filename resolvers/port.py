"""Root fields of the port: vessel calls, and live vessel and discharge updates."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncGenerator, AsyncIterator
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from sqlalchemy import func, nulls_last, select

from domain import events
from domain.models.port import VesselCall as VesselCallRow
from domain.models.shipments import Shipment as ShipmentRow
from domain.vessel_events import VesselCallStatus
from schema.context import Info, Loaders
from schema.discharge import DischargeProgress, discharge_of
from schema.permissions import IsAuthenticated
from schema.port import VesselCall
from schema.relay import Connection, SentID, paginate, parse_global_id
from schema.subscriptions import watch

# UN/LOCODE: country code and three letters or digits 2-9 (UNECE Rec. 16).
LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")


class BadInputError(GraphQLError):
    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "BAD_USER_INPUT"})


class NotFoundGraphQLError(GraphQLError):
    def __init__(self, message: str) -> None:
        super().__init__(message, extensions={"code": "NOT_FOUND"})


@strawberry.input(description="Which vessel calls to list; every field narrows.")
class VesselCallFilter:
    port: str | None = strawberry.field(
        default=None, description="UN/LOCODE of the port, such as IDTPP."
    )
    terminal: str | None = strawberry.field(
        default=None, description="Terminal code, such as JICT."
    )
    status: list[VesselCallStatus] | None = strawberry.field(
        default=None, description="Any of these stages."
    )
    from_: datetime | None = strawberry.field(
        default=None,
        name="from",
        description="Calls berthing (actual, else estimated) at or after this time.",
    )
    to: datetime | None = strawberry.field(
        default=None, description="Calls berthing before this time."
    )


@strawberry.type
class PortQuery:
    @strawberry.field(
        description="Vessel calls by port, terminal, stage and berthing window, "
        "earliest berthing first. Public schedule data for any signed-in viewer.",
        permission_classes=[IsAuthenticated],
    )
    async def vessel_calls(
        self,
        info: Info,
        filter: VesselCallFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[VesselCall]:
        call = VesselCallRow
        berthing = func.coalesce(call.atb, call.eta)
        statement = select(call).order_by(nulls_last(berthing.asc()), call.id)
        criteria = filter or VesselCallFilter()
        if criteria.port is not None:
            statement = statement.where(call.port == _locode(criteria.port))
        if criteria.terminal is not None:
            statement = statement.where(call.terminal == criteria.terminal)
        if criteria.status:
            statement = statement.where(call.status.in_(criteria.status))
        if criteria.from_ is not None:
            statement = statement.where(berthing >= criteria.from_)
        if criteria.to is not None:
            statement = statement.where(berthing < criteria.to)
        return await paginate(
            info,
            statement,
            VesselCall.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )


@strawberry.type
class PortSubscription:
    @strawberry.subscription(
        description="A vessel call whenever its times, berth or stage change: "
        "one call by `id`, or every call of a port by `port` (UN/LOCODE).",
        permission_classes=[IsAuthenticated],
    )
    async def vessel_call_updated(
        self,
        info: Info,
        id: SentID | None = None,
        port: str | None = None,
    ) -> AsyncGenerator[VesselCall, None]:
        if (id is None) == (port is None):
            raise BadInputError("give exactly one of `id` and `port`")
        if id is not None:
            call_id = parse_global_id(id, "VesselCall")
            async with _fresh(info) as loaders:
                await _visible_call(loaders, call_id)

            async def one(loaders: Loaders, _: dict[str, Any]) -> VesselCall | None:
                return await _call(info, loaders, call_id)

            return watch(info, events.vessel_call_channel(call_id), one)

        async def of_port(
            loaders: Loaders, message: dict[str, Any]
        ) -> VesselCall | None:
            # A resync names no call: the client already holds every call.
            key = message.get("vesselCallId")
            if not isinstance(key, str):
                return None
            return await _call(info, loaders, uuid.UUID(key))

        return watch(info, events.port_channel(_locode(port or "")), of_port)

    @strawberry.subscription(
        description="A vessel call's discharge counts whenever a box comes off; "
        "with `shipmentId`, narrowed to one of the viewer's shipments.",
        permission_classes=[IsAuthenticated],
    )
    async def discharge_progress(
        self,
        info: Info,
        vessel_call_id: SentID,
        shipment_id: SentID | None = None,
    ) -> AsyncGenerator[DischargeProgress, None]:
        call_id = parse_global_id(vessel_call_id, "VesselCall")
        only = None if shipment_id is None else parse_global_id(shipment_id, "Shipment")
        async with _fresh(info) as loaders:
            await _visible_call(loaders, call_id)
            if only is not None:
                await _visible_shipment(loaders, only, call_id)

        async def progress(
            loaders: Loaders, _: dict[str, Any]
        ) -> DischargeProgress | None:
            # Checked again for every event: access may have ended meanwhile.
            if info.context.viewer is None:
                return None
            if only is not None and not await _sees_shipment(loaders, only, call_id):
                return None
            return await discharge_of(info, call_id, only)

        return watch(info, events.discharge_channel(call_id), progress)


@contextlib.asynccontextmanager
async def _fresh(info: Info) -> AsyncIterator[Loaders]:
    """Loaders for the check a subscription makes when it starts."""
    reader, loaders = info.context.fresh_loaders()
    try:
        yield loaders
    finally:
        await reader.close()


def _locode(value: str) -> str:
    code = value.strip().upper()
    if not LOCODE.fullmatch(code):
        raise BadInputError(f"{value!r} is not a UN/LOCODE such as IDTPP")
    return code


async def _call(info: Info, loaders: Loaders, call_id: uuid.UUID) -> VesselCall | None:
    if info.context.viewer is None:
        return None
    row = await loaders.of(VesselCallRow).load(call_id)
    return VesselCall.from_model(row) if row is not None else None


async def _visible_call(loaders: Loaders, call_id: uuid.UUID) -> None:
    if await loaders.of(VesselCallRow).load(call_id) is None:
        raise NotFoundGraphQLError("no such vessel call")


async def _sees_shipment(
    loaders: Loaders, shipment_id: uuid.UUID, call_id: uuid.UUID
) -> bool:
    row = await loaders.of(ShipmentRow).load(shipment_id)
    return row is not None and row.vessel_call_id == call_id


async def _visible_shipment(
    loaders: Loaders, shipment_id: uuid.UUID, call_id: uuid.UUID
) -> None:
    # A shipment of another organisation answers exactly as a missing one.
    if not await _sees_shipment(loaders, shipment_id, call_id):
        raise NotFoundGraphQLError("no such shipment on this vessel call")
