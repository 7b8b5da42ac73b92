"""The terminal operating system as the domain sees it: container events, manifests."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class ContainerEventType(enum.StrEnum):
    """What happened to a box at the terminal (after DCSA Track and Trace codes)."""

    DISC = "DISC"
    YARD = "YARD"
    YARD_MOVE = "YARD_MOVE"
    INSP_START = "INSP_START"
    INSP_END = "INSP_END"
    CUSTOMS_HOLD = "CUSTOMS_HOLD"
    CUSTOMS_RELEASE = "CUSTOMS_RELEASE"
    AVPU = "AVPU"
    GTIN = "GTIN"
    GTOT = "GTOT"


@dataclass(frozen=True, slots=True)
class YardPosition:
    """A slot in the container yard: block, bay, row and tier (1 is the ground)."""

    block: str
    bay: int
    row: int
    tier: int


@dataclass(frozen=True, slots=True)
class Stowage:
    """A slot on board in ISO 9711 bay-row-tier terms; a higher tier sits above."""

    bay: int
    row: int
    tier: int


@dataclass(frozen=True, slots=True)
class ContainerEvent:
    """One event of one container; times are timezone-aware UTC.

    `yard_position` is set where the box was put (YARD, YARD_MOVE); an event
    naming `retracts_event_id` replaces the one it names.
    """

    event_id: str
    container_number: str
    vessel_call_ref: str
    event_type: ContainerEventType
    event_time: datetime
    created_at: datetime
    yard_position: YardPosition | None = None
    retracts_event_id: str | None = None


@dataclass(frozen=True, slots=True)
class ContainerEventPage:
    """Container events after a cursor, oldest first, and where to read on from."""

    events: tuple[ContainerEvent, ...]
    next_cursor: str | None
    has_more: bool


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """A box to discharge from a vessel call; `size_type` is ISO 6346 (22G1, 45R1)."""

    container_number: str
    size_type: str
    vessel_call_ref: str
    stowage: Stowage | None


class TerminalSystem(Protocol):
    """The terminal's feed of container events and its discharge manifests."""

    async def container_events_since(
        self, cursor: str | None, limit: int
    ) -> ContainerEventPage:
        """Up to `limit` events after `cursor` (None reads from the beginning)."""
        ...

    async def manifest(self, vessel_call_ref: str) -> list[ManifestEntry]:
        """The boxes to discharge from a vessel call, in no particular order."""
        ...
