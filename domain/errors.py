"""The domain's error hierarchy: expected failures the API turns into userErrors."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the import business refused the request.

    `code` is a stable UPPER_SNAKE_CASE identifier clients may switch on;
    `field` is the path of the input field at fault, when there is one.
    """

    code = "INVALID"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field


class NotFoundError(DomainError):
    """The object does not exist, or the viewer may not see it (never told apart)."""

    code = "NOT_FOUND"


class PermissionDeniedError(DomainError):
    """The viewer is known but its role does not allow the action."""

    code = "FORBIDDEN"


class ValidationError(DomainError):
    """Input that breaks a rule: an identifier, a range, a format."""

    code = "INVALID"


class ConflictError(DomainError):
    """The request clashes with the current state (a transition, a duplicate key)."""

    code = "CONFLICT"


class ValidationErrors(DomainError):
    """Several validation errors found at once, reported together."""

    code = "INVALID"

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors
