"""Tenancy in one place: every ORM read of organisation-owned rows is scoped.

A session carries its viewer in `session.info`. A listener on every ORM
statement adds the criteria, so a query written tomorrow is scoped without
remembering to be: customers see their organisation's rows and those of the
importers their organisation represents; staff see all; a session with no
viewer sees no owned row at all.

Hot reads that run Core selects on the session's connection, where the
listener does not run, take the same rule from `CoreScoped`.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    bindparam,
    event,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.sql.selectable import Join
from sqlalchemy.sql.util import find_tables

from domain.models.base import Base, OrganisationOwned
from domain.models.identity import Organisation, Representation
from domain.viewer import Viewer

VIEWER_KEY = "viewer"
ORGANISATION_PARAM = "tenancy_organisation"
T = TypeVar("T", bound=tuple[Any, ...])
Criterion = Callable[[FromClause], ColumnElement[bool]]


def bind_viewer(session: Session, viewer: Viewer | None) -> None:
    session.info[VIEWER_KEY] = viewer


def viewer_of(session: Session) -> Viewer | None:
    viewer = session.info.get(VIEWER_KEY)
    return viewer if isinstance(viewer, Viewer) else None


def visible_to(column: Any, organisation_id: Any) -> ColumnElement[bool]:
    """Rows of the organisation itself and of the importers it acts for.

    `organisation_id` is a UUID, None (no row), or a bound parameter.
    """
    if organisation_id is None:
        return false()
    represented = select(Representation.importer_id).where(
        Representation.forwarder_id == organisation_id
    )
    return or_(column == organisation_id, column.in_(represented))


@event.listens_for(Session, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("skip_tenancy", False):
        return
    viewer = viewer_of(state.session)
    if viewer is not None and viewer.is_staff:
        return
    org = viewer.organisation_id if viewer is not None else None
    state.statement = state.statement.options(*_criteria(org))


@functools.lru_cache(maxsize=1024)
def _criteria(org: uuid.UUID | None) -> tuple[ORMOption, ORMOption]:
    """The criteria options of one organisation, made once and reused.

    Options are immutable and meant to be shared between statements; making
    them per statement cost a tenth of a millisecond each time.
    """
    return (
        with_loader_criteria(
            OrganisationOwned,
            lambda cls: visible_to(cls.organisation_id, org),
            include_aliases=True,
        ),
        with_loader_criteria(
            Organisation,
            lambda cls: visible_to(cls.id, org),
            include_aliases=True,
        ),
    )


class CoreScoped(Generic[T]):
    """A Core select under the listener's rule, for hot reads.

    Hot reads run on the session's connection (`AsyncConnection.execute`),
    which skips ORM execution and so the listener. `build` makes the select,
    putting `criterion(table)` where each organisation-owned table it reads
    must be scoped (in WHERE, or in the ON or subquery of an outer join); a
    table it reads without asking is refused here, at import. The criterion is
    `visible_to`, the listener's, made once in the three forms a viewer needs:
    staff, none; a customer, its organisation as a bound parameter (one
    statement, and one prepared form, for every organisation); no viewer, no
    row. `form` picks the one for a viewer.
    """

    def __init__(self, build: Callable[[Criterion], Select[T]]) -> None:
        organisation = bindparam(ORGANISATION_PARAM, type_=PG_UUID(as_uuid=True))
        asked: set[FromClause] = set()

        def customer(table: FromClause) -> ColumnElement[bool]:
            asked.add(table)
            return visible_to(table.c.organisation_id, organisation)

        self._customer = build(customer)
        read = set(find_tables(self._customer, include_joins=True))
        if Organisation.__table__ in read:
            raise ValueError("organisations are read through the ORM session")
        if unscoped := (read & _owned_tables()) - asked:
            names = sorted(str(table) for table in unscoped)
            raise ValueError(f"read without tenancy criteria: {', '.join(names)}")
        self._scoped = bool(asked)
        self._staff = build(lambda table: true())
        self._nobody = build(lambda table: false())

    @classmethod
    def where(cls, statement: Select[T]) -> CoreScoped[T]:
        """`statement` with the criteria of every owned table in its WHERE.

        For selects without outer joins, where WHERE would drop the rows the
        outer join keeps.
        """
        tables = find_tables(statement, include_joins=True)
        if any(isinstance(table, Join) and table.isouter for table in tables):
            raise ValueError("an outer join puts its criteria in its ON clause")
        owned = [table for table in tables if table in _owned_tables()]
        return cls(lambda criterion: statement.where(*map(criterion, owned)))

    def form(self, viewer: Viewer | None) -> tuple[Select[T], dict[str, Any]]:
        """The statement for `viewer` and the parameters its scope needs."""
        if not self._scoped or (viewer is not None and viewer.is_staff):
            return self._staff, {}
        if viewer is None or viewer.organisation_id is None:
            return self._nobody, {}
        return self._customer, {ORGANISATION_PARAM: viewer.organisation_id}


def _owned_tables() -> frozenset[FromClause]:
    """The tables of every `OrganisationOwned` class mapped so far."""
    return frozenset(
        mapper.local_table
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, OrganisationOwned)
    )
