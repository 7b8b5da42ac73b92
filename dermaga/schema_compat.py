"""The schema as a contract: breaking changes against an earlier revision."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from graphql import build_schema, find_breaking_changes, find_dangerous_changes

INTENDED_MARKER = "[breaking-schema]"


@dataclass(frozen=True)
class Verdict:
    breaking: list[str]
    dangerous: list[str]
    intended: bool

    @property
    def ok(self) -> bool:
        return not self.breaking or self.intended


def compare(old_sdl: str, new_sdl: str, *, intended: bool) -> Verdict:
    old, new = build_schema(old_sdl), build_schema(new_sdl)
    return Verdict(
        breaking=[
            f"{c.type.name}: {c.description}" for c in find_breaking_changes(old, new)
        ],
        dangerous=[
            f"{c.type.name}: {c.description}" for c in find_dangerous_changes(old, new)
        ],
        intended=intended,
    )


def against_revision(repo: Path, schema_file: Path, base: str) -> Verdict | None:
    """Compare the working schema with `base`; None if `base` had no schema."""
    relative = schema_file.resolve().relative_to(repo.resolve())
    shown = subprocess.run(
        ["git", "show", f"{base}:{relative.as_posix()}"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    if shown.returncode != 0:
        return None
    message = subprocess.run(
        ["git", "log", "--format=%B", f"{base}..HEAD"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return compare(
        shown.stdout, schema_file.read_text(), intended=INTENDED_MARKER in message
    )
