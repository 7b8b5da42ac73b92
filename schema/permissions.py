"""Permission classes: who may read a field or run a mutation."""

from __future__ import annotations

from typing import Any, ClassVar

from graphql import GraphQLErrorExtensions
from strawberry.permission import BasePermission

from domain.models.identity import Role
from schema.context import Info

UNAUTHENTICATED: GraphQLErrorExtensions = {"code": "UNAUTHENTICATED"}
FORBIDDEN: GraphQLErrorExtensions = {"code": "FORBIDDEN"}


class IsAuthenticated(BasePermission):
    """A valid bearer token or API key came with the request."""

    message = "sign in first: send `Authorization: Bearer <token>`"
    error_extensions = UNAUTHENTICATED

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if info.context.viewer is None and info.context.auth_error:
            self.message = info.context.auth_error
        return info.context.viewer is not None


class IsStaff(BasePermission):
    """Terminal staff: operators, finance and administrators."""

    message = "only terminal staff may do this"
    error_extensions = FORBIDDEN

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        viewer = info.context.viewer
        return viewer is not None and viewer.is_staff


class HasRole(BasePermission):
    """A base for one-role permissions; subclasses name the role."""

    role: ClassVar[Role]
    error_extensions = FORBIDDEN

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        self.message = f"this needs the {self.role.value} role"
        viewer = info.context.viewer
        return viewer is not None and viewer.has(self.role)


class IsOperator(HasRole):
    role = Role.OPERATOR


class IsAdmin(HasRole):
    role = Role.ADMIN
