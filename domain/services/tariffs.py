"""Tariff versions as database rows: load the one in force, seed, and edit them.

A version's figures are stored as JSON with decimal strings (never floats):
`lift_on_off`, `storage_base`, `inspection` and `reefer_power` as
{"20": ..., "40": ...}; `storage_scheme` as [{from_day, to_day, percent}];
`noon_rule` as {enabled, cutoff_hour}; `admin_fee`; `delivery` as
[{zone, "20", "40"}]; `vat` as {rate_percent, base_numerator,
base_denominator}; `reefer_block_hours`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import ConflictError, PermissionDeniedError, ValidationError
from domain.models.billing import TariffVersion
from domain.models.identity import Role
from domain.money import Money
from domain.seed_tariffs import PRIOK_VERSIONS
from domain.tariff import (
    DeliveryRate,
    NoonRule,
    SizeRates,
    StorageScheme,
    TariffBook,
    VatRule,
)
from domain.viewer import Viewer

log = structlog.get_logger(__name__)


def rates_of(book: TariffBook) -> dict[str, Any]:
    """The JSON figures of a tariff book, decimals as strings."""
    return {
        "lift_on_off": _sizes(book.lift_on_off),
        "storage_base": _sizes(book.storage_base),
        "storage_scheme": [
            {"from_day": p.from_day, "to_day": p.to_day, "percent": str(p.percent)}
            for p in book.storage_scheme.periods
        ],
        "noon_rule": {
            "enabled": book.noon_rule.enabled,
            "cutoff_hour": book.noon_rule.cutoff_hour,
        },
        "inspection": _sizes(book.inspection),
        "reefer_power": _sizes(book.reefer_power),
        "reefer_block_hours": book.reefer_block_hours,
        "admin_fee": str(book.admin_fee.amount),
        "delivery": [{"zone": d.zone, **_sizes(d.rates)} for d in book.delivery],
        "vat": {
            "rate_percent": str(book.vat.rate_percent),
            "base_numerator": book.vat.base_numerator,
            "base_denominator": book.vat.base_denominator,
        },
    }


def book_of(row: TariffVersion) -> TariffBook:
    """The pure tariff book a stored version stands for; bad data is a user error."""
    rates, currency = row.rates, row.currency
    try:
        return TariffBook(
            code=row.code,
            port=row.port,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            lift_on_off=_rates(rates["lift_on_off"], currency),
            storage_base=_rates(rates["storage_base"], currency),
            storage_scheme=StorageScheme.from_rows(
                (p["from_day"], p["to_day"], p["percent"])
                for p in rates["storage_scheme"]
            ),
            noon_rule=NoonRule(**rates["noon_rule"]),
            inspection=_rates(rates["inspection"], currency),
            reefer_power=_rates(rates["reefer_power"], currency),
            admin_fee=Money.parse(rates["admin_fee"], currency),
            delivery=tuple(
                DeliveryRate(d["zone"], _rates(d, currency)) for d in rates["delivery"]
            ),
            vat=VatRule(
                Decimal(rates["vat"]["rate_percent"]),
                rates["vat"]["base_numerator"],
                rates["vat"]["base_denominator"],
            ),
            timezone=row.timezone,
            currency=currency,
            reefer_block_hours=rates["reefer_block_hours"],
        )
    except (KeyError, TypeError) as error:
        raise ValidationError(
            f"tariff {row.code} is missing a figure: {error}", code="TARIFF_INVALID"
        ) from error


async def versions_of_port(session: AsyncSession, port: str) -> list[TariffVersion]:
    rows = await session.scalars(
        select(TariffVersion)
        .where(TariffVersion.port == port)
        .order_by(TariffVersion.valid_from)
    )
    return list(rows)


async def in_force(
    session: AsyncSession, port: str, at: datetime
) -> tuple[TariffVersion, TariffBook]:
    """The stored version of a port's tariff in force at `at`, and its book."""
    rows = await versions_of_port(session, port)
    books = {row.code: book_of(row) for row in rows}
    chosen = TariffBook.in_force(list(books.values()), at)
    (row,) = [r for r in rows if r.code == chosen.code]
    return row, chosen


async def save_version(
    session: AsyncSession, viewer: Viewer, book: TariffBook
) -> TariffVersion:
    """Create or replace the version with the book's code (administrators only).

    An invoice keeps its own figures, so editing a version never changes
    what was already issued; it prices what is issued from now on.
    """
    if not viewer.has(Role.ADMIN):
        raise PermissionDeniedError("only an administrator may edit tariffs")
    row = await _upsert(session, book, viewer.principal_id)
    await _check_no_twin(session, row)
    log.info("tariff.saved", code=book.code, valid_from=book.valid_from.isoformat())
    return row


async def seed_published(session: AsyncSession) -> list[TariffVersion]:
    """Store the published Tanjung Priok versions; running it again changes nothing."""
    rows = []
    for book in PRIOK_VERSIONS:
        existing = await session.scalar(
            select(TariffVersion).where(TariffVersion.code == book.code)
        )
        rows.append(existing or await _upsert(session, book, None))
    return rows


async def _upsert(
    session: AsyncSession, book: TariffBook, actor: uuid.UUID | None
) -> TariffVersion:
    row = await session.scalar(
        select(TariffVersion).where(TariffVersion.code == book.code).with_for_update()
    )
    if row is None:
        row = TariffVersion(code=book.code)
        session.add(row)
    row.port = book.port
    row.valid_from = book.valid_from
    row.valid_to = book.valid_to
    row.currency = book.currency
    row.timezone = book.timezone
    row.rates = rates_of(book)
    row.updated_by_id = actor
    await session.flush()
    return row


async def _check_no_twin(session: AsyncSession, row: TariffVersion) -> None:
    twin = await session.scalar(
        select(TariffVersion.code).where(
            TariffVersion.port == row.port,
            TariffVersion.valid_from == row.valid_from,
            TariffVersion.id != row.id,
        )
    )
    if twin is not None:
        raise ConflictError(
            f"tariff {twin} already starts on {row.valid_from.isoformat()}",
            code="TARIFF_AMBIGUOUS",
            field=("validFrom",),
        )


def _sizes(rates: SizeRates) -> dict[str, str]:
    return {"20": str(rates.twenty.amount), "40": str(rates.forty.amount)}


def _rates(data: dict[str, Any], currency: str) -> SizeRates:
    return SizeRates(
        Money.parse(data["20"], currency), Money.parse(data["40"], currency)
    )
