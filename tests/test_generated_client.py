"""The checked-in typed client is what ariadne-codegen makes of today's schema."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from clients import generate


@pytest.fixture(scope="module")
def tool() -> Path:
    """The generator's own virtualenv, made on first use from the package registry."""
    try:
        return generate.tool_python()
    except generate.CodegenToolError as error:
        if error.offline:
            pytest.skip(f"ariadne-codegen cannot be installed offline: {error}")
        raise


def differences(left: Path, right: Path) -> list[str]:
    """Files that differ, or exist on one side only, below two folders."""
    compared = filecmp.dircmp(left, right, ignore=["__pycache__"])
    found = [*compared.left_only, *compared.right_only, *compared.diff_files]
    for name, sub in compared.subdirs.items():
        below = differences(Path(sub.left), Path(sub.right))
        found += [f"{name}/{f}" for f in below]
    return found


def test_the_checked_in_client_is_current(tool: Path, tmp_path: Path) -> None:
    fresh = generate.generate(tmp_path, python=tool)

    checked_in = generate.ROOT / "clients" / generate.PACKAGE
    stale = differences(checked_in, fresh)
    assert stale == [], (
        f"clients/{generate.PACKAGE} is stale in {stale}: "
        "run `.venv/bin/python clients/generate.py`"
    )


def test_every_operation_has_a_client_method() -> None:
    from clients.dermaga_client import DermagaClient

    operations = sorted(
        line.split()[1].split("(")[0]
        for path in (generate.ROOT / "clients" / "operations").glob("*.graphql")
        for line in path.read_text().splitlines()
        if line.startswith(("query ", "mutation ", "subscription "))
    )
    methods = {name.replace("_", "") for name in vars(DermagaClient)}
    assert "Dashboard" in operations
    assert [op for op in operations if op.lower() not in methods] == []
