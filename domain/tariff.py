"""Terminal tariffs as versioned data, and the storage-day rule they are applied by."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.money import DEFAULT_CURRENCY, Money

JAKARTA = "Asia/Jakarta"  # WIB, UTC+7, no daylight saving
DEFAULT_ZONE = "STANDARD"


# The largest unit price a tariff may state: far above any port charge, and
# small enough that an invoice of thousands of lines at the steepest storage
# percent still fits the amount columns (18 digits, 2 decimals).
MAX_PRICE = Decimal(10) ** 10


class SizeClass(enum.StrEnum):
    """The tariff's size class: 20' boxes, and 40' for 40', 45' and longer boxes."""

    TWENTY = "20"
    FORTY = "40"


# ISO 6346 size-type codes: the first character is the length code
# (2 = 20 ft, 4 = 40 ft, L = 45 ft); 45' boxes pay the 40' rate here.
_LENGTH_CODE_SIZE_CLASS = {
    "2": SizeClass.TWENTY,
    "4": SizeClass.FORTY,
    "L": SizeClass.FORTY,
}


def size_class_of(size_type: str) -> SizeClass:
    """The tariff size class of an ISO 6346 size-type code (22G1, 45R1, L5G1...)."""
    code = size_type.strip().upper()
    if len(code) != 4 or code[0] not in _LENGTH_CODE_SIZE_CLASS:
        raise ValidationError(
            f"size-type {size_type!r} has no tariff size class",
            field=("sizeType",),
        )
    return _LENGTH_CODE_SIZE_CLASS[code[0]]


def is_reefer(size_type: str) -> bool:
    """Whether an ISO 6346 size-type code is refrigerated (type group R)."""
    code = size_type.strip().upper()
    return len(code) == 4 and code[2] == "R"


@dataclass(frozen=True, slots=True)
class SizeRates:
    """One price for each size class."""

    twenty: Money
    forty: Money

    def for_size(self, size_class: SizeClass) -> Money:
        return self.twenty if size_class is SizeClass.TWENTY else self.forty


@dataclass(frozen=True, slots=True)
class DeliveryRate:
    """The price of trucking a box from the terminal to one delivery zone."""

    zone: str
    rates: SizeRates


@dataclass(frozen=True, slots=True)
class StoragePeriod:
    """Storage days from_day..to_day (inclusive; open-ended if None) at a percent."""

    from_day: int
    to_day: int | None
    percent: Decimal

    def __post_init__(self) -> None:
        if self.to_day is not None and self.to_day < self.from_day:
            raise ValidationError("a storage period ends before it starts")
        if self.percent < 0:
            raise ValidationError("a storage percent cannot be negative")

    def covers(self, day_index: int) -> bool:
        return self.from_day <= day_index and (
            self.to_day is None or day_index <= self.to_day
        )


@dataclass(frozen=True, slots=True)
class StorageScheme:
    """A progressive storage scheme: contiguous periods from day 1, the last open."""

    periods: tuple[StoragePeriod, ...]

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValidationError("a storage scheme needs a period", field=("periods",))
        expected_from = 1
        for number, period in enumerate(self.periods, start=1):
            if period.from_day != expected_from:
                raise ValidationError(
                    f"storage period {number} must start on day {expected_from}",
                    field=("periods",),
                )
            if (period.to_day is None) != (number == len(self.periods)):
                raise ValidationError(
                    "only the last storage period is open-ended", field=("periods",)
                )
            expected_from = (period.to_day or 0) + 1

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, int | None, str]]) -> StorageScheme:
        """Build from (from_day, to_day or None, percent as a decimal string) rows."""
        return cls(tuple(StoragePeriod(f, t, Decimal(p)) for f, t, p in rows))

    def leading_free_days(self) -> int:
        """Days covered by the closed 0% periods the scheme starts with (free time)."""
        free = 0
        for period in self.periods:
            if period.percent != 0 or period.to_day is None:
                break
            free = period.to_day
        return free

    def period_of(self, day_index: int) -> tuple[int, Decimal]:
        """The 1-based period number and percent that apply on a storage day."""
        for number, period in enumerate(self.periods, start=1):
            if period.covers(day_index):
                return number, period.percent
        raise ValidationError(f"storage day {day_index} is before day 1")


@dataclass(frozen=True, slots=True)
class NoonRule:
    """Free time by discharge hour: before the cutoff, free to midnight that day;
    at or after it, free to midnight the next day (local time of the tariff)."""

    enabled: bool = True
    cutoff_hour: int = 12

    def __post_init__(self) -> None:
        if not 0 <= self.cutoff_hour <= 23:
            raise ValidationError("cutoff hour must be 0..23", field=("cutoffHour",))

    def last_free_date(self, discharged_local: datetime) -> date | None:
        """The last local calendar date of free time, or None when the rule is off."""
        if not self.enabled:
            return None
        if discharged_local.time() < time(self.cutoff_hour):
            return discharged_local.date()
        return discharged_local.date() + timedelta(days=1)


@dataclass(frozen=True, slots=True)
class StorageDay:
    """One calendar day a box spent in the yard; `period` is None in free time.

    `day_index` counts calendar days from the discharge date (day 1);
    `scheme_day` is the day of the storage scheme charged on it (None when free).
    """

    day_index: int
    date: date
    percent: Decimal
    period: int | None
    scheme_day: int | None = None

    @property
    def free(self) -> bool:
        return self.period is None or self.percent == 0


def storage_charge_days(
    discharged_at: datetime,
    out_at: datetime,
    scheme: StorageScheme,
    noon_rule: NoonRule,
    *,
    tz: str = JAKARTA,
) -> list[StorageDay]:
    """Every storage day of a box, with the percent of the base rate charged.

    Convention: days are calendar dates in the tariff's time zone (WIB for
    Tanjung Priok). Day 1 is the discharge date and the last day is the
    gate-out date (or the date of `out_at` when the box is still in the
    yard), both counted whole, so a box that leaves the day it was discharged
    has one storage day.

    The noon rule decides when the free first period ends (midnight of the
    discharge date before the cutoff, of the next date at or after it); the
    charged days then follow the scheme in order from the first day after its
    free period, whatever calendar day they fall on. So under the Tanjung
    Priok scheme an after-noon box pays 300% on calendar day 3 (scheme day 2),
    600% on day 4 and 900% from day 5. Without the noon rule, calendar day n
    is scheme day n.
    """
    zone = ZoneInfo(tz)
    start = _aware(discharged_at, "dischargedAt").astimezone(zone)
    end = _aware(out_at, "outAt").astimezone(zone)
    if end < start:
        raise ValidationError(
            "a box cannot leave before it is discharged", field=("outAt",)
        )

    last_free = noon_rule.last_free_date(start)
    scheme_day = scheme.leading_free_days() if last_free is not None else 0
    days: list[StorageDay] = []
    for offset in range((end.date() - start.date()).days + 1):
        day = start.date() + timedelta(days=offset)
        if last_free is not None and day <= last_free:
            days.append(StorageDay(offset + 1, day, Decimal(0), None))
            continue
        scheme_day += 1
        number, percent = scheme.period_of(scheme_day)
        days.append(StorageDay(offset + 1, day, percent, number, scheme_day))
    return days


@dataclass(frozen=True, slots=True)
class VatRule:
    """VAT (PPN): `rate_percent` applied to a tax base of a fraction of the price.

    Since 2025 PPN is 12% nominal on a base (DPP nilai lain) of 11/12 of the
    price for most services, an effective 11%.
    """

    rate_percent: Decimal = Decimal(12)
    base_numerator: int = 11
    base_denominator: int = 12

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.rate_percent <= Decimal(100):
            raise ValidationError(
                "a VAT rate is 0 to 100 percent", field=("vatRatePercent",)
            )
        if not 0 < self.base_numerator <= self.base_denominator:
            raise ValidationError(
                "the tax base is a fraction of the price, at most all of it",
                field=("vatBase",),
            )

    @property
    def base_label(self) -> str:
        """The base as printed on an invoice: "11/12", or "" for the whole price."""
        if self.base_numerator == self.base_denominator:
            return ""
        return f"{self.base_numerator}/{self.base_denominator}"


@dataclass(frozen=True, slots=True)
class TariffBook:
    """One version of a terminal's tariff, in force on local dates valid_from..valid_to.

    `valid_to` is the last day in force (inclusive), None while open-ended.
    Reefer power is charged per started block of `reefer_block_hours`.
    """

    code: str
    port: str
    valid_from: date
    valid_to: date | None
    lift_on_off: SizeRates
    storage_base: SizeRates
    storage_scheme: StorageScheme
    noon_rule: NoonRule
    inspection: SizeRates
    reefer_power: SizeRates
    admin_fee: Money
    delivery: tuple[DeliveryRate, ...]
    vat: VatRule
    timezone: str = JAKARTA
    currency: str = DEFAULT_CURRENCY
    reefer_block_hours: int = 8

    def __post_init__(self) -> None:
        if not 1 <= len(self.code) <= 40:
            raise ValidationError(
                "a tariff code has 1 to 40 characters", field=("code",)
            )
        # A UN/LOCODE: country and place, five letters (IDTPP).
        if len(self.port) != 5 or not self.port.isalpha():
            raise ValidationError("a port is a 5-letter UN/LOCODE", field=("port",))
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValidationError(
                "a tariff cannot end before it starts", field=("validTo",)
            )
        if not 1 <= self.reefer_block_hours <= 24:
            raise ValidationError(
                "reefer power is charged in blocks of 1 to 24 hours",
                field=("reeferBlockHours",),
            )
        for price in self._prices():
            if price.currency != self.currency:
                raise ValidationError(
                    f"tariff {self.code} mixes {price.currency} into {self.currency}",
                    code="CURRENCY_MISMATCH",
                )
            if not Decimal(0) <= price.amount <= MAX_PRICE:
                raise ValidationError(
                    f"a price is 0 to {MAX_PRICE:,} {self.currency}",
                    code="PRICE_OUT_OF_RANGE",
                )

    def covers(self, at: datetime) -> bool:
        """Whether this version is in force at an instant (by its local date)."""
        local = _aware(at, "at").astimezone(ZoneInfo(self.timezone)).date()
        return self.valid_from <= local and (
            self.valid_to is None or local <= self.valid_to
        )

    @classmethod
    def in_force(cls, versions: Sequence[TariffBook], at: datetime) -> TariffBook:
        """The version in force at `at`: of those covering it, the latest to start.

        A newer version thus supersedes an open-ended older one without
        editing it; two covering versions starting the same day conflict.
        """
        covering = sorted(
            (v for v in versions if v.covers(at)), key=lambda v: v.valid_from
        )
        if not covering:
            raise NotFoundError(
                f"no tariff is in force at {at.isoformat()}", code="TARIFF_NOT_IN_FORCE"
            )
        if len(covering) > 1 and covering[-1].valid_from == covering[-2].valid_from:
            raise ConflictError(
                f"tariffs {covering[-2].code} and {covering[-1].code} both start "
                f"on {covering[-1].valid_from.isoformat()}",
                code="TARIFF_AMBIGUOUS",
            )
        return covering[-1]

    def delivery_rate(self, zone: str, size_class: SizeClass) -> Money:
        for rate in self.delivery:
            if rate.zone == zone:
                return rate.rates.for_size(size_class)
        raise NotFoundError(
            f"tariff {self.code} has no delivery zone {zone!r}", field=("deliveryZone",)
        )

    def _prices(self) -> Iterable[Money]:
        rated = [
            self.lift_on_off,
            self.storage_base,
            self.inspection,
            self.reefer_power,
            *(d.rates for d in self.delivery),
        ]
        for rates in rated:
            yield rates.twenty
            yield rates.forty
        yield self.admin_fee


def _aware(moment: datetime, field: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValidationError(f"{field} must carry a UTC offset", field=(field,))
    return moment
