from __future__ import annotations

import pytest

from domain.errors import ValidationError
from domain.identifiers import (
    ContainerNumber,
    HsCode,
    ImoNumber,
    Npwp,
    SizeTypeCode,
    UnLocode,
    iso6346_check_digit,
)


@pytest.mark.parametrize("text", ["CSQU3054383", "MWCU6059784", "csqu 305438 3"])
def test_valid_container_numbers(text: str) -> None:
    number = ContainerNumber.parse(text)

    assert str(number) == text.replace(" ", "").upper()
    assert number.category == "U"


def test_container_number_parts() -> None:
    number = ContainerNumber.parse("CSQU3054383")

    assert (number.owner_code, number.category, number.serial) == ("CSQ", "U", "305438")


@pytest.mark.parametrize(
    ("prefix", "digit"),
    [("CSQU305438", 3), ("MWCU605978", 4), ("CMAU649699", 4), ("TCLU123456", 8)],
)
def test_iso6346_check_digit(prefix: str, digit: int) -> None:
    assert iso6346_check_digit(prefix) == digit


def test_a_sum_leaving_ten_has_check_digit_zero() -> None:
    # ISO 6346: the weighted sum of CSQU100008 leaves 10 mod 11, written as 0.
    assert iso6346_check_digit("CSQU100008") == 0
    assert str(ContainerNumber.parse("CSQU1000080")) == "CSQU1000080"
    assert iso6346_check_digit("EMCU803344") == 0


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("CMAU6496997", "INVALID_CHECK_DIGIT"),
        ("CSQU3054384", "INVALID_CHECK_DIGIT"),
        ("CSQX3054383", "INVALID_CONTAINER_NUMBER"),
        ("CSQU305438", "INVALID_CONTAINER_NUMBER"),
        ("C5QU3054383", "INVALID_CONTAINER_NUMBER"),
        ("", "INVALID_CONTAINER_NUMBER"),
    ],
)
def test_invalid_container_numbers(text: str, code: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ContainerNumber.parse(text)

    assert raised.value.code == code


@pytest.mark.parametrize(
    ("text", "length", "size_class", "reefer", "high_cube"),
    [
        ("22G1", 20, "20", False, False),
        ("42G1", 40, "40", False, False),
        ("45G1", 40, "40", False, True),
        ("45R1", 40, "40", True, True),
        ("22R1", 20, "20", True, False),
        ("L5G1", 45, "40", False, True),
    ],
)
def test_size_type_codes(
    text: str, length: int, size_class: str, reefer: bool, high_cube: bool
) -> None:
    code = SizeTypeCode.parse(text)

    assert code.length_ft == length
    assert code.tariff_size_class == size_class
    assert code.is_reefer is reefer
    assert code.is_high_cube is high_cube


@pytest.mark.parametrize("text", ["2G1", "32G1", "22X1", "22GG", "X2G1", "22G12"])
def test_invalid_size_type_codes(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SizeTypeCode.parse(text)

    assert raised.value.code == "INVALID_SIZE_TYPE"


@pytest.mark.parametrize("text", ["9074729", "IMO 9074729", "9456109", "9083938"])
def test_valid_imo_numbers(text: str) -> None:
    assert str(ImoNumber.parse(text)) == text.removeprefix("IMO ")


@pytest.mark.parametrize("text", ["9074728", "907472", "90747290", "IMO", "9O74729"])
def test_invalid_imo_numbers(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ImoNumber.parse(text)

    assert raised.value.code == "INVALID_IMO_NUMBER"


def test_npwp_punctuation_is_stripped_and_legacy_numbers_accepted() -> None:
    legacy = Npwp.parse("01.234.567.8-901.000")
    current = Npwp.parse("0012 3456 7890 1000")

    assert str(legacy) == "012345678901000"
    assert legacy.is_legacy
    assert not current.is_legacy
    assert legacy.same_taxpayer(current)
    assert not legacy.same_taxpayer(Npwp.parse("0012345678901001"))


@pytest.mark.parametrize(
    "text", ["01234567890123", "01234567890123456", "0123A5678901234"]
)
def test_invalid_npwp(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Npwp.parse(text)

    assert raised.value.code == "INVALID_NPWP"


def test_hs_codes_accept_dots() -> None:
    code = HsCode.parse("5208.19.00")

    assert str(code) == "52081900"
    assert (code.chapter, code.heading) == ("52", "5208")
    assert code.formatted() == "5208.19.00"


@pytest.mark.parametrize("text", ["1006.30.9", "520819001", "5208.19.0A", ""])
def test_invalid_hs_codes(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        HsCode.parse(text)

    assert raised.value.code == "INVALID_HS_CODE"


@pytest.mark.parametrize("text", ["IDTPP", "ID TPP", "sgsin", "CNSHA", "IDBLW"])
def test_valid_locodes(text: str) -> None:
    code = UnLocode.parse(text)

    assert str(code) == text.replace(" ", "").upper()
    assert len(code.country) == 2
    assert len(code.location) == 3


@pytest.mark.parametrize("text", ["IDTP", "I1TPP", "IDTPPX", "ID-TP"])
def test_invalid_locodes(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        UnLocode.parse(text)

    assert raised.value.code == "INVALID_LOCODE"


def test_identifiers_are_frozen_values() -> None:
    number = ContainerNumber.parse("CSQU3054383")

    assert number == ContainerNumber.parse("csqu3054383")
    assert hash(number) == hash(ContainerNumber("CSQU3054383"))
    with pytest.raises(AttributeError):
        number.value = "MWCU6059784"  # type: ignore[misc]


# Digits of other scripts: Python's \d, isdigit() and int() accept them, no
# carrier, customs or port system does. "\u0669\u0660..." is 9074729 in
# Arabic-Indic digits; "\uff10" a fullwidth 0.
ARABIC_INDIC_9074729 = "\u0669\u0660\u0667\u0664\u0667\u0662\u0669"


@pytest.mark.parametrize(
    "text",
    [
        ARABIC_INDIC_9074729,
        "IMO " + ARABIC_INDIC_9074729,
        "907472\u0669",
        "\u0131mo 9074729",
    ],
)
def test_imo_numbers_refuse_non_ascii_characters(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ImoNumber.parse(text)

    assert raised.value.code == "INVALID_IMO_NUMBER"


@pytest.mark.parametrize("text", ["imo 9074729", "Imo:9074729", "IMO\u00a09074729"])
def test_imo_prefix_in_any_case_and_spacing(text: str) -> None:
    assert str(ImoNumber.parse(text)) == "9074729"


@pytest.mark.parametrize(
    "text", ["CSQU305438\u0663", "CSQU\uff13054383", "C\u017fQU3054383"]
)
def test_container_numbers_refuse_non_ascii_characters(text: str) -> None:
    # "\u017f" (long s) is upper-cased to an ASCII S: refused before that.
    with pytest.raises(ValidationError) as raised:
        ContainerNumber.parse(text)

    assert raised.value.code == "INVALID_CONTAINER_NUMBER"


def test_container_numbers_drop_non_breaking_spaces() -> None:
    assert str(ContainerNumber.parse("CSQU\u00a03054383")) == "CSQU3054383"


@pytest.mark.parametrize("text", ["22G\u0661", "22G\u00b9", "22G\uff11"])
def test_size_type_codes_refuse_non_ascii_digits(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        SizeTypeCode.parse(text)

    assert raised.value.code == "INVALID_SIZE_TYPE"


@pytest.mark.parametrize(
    "text", ["\u0660" * 16, "012345678901234\u0665", "\uff10" * 15]
)
def test_npwp_refuses_non_ascii_digits(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Npwp.parse(text)

    assert raised.value.code == "INVALID_NPWP"


@pytest.mark.parametrize("text", ["5208.19.0\u0660", "\u0665\u0662081900"])
def test_hs_codes_refuse_non_ascii_digits(text: str) -> None:
    with pytest.raises(ValidationError) as raised:
        HsCode.parse(text)

    assert raised.value.code == "INVALID_HS_CODE"


@pytest.mark.parametrize("text", ["\u0131DTPP", "IDTP\u0663", "\u0130DTPP"])
def test_locodes_refuse_non_ascii_characters(text: str) -> None:
    # "\u0131" (dotless i) is upper-cased to an ASCII I: refused before that.
    with pytest.raises(ValidationError) as raised:
        UnLocode.parse(text)

    assert raised.value.code == "INVALID_LOCODE"
