"""The JSON of the Phinnisi change feed, written by the simulator, read by the client.

A page is `{"changes": [...], "next_cursor": "42", "has_more": false}`; each
change carries its sequence number, its kind (vessel, call or timestamp) and
the object under the key named by the kind. Times are ISO 8601 with offset.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.errors import ValidationError
from domain.identifiers import ImoNumber
from domain.ports.vessels import Vessel, VesselCall, VesselChangePage
from domain.vessel_events import (
    PortCallEventType,
    PortCallService,
    PortCallTimestamp,
    TimestampClassifier,
)
from integrations.vessels.world import AnnouncedCall, Change


def change_to_json(change: Change) -> dict[str, Any]:
    """One log entry as the feed sends it."""
    item = change.item
    if isinstance(item, Vessel):
        kind, body = "vessel", _vessel_json(item)
    elif isinstance(item, VesselCall):
        kind, body = "call", _call_json(item)
    else:
        kind, body = "timestamp", _timestamp_json(item)
    return {"seq": change.seq, "kind": kind, kind: body}


def page_to_json(
    changes: Sequence[Change], since: int, has_more: bool
) -> dict[str, Any]:
    """A feed page; an empty page keeps the cursor it was asked from."""
    last = changes[-1].seq if changes else since
    return {
        "changes": [change_to_json(c) for c in changes],
        "next_cursor": str(last),
        "has_more": has_more,
    }


def page_from_json(data: Mapping[str, Any]) -> VesselChangePage:
    """Read a feed page; raises KeyError, TypeError or ValueError when malformed."""
    vessels: list[Vessel] = []
    calls: list[VesselCall] = []
    timestamps: list[PortCallTimestamp] = []
    for change in data["changes"]:
        kind = change["kind"]
        if kind == "vessel":
            vessels.append(_vessel_from_json(change["vessel"]))
        elif kind == "call":
            calls.append(_call_from_json(change["call"]))
        elif kind == "timestamp":
            timestamps.append(_timestamp_from_json(change["timestamp"]))
        else:
            raise ValueError(f"unknown change kind {kind!r}")
    cursor = data["next_cursor"]
    return VesselChangePage(
        vessels=tuple(vessels),
        calls=tuple(calls),
        timestamps=tuple(timestamps),
        next_cursor=None if cursor is None else str(cursor),
        has_more=bool(data["has_more"]),
    )


def _vessel_json(vessel: Vessel) -> dict[str, Any]:
    return {
        "imo": vessel.imo,
        "name": vessel.name,
        "call_sign": vessel.call_sign,
        "flag": vessel.flag,
    }


def _call_json(call: VesselCall) -> dict[str, Any]:
    return {
        "call_ref": call.call_ref,
        "vessel_imo": call.vessel_imo,
        "voyage": call.voyage,
        "port": call.port,
        "terminal": call.terminal,
        "berth": call.berth,
    }


def _timestamp_json(stamp: PortCallTimestamp) -> dict[str, Any]:
    return {
        "event_id": stamp.event_id,
        "call_ref": stamp.call_ref,
        "classifier": stamp.classifier.value,
        "event_type": stamp.event_type.value,
        "service": stamp.service.value,
        "event_time": stamp.event_time.isoformat(),
        "created_at": stamp.created_at.isoformat(),
        "retracts_event_id": stamp.retracts_event_id,
    }


def _vessel_from_json(data: Mapping[str, Any]) -> Vessel:
    return Vessel(
        imo=str(data["imo"]),
        name=str(data["name"]),
        call_sign=str(data["call_sign"]),
        flag=str(data["flag"]),
    )


def _call_from_json(data: Mapping[str, Any]) -> VesselCall:
    berth = data.get("berth")
    return VesselCall(
        call_ref=str(data["call_ref"]),
        vessel_imo=str(data["vessel_imo"]),
        voyage=str(data["voyage"]),
        port=str(data["port"]),
        terminal=str(data["terminal"]),
        berth=None if berth is None else str(berth),
    )


def _timestamp_from_json(data: Mapping[str, Any]) -> PortCallTimestamp:
    retracts = data.get("retracts_event_id")
    return PortCallTimestamp(
        event_id=str(data["event_id"]),
        call_ref=str(data["call_ref"]),
        classifier=TimestampClassifier(data["classifier"]),
        event_type=PortCallEventType(data["event_type"]),
        service=PortCallService(data["service"]),
        event_time=aware(data["event_time"]),
        created_at=aware(data["created_at"]),
        retracts_event_id=None if retracts is None else str(retracts),
    )


def aware(value: object) -> datetime:
    """An ISO 8601 instant that must carry its offset."""
    instant = datetime.fromisoformat(str(value))
    if instant.tzinfo is None:
        raise ValueError(f"time without offset: {value!r}")
    return instant


def announced_call_from_json(data: Mapping[str, Any]) -> AnnouncedCall:
    """A call to add, as the control API takes it; ValidationError when malformed."""
    try:
        vessel = data["vessel"]
        imo = str(ImoNumber.parse(str(vessel["imo"])))
        return AnnouncedCall(
            vessel=Vessel(
                imo=imo,
                name=str(vessel["name"]),
                # The ITU series of Indonesia (PK) for ships whose sign is not given.
                call_sign=str(vessel.get("call_sign") or f"PK{imo[-4:]}"),
                flag=str(vessel.get("flag") or "ID"),
            ),
            voyage=str(data["voyage"]),
            terminal=str(data["terminal"]),
            eta=aware(data["eta"]),
            berth=None if data.get("berth") is None else str(data["berth"]),
            load_moves=_count(data.get("load_moves", 0)),
            cranes=max(1, _count(data.get("cranes", 2))),
            moves_per_crane_hour=max(1, _count(data.get("moves_per_crane_hour", 30))),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValidationError(f"malformed call: {exc!r}") from exc


def _count(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a whole number of 0 or more")
    return value
