"""The optimiser's view of time and storage: minutes from an epoch, rupiah per day.

Pure: no SQLAlchemy. The optimiser counts integer minutes from an epoch we
choose; a plan's epoch is the hour it was computed in (UTC), so every slot
it considers starts at minute 0 or later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.errors import NotFoundError
from domain.seed_tariffs import PRIOK_VERSIONS
from domain.tariff import (
    StorageScheme,
    TariffBook,
    size_class_of,
    storage_charge_days,
)
from optimizer import StorageTariff

MINUTE = timedelta(minutes=1)
NO_STORAGE = StorageTariff(daily_costs=())


@dataclass(frozen=True, slots=True)
class PlanClock:
    """Converts aware datetimes to the optimiser's whole minutes and back."""

    epoch: datetime

    @classmethod
    def at(cls, now: datetime) -> PlanClock:
        """A clock whose epoch is the start of the UTC hour of `now`."""
        utc = now.astimezone(UTC)
        return cls(utc.replace(minute=0, second=0, microsecond=0))

    def minutes(self, moment: datetime) -> int:
        """Whole minutes from the epoch, rounded down (negative in the past)."""
        return (moment - self.epoch) // MINUTE

    def moment(self, minutes: int) -> datetime:
        return self.epoch + minutes * MINUTE


def tariff_in_force(port: str, at: datetime) -> TariffBook | None:
    """The seeded tariff of a port in force at `at`, None when the port has none."""
    versions = tuple(v for v in PRIOK_VERSIONS if v.port == port)
    try:
        return TariffBook.in_force(versions, at)
    except NotFoundError:
        return None


def storage_tariff(
    book: TariffBook | None,
    size_type: str,
    discharged_at: datetime,
    clock: PlanClock,
) -> StorageTariff:
    """Storage as the optimiser charges it, for a box discharged at `discharged_at`.

    Free time ends at local midnight after the last free date of the noon
    rule; each later day costs the base rate times the percent the invoice
    charges on it (domain.tariff.storage_charge_days), listed until the
    scheme's open-ended last period, whose rate then repeats.
    """
    if book is None:
        return NO_STORAGE
    zone = ZoneInfo(book.timezone)
    local = discharged_at.astimezone(zone)
    last_free = book.noon_rule.last_free_date(local) or (
        local.date() - timedelta(days=1)
    )
    free_until = datetime.combine(
        last_free + timedelta(days=1), datetime.min.time(), zone
    )
    base = book.storage_base.for_size(size_class_of(size_type)).amount
    costs = tuple(
        int(base * percent / 100) for percent in _charged_percents(book, local)
    )
    return StorageTariff(daily_costs=costs, free_until=clock.minutes(free_until))


def _charged_percents(book: TariffBook, discharged: datetime) -> list[Decimal]:
    """Percents of each charged day, in order, until the open-ended last period."""
    scheme = book.storage_scheme
    horizon = discharged + timedelta(days=_scheme_span(scheme) + 3)
    days = storage_charge_days(
        discharged, horizon, scheme, book.noon_rule, tz=book.timezone
    )
    percents = []
    for day in days:
        if day.period is None:
            continue
        percents.append(day.percent)
        if day.period == len(scheme.periods):
            break
    return percents


def _scheme_span(scheme: StorageScheme) -> int:
    """Days until the scheme's last (open-ended) period starts."""
    return scheme.periods[-1].from_day
