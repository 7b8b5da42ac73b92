"""Column helpers shared by the mappings."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


def pg_enum(cls: type[enum.Enum], name: str) -> Enum:
    """A PostgreSQL enum type whose labels are the Python values."""
    return Enum(cls, name=name, values_callable=lambda e: [m.value for m in e])
