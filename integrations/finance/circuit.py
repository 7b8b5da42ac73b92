"""A circuit breaker that stops calling an outside system while it keeps failing."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from integrations.errors import (
    CircuitOpenError,
    PermanentIntegrationError,
    TransientIntegrationError,
)

log = structlog.get_logger(__name__)

T = TypeVar("T")


class CircuitBreaker:
    """Opens after `threshold` transient failures in a row, for `cooldown_s` seconds.

    After the cool-down one trial call goes through (half-open): success closes
    the circuit, failure opens it for another cool-down. A permanent error
    counts as success, since the system did answer. `clock` is in seconds.
    """

    def __init__(
        self,
        *,
        system: str,
        threshold: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if threshold < 1:
            raise ValueError("threshold must be at least 1")
        self.system = system
        self.threshold = threshold
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_in_flight = False

    @property
    def is_open(self) -> bool:
        """Whether a call made now would be refused without reaching the system."""
        if self._opened_at is None:
            return False
        cooling = self._clock() - self._opened_at < self.cooldown_s
        return cooling or self._trial_in_flight

    async def call(self, operation: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run one attempt through the breaker, or raise CircuitOpenError at once."""
        self._admit(operation)
        try:
            result = await attempt()
        except TransientIntegrationError:
            self._record_failure(operation)
            raise
        except PermanentIntegrationError:
            self._record_success()
            raise
        finally:
            self._trial_in_flight = False
        self._record_success()
        return result

    def _admit(self, operation: str) -> None:
        if self.is_open:
            raise CircuitOpenError(
                f"{self.system} circuit is open; not calling {operation}",
                system=self.system,
                operation=operation,
            )
        if self._opened_at is not None:
            self._trial_in_flight = True

    def _record_failure(self, operation: str) -> None:
        self._failures += 1
        half_open = self._opened_at is not None
        if half_open or self._failures >= self.threshold:
            self._opened_at = self._clock()
            log.warning(
                "circuit.opened",
                system=self.system,
                operation=operation,
                failures=self._failures,
                cooldown_s=self.cooldown_s,
            )

    def _record_success(self) -> None:
        if self._opened_at is not None:
            log.info("circuit.closed", system=self.system)
        self._failures = 0
        self._opened_at = None
