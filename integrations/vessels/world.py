"""PortWorld: the simulated Tanjung Priok schedule both port simulators read.

The world runs on a SimClock and is advanced lazily: each request first runs
whatever was due by the simulated now, each happening at its own due time, so
the same seed gives the same timeline however often it is read. A call goes
through: estimates that drift (every few hours until the vessel nears the
port), arrival in the port area, berthing at the last ETA (or, if the berth
is still taken, at anchorage until it frees), cargo operations (discharge,
then loading) at the crane rate, and departure an hour after. Every change is
appended to a log whose sequence number is the feed cursor.

Call references take the shape of a PKK number (Pemberitahuan Kedatangan
Kapal, the arrival notice Inaportnet issues for each call); ships, IMO
numbers and call signs are fictitious but pass the IMO check digit.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

import structlog

from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.ports.vessels import Vessel, VesselCall
from domain.vessel_events import (
    PortCallEventType,
    PortCallService,
    PortCallTimestamp,
    TimestampClassifier,
)
from integrations.clock import Agenda, SimClock

log = structlog.get_logger(__name__)

PORT = "IDTPP"
BERTHS = {
    "JICT": ("JICT-U1", "JICT-U2", "JICT-B1"),
    "KOJA": ("KOJA-01", "KOJA-02"),
    "NPCT1": ("NPCT1-01", "NPCT1-02"),
    "TMAL": ("TMAL-01",),
}
# Fictitious ships; call-sign prefixes follow the ITU series of each flag state.
FLEET = (
    ("SELAT SUNDA STAR", "ID", "PK"),
    ("JAVA HORIZON", "SG", "9V"),
    ("MERAPI BAY", "PA", "3E"),
    ("BANDA TRADER", "LR", "A8"),
    ("TELUK JAKARTA EXPRESS", "ID", "PK"),
    ("CORAL SENTOSA", "HK", "VR"),
    ("KARIMATA SPIRIT", "MH", "V7"),
    ("RINJANI PEARL", "SG", "9V"),
)
_ACT = TimestampClassifier.ACT
_EST = TimestampClassifier.EST
_PLN = TimestampClassifier.PLN
_ARRI = PortCallEventType.ARRI
_DEPA = PortCallEventType.DEPA
_BERTH = PortCallService.BERTH
_CARGO = PortCallService.CARGO_OPERATIONS
UNBERTHING = timedelta(hours=1)
# Time a berth needs between one vessel's departure and the next berthing.
BERTH_TURNAROUND = timedelta(minutes=30)
# A berth window that an estimate leaves by more than this is re-planned.
WINDOW_SLACK = timedelta(hours=1)

ChangeItem = Vessel | VesselCall | PortCallTimestamp


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of the append-only change log; `seq` is its cursor."""

    seq: int
    item: ChangeItem


@dataclass(frozen=True, slots=True)
class WorldOptions:
    """How big and how busy the simulated port is."""

    call_count: int = 7
    call_spacing: timedelta = timedelta(hours=9)
    history: timedelta = timedelta(hours=48)
    boxes_per_call: tuple[int, int] = (80, 240)
    load_moves: tuple[int, int] = (150, 450)
    ops_start_delay: timedelta = timedelta(minutes=30)
    estimate_every: timedelta = timedelta(hours=3)
    approach_hours: tuple[float, float] = (1.0, 4.0)


@dataclass(frozen=True, slots=True)
class AnnouncedCall:
    """A call a carrier announces for a named vessel (a demo's or a test's cargo)."""

    vessel: Vessel
    voyage: str
    terminal: str
    eta: datetime
    berth: str | None = None
    approach: timedelta = timedelta(hours=1)
    load_moves: int = 0
    cranes: int = 2
    moves_per_crane_hour: int = 30


@dataclass
class CallPlan:
    """A vessel call as the simulation drives it; `eta` is at berth."""

    call: VesselCall
    eta: datetime
    window: datetime
    approach: timedelta
    discharge_moves: int
    load_moves: int
    cranes: int
    moves_per_crane_hour: int
    rng: random.Random
    timestamps: list[PortCallTimestamp] = field(default_factory=list)
    arrived_at: datetime | None = None
    berthed_at: datetime | None = None
    ops_started_at: datetime | None = None
    ops_completed_at: datetime | None = None
    departed_at: datetime | None = None

    @property
    def moves_per_hour(self) -> int:
        """Cranes pooled: every crane works the call at its own gross rate."""
        return self.cranes * self.moves_per_crane_hour

    def ops_duration(self) -> timedelta:
        """Discharge then loading at the pooled crane rate."""
        moves = self.discharge_moves + self.load_moves
        return timedelta(hours=moves / self.moves_per_hour)

    def discharge_time(self, index: int) -> datetime:
        """When the box at `index` of the discharge sequence lands (0 is first)."""
        if self.ops_started_at is None:
            raise ConflictError("cargo operations have not started")
        return self.ops_started_at + timedelta(hours=(index + 1) / self.moves_per_hour)


class PortWorld:
    """The port's vessels, calls and timestamps on a simulated clock."""

    def __init__(
        self, clock: SimClock, seed: int = 7, options: WorldOptions | None = None
    ) -> None:
        self.clock = clock
        self.seed = seed
        self.options = options or WorldOptions()
        self.calls: dict[str, CallPlan] = {}
        self.vessels: dict[str, Vessel] = {}
        self._agenda = Agenda()
        self._log: list[Change] = []
        self._ids = random.Random(f"{seed}/event-ids")
        self._build_schedule(random.Random(f"{seed}/schedule"))

    def advance(self) -> datetime:
        """Run everything due by the simulated now, and return that now."""
        now = self.clock.now()
        self._agenda.run_until(now)
        return now

    @property
    def change_count(self) -> int:
        """How many changes the log holds; the last one's sequence number."""
        return len(self._log)

    def changes_after(self, seq: int, limit: int) -> tuple[list[Change], bool]:
        """Up to `limit` changes after sequence number `seq`, and whether more wait."""
        page = self._log[seq : seq + limit]
        return page, seq + limit < len(self._log)

    def call(self, call_ref: str) -> CallPlan:
        """The plan of one call, or NotFoundError."""
        try:
            return self.calls[call_ref]
        except KeyError:
            raise NotFoundError(f"no vessel call {call_ref}") from None

    def move_eta(self, call_ref: str, delta: timedelta) -> PortCallTimestamp:
        """Move a call's ETA by `delta` now, as the carrier would announce it."""
        now = self.advance()
        plan = self.call(call_ref)
        if plan.berthed_at is not None:
            raise ConflictError(f"vessel call {call_ref} has already berthed")
        new_eta = max(plan.eta + delta, now)
        log.info("vessel_sim.eta.moved", call_ref=call_ref, eta=new_eta.isoformat())
        return self._set_eta(plan, new_eta, now)

    def set_discharge_moves(self, call_ref: str, moves: int) -> None:
        """Size a call's discharge to a manifest, before its operations start."""
        plan = self.call(call_ref)
        if plan.ops_started_at is not None:
            raise ConflictError(f"vessel call {call_ref} is already working cargo")
        plan.discharge_moves = moves

    def add_call(self, request: AnnouncedCall) -> CallPlan:
        """Open a carrier's announced call of a named vessel now, berthing at its ETA.

        A ship already known by its IMO number keeps its name; a berth still
        taken at the ETA keeps the vessel at anchorage, as for any call.
        Nothing is discharged until a manifest sizes the call
        (TerminalYard.register_manifest).
        """
        now = self.advance()
        berth = request.berth or BERTHS.get(request.terminal, ("",))[0]
        if berth not in BERTHS.get(request.terminal, ()):
            raise ValidationError(f"no berth {berth} at terminal {request.terminal}")
        if request.eta <= now:
            raise ValidationError("the ETA of an announced call lies ahead")
        vessel = self.vessels.get(request.vessel.imo, request.vessel)
        plan = CallPlan(
            call=VesselCall(
                call_ref=f"PKK.LN.{PORT}.{now:%y%m}.{len(self.calls) + 1:06d}",
                vessel_imo=vessel.imo,
                voyage=request.voyage,
                port=PORT,
                terminal=request.terminal,
                berth=berth,
            ),
            eta=request.eta,
            window=request.eta,
            approach=request.approach,
            discharge_moves=0,
            load_moves=request.load_moves,
            cranes=request.cranes,
            moves_per_crane_hour=request.moves_per_crane_hour,
            rng=random.Random(f"{self.seed}/{request.voyage}/drift"),
        )
        self.calls[plan.call.call_ref] = plan
        self._agenda.at(now, partial(self._open, vessel, plan))
        log.info("vessel_sim.call.added", call_ref=plan.call.call_ref)
        return plan

    def _build_schedule(self, rng: random.Random) -> None:
        opts = self.options
        now = self.clock.now()
        epoch = now - opts.history
        first_window = now - 3 * opts.call_spacing
        berth_free = {(t, b): epoch for t, berths in BERTHS.items() for b in berths}
        fleet = [_vessel(name, flag, prefix, rng) for name, flag, prefix in FLEET]
        for index in range(opts.call_count):
            jitter = timedelta(minutes=rng.uniform(-90, 90))
            window = _round(first_window + index * opts.call_spacing + jitter)
            plan = CallPlan(
                call=VesselCall(
                    call_ref=f"PKK.LN.{PORT}.{epoch:%y%m}.{index + 1:06d}",
                    # Past the fleet's size ships come back, as on a liner service.
                    vessel_imo=fleet[index % len(fleet)].imo,
                    voyage=f"{rng.randrange(1, 400):03d}{rng.choice('NSEW')}",
                    port=PORT,
                    terminal="",
                    berth=None,
                ),
                eta=_round(window + timedelta(minutes=rng.gauss(0, 45))),
                window=window,
                approach=timedelta(hours=rng.uniform(*opts.approach_hours)),
                discharge_moves=rng.randint(*opts.boxes_per_call),
                load_moves=rng.randint(*opts.load_moves),
                cranes=rng.randint(2, 4),
                moves_per_crane_hour=rng.randint(25, 30),
                rng=random.Random(f"{self.seed}/{index}/drift"),
            )
            terminal, berth = _allot_berth(berth_free, window, rng)
            plan.call = replace(plan.call, terminal=terminal, berth=berth)
            berth_free[(terminal, berth)] = window + self._stay(plan) + BERTH_TURNAROUND
            self.calls[plan.call.call_ref] = plan
            vessel = fleet[index % len(fleet)]
            self._agenda.at(epoch, partial(self._open, vessel, plan))

    def _open(self, vessel: Vessel, plan: CallPlan, due: datetime) -> None:
        if vessel.imo not in self.vessels:
            self.vessels[vessel.imo] = vessel
            self._append(vessel)
        self._append(plan.call)
        self._stamp(plan, _PLN, _ARRI, _BERTH, plan.window, due)
        self._stamp(plan, _PLN, _DEPA, _BERTH, plan.window + self._stay(plan), due)
        self._set_eta(plan, plan.eta, due)
        self._agenda.at(
            due + self.options.estimate_every, partial(self._estimate, plan)
        )

    def _estimate(self, plan: CallPlan, due: datetime) -> None:
        if plan.arrived_at is not None:
            return
        # Estimates far out are rough and tend to slip; once in a while a
        # vessel loses a tide or a berth at her previous port and slips hours.
        to_go = max(plan.eta - due, timedelta(0))
        drift = plan.rng.gauss(0.005, 0.015) * to_go
        if plan.rng.random() < 0.05:
            drift += timedelta(hours=plan.rng.uniform(2, 6))
        new_eta = _round(max(plan.eta + drift, due + plan.approach))
        if abs(new_eta - plan.eta) >= timedelta(minutes=5):
            self._set_eta(plan, new_eta, due)
        next_due = due + self.options.estimate_every
        if next_due < plan.eta - plan.approach:
            self._agenda.at(next_due, partial(self._estimate, plan))

    def _set_eta(
        self, plan: CallPlan, eta: datetime, now: datetime
    ) -> PortCallTimestamp:
        plan.eta = eta
        stamp = self._stamp(plan, _EST, _ARRI, _BERTH, eta, now)
        self._stamp(plan, _EST, _DEPA, _BERTH, eta + self._stay(plan), now)
        if abs(eta - plan.window) > WINDOW_SLACK:
            plan.window = eta
            self._stamp(plan, _PLN, _ARRI, _BERTH, eta, now)
            self._stamp(plan, _PLN, _DEPA, _BERTH, eta + self._stay(plan), now)
        if plan.arrived_at is None:
            due = max(now, eta - plan.approach)
            self._agenda.at(due, partial(self._arrive, plan, eta))
        else:
            self._agenda.at(max(now, eta), partial(self._berth, plan, eta))
        return stamp

    def _arrive(self, plan: CallPlan, eta: datetime, due: datetime) -> None:
        # Each ETA schedules its own arrival; only the current one may happen.
        if plan.arrived_at is not None or plan.eta != eta:
            return
        plan.arrived_at = due
        self._stamp(plan, _ACT, _ARRI, PortCallService.PORT_AREA, due, due)
        self._agenda.at(max(due, eta), partial(self._berth, plan, eta))

    def _berth(self, plan: CallPlan, eta: datetime, due: datetime) -> None:
        if plan.berthed_at is not None or plan.eta != eta:
            return
        occupant = self._occupant(plan)
        if occupant is not None:
            # The berth is still taken: the vessel waits at anchorage and the
            # terminal gives a new berthing time after the occupant leaves.
            free_at = self._expected_departure(occupant, due) + BERTH_TURNAROUND
            log.info("vessel_sim.berth.busy", call_ref=plan.call.call_ref)
            self._set_eta(plan, _round(max(free_at, due + BERTH_TURNAROUND)), due)
            return
        plan.berthed_at = due
        self._stamp(plan, _ACT, _ARRI, _BERTH, due, due)
        start = due + self.options.ops_start_delay
        self._agenda.at(start, partial(self._start_ops, plan))

    def _start_ops(self, plan: CallPlan, due: datetime) -> None:
        plan.ops_started_at = due
        done = due + plan.ops_duration()
        self._stamp(plan, _ACT, PortCallEventType.STRT, _CARGO, due, due)
        self._stamp(plan, _EST, PortCallEventType.CMPL, _CARGO, done, due)
        self._stamp(plan, _EST, _DEPA, _BERTH, done + UNBERTHING, due)
        self._agenda.at(done, partial(self._complete_ops, plan))

    def _complete_ops(self, plan: CallPlan, due: datetime) -> None:
        plan.ops_completed_at = due
        self._stamp(plan, _ACT, PortCallEventType.CMPL, _CARGO, due, due)
        self._agenda.at(due + UNBERTHING, partial(self._depart, plan))

    def _depart(self, plan: CallPlan, due: datetime) -> None:
        plan.departed_at = due
        self._stamp(plan, _ACT, _DEPA, _BERTH, due, due)

    def _occupant(self, plan: CallPlan) -> CallPlan | None:
        return next(
            (
                other
                for other in self.calls.values()
                if other is not plan
                and other.call.berth == plan.call.berth
                and other.berthed_at is not None
                and other.departed_at is None
            ),
            None,
        )

    def _expected_departure(self, plan: CallPlan, now: datetime) -> datetime:
        if plan.ops_completed_at is not None:
            return plan.ops_completed_at + UNBERTHING
        if plan.ops_started_at is not None:
            return plan.ops_started_at + plan.ops_duration() + UNBERTHING
        return (plan.berthed_at or now) + self._stay(plan)

    def _stay(self, plan: CallPlan) -> timedelta:
        return self.options.ops_start_delay + plan.ops_duration() + UNBERTHING

    def _stamp(
        self,
        plan: CallPlan,
        classifier: TimestampClassifier,
        event_type: PortCallEventType,
        service: PortCallService,
        event_time: datetime,
        created_at: datetime,
    ) -> PortCallTimestamp:
        stamp = PortCallTimestamp(
            event_id=str(uuid.UUID(int=self._ids.getrandbits(128), version=4)),
            call_ref=plan.call.call_ref,
            classifier=classifier,
            event_type=event_type,
            service=service,
            event_time=event_time,
            created_at=created_at,
        )
        plan.timestamps.append(stamp)
        self._append(stamp)
        return stamp

    def _append(self, item: ChangeItem) -> None:
        self._log.append(Change(seq=len(self._log) + 1, item=item))


def imo_check_digit(first_six: str) -> int:
    """IMO ship number check digit: digits weighted 7 to 2, last digit of the sum."""
    return sum(int(d) * w for d, w in zip(first_six, range(7, 1, -1), strict=True)) % 10


def _allot_berth(
    berth_free: dict[tuple[str, str], datetime], window: datetime, rng: random.Random
) -> tuple[str, str]:
    """A berth free by the window, else the one that frees up first."""
    free = [slot for slot, free_at in berth_free.items() if free_at <= window]
    if free:
        return free[rng.randrange(len(free))]
    return min(berth_free, key=lambda slot: berth_free[slot])


def _vessel(name: str, flag: str, prefix: str, rng: random.Random) -> Vessel:
    suffix = "".join(rng.choices("ABCDEFGHJKLMNPRSTUVWXYZ", k=3))
    return Vessel(imo=_imo_number(rng), name=name, call_sign=prefix + suffix, flag=flag)


def _imo_number(rng: random.Random) -> str:
    first_six = str(rng.randrange(900000, 990000))
    return f"{first_six}{imo_check_digit(first_six)}"


def _round(instant: datetime, minutes: int = 5) -> datetime:
    """Round to whole minutes, as schedules are published."""
    step = timedelta(minutes=minutes)
    epoch = instant.replace(hour=0, minute=0, second=0, microsecond=0)
    return epoch + round((instant - epoch) / step) * step
