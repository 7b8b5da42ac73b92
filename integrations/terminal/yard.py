"""TerminalYard: the simulated terminals of the port, discharging into their yards.

Once a call's cargo operations start in the PortWorld, its boxes come off in
stowage order, bay by bay and top tier first (a box can only leave once the
ones above it have), at the call's pooled crane rate: the k-th box lands at
start + k / (cranes x moves per crane-hour). Each box is then stacked in the
yard, released by customs after a few hours (green lane) or held, moved to
the behandle area and inspected first (red lane, a configurable share), and
made available for pickup once released and in the stack. Gate-in and
gate-out come from the control API, as the trucks that book them are not
simulated. Every event is appended to a log whose sequence is the cursor.
"""

from __future__ import annotations

import itertools
import random
import string
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

import structlog

from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.ports.terminal import (
    ContainerEvent,
    ContainerEventType,
    ManifestEntry,
    Stowage,
    YardPosition,
)
from integrations.clock import Agenda
from integrations.vessels.world import CallPlan, PortWorld

log = structlog.get_logger(__name__)

# Behandle: the customs inspection area where red-lane boxes are opened.
INSPECTION_BLOCK = "BHD"
YARD_BLOCKS = tuple(f"{row}{n:02d}" for row in "ABC" for n in range(1, 7))
BAYS_PER_BLOCK, ROWS_PER_BAY, STACK_HEIGHT = 30, 6, 4
OWNER_CODES = ("DRMU", "TPKU", "NSAU", "JKTU", "BTVU", "MRPU")
# Weights from a typical Asia-Indonesia import mix of ISO 6346 size-types.
SIZE_TYPES = {"22G1": 35, "42G1": 10, "45G1": 40, "45R1": 15}
TIERS_HOLD = (2, 4, 6, 8, 10)
TIERS_DECK = (82, 84, 86, 88, 90)
_E = ContainerEventType


@dataclass(frozen=True, slots=True)
class TerminalOptions:
    """How the terminals and customs behave; hours and minutes are simulated."""

    inspection_share: float = 0.1
    yard_correction_share: float = 0.03
    to_yard_minutes: tuple[float, float] = (4, 12)
    release_hours: tuple[float, float] = (1, 8)


@dataclass
class Box:
    """One manifest box and where it stands at the terminal."""

    entry: ManifestEntry
    terminal: str
    rng: random.Random
    discharged_at: datetime | None = None
    position: YardPosition | None = None
    yard_event_id: str | None = None
    on_hold: bool = False
    released: bool = False
    available: bool = False
    gated_in: bool = False
    gated_out: bool = False


class TerminalYard:
    """The port's terminals as one container event source over a PortWorld."""

    def __init__(
        self, world: PortWorld, seed: int = 7, options: TerminalOptions | None = None
    ) -> None:
        self.world = world
        self.seed = seed
        self.options = options or TerminalOptions()
        self.inspection_share = self.options.inspection_share
        self.boxes: dict[str, Box] = {}
        self.manifests: dict[str, list[str]] = {}
        self._planned: set[str] = set()
        self._slots: dict[str, int] = {}
        self._agenda = Agenda()
        self._log: list[ContainerEvent] = []
        self._ids = random.Random(f"{seed}/container-event-ids")
        for plan in world.calls.values():
            self._load(plan, _generate_manifest(plan, seed, self._taken()))

    @property
    def event_count(self) -> int:
        """How many events the log holds; the last one's sequence number."""
        return len(self._log)

    def advance(self) -> datetime:
        """Bring the port and the terminals up to the simulated now."""
        now = self.world.advance()
        for plan in self.world.calls.values():
            if (
                plan.ops_started_at is not None
                and plan.call.call_ref not in self._planned
            ):
                self._plan_discharge(plan)
        self._agenda.run_until(now)
        return now

    def events_after(self, seq: int, limit: int) -> tuple[list[ContainerEvent], bool]:
        """Up to `limit` events after sequence number `seq`, and whether more wait."""
        return self._log[seq : seq + limit], seq + limit < len(self._log)

    def manifest(self, call_ref: str) -> list[ManifestEntry]:
        """The boxes to discharge from a call."""
        self.world.call(call_ref)
        # A call announced after the yard opened has no boxes until registered.
        return [self.boxes[n].entry for n in self.manifests.get(call_ref, [])]

    def register_manifest(
        self, call_ref: str, entries: Iterable[tuple[str, str, Stowage | None]]
    ) -> list[ManifestEntry]:
        """Replace a call's manifest before its discharge starts."""
        self.advance()
        plan = self.world.call(call_ref)
        manifest = [ManifestEntry(n, t, call_ref, s) for n, t, s in entries]
        _check_manifest(manifest, self._taken(exclude=call_ref))
        self.world.set_discharge_moves(call_ref, len(manifest))
        for number in self.manifests.pop(call_ref, []):
            del self.boxes[number]
        self._load(plan, manifest)
        log.info(
            "terminal_sim.manifest.registered", call_ref=call_ref, boxes=len(manifest)
        )
        return manifest

    def generate_manifest(self, call_ref: str, count: int) -> list[ManifestEntry]:
        """Replace a call's manifest with `count` generated boxes."""
        plan = self.world.call(call_ref)
        plan_rng = random.Random(f"{self.seed}/{call_ref}/manifest/{count}")
        entries = _random_boxes(plan_rng, call_ref, count, self._taken(call_ref))
        rows = [(e.container_number, e.size_type, e.stowage) for e in entries]
        return self.register_manifest(plan.call.call_ref, rows)

    def hold(self, number: str) -> ContainerEvent:
        """Customs puts a box on hold; it is no longer available for pickup."""
        now, box = self._control(number)
        box.on_hold, box.available = True, False
        return self._emit(box, _E.CUSTOMS_HOLD, now)

    def release(self, number: str) -> ContainerEvent:
        """Customs releases a box (SPPB, or the end of a hold)."""
        now, box = self._control(number)
        box.on_hold, box.released = False, True
        event = self._emit(box, _E.CUSTOMS_RELEASE, now)
        self._maybe_available(box, now)
        return event

    def gate_in(self, number: str) -> ContainerEvent:
        """A truck for the box passed the in-gate."""
        now, box = self._control(number)
        if box.discharged_at is None or box.gated_in:
            raise ConflictError(f"container {number} cannot be gated in now")
        box.gated_in = True
        return self._emit(box, _E.GTIN, now)

    def gate_out(self, number: str) -> ContainerEvent:
        """The box left through the out-gate on the truck that came for it."""
        now, box = self._control(number)
        if not (box.available and box.gated_in) or box.gated_out:
            raise ConflictError(f"container {number} is not ready to gate out")
        box.gated_out, box.available = True, False
        return self._emit(box, _E.GTOT, now)

    def _control(self, number: str) -> tuple[datetime, Box]:
        now = self.advance()
        try:
            return now, self.boxes[number]
        except KeyError:
            raise NotFoundError(f"no container {number} in any manifest") from None

    def _taken(self, exclude: str | None = None) -> set[str]:
        return {n for n, b in self.boxes.items() if b.entry.vessel_call_ref != exclude}

    def _load(self, plan: CallPlan, manifest: list[ManifestEntry]) -> None:
        ref = plan.call.call_ref
        self.manifests[ref] = [e.container_number for e in manifest]
        for entry in manifest:
            rng = random.Random(f"{self.seed}/{entry.container_number}")
            self.boxes[entry.container_number] = Box(entry, plan.call.terminal, rng)

    def _plan_discharge(self, plan: CallPlan) -> None:
        self._planned.add(plan.call.call_ref)
        boxes = [self.boxes[n] for n in self.manifests.get(plan.call.call_ref, [])]
        for index, box in enumerate(sorted(boxes, key=_discharge_order)):
            self._agenda.at(plan.discharge_time(index), partial(self._discharge, box))

    def _discharge(self, box: Box, due: datetime) -> None:
        box.discharged_at = due
        self._emit(box, _E.DISC, due)
        to_yard = timedelta(minutes=box.rng.uniform(*self.options.to_yard_minutes))
        self._agenda.at(due + to_yard, partial(self._stack, box))
        if box.rng.random() < self.inspection_share:
            hold_at = due + timedelta(minutes=box.rng.uniform(20, 90))
            self._agenda.at(hold_at, partial(self._customs_hold, box))
        else:
            wait = timedelta(hours=box.rng.uniform(*self.options.release_hours))
            self._agenda.at(due + wait, partial(self._green_release, box))

    def _stack(self, box: Box, due: datetime) -> None:
        event = self._move(box, _E.YARD, self._next_slot(box.terminal), due)
        if box.rng.random() < self.options.yard_correction_share:
            fix_at = due + timedelta(minutes=box.rng.uniform(10, 60))
            self._agenda.at(fix_at, partial(self._correct_yard, box, event))
        self._maybe_available(box, due)

    def _correct_yard(self, box: Box, wrong: ContainerEvent, due: datetime) -> None:
        # The checker found the box in another slot than reported: the new YARD
        # event retracts the wrong one rather than posing as a move.
        if box.yard_event_id != wrong.event_id:
            return
        slot = self._next_slot(box.terminal)
        self._move(box, _E.YARD, slot, due, event_time=wrong.event_time, wrong=wrong)

    def _green_release(self, box: Box, due: datetime) -> None:
        if box.on_hold or box.released:
            return
        box.released = True
        self._emit(box, _E.CUSTOMS_RELEASE, due)
        self._maybe_available(box, due)

    def _customs_hold(self, box: Box, due: datetime) -> None:
        box.on_hold, box.available = True, False
        self._emit(box, _E.CUSTOMS_HOLD, due)
        to_area = due + timedelta(hours=box.rng.uniform(1, 3))
        self._agenda.at(to_area, partial(self._inspect, box))

    def _inspect(self, box: Box, due: datetime) -> None:
        if box.gated_out or box.position is None:
            return
        area = self._next_slot(INSPECTION_BLOCK)
        self._move(box, _E.YARD_MOVE, area, due)
        start = due + timedelta(minutes=30)
        end = start + timedelta(hours=box.rng.uniform(1, 3))
        self._agenda.at(start, partial(self._start_inspection, box))
        self._agenda.at(end, partial(self._end_inspection, box))

    def _start_inspection(self, box: Box, due: datetime) -> None:
        self._emit(box, _E.INSP_START, due)

    def _end_inspection(self, box: Box, due: datetime) -> None:
        self._emit(box, _E.INSP_END, due)
        back = due + timedelta(minutes=30)
        self._agenda.at(back, partial(self._return_from_inspection, box))

    def _return_from_inspection(self, box: Box, due: datetime) -> None:
        self._move(box, _E.YARD_MOVE, self._next_slot(box.terminal), due)
        if box.on_hold:
            box.on_hold, box.released = False, True
            self._emit(box, _E.CUSTOMS_RELEASE, due)
        self._maybe_available(box, due)

    def _maybe_available(self, box: Box, due: datetime) -> None:
        in_stack = box.position is not None and box.position.block != INSPECTION_BLOCK
        ready = in_stack and box.released and not box.on_hold
        if ready and not box.available and not box.gated_out:
            box.available = True
            self._emit(box, _E.AVPU, due)

    def _move(
        self,
        box: Box,
        event_type: ContainerEventType,
        position: YardPosition,
        due: datetime,
        *,
        event_time: datetime | None = None,
        wrong: ContainerEvent | None = None,
    ) -> ContainerEvent:
        box.position = position
        event = self._emit(
            box,
            event_type,
            due,
            event_time=event_time,
            position=position,
            retracts=wrong.event_id if wrong else None,
        )
        box.yard_event_id = event.event_id
        return event

    def _next_slot(self, block_group: str) -> YardPosition:
        index = self._slots.get(block_group, 0)
        self._slots[block_group] = index + 1
        tier = index % STACK_HEIGHT + 1
        row = index // STACK_HEIGHT % ROWS_PER_BAY + 1
        bay = index // (STACK_HEIGHT * ROWS_PER_BAY) % BAYS_PER_BLOCK + 1
        block_index = index // (STACK_HEIGHT * ROWS_PER_BAY * BAYS_PER_BLOCK)
        if block_group == INSPECTION_BLOCK:
            block = INSPECTION_BLOCK
        else:
            blocks = [f"{block_group}-{b}" for b in YARD_BLOCKS]
            block = blocks[block_index % len(blocks)]
        return YardPosition(block=block, bay=bay, row=row, tier=tier)

    def _emit(
        self,
        box: Box,
        event_type: ContainerEventType,
        due: datetime,
        *,
        event_time: datetime | None = None,
        position: YardPosition | None = None,
        retracts: str | None = None,
    ) -> ContainerEvent:
        event = ContainerEvent(
            event_id=str(uuid.UUID(int=self._ids.getrandbits(128), version=4)),
            container_number=box.entry.container_number,
            vessel_call_ref=box.entry.vessel_call_ref,
            event_type=event_type,
            event_time=event_time or due,
            created_at=due,
            yard_position=position,
            retracts_event_id=retracts,
        )
        self._log.append(event)
        return event


def iso6346_check_digit(code: str) -> int:
    """ISO 6346 check digit of owner code, category and serial (10 characters)."""
    total = sum(_char_value(c) * (1 << i) for i, c in enumerate(code))
    return total % 11 % 10


def is_container_number(number: str) -> bool:
    """Owner code, category U/J/Z, six digits and a matching check digit."""
    well_formed = (
        len(number) == 11
        and number[:3].isalpha()
        and number[:3].isupper()
        and number[3] in "UJZ"
        and number[4:].isdigit()
    )
    return well_formed and iso6346_check_digit(number[:10]) == int(number[10])


def _letter_values() -> dict[str, int]:
    # Letters count from 10 up, skipping multiples of 11 (ISO 6346 annex A).
    values: Iterator[int] = (v for v in itertools.count(10) if v % 11)
    return dict(zip(string.ascii_uppercase, values, strict=False))


_LETTER_VALUES = _letter_values()


def _char_value(char: str) -> int:
    return int(char) if char.isdigit() else _LETTER_VALUES[char]


def _discharge_order(box: Box) -> tuple[int, int, int, int, int]:
    # Hatch by hatch (a 40' bay spans the two 20' bays beside it), then top
    # tier first across the hatch's rows; boxes without stowage come off last.
    stowage = box.entry.stowage
    if stowage is None:
        return (1, 0, 0, 0, 0)
    hatch = (stowage.bay - 1) // 4
    return (0, hatch, -stowage.tier, stowage.row, stowage.bay)


def _check_manifest(manifest: list[ManifestEntry], taken: set[str]) -> None:
    numbers = [e.container_number for e in manifest]
    bad = [n for n in numbers if not is_container_number(n)]
    if bad:
        raise ValidationError(f"not ISO 6346 container numbers: {', '.join(bad)}")
    if len(set(numbers)) != len(numbers) or taken & set(numbers):
        raise ValidationError("a container number appears twice")
    slots = [e.stowage for e in manifest if e.stowage is not None]
    if len(set(slots)) != len(slots):
        raise ValidationError("two containers share one stowage slot")


def _generate_manifest(
    plan: CallPlan, seed: int, taken: set[str]
) -> list[ManifestEntry]:
    rng = random.Random(f"{seed}/{plan.call.call_ref}/manifest")
    return _random_boxes(rng, plan.call.call_ref, plan.discharge_moves, taken)


def _random_boxes(
    rng: random.Random, call_ref: str, count: int, taken: set[str]
) -> list[ManifestEntry]:
    entries: list[ManifestEntry] = []
    stacks: set[tuple[int, int, bool]] = set()
    while len(entries) < count:
        bay_group, row, on_deck = (
            rng.randrange(20),
            rng.randrange(12),
            rng.random() < 0.6,
        )
        if (bay_group, row, on_deck) in stacks:
            continue
        stacks.add((bay_group, row, on_deck))
        size_type = rng.choices(list(SIZE_TYPES), weights=list(SIZE_TYPES.values()))[0]
        # ISO 9711 bays: a 20' box sits in an odd bay, a 40' in the even bay
        # between two odd ones.
        bay = 4 * bay_group + (2 if size_type[0] == "4" else rng.choice((1, 3)))
        tiers = TIERS_DECK if on_deck else TIERS_HOLD
        for tier in tiers[: min(rng.randint(1, 4), count - len(entries))]:
            number = _container_number(rng, taken)
            entries.append(
                ManifestEntry(number, size_type, call_ref, Stowage(bay, row, tier))
            )
    return entries


def _container_number(rng: random.Random, taken: set[str]) -> str:
    while True:
        code = f"{rng.choice(OWNER_CODES)}{rng.randrange(1_000_000):06d}"
        number = f"{code}{iso6346_check_digit(code)}"
        if number not in taken:
            taken.add(number)
            return number
