"""SQLAlchemy mappings of the domain; importing this registers every table."""

from domain.models.base import Base, Identified, OrganisationOwned
from domain.models.identity import (
    ApiKey,
    Organisation,
    OrganisationKind,
    Representation,
    Role,
    User,
)

__all__ = [
    "ApiKey",
    "Base",
    "Identified",
    "Organisation",
    "OrganisationKind",
    "OrganisationOwned",
    "Representation",
    "Role",
    "User",
]
