"""Vessels, vessel calls and their DCSA Just-In-Time timelines.

Vessel calls are public schedule data: any signed-in viewer reads them. What
a call shows of shipments (its discharge progress, schema/discharge.py) goes
through the viewer's tenancy scope, so a customer sees only its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Iterable, Sequence
from datetime import datetime
from typing import Any, Self

import strawberry
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import relay
from strawberry.dataloader import DataLoader

from domain.models import port as models
from domain.models.tracking import PortCallTimestampRow
from domain.services import feed_cursors
from domain.tenancy import CoreScoped
from domain.vessel_events import (
    PortCallEventType,
    PortCallService,
    TimestampClassifier,
    VesselCallStatus,
)
from schema.context import (
    Info,
    among,
    columns_of,
    keys_of,
    rows_of,
    table_of,
    then,
)
from schema.discharge import DischargeProgress, discharge_of
from schema.fast_paths import direct
from schema.feeds import feed_freshness
from schema.relay import load_nodes

strawberry.enum(
    VesselCallStatus,
    description="The furthest stage of a port call its timestamps show.",
)
strawberry.enum(
    TimestampClassifier,
    description="How sure a time is (DCSA): PLN planned, EST estimated, "
    "REQ requested, ACT actual.",
)
strawberry.enum(
    PortCallEventType,
    description="What happens (DCSA): ARRI arrival, DEPA departure, STRT start, "
    "CMPL complete.",
)
strawberry.enum(
    PortCallService,
    description="What a time is of: a place reached or a service performed.",
)


@strawberry.type(description="A ship, known by its IMO number.")
class Vessel(relay.Node):
    id: relay.NodeID[str]
    imo: str = strawberry.field(description="IMO ship number: 7 digits, check digit.")
    name: str = strawberry.field(description="The ship's name.")
    call_sign: str | None = strawberry.field(description="Radio call sign.")
    flag: str | None = strawberry.field(description="Flag state, ISO 3166 alpha-2.")

    @classmethod
    def from_model(cls, row: models.Vessel) -> Self:
        return cls(
            id=str(row.id),
            imo=row.imo,
            name=row.name,
            call_sign=row.call_sign,
            flag=row.flag,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(
            info, models.Vessel, node_ids, cls.from_model, signed_in_only=True
        )


@strawberry.type(description="One DCSA Just-In-Time timestamp of a vessel call.")
class PortCallEvent:
    event_id: str = strawberry.field(description="The vessel system's event id.")
    classifier: TimestampClassifier = strawberry.field(
        description="Planned, estimated, requested or actual."
    )
    event_type: PortCallEventType = strawberry.field(description="What happens.")
    service: PortCallService = strawberry.field(description="What it happens to.")
    event_time: datetime = strawberry.field(description="When it happens.")
    sent_at: datetime = strawberry.field(description="When the time was sent.")
    retracts_event_id: str | None = strawberry.field(
        description="The earlier timestamp this one withdraws."
    )
    retracted: bool = strawberry.field(
        description="True once a later timestamp withdrew this one."
    )


@strawberry.type(
    description="One visit of a vessel to a terminal; its times derive from "
    "DCSA Just-In-Time events. Public schedule data."
)
class VesselCall(relay.Node):
    id: relay.NodeID[str]
    call_reference: str = strawberry.field(
        description="The vessel system's reference of the call (PKK number)."
    )
    voyage: str = strawberry.field(description="The carrier's voyage number.")
    port: str = strawberry.field(description="UN/LOCODE of the port (IDTPP).")
    terminal: str = strawberry.field(description="Terminal code (JICT, KOJA...).")
    berth: str | None = strawberry.field(description="Berth, once assigned.")
    status: VesselCallStatus = strawberry.field(description="Stage of the call.")
    eta: datetime | None = strawberry.field(description="Estimated arrival at berth.")
    etb: datetime | None = strawberry.field(description="Terminal's berth window.")
    ata: datetime | None = strawberry.field(description="Actual arrival in port.")
    atb: datetime | None = strawberry.field(description="Actual berthing.")
    etd: datetime | None = strawberry.field(description="Estimated departure.")
    atd: datetime | None = strawberry.field(description="Actual departure.")
    cargo_operations_started_at: datetime | None = strawberry.field(
        description="When cargo operations (discharge first) started."
    )
    cargo_operations_completed_at: datetime | None = strawberry.field(
        description="When cargo operations completed."
    )
    updated_at: datetime = strawberry.field(description="Last change of the call.")
    vessel_key: strawberry.Private[uuid.UUID]
    ship: strawberry.Private[Vessel | None] = None

    @property
    def key(self) -> uuid.UUID:
        return uuid.UUID(self.id)

    @strawberry.field(description="The ship.", graphql_type=Vessel)
    @direct
    def vessel(self, info: Info) -> Vessel | Awaitable[Vessel]:
        if self.ship is not None:
            return self.ship
        return then(info.context.loaders.of(models.Vessel).load(self.vessel_key), _ship)

    @strawberry.field(
        description="Every timestamp sent about the call, in the order received, "
        "retracted ones included and marked."
    )
    async def events(self, info: Info) -> list[PortCallEvent]:
        loader = info.context.loaders.batched("port.timestamps", _timestamps)
        return await loader.load(self.key)

    @strawberry.field(description="How far the call's discharge has come.")
    async def discharge_progress(self, info: Info) -> DischargeProgress:
        return await discharge_of(info, self.key)

    @strawberry.field(description="When the vessel system was last read in full.")
    async def last_synced_at(self, info: Info) -> datetime | None:
        return (await feed_freshness(info, feed_cursors.VESSELS)).last_synced_at

    @strawberry.field(
        description="True when the vessel system has not been read for a while "
        "(it may be down): the times shown may be out of date."
    )
    async def stale(self, info: Info) -> bool:
        return (await feed_freshness(info, feed_cursors.VESSELS)).stale

    @classmethod
    def from_model(cls, row: models.VesselCall | Row[Any]) -> Self:
        """From the mapped row, or a row of `CALLS_WITH_VESSELS`."""
        return cls(
            id=str(row.id),
            call_reference=row.external_ref,
            voyage=row.voyage,
            port=row.port,
            terminal=row.terminal,
            berth=row.berth,
            status=row.status,
            eta=row.eta,
            etb=row.etb,
            ata=row.ata,
            atb=row.atb,
            etd=row.etd,
            atd=row.atd,
            cargo_operations_started_at=row.cargo_started_at,
            cargo_operations_completed_at=row.cargo_completed_at,
            updated_at=row.updated_at,
            vessel_key=row.vessel_id,
        )

    @classmethod
    async def resolve_nodes(  # type: ignore[override]
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Self | None]:
        return await load_nodes(
            info, models.VesselCall, node_ids, cls.from_model, signed_in_only=True
        )


def vessel_call_of(info: Info, key: uuid.UUID) -> Awaitable[VesselCall | None]:
    """A vessel call, its ship read in the same round trip (for lists of calls)."""
    return calls_with_vessels(info).load(key)


def calls_with_vessels(info: Info) -> DataLoader[uuid.UUID, VesselCall | None]:
    """The request's loader of vessel calls with their ships, by call id."""
    return info.context.loaders.batched("port.calls_with_vessels", _with_vessels)


def _ship(row: models.Vessel | None) -> Vessel:
    assert row is not None, "vessels are public"
    return Vessel.from_model(row)


CALL_COLUMNS = columns_of(
    models.VesselCall,
    "id",
    "external_ref",
    "vessel_id",
    "voyage",
    "port",
    "terminal",
    "berth",
    "status",
    "eta",
    "etb",
    "ata",
    "atb",
    "etd",
    "atd",
    "cargo_started_at",
    "cargo_completed_at",
    "updated_at",
)
SHIP_COLUMNS = tuple(
    column.label(f"ship_{column.key}")
    for column in columns_of(models.Vessel, "imo", "name", "call_sign", "flag")
)
# Public schedule data: no organisation's rows, so no tenancy criteria.
CALLS_WITH_VESSELS = CoreScoped.where(
    select(*CALL_COLUMNS, *SHIP_COLUMNS)
    .join(
        models.Vessel.__table__,
        table_of(models.Vessel).id == table_of(models.VesselCall).vessel_id,
    )
    .where(among(table_of(models.VesselCall).id))
)


def call_with_vessel(row: Row[Any]) -> VesselCall:
    """A vessel call and its ship from a row of `CALL_COLUMNS` and `SHIP_COLUMNS`."""
    call = VesselCall.from_model(row)
    call.ship = Vessel(
        id=str(row.vessel_id),
        imo=row.ship_imo,
        name=row.ship_name,
        call_sign=row.ship_call_sign,
        flag=row.ship_flag,
    )
    return call


async def _with_vessels(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[VesselCall | None]:
    # Plain rows: a page of shipments shows up to one call each.
    rows = await rows_of(session, CALLS_WITH_VESSELS, keys_of(keys))
    found = {row.id: call_with_vessel(row) for row in rows}
    return [found.get(key) for key in keys]


async def _timestamps(
    session: AsyncSession, keys: Sequence[uuid.UUID]
) -> list[list[PortCallEvent]]:
    rows = list(
        await session.scalars(
            select(PortCallTimestampRow)
            .where(PortCallTimestampRow.vessel_call_id.in_(keys))
            .order_by(PortCallTimestampRow.seq)
        )
    )
    withdrawn = {row.retracts_event_id for row in rows if row.retracts_event_id}
    grouped: dict[uuid.UUID, list[PortCallEvent]] = {key: [] for key in keys}
    for row in rows:
        grouped[row.vessel_call_id].append(
            PortCallEvent(
                event_id=row.event_id,
                classifier=row.classifier,
                event_type=row.event_type,
                service=row.service,
                event_time=row.event_time,
                sent_at=row.sent_at,
                retracts_event_id=row.retracts_event_id,
                retracted=row.event_id in withdrawn,
            )
        )
    return [grouped[key] for key in keys]
