"""Who is asking: the principal behind a request, as the domain sees it."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

from domain.models.identity import Role

STAFF_ROLES = frozenset({Role.OPERATOR, Role.FINANCE, Role.ADMIN})


class PrincipalKind(enum.StrEnum):
    USER = "USER"
    API_KEY = "API_KEY"
    SYSTEM = "SYSTEM"


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in user, a partner's API key, or the system itself."""

    principal_id: uuid.UUID
    organisation_id: uuid.UUID | None
    roles: frozenset[Role]
    kind: PrincipalKind = PrincipalKind.USER
    # When the credential lapses (a token's expiry); None for API keys, which
    # last until revoked, and for the system.
    expires_at: datetime | None = None

    @property
    def is_staff(self) -> bool:
        """Terminal staff see every organisation's rows."""
        return self.kind is PrincipalKind.SYSTEM or bool(self.roles & STAFF_ROLES)

    def has(self, role: Role) -> bool:
        return self.kind is PrincipalKind.SYSTEM or role in self.roles


SYSTEM = Viewer(
    principal_id=uuid.UUID(int=0),
    organisation_id=None,
    roles=frozenset(Role),
    kind=PrincipalKind.SYSTEM,
)
