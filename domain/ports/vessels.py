"""The vessel management system (Phinnisi) as the domain sees it: a change feed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.vessel_events import PortCallTimestamp


@dataclass(frozen=True, slots=True)
class Vessel:
    """A ship known by its IMO number; `flag` is the ISO 3166 alpha-2 state."""

    imo: str
    name: str
    call_sign: str
    flag: str


@dataclass(frozen=True, slots=True)
class VesselCall:
    """One visit of a vessel to a port terminal.

    `call_ref` is Phinnisi's reference for the visit; `port` a UN/LOCODE;
    `berth` is None until the terminal has assigned one.
    """

    call_ref: str
    vessel_imo: str
    voyage: str
    port: str
    terminal: str
    berth: str | None


@dataclass(frozen=True, slots=True)
class VesselChangePage:
    """What changed after a cursor, oldest first, and where to read on from.

    Each list keeps the feed's order; a call's vessel and a timestamp's call come
    in the same page or an earlier one. Reading a page again from the same
    cursor returns the same changes, so applying them must be idempotent.
    """

    vessels: tuple[Vessel, ...]
    calls: tuple[VesselCall, ...]
    timestamps: tuple[PortCallTimestamp, ...]
    next_cursor: str | None
    has_more: bool


class VesselSystem(Protocol):
    """The port's vessel management system, read as an append-only change feed."""

    async def changes_since(self, cursor: str | None, limit: int) -> VesselChangePage:
        """Up to `limit` changes after `cursor` (None reads from the beginning)."""
        ...
