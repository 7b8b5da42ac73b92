"""Caps on the free text a customer or an operator types into a request."""

from __future__ import annotations

from collections.abc import Sequence

from domain.errors import ValidationError

MAX_NOTES = 2000
MAX_NAME = 200
MAX_ADDRESS = 500
MAX_SEAL = 32
MAX_REASON = 500
MAX_REASONS = 20
CODE = "TOO_LONG"


def too_long(
    text: str | None, limit: int, field: tuple[str, ...]
) -> ValidationError | None:
    """The error for text over `limit` characters, or None when it fits."""
    if text is None or len(text) <= limit:
        return None
    return ValidationError(
        f"at most {limit} characters ({len(text)} given)", code=CODE, field=field
    )


def check_length(text: str | None, limit: int, field: tuple[str, ...]) -> None:
    """Refuse text over `limit` characters."""
    error = too_long(text, limit, field)
    if error is not None:
        raise error


def check_reasons(reasons: Sequence[str]) -> None:
    """An operator's reasons for a rejection: a few lines, each a sentence or so."""
    if len(reasons) > MAX_REASONS:
        raise ValidationError(
            f"at most {MAX_REASONS} reasons", code=CODE, field=("reasons",)
        )
    for index, reason in enumerate(reasons):
        check_length(reason, MAX_REASON, ("reasons", str(index)))
