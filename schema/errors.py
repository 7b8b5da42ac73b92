"""User errors: expected failures, returned in a mutation's payload."""

from __future__ import annotations

import strawberry

from domain.errors import DomainError, ValidationErrors


@strawberry.type(
    description="A problem with the input or the state; nothing was changed."
)
class UserError:
    field: list[str] | None = strawberry.field(
        description='Path of the input field at fault, e.g. ["input", "email"].'
    )
    code: str = strawberry.field(
        description="A stable UPPER_SNAKE_CASE code a client may switch on."
    )
    message: str = strawberry.field(description="What went wrong, for a person.")


def user_errors(error: DomainError) -> list[UserError]:
    """The user errors a domain error stands for, with paths under `input`."""
    errors = error.errors if isinstance(error, ValidationErrors) else [error]
    return [
        UserError(
            field=["input", *e.field] if e.field is not None else None,
            code=e.code,
            message=e.message,
        )
        for e in errors
    ]


USER_ERRORS = "Why nothing was changed; empty when the mutation succeeded."
