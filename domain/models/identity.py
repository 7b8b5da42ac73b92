"""Organisations, their users and the API keys of partner integrators."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from domain.models.base import Base, Identified, OrganisationOwned
from domain.models.common import pg_enum


class OrganisationKind(enum.StrEnum):
    IMPORTER = "IMPORTER"
    FORWARDER = "FORWARDER"
    TERMINAL_OPERATOR = "TERMINAL_OPERATOR"


class Role(enum.StrEnum):
    """What a user may do; every role but CUSTOMER is terminal staff."""

    CUSTOMER = "CUSTOMER"
    OPERATOR = "OPERATOR"
    FINANCE = "FINANCE"
    ADMIN = "ADMIN"


class Organisation(Base, Identified):
    """An importer, a forwarder acting for importers, or the terminal operator."""

    __tablename__ = "organisations"

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrganisationKind] = mapped_column(
        pg_enum(OrganisationKind, "organisation_kind")
    )
    npwp: Mapped[str | None] = mapped_column(String(16), unique=True)

    __table_args__ = (CheckConstraint("npwp ~ '^[0-9]{15,16}$'", name="npwp_digits"),)


class Representation(Base, Identified):
    """A forwarder may act for an importer (backed by a power of attorney)."""

    __tablename__ = "representations"

    forwarder_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    importer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )

    __table_args__ = (
        UniqueConstraint("forwarder_id", "importer_id"),
        CheckConstraint("forwarder_id <> importer_id", name="not_self"),
    )


class User(Base, OrganisationOwned):
    """A person who signs in; email is unique regardless of case."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320))
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Role]] = mapped_column(ARRAY(pg_enum(Role, "user_role")))
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")

    organisation: Mapped[Organisation] = relationship(lazy="raise")

    __table_args__ = (
        Index("uq_users_email_lower", func.lower(email), unique=True),
        CheckConstraint("cardinality(roles) > 0", name="has_role"),
    )


class ApiKey(Base, OrganisationOwned):
    """A partner's key: only its prefix and a hash of its secret are stored."""

    __tablename__ = "api_keys"

    created_by_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[Role]] = mapped_column(ARRAY(pg_enum(Role, "user_role")))
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
