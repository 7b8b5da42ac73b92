"""Text hygiene: no control characters in any string a client sends.

PostgreSQL text cannot hold NUL, and the other control characters (C0 but
tab, line feed and carriage return; DEL and C1) have no business in a B/L
number, a name or a note; nor have the bidirectional overrides and isolates,
which make a name or a plate read otherwise on screen than it is stored.
They are refused before execution, once for the whole schema: inline
literals by a validation rule (its result is cached with the document),
variables by a walk over the decoded JSON before execution.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from graphql import GraphQLError, StringValueNode, ValidationRule
from strawberry.extensions import SchemaExtension

CONTROL_CHARACTERS = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
)
CODE = "BAD_USER_INPUT"
MESSAGE = (
    "Text must not contain control characters (C0 codes but tab, line feed "
    "and carriage return; DEL, C1 codes and bidirectional overrides)"
)


class NoControlCharacters(ValidationRule):
    """Refuse a string literal in the document that holds a control character."""

    def enter_string_value(self, node: StringValueNode, *_args: object) -> None:
        if CONTROL_CHARACTERS.search(node.value):
            self.report_error(
                GraphQLError(MESSAGE + ".", node, extensions={"code": CODE})
            )


class RefuseControlCharacterVariables(SchemaExtension):
    """Refuse variables holding a control character, before execution starts.

    Runs in the validation step, after the validation rules (and their cache):
    an error added here stops the operation like a validation error.
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        variables = context.variables
        if variables and _holds_control_characters(variables):
            bad = next(_paths_of_bad_text(variables, ()))
            where = ".".join(str(part) for part in bad)
            error = GraphQLError(
                f"{MESSAGE}: variable ${where}.",
                extensions={"code": CODE, "variable": list(bad)},
            )
            context.pre_execution_errors = [
                *(context.pre_execution_errors or []),
                error,
            ]
        yield


def _holds_control_characters(value: object) -> bool:
    """The fast check every request pays: a loop, no paths, no generators."""
    search = CONTROL_CHARACTERS.search
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _paths_of_bad_text(
    value: Any, path: tuple[str | int, ...]
) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, str):
        if CONTROL_CHARACTERS.search(value):
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _paths_of_bad_text(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths_of_bad_text(item, (*path, index))
