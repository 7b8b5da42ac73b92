"""The integration layer's errors: every outside-system failure is one of these."""

from __future__ import annotations


class IntegrationError(Exception):
    """An outside system (Praya, Phinnisi, the terminal) failed to serve a call.

    `system` names the outside system; `operation` the call that failed.
    """

    def __init__(self, message: str, *, system: str, operation: str) -> None:
        super().__init__(message)
        self.message = message
        self.system = system
        self.operation = operation


class TransientIntegrationError(IntegrationError):
    """A failure worth retrying later: a timeout, a refused connection, a 5xx."""


class PermanentIntegrationError(IntegrationError):
    """A failure retrying will not cure: the system refused the request (4xx).

    `status_code` is the HTTP status the system answered with, when there was one.
    """

    def __init__(
        self,
        message: str,
        *,
        system: str,
        operation: str,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message, system=system, operation=operation)
        self.status_code = status_code


class CircuitOpenError(TransientIntegrationError):
    """The client stopped calling a failing system until its cool-down has passed."""
