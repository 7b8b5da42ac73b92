"""Port call timestamps (DCSA Just-In-Time) and the current times they add up to.

Every timestamp says what kind of time it is (classifier), what happens (event
type) and what it happens to (service). The current ETA, ATB and so on are not
stored values but a reading of the timeline:

- Of each kind (classifier, event type, service) the latest timestamp wins,
  latest by `created_at`, so a newer estimate replaces an older one; of two
  created at the same instant, the later in the order given (feed order) wins.
- A timestamp naming `retracts_event_id` withdraws the one it names: the earlier
  timestamp no longer counts and the older one of its kind shows through again.
  The retraction itself is no time of its own; a correction is sent as a newer
  timestamp of the same kind.

Which kinds make which time (decided here, DCSA JIT 1.x vocabulary):

- ETA, the carrier's estimated arrival at berth: EST ARRI BERTH, or the planned
  PLN ARRI BERTH while no estimate was sent.
- ETB, the terminal's berth window: PLN ARRI BERTH, else REQ ARRI BERTH.
- ATA, the vessel reached the port: the earlier of ACT ARRI PORT_AREA and ACT
  ARRI ANCHORAGE, else ACT ARRI BERTH for a vessel that went straight alongside.
- ATB: ACT ARRI BERTH. ETD: EST DEPA BERTH, else PLN DEPA BERTH. ATD: ACT DEPA
  BERTH. Cargo operations start and complete: ACT STRT and ACT CMPL
  CARGO_OPERATIONS.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime


class TimestampClassifier(enum.StrEnum):
    """How sure a port call time is (DCSA eventClassifierCode)."""

    PLN = "PLN"
    EST = "EST"
    REQ = "REQ"
    ACT = "ACT"


class PortCallEventType(enum.StrEnum):
    """What happens at the time (DCSA operationsEventTypeCode)."""

    ARRI = "ARRI"
    DEPA = "DEPA"
    STRT = "STRT"
    CMPL = "CMPL"


class PortCallService(enum.StrEnum):
    """What the time is of: a place reached or a service performed."""

    BERTH = "BERTH"
    CARGO_OPERATIONS = "CARGO_OPERATIONS"
    PILOTAGE = "PILOTAGE"
    PORT_AREA = "PORT_AREA"
    ANCHORAGE = "ANCHORAGE"


class VesselCallStatus(enum.StrEnum):
    """The furthest stage of a port call its timestamps show."""

    EXPECTED = "EXPECTED"
    AT_ANCHORAGE = "AT_ANCHORAGE"
    BERTHED = "BERTHED"
    DISCHARGING = "DISCHARGING"
    COMPLETED = "COMPLETED"
    DEPARTED = "DEPARTED"


@dataclass(frozen=True, slots=True)
class PortCallTimestamp:
    """One time sent about a vessel call; times are timezone-aware UTC."""

    event_id: str
    call_ref: str
    classifier: TimestampClassifier
    event_type: PortCallEventType
    service: PortCallService
    event_time: datetime
    created_at: datetime
    retracts_event_id: str | None = None

    @property
    def kind(self) -> TimestampKind:
        """The kind this timestamp competes in: newer of the same kind wins."""
        return (self.classifier, self.event_type, self.service)


TimestampKind = tuple[TimestampClassifier, PortCallEventType, PortCallService]


@dataclass(frozen=True, slots=True)
class VesselCallTimes:
    """The current times of a vessel call and the stage they put it at."""

    status: VesselCallStatus
    eta: datetime | None = None
    etb: datetime | None = None
    ata: datetime | None = None
    atb: datetime | None = None
    etd: datetime | None = None
    atd: datetime | None = None
    cargo_operations_started: datetime | None = None
    cargo_operations_completed: datetime | None = None


_PLN = TimestampClassifier.PLN
_EST = TimestampClassifier.EST
_REQ = TimestampClassifier.REQ
_ACT = TimestampClassifier.ACT
_ARRI = PortCallEventType.ARRI
_DEPA = PortCallEventType.DEPA
_STRT = PortCallEventType.STRT
_CMPL = PortCallEventType.CMPL
_BERTH = PortCallService.BERTH
_CARGO = PortCallService.CARGO_OPERATIONS
_PORT_AREA = PortCallService.PORT_AREA
_ANCHORAGE = PortCallService.ANCHORAGE


def latest_by_kind(
    events: Iterable[PortCallTimestamp],
) -> dict[TimestampKind, PortCallTimestamp]:
    """The standing timestamp of each kind, retractions applied."""
    timeline = list(events)
    withdrawn = {e.retracts_event_id for e in timeline if e.retracts_event_id}
    standing = [
        e
        for e in timeline
        if e.retracts_event_id is None and e.event_id not in withdrawn
    ]
    # A stable sort: timestamps created at the same instant keep the order
    # given, so the one received later in the feed wins.
    standing.sort(key=lambda e: e.created_at)
    return {event.kind: event for event in standing}


def current_times(events: Iterable[PortCallTimestamp]) -> VesselCallTimes:
    """Read a vessel call's ETA, ETB, ATA, ATB, ETD, ATD and status off its events."""
    latest = latest_by_kind(events)

    def time_of(*kinds: TimestampKind) -> datetime | None:
        for kind in kinds:
            if kind in latest:
                return latest[kind].event_time
        return None

    reached_port = [
        latest[kind].event_time
        for kind in ((_ACT, _ARRI, _PORT_AREA), (_ACT, _ARRI, _ANCHORAGE))
        if kind in latest
    ]
    atb = time_of((_ACT, _ARRI, _BERTH))
    times = VesselCallTimes(
        status=VesselCallStatus.EXPECTED,
        eta=time_of((_EST, _ARRI, _BERTH), (_PLN, _ARRI, _BERTH)),
        etb=time_of((_PLN, _ARRI, _BERTH), (_REQ, _ARRI, _BERTH)),
        ata=min(reached_port, default=atb),
        atb=atb,
        etd=time_of((_EST, _DEPA, _BERTH), (_PLN, _DEPA, _BERTH)),
        atd=time_of((_ACT, _DEPA, _BERTH)),
        cargo_operations_started=time_of((_ACT, _STRT, _CARGO)),
        cargo_operations_completed=time_of((_ACT, _CMPL, _CARGO)),
    )
    return _with_status(times)


def _with_status(times: VesselCallTimes) -> VesselCallTimes:
    # The furthest stage reached wins, so a missing intermediate timestamp
    # (a terminal that never sent ATB) does not hold the call back.
    stages = (
        (times.atd, VesselCallStatus.DEPARTED),
        (times.cargo_operations_completed, VesselCallStatus.COMPLETED),
        (times.cargo_operations_started, VesselCallStatus.DISCHARGING),
        (times.atb, VesselCallStatus.BERTHED),
        (times.ata, VesselCallStatus.AT_ANCHORAGE),
    )
    status = next(
        (stage for time, stage in stages if time is not None),
        VesselCallStatus.EXPECTED,
    )
    return replace(times, status=status)
