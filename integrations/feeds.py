"""Reading a port system's JSON API over HTTP: failures mapped, GETs retried.

Phinnisi and the terminal are read-only feeds to us, so every call is a GET
and safe to repeat: a transient failure (timeout, refused connection, 5xx,
408, 429) is retried with jittered exponential backoff, then raised as
TransientIntegrationError; any other 4xx or a malformed body is permanent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeVar

import httpx
import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from integrations.errors import PermanentIntegrationError, TransientIntegrationError

log = structlog.get_logger(__name__)

API_KEY_HEADER = "X-Api-Key"
# Connect fails fast; a read may wait for a slow system, but not for ever.
DEFAULT_TIMEOUT = httpx.Timeout(5.0, connect=2.0)
# 408 and 429 ask the caller to come back later (RFC 9110, RFC 6585).
_RETRY_LATER = frozenset({408, 429})

T = TypeVar("T")
Params = Mapping[str, str | int]


def build_feed_http(
    base_url: str, *, timeout: httpx.Timeout = DEFAULT_TIMEOUT
) -> httpx.AsyncClient:
    """The one HTTP client for a feed, with explicit timeouts; the owner closes it."""
    return httpx.AsyncClient(base_url=base_url, timeout=timeout)


class FeedReader:
    """GETs against one outside system, with its API key, retries and error mapping."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        *,
        system: str,
        attempts: int = 3,
        backoff_s: float = 0.2,
        max_backoff_s: float = 2.0,
    ) -> None:
        self.system = system
        self._http = http
        self._headers = {API_KEY_HEADER: api_key}
        self._attempts = attempts
        self._wait = wait_exponential_jitter(
            multiplier=backoff_s, max=max_backoff_s, jitter=backoff_s
        )

    async def get(
        self,
        operation: str,
        url: str,
        params: Params,
        read: Callable[[Mapping[str, Any]], T],
    ) -> T:
        """GET `url` and turn its JSON object into a value with `read`."""
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._attempts),
            wait=self._wait,
            retry=retry_if_exception_type(TransientIntegrationError),
            before_sleep=self._log_retry,
            reraise=True,
        )
        data: Mapping[str, Any] = await retrying(self._get_once, operation, url, params)
        try:
            return read(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise self._malformed(operation, exc) from exc

    async def page_since(
        self,
        operation: str,
        url: str,
        cursor: str | None,
        limit: int,
        read: Callable[[Mapping[str, Any]], T],
    ) -> T:
        """A page of a cursor feed: up to `limit` items after `cursor` (None: first)."""
        params: dict[str, str | int] = {"limit": limit}
        if cursor is not None:
            params["since"] = cursor
        return await self.get(operation, url, params, read)

    async def _get_once(
        self, operation: str, url: str, params: Params
    ) -> Mapping[str, Any]:
        try:
            response = await self._http.get(url, params=params, headers=self._headers)
        except httpx.TransportError as exc:
            raise TransientIntegrationError(
                f"{self.system} unreachable: {type(exc).__name__}",
                system=self.system,
                operation=operation,
            ) from exc
        if response.is_error:
            raise self._status_error(response, operation)
        try:
            data = response.json()
        except ValueError as exc:
            raise self._malformed(operation, exc) from exc
        if not isinstance(data, dict):
            raise self._malformed(operation, TypeError("not a JSON object"))
        return data

    def _status_error(self, response: httpx.Response, operation: str) -> Exception:
        status = response.status_code
        if status >= 500 or status in _RETRY_LATER:
            return TransientIntegrationError(
                f"{self.system} answered {status}",
                system=self.system,
                operation=operation,
            )
        return PermanentIntegrationError(
            f"{self.system} refused {operation}: {status}",
            system=self.system,
            operation=operation,
            status_code=status,
        )

    def _malformed(self, operation: str, cause: Exception) -> PermanentIntegrationError:
        log.error(
            "feed.response.malformed",
            system=self.system,
            operation=operation,
            error=str(cause),
        )
        return PermanentIntegrationError(
            f"{self.system} sent a malformed {operation} response",
            system=self.system,
            operation=operation,
        )

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "feed.request.retry",
            system=self.system,
            operation=state.args[0] if state.args else None,
            attempt=state.attempt_number,
            error=str(error),
        )


class FeedClient:
    """A client of one outside system's feed, read through a FeedReader.

    `http` carries the base URL and timeouts (see build_feed_http); whoever
    builds it closes it. Transient failures are retried `attempts` times in all.
    """

    system: ClassVar[str]

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        *,
        attempts: int = 3,
        backoff_s: float = 0.2,
        max_backoff_s: float = 2.0,
    ) -> None:
        self._feed = FeedReader(
            http,
            api_key,
            system=self.system,
            attempts=attempts,
            backoff_s=backoff_s,
            max_backoff_s=max_backoff_s,
        )
