"""Scalars of the API: DateTime always with an offset, Decimal as a string."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

import strawberry
from strawberry.types.scalar import ScalarDefinition


def _serialize_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        # Every stored time is timestamptz; a naive value here is a bug upstream.
        raise ValueError("refusing to serialise a DateTime without an offset")
    return value.isoformat()


def _parse_datetime(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("DateTime must be an ISO 8601 string")
    text = value.replace("Z", "+00:00") if value.endswith("Z") else value
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"{value!r} is not an ISO 8601 date and time") from error
    if parsed.tzinfo is None:
        raise ValueError(
            f"{value!r} has no offset: write it as 2026-12-01T08:00:00+07:00 or ...Z"
        )
    return parsed.astimezone(UTC)


def _parse_decimal(value: object) -> Decimal:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError('Decimal must be a string such as "1250000.00"')
    try:
        parsed = Decimal(value)
    except InvalidOperation as error:
        raise ValueError(f"{value!r} is not a decimal number") from error
    if not parsed.is_finite():
        raise ValueError("Decimal must be finite")
    return parsed


DATETIME = strawberry.scalar(
    name="DateTime",
    description=(
        "A point in time in ISO 8601 with an offset, e.g. "
        "`2026-12-01T08:00:00+07:00`. Input without an offset is rejected; "
        "output is always UTC (`+00:00`)."
    ),
    serialize=_serialize_datetime,
    parse_value=_parse_datetime,
)

DECIMAL = strawberry.scalar(
    name="Decimal",
    description='An exact decimal number written as a string, e.g. `"285500.00"`.',
    serialize=str,
    parse_value=_parse_decimal,
)

SCALAR_MAP: dict[object, ScalarDefinition] = {datetime: DATETIME, Decimal: DECIMAL}


@strawberry.type(description="An amount of money; rupiah (IDR) unless said otherwise.")
class Money:
    amount: Decimal = strawberry.field(
        description="The amount as an exact decimal string; rupiah have no minor unit."
    )
    currency: str = strawberry.field(
        default="IDR", description="ISO 4217 currency code."
    )
