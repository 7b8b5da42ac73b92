"""What the pickup optimiser is given: containers, slots, yard blocks and costs.

Time is integer minutes from an epoch the caller chooses (for example UTC
midnight of the planning day); every start/end pair is half-open, [start, end).
Money is integer rupiah. Nothing here knows about the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MINUTES_PER_DAY = 1440
MINUTES_PER_HOUR = 60


@dataclass(frozen=True, slots=True)
class Window:
    """A span of time [start, end) in minutes from the epoch."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"window ends before it starts: {self}")

    def deviation(self, start: int, end: int) -> int:
        """Most minutes a truck arriving in [start, end) can be outside the window."""
        return max(0, self.start - start, end - self.end)


@dataclass(frozen=True, slots=True)
class StorageTariff:
    """Storage charged per started day after the free time, as tariff data.

    `daily_costs[k]` is the charge for the (k+1)-th chargeable day; the last
    entry repeats. Free time is `free_until` when given, else derived from the
    discharge time by the free-time rule: a box discharged before the local
    cutoff (noon) is free to that local midnight, after it to the next one.
    `midnight` is local midnight as minutes from the epoch, modulo a day.
    """

    daily_costs: tuple[int, ...]
    free_until: int | None = None
    midnight: int = 0
    noon_cutoff: int = 720

    def free_time_end(self, discharged_at: int) -> int:
        """End of free time for a box discharged at `discharged_at`."""
        if self.free_until is not None:
            return self.free_until
        into_day = (discharged_at - self.midnight) % MINUTES_PER_DAY
        day_start = discharged_at - into_day
        days = 1 if into_day < self.noon_cutoff else 2
        return day_start + days * MINUTES_PER_DAY

    def cost_until(self, free_end: int, picked_up_at: int) -> tuple[int, int]:
        """Storage (rupiah, chargeable days) for a pickup at `picked_up_at`."""
        if picked_up_at <= free_end or not self.daily_costs:
            return 0, 0
        days = -(-(picked_up_at - free_end) // MINUTES_PER_DAY)
        listed = min(days, len(self.daily_costs))
        cost = sum(self.daily_costs[:listed])
        cost += (days - listed) * self.daily_costs[-1]
        return cost, days

    def day_cost(self, day_index: int) -> int:
        """Charge of the chargeable day with 0-based index `day_index`."""
        if not self.daily_costs:
            return 0
        return self.daily_costs[min(day_index, len(self.daily_costs) - 1)]


NO_STORAGE = StorageTariff(daily_costs=())


@dataclass(frozen=True, slots=True)
class Slot:
    """A pickup slot with its truck quota and an optional soft target."""

    id: str
    start: int
    end: int
    quota: int
    soft_target: int | None = None


@dataclass(frozen=True, slots=True)
class CapacityReduction:
    """A yard block works at a lower rate during [start, end)."""

    start: int
    end: int
    moves_per_hour: int


@dataclass(frozen=True, slots=True)
class Block:
    """A yard block and the moves per hour its yard cranes make for pickups."""

    id: str
    moves_per_hour: int
    reductions: tuple[CapacityReduction, ...] = ()

    def capacity(self, start: int, end: int) -> int:
        """Pickup moves the block can make during [start, end)."""
        rate = self.moves_per_hour
        for cut in self.reductions:
            if cut.start < end and start < cut.end:
                rate = min(rate, cut.moves_per_hour)
        return rate * (end - start) // MINUTES_PER_HOUR


@dataclass(frozen=True, slots=True)
class Stowage:
    """Where a box sits on board: bay, row, tier (ISO bay plan; higher tier on top)."""

    bay: int
    row: int
    tier: int


@dataclass(frozen=True, slots=True)
class VesselCall:
    """A vessel call as the discharge estimate needs it."""

    id: str
    berth_at: int
    cranes: int
    moves_per_crane_hour: int = 25


@dataclass(frozen=True, slots=True)
class Container:
    """An import box to be picked up, with the times its release conditions are met.

    A condition time of None means the condition is not met and no time is
    expected (a hold): the box is reported unassigned. `discharged_at` None
    means the discharge time is estimated from the vessel call.
    """

    id: str
    block: str
    size: int
    storage: StorageTariff = NO_STORAGE
    vessel_call: str | None = None
    stowage: Stowage | None = None
    discharged_at: int | None = None
    customs_released_at: int | None = 0
    paid_at: int | None = 0
    do_valid_from: int | None = 0
    do_expires_at: int | None = None
    preferred: Window | None = None
    trucker: str | None = None
    booked_slot: str | None = None


@dataclass(frozen=True, slots=True)
class OverloadTier:
    """Trucks above a slot's soft target cost `cost_per_truck` each, for `trucks`."""

    trucks: int
    cost_per_truck: int


@dataclass(frozen=True, slots=True)
class DeviationTier:
    """The next `minutes` outside the preferred window cost `per_hour` an hour."""

    minutes: int
    per_hour: int


# What a pickup outside the customer's window costs the customer: planning
# assumptions for Jakarta, not tariff data. The first hour is a truck-hour
# spent waiting (driver, tractor and trailer idle, or the warehouse crew
# kept on); after it the truck also loses its next trip, priced at a
# Tanjung Priok round trip of about Rp 3 M over some twelve hours. Priced so,
# a storage day (Rp 127,500 to 765,000) buys an hour or three of shift, not
# the evening before, and the plan keeps customers near their windows.
JAKARTA_DEVIATION = (DeviationTier(60, 150_000), DeviationTier(1_000_000, 250_000))


@dataclass(frozen=True, slots=True)
class Costs:
    """Prices the optimiser trades off, in rupiah.

    `deviation` is a convex piecewise price of the minutes a pickup lies
    outside its preferred window; the last tier's price repeats.
    """

    deviation: tuple[DeviationTier, ...] = JAKARTA_DEVIATION
    overload: tuple[OverloadTier, ...] = (
        OverloadTier(10, 15_000),
        OverloadTier(1_000_000, 60_000),
    )
    unassigned: int = 100_000_000
    move: int = 300_000

    def __post_init__(self) -> None:
        # Increasing marginal costs keep the piecewise load cost convex, which
        # is what lets parallel arcs model it inside a min-cost flow.
        prices = [tier.cost_per_truck for tier in self.overload]
        if prices != sorted(prices):
            raise ValueError("overload tiers must have increasing cost per truck")
        rates = [tier.per_hour for tier in self.deviation]
        if rates != sorted(rates):
            raise ValueError("deviation tiers must have increasing price per hour")

    def deviation_cost(self, minutes: int) -> int:
        """Cost of picking up `minutes` outside the preferred window."""
        cost, left = 0, minutes
        for tier in self.deviation:
            if left <= 0:
                break
            used = min(left, tier.minutes)
            cost += tier.per_hour * used
            left -= used
        if left > 0 and self.deviation:
            cost += left * self.deviation[-1].per_hour
        return cost // MINUTES_PER_HOUR

    def overload_cost(self, trucks_over: int) -> int:
        """Total overload cost when a slot has `trucks_over` above its target."""
        cost, left = 0, trucks_over
        for tier in self.overload:
            if left <= 0:
                break
            used = min(left, tier.trucks)
            cost += used * tier.cost_per_truck
            left -= used
        if left > 0 and self.overload:
            cost += left * self.overload[-1].cost_per_truck
        return cost


@dataclass(frozen=True, slots=True)
class TruckerQuota:
    """A trucking company may field at most `trucks_per_slot` trucks in any slot."""

    trucker: str
    trucks_per_slot: int


@dataclass(frozen=True, slots=True)
class Instance:
    """Everything one pickup plan is computed from."""

    containers: tuple[Container, ...]
    slots: tuple[Slot, ...]
    blocks: tuple[Block, ...]
    vessel_calls: tuple[VesselCall, ...] = ()
    costs: Costs = field(default_factory=Costs)
    settling_minutes: int = 60
    trucker_quotas: tuple[TruckerQuota, ...] = ()
    twin_pairs: tuple[tuple[str, str], ...] = ()

    @property
    def has_side_constraints(self) -> bool:
        """True when the plan needs CP-SAT: trucker quotas or twin 20' pairs."""
        return bool(self.trucker_quotas or self.twin_pairs)
