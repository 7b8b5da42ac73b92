"""Run one use case in one transaction; map domain errors to user errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import DomainError, PermissionDeniedError
from domain.viewer import Viewer
from schema.context import Info
from schema.errors import UserError, user_errors

T = TypeVar("T")
log = structlog.get_logger(__name__)


async def run_use_case(
    info: Info,
    use_case: Callable[[AsyncSession, Viewer], Awaitable[T]],
    *,
    viewer: Viewer | None = None,
) -> T | list[UserError]:
    """Commit the use case's changes, or none of them and return why."""
    acting = viewer or info.context.viewer
    if acting is None:
        return user_errors(
            PermissionDeniedError("sign in first", code="UNAUTHENTICATED")
        )
    try:
        async with info.context.services.database.transaction(acting) as session:
            return await use_case(session, acting)
    except DomainError as error:
        log.info("use_case.refused", code=error.code, field=error.field)
        return user_errors(error)
