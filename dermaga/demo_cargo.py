"""What the demo seeds: its import requests, and the vessel calls they travel on."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from domain.shipment_status import ShipmentStatus

S = ShipmentStatus
SERVED = frozenset({"COMPLETED", "DEPARTED"})
COMING = frozenset({"EXPECTED", "AT_ANCHORAGE"})


class CallRole(enum.StrEnum):
    """Which vessel call a demo request travels on."""

    DONE = "DONE"  # discharged, its boxes released: for the post-service stages
    LIVE = "LIVE"  # the next to berth: discharges while the visitor watches
    NEXT = "NEXT"  # later arrivals: for requests still in pre-service


@dataclass(frozen=True, slots=True)
class DemoShipment:
    """One seeded import request: its B/L, the stage it is taken to, its cargo."""

    bl_number: str
    stage: ShipmentStatus
    call: CallRole
    boxes: int
    shipper: str
    port_of_loading: str
    description: str
    hs_code: str
    unit_price_usd: Decimal


DEMO_SHIPMENTS = (
    DemoShipment(
        "SSLU2600000107", S.COMPLETED, CallRole.DONE, 2,
        "Guangzhou Home Goods Co Ltd", "CNCAN", "Ceramic floor tiles",
        "69072100", Decimal("41.50"),
    ),
    DemoShipment(
        "SSLU2600000106", S.READY_FOR_PICKUP, CallRole.DONE, 3,
        "Penang Rubber Works Sdn Bhd", "MYPEN", "Rubber gloves",
        "40151900", Decimal("12.80"),
    ),
    DemoShipment(
        "SSLU2600000105", S.IN_SERVICE, CallRole.LIVE, 4,
        "Shanghai Precision Machinery Co", "CNSHA", "Machine parts",
        "84839000", Decimal("96.00"),
    ),
    DemoShipment(
        "SSLU2600000104", S.AWAITING_PAYMENT, CallRole.NEXT, 2,
        "Ho Chi Minh Textile JSC", "VNSGN", "Cotton woven fabric",
        "52081900", Decimal("49.08"),
    ),
    DemoShipment(
        "SSLU2600000103", S.VERIFIED, CallRole.NEXT, 3,
        "Busan Auto Components Ltd", "KRPUS", "Vehicle brake parts",
        "87083000", Decimal("63.25"),
    ),
    DemoShipment(
        "SSLU2600000102", S.SUBMITTED, CallRole.NEXT, 2,
        "Singapore Food Ingredients Pte", "SGSIN", "Milk powder",
        "04022100", Decimal("33.70"),
    ),
    DemoShipment(
        "SSLU2600000101", S.DRAFT, CallRole.NEXT, 2,
        "Chennai Paper Mills Ltd", "INMAA", "Kraft paper rolls",
        "48041100", Decimal("18.40"),
    ),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Call:
    """A vessel call as the API lists it."""

    id: str
    ref: str
    terminal: str
    voyage: str
    status: str
    eta: datetime | None
    vessel: str
    imo: str

    @classmethod
    def from_json(cls, node: dict[str, Any]) -> Call:
        eta = datetime.fromisoformat(node["eta"]) if node["eta"] else None
        vessel = node["vessel"]
        return cls(
            node["id"],
            node["callReference"],
            node["terminal"],
            node["voyage"],
            node["status"],
            eta,
            vessel["name"],
            vessel["imo"],
        )


def candidates(calls: Sequence[Call], role: CallRole) -> list[Call]:
    """Calls fit for a role, best first: the earliest served, or those to come."""
    if role is CallRole.DONE:
        fit = [c for c in calls if c.status in SERVED and c.eta is not None]
        return sorted(fit, key=_eta)
    coming = sorted((c for c in calls if c.status in COMING), key=_eta)
    # The next arrival discharges live; later requests ride the calls after it.
    return coming[:1] if role is CallRole.LIVE else coming[2:]


def _eta(call: Call) -> datetime:
    return call.eta or datetime.max.replace(tzinfo=UTC)
