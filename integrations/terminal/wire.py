"""The JSON of the terminal's container event feed and manifests.

A page is `{"events": [...], "next_cursor": "42", "has_more": false}`; a
manifest is `{"call_ref": ..., "entries": [...]}`. Times are ISO 8601 with
offset; positions and stowage are objects or null.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from domain.ports.terminal import (
    ContainerEvent,
    ContainerEventPage,
    ContainerEventType,
    ManifestEntry,
    Stowage,
    YardPosition,
)
from integrations.vessels.wire import aware


def page_to_json(
    events: Sequence[ContainerEvent], since: int, has_more: bool
) -> dict[str, Any]:
    """A feed page; events are numbered from `since` + 1 in log order."""
    return {
        "events": [
            {"seq": since + i, **event_to_json(e)} for i, e in enumerate(events, 1)
        ],
        "next_cursor": str(since + len(events)),
        "has_more": has_more,
    }


def event_to_json(event: ContainerEvent) -> dict[str, Any]:
    """One container event as the feed sends it."""
    position = event.yard_position
    return {
        "event_id": event.event_id,
        "container_number": event.container_number,
        "vessel_call_ref": event.vessel_call_ref,
        "event_type": event.event_type.value,
        "event_time": event.event_time.isoformat(),
        "created_at": event.created_at.isoformat(),
        "yard_position": None
        if position is None
        else {
            "block": position.block,
            "bay": position.bay,
            "row": position.row,
            "tier": position.tier,
        },
        "retracts_event_id": event.retracts_event_id,
    }


def manifest_to_json(call_ref: str, entries: Sequence[ManifestEntry]) -> dict[str, Any]:
    """A call's manifest as the terminal sends it."""
    return {
        "call_ref": call_ref,
        "entries": [
            {
                "container_number": e.container_number,
                "size_type": e.size_type,
                "stowage": None if e.stowage is None else stowage_to_json(e.stowage),
            }
            for e in entries
        ],
    }


def stowage_to_json(stowage: Stowage) -> dict[str, int]:
    """A slot on board as JSON."""
    return {"bay": stowage.bay, "row": stowage.row, "tier": stowage.tier}


def page_from_json(data: Mapping[str, Any]) -> ContainerEventPage:
    """Read a feed page; raises KeyError, TypeError or ValueError when malformed."""
    cursor = data["next_cursor"]
    return ContainerEventPage(
        events=tuple(_event_from_json(e) for e in data["events"]),
        next_cursor=None if cursor is None else str(cursor),
        has_more=bool(data["has_more"]),
    )


def manifest_from_json(data: Mapping[str, Any]) -> list[ManifestEntry]:
    """Read a manifest; raises KeyError, TypeError or ValueError when malformed."""
    call_ref = str(data["call_ref"])
    return [
        ManifestEntry(
            container_number=str(e["container_number"]),
            size_type=str(e["size_type"]),
            vessel_call_ref=call_ref,
            stowage=stowage_from_json(e.get("stowage")),
        )
        for e in data["entries"]
    ]


def stowage_from_json(data: Mapping[str, Any] | None) -> Stowage | None:
    """A slot on board from JSON, None for null."""
    if data is None:
        return None
    return Stowage(
        bay=_int(data["bay"]), row=_int(data["row"]), tier=_int(data["tier"])
    )


def _event_from_json(data: Mapping[str, Any]) -> ContainerEvent:
    position = data.get("yard_position")
    retracts = data.get("retracts_event_id")
    return ContainerEvent(
        event_id=str(data["event_id"]),
        container_number=str(data["container_number"]),
        vessel_call_ref=str(data["vessel_call_ref"]),
        event_type=ContainerEventType(data["event_type"]),
        event_time=aware(data["event_time"]),
        created_at=aware(data["created_at"]),
        yard_position=None
        if position is None
        else YardPosition(
            block=str(position["block"]),
            bay=_int(position["bay"]),
            row=_int(position["row"]),
            tier=_int(position["tier"]),
        ),
        retracts_event_id=None if retracts is None else str(retracts),
    )


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a whole number: {value!r}")
    return value
