"""Identifiers of the import business, validated where they enter the system."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Literal, Self

from domain.errors import ValidationError

TariffSizeClass = Literal["20", "40"]


def _letter_values() -> dict[str, int]:
    # ISO 6346 Annex A: letters count from 10 upward, skipping multiples of 11.
    values: dict[str, int] = {}
    value = 10
    for letter in string.ascii_uppercase:
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


_LETTER_VALUES = _letter_values()
# re.ASCII: Python's \d also matches other scripts' digits (Arabic-Indic and
# more), which int() would read but no carrier, customs or port system does.
_CONTAINER_RE = re.compile(r"[A-Z]{3}[UJZ]\d{7}", re.ASCII)
# Spelt out, not re.IGNORECASE: that would also take "\u0131" (dotless i) for i.
_IMO_PREFIX_RE = re.compile(r"^[Ii][Mm][Oo][\s:.]*")
_IMO_RE = re.compile(r"\d{7}", re.ASCII)
_NPWP_RE = re.compile(r"\d{15}|\d{16}", re.ASCII)
_HS_CODE_RE = re.compile(r"\d{8}", re.ASCII)
# UN/LOCODE: ISO 3166 alpha-2 country, then three letters or digits 2-9.
_LOCODE_RE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")


def _ascii_upper(text: str) -> str:
    """`text` in capitals, or "" when it holds any non-ASCII character.

    Refused before upper-casing: str.upper() turns some non-ASCII letters
    into ASCII ones ("\u017f" long s into "S", "\u0131" dotless i into "I").
    """
    return text.upper() if text.isascii() else ""


def iso6346_check_digit(prefix: str) -> int:
    """The check digit of the first ten characters of a container number.

    `prefix` is ASCII capitals and digits, as ContainerNumber.parse checks.
    """
    total = 0
    for position, char in enumerate(prefix[:10]):
        value = _LETTER_VALUES[char] if char.isalpha() else int(char)
        total += value * 2**position
    # ISO 6346: the sum mod 11, then a remainder of 10 is written as 0.
    return total % 11 % 10


@dataclass(frozen=True, slots=True)
class ContainerNumber:
    """An ISO 6346 container number such as CSQU3054383."""

    value: str

    @classmethod
    def parse(cls, text: str) -> Self:
        compact = _ascii_upper(re.sub(r"[\s-]", "", text))
        if not _CONTAINER_RE.fullmatch(compact):
            raise ValidationError(
                f"{text!r} is not an ISO 6346 container number",
                code="INVALID_CONTAINER_NUMBER",
            )
        if iso6346_check_digit(compact) != int(compact[10]):
            raise ValidationError(
                f"{compact} has a wrong ISO 6346 check digit",
                code="INVALID_CHECK_DIGIT",
            )
        return cls(compact)

    @property
    def owner_code(self) -> str:
        return self.value[:3]

    @property
    def category(self) -> str:
        """U freight container, J detachable equipment, Z trailer or chassis."""
        return self.value[3]

    @property
    def serial(self) -> str:
        return self.value[4:10]

    def __str__(self) -> str:
        return self.value


# ISO 6346 size codes: the first character is the length, the second the height.
_LENGTH_FT = {"2": 20, "4": 40, "L": 45}
_HEIGHT_CODES = frozenset("024568CDEFLMNP")
_HIGH_CUBE_CODES = frozenset("5EN")
_TYPE_GROUPS = frozenset("GVBSRHUPTA")


@dataclass(frozen=True, slots=True)
class SizeTypeCode:
    """An ISO 6346 size-type code such as 22G1, 45G1, 45R1 or L5G1."""

    value: str

    @classmethod
    def parse(cls, text: str) -> Self:
        code = _ascii_upper(text.strip())
        valid = (
            len(code) == 4
            and code[0] in _LENGTH_FT
            and code[1] in _HEIGHT_CODES
            and code[2] in _TYPE_GROUPS
            and code[3] in string.digits
        )
        if not valid:
            raise ValidationError(
                f"{text!r} is not an ISO 6346 size-type code of a 20', 40' or 45' box",
                code="INVALID_SIZE_TYPE",
            )
        return cls(code)

    @property
    def length_ft(self) -> int:
        return _LENGTH_FT[self.value[0]]

    @property
    def is_high_cube(self) -> bool:
        return self.value[1] in _HIGH_CUBE_CODES

    @property
    def is_reefer(self) -> bool:
        """Type group R: a refrigerated box that needs reefer power."""
        return self.value[2] == "R"

    @property
    def tariff_size_class(self) -> TariffSizeClass:
        """The tariff's size class: 40' and 45' boxes pay the 40' rate."""
        return "20" if self.length_ft == 20 else "40"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class ImoNumber:
    """A ship's seven-digit IMO number, such as 9074729."""

    value: str

    @classmethod
    def parse(cls, text: str) -> Self:
        digits = _IMO_PREFIX_RE.sub("", text.strip())
        if not _IMO_RE.fullmatch(digits):
            raise ValidationError(
                f"{text!r} is not a seven-digit IMO number", code="INVALID_IMO_NUMBER"
            )
        # IMO Resolution A.1078(28): digits one to six weighted 7..2; the last
        # digit of the sum is the seventh digit.
        total = sum(
            int(d) * w for d, w in zip(digits[:6], range(7, 1, -1), strict=True)
        )
        if total % 10 != int(digits[6]):
            raise ValidationError(
                f"IMO {digits} has a wrong check digit", code="INVALID_IMO_NUMBER"
            )
        return cls(digits)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Npwp:
    """NPWP, the Indonesian taxpayer number: 16 digits since 2024, 15 before."""

    value: str

    @classmethod
    def parse(cls, text: str) -> Self:
        digits = re.sub(r"[\s.\-]", "", text)
        if not _NPWP_RE.fullmatch(digits):
            raise ValidationError(
                f"{text!r} is not an NPWP of 16 digits (or 15 for a legacy number)",
                code="INVALID_NPWP",
            )
        return cls(digits)

    @property
    def is_legacy(self) -> bool:
        return len(self.value) == 15

    def same_taxpayer(self, other: Npwp) -> bool:
        """Whether two NPWPs name one taxpayer, a legacy form included."""
        # PMK 112/PMK.03/2022: the 16-digit NPWP of a non-individual taxpayer
        # is its 15-digit number with a leading 0.
        return self._sixteen() == other._sixteen()

    def _sixteen(self) -> str:
        return "0" + self.value if self.is_legacy else self.value

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class HsCode:
    """An 8-digit HS code of the Indonesian tariff book (BTKI 2022)."""

    value: str

    @classmethod
    def parse(cls, text: str) -> Self:
        digits = re.sub(r"[\s.]", "", text)
        if not _HS_CODE_RE.fullmatch(digits):
            raise ValidationError(
                f"{text!r} is not an 8-digit HS code", code="INVALID_HS_CODE"
            )
        return cls(digits)

    @property
    def chapter(self) -> str:
        return self.value[:2]

    @property
    def heading(self) -> str:
        return self.value[:4]

    def formatted(self) -> str:
        """The code as BTKI prints it, e.g. 5208.19.00."""
        return f"{self.value[:4]}.{self.value[4:6]}.{self.value[6:]}"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class UnLocode:
    """A UN/LOCODE port code such as IDTPP (Tanjung Priok)."""

    value: str

    @classmethod
    def parse(cls, text: str) -> Self:
        code = _ascii_upper(re.sub(r"\s", "", text))
        if not _LOCODE_RE.fullmatch(code):
            raise ValidationError(f"{text!r} is not a UN/LOCODE", code="INVALID_LOCODE")
        return cls(code)

    @property
    def country(self) -> str:
        return self.value[:2]

    @property
    def location(self) -> str:
        return self.value[2:]

    def __str__(self) -> str:
        return self.value
