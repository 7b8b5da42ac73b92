"""A draft request's fields as the customer types them, checked for storing."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from domain.errors import ConflictError, DomainError, ValidationError, ValidationErrors
from domain.identifiers import ContainerNumber, Npwp, SizeTypeCode
from domain.models.shipments import Container, ServiceKind
from domain.text_limits import MAX_NAME, MAX_NOTES, MAX_SEAL, too_long

MAX_BL_LENGTH = 40
MAX_CONTAINERS = 500
Path = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ContainerEntry:
    """A box as the customer types it into the request."""

    number: str
    size_type: str
    seal: str | None = None
    packages: int | None = None
    gross_kg: int | None = None


@dataclass(frozen=True, slots=True)
class ShipmentDraft:
    """The fields of a request; on an update, None leaves a field as it is.

    The consignee's organisation is chosen when the request is opened and
    never changes: every row of the request belongs to it.
    """

    consignee_organisation_id: uuid.UUID | None = None
    bl_number: str | None = None
    vessel_call_id: uuid.UUID | None = None
    consignee_name: str | None = None
    consignee_npwp: str | None = None
    services: Sequence[ServiceKind] | None = None
    notes: str | None = None
    containers: Sequence[ContainerEntry] | None = None


@dataclass(frozen=True, slots=True)
class DraftValues:
    """Input values after validation, in their stored form."""

    bl_number: str | None
    consignee_npwp: str | None
    containers: list[Container] | None


def validated(draft: ShipmentDraft) -> DraftValues:
    """Normalise the draft's identifiers, collecting every error with its path."""
    errors: list[DomainError] = []
    bl_number = _bl_number(draft.bl_number, errors)
    npwp = _npwp(draft.consignee_npwp, errors)
    containers = (
        _containers(draft.containers, errors) if draft.containers is not None else None
    )
    for text, limit, field in (
        (draft.consignee_name, MAX_NAME, "consigneeName"),
        (draft.notes, MAX_NOTES, "notes"),
    ):
        error = too_long(text, limit, (field,))
        if error is not None:
            errors.append(error)
    if errors:
        raise ValidationErrors(errors)
    return DraftValues(bl_number, npwp, containers)


def _bl_number(text: str | None, errors: list[DomainError]) -> str | None:
    if text is None:
        return None
    compact = "".join(text.split()).upper()
    if not compact or len(compact) > MAX_BL_LENGTH or not compact.isalnum():
        errors.append(
            ValidationError(
                f"a B/L number is 1 to {MAX_BL_LENGTH} letters and digits",
                code="INVALID_BL_NUMBER",
                field=("blNumber",),
            )
        )
    return compact


def _npwp(text: str | None, errors: list[DomainError]) -> str | None:
    if text is None:
        return None
    try:
        return Npwp.parse(text).value
    except ValidationError as error:
        errors.append(_at(error, ("consigneeNpwp",)))
        return None


def _containers(
    entries: Sequence[ContainerEntry], errors: list[DomainError]
) -> list[Container]:
    if len(entries) > MAX_CONTAINERS:
        errors.append(
            ValidationError(
                f"at most {MAX_CONTAINERS} containers on one request",
                code="TOO_MANY_CONTAINERS",
                field=("containers",),
            )
        )
        return []
    seen: set[str] = set()
    boxes = []
    for index, entry in enumerate(entries):
        box = _container(entry, ("containers", str(index)), seen, errors)
        if box is not None:
            boxes.append(box)
    return boxes


def _container(
    entry: ContainerEntry, path: Path, seen: set[str], errors: list[DomainError]
) -> Container | None:
    found = len(errors)
    number = _parsed(ContainerNumber.parse, entry.number, (*path, "number"), errors)
    size_type = _parsed(
        SizeTypeCode.parse, entry.size_type, (*path, "sizeType"), errors
    )
    if number is not None and number in seen:
        errors.append(
            ConflictError(
                f"{number} is listed twice",
                code="DUPLICATE_CONTAINER",
                field=(*path, "number"),
            )
        )
    for name, value in (("packages", entry.packages), ("grossKg", entry.gross_kg)):
        if value is not None and value < 0:
            errors.append(
                ValidationError(f"{name} cannot be negative", field=(*path, name))
            )
    seal_error = too_long(entry.seal, MAX_SEAL, (*path, "seal"))
    if seal_error is not None:
        errors.append(seal_error)
    if number is not None:
        seen.add(number)
    if len(errors) > found or number is None or size_type is None:
        return None
    seal = entry.seal.strip().upper() if entry.seal and entry.seal.strip() else None
    return Container(
        number=number,
        size_type=size_type,
        seal=seal,
        packages=entry.packages,
        gross_kg=entry.gross_kg,
    )


def _parsed(
    parse: Callable[[str], ContainerNumber | SizeTypeCode],
    text: str,
    path: Path,
    errors: list[DomainError],
) -> str | None:
    try:
        return str(parse(text))
    except ValidationError as error:
        errors.append(_at(error, path))
        return None


def _at(error: DomainError, path: Path) -> DomainError:
    return ValidationError(error.message, code=error.code, field=path)
