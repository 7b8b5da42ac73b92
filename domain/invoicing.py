"""The consolidated invoice and the proforma estimate, computed from a tariff book.

Rounding: each line's amount is quantity x unit price, rounded once to whole
rupiah, half up; the subtotal is the sum of the rounded lines. The VAT (PPN)
tax base is the subtotal x 11/12, rounded once to whole rupiah half up, and
the VAT is 12% of that base, rounded once the same way; the total is subtotal
plus VAT. Unit prices are kept exact (a storage percent may leave a fraction).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from domain.errors import ValidationError
from domain.money import Money
from domain.tariff import (
    DEFAULT_ZONE,
    SizeClass,
    StorageDay,
    TariffBook,
    VatRule,
    storage_charge_days,
)

_HUNDRED = Decimal(100)
# The invoice amount columns hold 16 digits before the decimal point.
MAX_AMOUNT = Decimal(10) ** 16


class ServiceCode(enum.StrEnum):
    """The service an invoice line charges for."""

    LIFT_ON_OFF = "LIFT_ON_OFF"
    STORAGE = "STORAGE"
    INSPECTION = "INSPECTION"
    REEFER_POWER = "REEFER_POWER"
    ADMIN_FEE = "ADMIN_FEE"
    DELIVERY = "DELIVERY"


@dataclass(frozen=True, slots=True)
class ContainerUsage:
    """What one box used at the terminal; times are timezone-aware.

    `gate_out_at` is None while the box is still in the yard (charged up to
    the invoice's `as_of`); reefer plug times default to discharge and gate-out.
    """

    container_number: str
    size_class: SizeClass
    discharged_at: datetime
    reefer: bool = False
    gate_out_at: datetime | None = None
    inspections: int = 0
    lifts: int = 1
    delivery: bool = False
    delivery_zone: str = DEFAULT_ZONE
    reefer_plugged_in_at: datetime | None = None
    reefer_plugged_out_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.lifts < 0 or self.inspections < 0:
            raise ValidationError(f"{self.container_number}: counts cannot be negative")
        moments = {
            "dischargedAt": self.discharged_at,
            "gateOutAt": self.gate_out_at,
            "reeferPluggedInAt": self.reefer_plugged_in_at,
            "reeferPluggedOutAt": self.reefer_plugged_out_at,
        }
        for name, moment in moments.items():
            if moment is not None and moment.utcoffset() is None:
                raise ValidationError(f"{name} must carry a UTC offset", field=(name,))


@dataclass(frozen=True, slots=True)
class ProformaContainer:
    """A box as known before discharge, enough to estimate its initial payment."""

    container_number: str
    size_class: SizeClass
    reefer: bool = False


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    """One service for one box (or for the shipment), its amount rounded once."""

    service: ServiceCode
    container_number: str | None
    quantity: int
    unit_price: Money
    amount: Money
    period: str | None
    description: str


@dataclass(frozen=True, slots=True)
class InvoiceDraft:
    """An invoice before issue: lines, PPN, and what is left to pay.

    `balance_due` is total minus the initial payment; when negative the
    terminal owes the customer that much back (`refund_due`).
    """

    tariff_code: str
    lines: tuple[InvoiceLine, ...]
    subtotal: Money
    tax_base: Money
    vat: Money
    total: Money
    initial_payment: Money
    balance_due: Money
    vat_rule: VatRule = field(default_factory=VatRule)

    @property
    def refund_due(self) -> Money:
        if self.balance_due.is_negative:
            return -self.balance_due
        return Money.zero(self.balance_due.currency)


def compute_invoice(
    book: TariffBook,
    containers_usage: Sequence[ContainerUsage],
    documents_count: int,
    initial_payment: Money,
    *,
    as_of: datetime | None = None,
) -> InvoiceDraft:
    """The consolidated invoice for a shipment, crediting its initial payment.

    A box without a gate-out time is charged to `as_of`, which is then required.
    """
    if documents_count < 0:
        raise ValidationError(
            "documents count cannot be negative", field=("documentsCount",)
        )

    lines: list[InvoiceLine] = []
    for usage in containers_usage:
        lines.extend(_container_lines(book, usage, _out_at(usage, as_of)))
    if documents_count:
        lines.append(
            _line(
                ServiceCode.ADMIN_FEE,
                None,
                documents_count,
                book.admin_fee,
                "administration, per document",
            )
        )
    return _draft(book, lines, initial_payment)


def estimate_initial_payment(
    book: TariffBook,
    containers: Sequence[ProformaContainer],
    expected_discharge: datetime,
    storage_days_estimate: int = 3,
) -> InvoiceDraft:
    """The proforma: lift-on/lift-off, the first storage days, reefer power, PPN.

    Each box is assumed to leave at the end of storage day
    `storage_days_estimate` (day 1 is the expected discharge date, local time).
    """
    if storage_days_estimate < 1:
        raise ValidationError(
            "estimate at least one storage day", field=("storageDaysEstimate",)
        )

    if expected_discharge.utcoffset() is None:
        raise ValidationError(
            "expected discharge must carry a UTC offset", field=("expectedDischarge",)
        )

    zone = ZoneInfo(book.timezone)
    last_day = expected_discharge.astimezone(zone).date() + timedelta(
        days=storage_days_estimate - 1
    )
    leaves_at = datetime.combine(last_day, time.max, tzinfo=zone)
    lines: list[InvoiceLine] = []
    for box in containers:
        usage = ContainerUsage(
            box.container_number, box.size_class, expected_discharge, reefer=box.reefer
        )
        lines.extend(_container_lines(book, usage, leaves_at))
    return _draft(book, lines, Money.zero(book.currency))


def _out_at(usage: ContainerUsage, as_of: datetime | None) -> datetime:
    if usage.gate_out_at is not None:
        return usage.gate_out_at
    if as_of is None:
        raise ValidationError(
            f"{usage.container_number} has no gate-out; give as_of to charge to date",
            field=("asOf",),
        )
    return as_of


def _container_lines(
    book: TariffBook, usage: ContainerUsage, out_at: datetime
) -> Iterator[InvoiceLine]:
    number, size = usage.container_number, usage.size_class
    if usage.lifts:
        yield _line(
            ServiceCode.LIFT_ON_OFF,
            number,
            usage.lifts,
            book.lift_on_off.for_size(size),
            f"lift-on/lift-off {size}'",
        )
    yield from _storage_lines(book, usage, out_at)
    if usage.inspections:
        yield _line(
            ServiceCode.INSPECTION,
            number,
            usage.inspections,
            book.inspection.for_size(size),
            f"inspection handling (red lane, behandle) {size}'",
        )
    if usage.reefer:
        yield _reefer_line(book, usage, out_at)
    if usage.delivery:
        yield _line(
            ServiceCode.DELIVERY,
            number,
            1,
            book.delivery_rate(usage.delivery_zone, size),
            f"delivery to zone {usage.delivery_zone} {size}'",
        )


def _storage_lines(
    book: TariffBook,
    usage: ContainerUsage,
    out_at: datetime,
    after: date | None = None,
) -> Iterator[InvoiceLine]:
    """One line per scheme period the box was charged in; free days make none.

    With `after`, only the days after that local date (already paid) count.
    """
    days = storage_charge_days(
        usage.discharged_at,
        out_at,
        book.storage_scheme,
        book.noon_rule,
        tz=book.timezone,
    )
    base = book.storage_base.for_size(usage.size_class)
    charged = (
        day for day in days if not day.free and (after is None or day.date > after)
    )
    for period, group in itertools.groupby(charged, key=lambda day: day.period):
        run: list[StorageDay] = list(group)
        percent = run[0].percent
        yield _line(
            ServiceCode.STORAGE,
            usage.container_number,
            len(run),
            base.times(percent / _HUNDRED),
            f"storage {usage.size_class}' at {percent}% of base, days "
            f"{run[0].day_index}-{run[-1].day_index} "
            f"({run[0].date.isoformat()} to {run[-1].date.isoformat()})",
            period=f"P{period}",
        )


def _reefer_line(
    book: TariffBook, usage: ContainerUsage, out_at: datetime, paid_blocks: int = 0
) -> InvoiceLine:
    """Reefer power per block of `reefer_block_hours` or part of one."""
    blocks = _reefer_blocks(book, usage, out_at) - paid_blocks
    return _line(
        ServiceCode.REEFER_POWER,
        usage.container_number,
        blocks,
        book.reefer_power.for_size(usage.size_class),
        f"reefer power per {book.reefer_block_hours} h or part",
    )


def _reefer_blocks(book: TariffBook, usage: ContainerUsage, out_at: datetime) -> int:
    plugged_in = usage.reefer_plugged_in_at or usage.discharged_at
    plugged_out = usage.reefer_plugged_out_at or out_at
    if plugged_out < plugged_in:
        raise ValidationError(
            f"{usage.container_number}: unplugged before plugged in",
            field=("reeferPluggedOutAt",),
        )
    whole, part = divmod(
        plugged_out - plugged_in, timedelta(hours=book.reefer_block_hours)
    )
    return whole + (1 if part else 0)


def paid_through(
    book: TariffBook, usage: ContainerUsage, charged_to: datetime
) -> datetime:
    """Until when charging a box's stay to `charged_to` pays for it.

    Storage is charged by whole local days, so to the midnight that ends the
    day of `charged_to`; a reefer's power by whole blocks, so no later than
    the end of its last block charged.
    """
    zone = ZoneInfo(book.timezone)
    day = charged_to.astimezone(zone).date()
    until = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
    if usage.reefer and usage.reefer_plugged_out_at is None:
        plugged_in = usage.reefer_plugged_in_at or usage.discharged_at
        block = timedelta(hours=book.reefer_block_hours)
        until = min(until, plugged_in + block * _reefer_blocks(book, usage, charged_to))
    return until


@dataclass(frozen=True, slots=True)
class StayExtension:
    """A box staying on: charged to `charged_to` before, now to `extend_to`."""

    usage: ContainerUsage
    charged_to: datetime
    extend_to: datetime


def compute_storage_extension(
    book: TariffBook, extensions: Sequence[StayExtension]
) -> InvoiceDraft:
    """A supplementary invoice for longer stays: storage days and reefer blocks.

    Each box is charged the storage days after the local day of `charged_to`
    (which was paid whole) up to the day of `extend_to`, at the percent of
    their place in the scheme counted from discharge, and the reefer power
    blocks beyond those charged; PPN as on any invoice, nothing credited.
    """
    lines: list[InvoiceLine] = []
    for stay in extensions:
        usage, before, after = stay.usage, stay.charged_to, stay.extend_to
        if after <= before:
            continue
        paid_day = before.astimezone(ZoneInfo(book.timezone)).date()
        lines.extend(_storage_lines(book, usage, after, after=paid_day))
        if usage.reefer:
            line = _reefer_line(book, usage, after, _reefer_blocks(book, usage, before))
            if line.quantity:
                lines.append(line)
    return _draft(book, lines, Money.zero(book.currency))


def _line(
    service: ServiceCode,
    container_number: str | None,
    quantity: int,
    unit_price: Money,
    description: str,
    period: str | None = None,
) -> InvoiceLine:
    amount = unit_price.times(quantity).rounded()
    return InvoiceLine(
        service, container_number, quantity, unit_price, amount, period, description
    )


def _draft(book: TariffBook, lines: list[InvoiceLine], paid: Money) -> InvoiceDraft:
    """Sum the lines and add PPN on a base of 11/12 (each step rounded once)."""
    subtotal = sum((line.amount for line in lines), Money.zero(book.currency))
    vat_rule = book.vat
    tax_base = Money(
        subtotal.amount * vat_rule.base_numerator / vat_rule.base_denominator,
        subtotal.currency,
    ).rounded()
    vat = tax_base.times(vat_rule.rate_percent / _HUNDRED).rounded()
    total = subtotal + vat
    draft = InvoiceDraft(
        book.code,
        tuple(lines),
        subtotal,
        tax_base,
        vat,
        total,
        paid,
        total - paid,
        vat_rule,
    )
    _check_fits(draft)
    return draft


def _check_fits(draft: InvoiceDraft) -> None:
    """Refuse an invoice whose amounts the invoice columns cannot hold."""
    amounts = [draft.subtotal, draft.total, draft.balance_due]
    amounts += [line.amount for line in draft.lines]
    if any(abs(money.amount) >= MAX_AMOUNT for money in amounts):
        raise ValidationError(
            "the invoice's amounts are beyond what an invoice can state; "
            "check the tariff's prices",
            code="AMOUNT_TOO_LARGE",
        )
