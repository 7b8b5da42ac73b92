"""Money: an exact decimal amount in one currency, rupiah by default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from domain.errors import ValidationError

DEFAULT_CURRENCY = "IDR"
# ISO 4217 lists IDR with two minor digits, but sen are not used in trade or
# on tax invoices: rupiah amounts are whole, so IDR rounds to the unit.
_MINOR_DIGITS = {"IDR": 0, "JPY": 0, "KRW": 0}
_DEFAULT_MINOR_DIGITS = 2
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount of one currency (ISO 4217 code); never built from a float."""

    amount: Decimal
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, Decimal):
            raise ValidationError(
                f"amount must be a Decimal, not {type(self.amount).__name__}",
                field=("amount",),
            )
        if not self.amount.is_finite():
            raise ValidationError("amount must be finite", field=("amount",))
        if not _CURRENCY_RE.match(self.currency):
            raise ValidationError(
                f"currency {self.currency!r} is not an ISO 4217 code",
                field=("currency",),
            )

    @classmethod
    def parse(cls, text: str, currency: str = DEFAULT_CURRENCY) -> Money:
        """Read a decimal string such as "285500" or "106312.5"; floats are refused."""
        if not isinstance(text, str):
            raise ValidationError(
                f"money must be given as a decimal string, not {type(text).__name__}",
                field=("amount",),
            )
        try:
            amount = Decimal(text.strip())
        except InvalidOperation as exc:
            raise ValidationError(
                f"{text!r} is not a decimal amount", field=("amount",)
            ) from exc
        return cls(amount, currency)

    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(Decimal(0), currency)

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other).amount

    def times(self, factor: Decimal | int) -> Money:
        """Multiply exactly, without rounding; `rounded` is applied once, later."""
        if isinstance(factor, bool) or not isinstance(factor, Decimal | int):
            raise ValidationError(
                f"factor must be a Decimal or int, not {type(factor).__name__}"
            )
        return Money(self.amount * factor, self.currency)

    def rounded(self) -> Money:
        """Round half up to the currency's smallest unit: whole rupiah for IDR.

        ROUND_HALF_UP takes a tie away from zero (Rp 0.5 -> Rp 1), as
        commercial invoices do; banker's rounding would round it to even.
        """
        digits = _MINOR_DIGITS.get(self.currency, _DEFAULT_MINOR_DIGITS)
        quantum = Decimal(1).scaleb(-digits)
        return Money(self.amount.quantize(quantum, ROUND_HALF_UP), self.currency)

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    def __str__(self) -> str:
        return f"{self.currency} {self.amount}"

    def _same_currency(self, other: Money) -> Money:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise ValidationError(
                f"cannot combine {self.currency} with {other.currency}",
                code="CURRENCY_MISMATCH",
            )
        return other
