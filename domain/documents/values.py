"""Reading dates, amounts and names as English and Indonesian papers print them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_MONTHS = {
    # English and Indonesian names and their usual abbreviations.
    "january": 1, "januari": 1, "jan": 1,
    "february": 2, "februari": 2, "feb": 2, "pebruari": 2, "peb": 2,
    "march": 3, "maret": 3, "mar": 3,
    "april": 4, "apr": 4,
    "may": 5, "mei": 5,
    "june": 6, "juni": 6, "jun": 6,
    "july": 7, "juli": 7, "jul": 7,
    "august": 8, "agustus": 8, "aug": 8, "agu": 8, "agt": 8, "ags": 8,
    "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oktober": 10, "oct": 10, "okt": 10,
    "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "december": 12, "desember": 12, "dec": 12, "des": 12,
}  # fmt: skip

_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_DAY_FIRST = re.compile(r"(\d{1,2})[.\s\-]*([A-Za-z]+)[.,\s\-]*(\d{4})")
_MONTH_FIRST = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")


def parse_date(text: str) -> date | None:
    """A date from ISO, dd/mm/yyyy (day first, as both countries write it) or words."""
    text = text.strip()
    try:
        if m := _ISO.search(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _NUMERIC.search(text):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if (m := _DAY_FIRST.search(text)) and m[2].lower() in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
        if (m := _MONTH_FIRST.search(text)) and m[1].lower() in _MONTHS:
            return date(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
    except ValueError:
        return None
    return None


_NUMBER = re.compile(r"\d[\d.,]*")


def parse_amount(text: str) -> Decimal | None:
    """The first number in the text; `1,234.5` and `1.234,5` both read as 1234.5."""
    match = _NUMBER.search(text)
    if match is None:
        return None
    digits = match.group().rstrip(".,")
    last_comma, last_dot = digits.rfind(","), digits.rfind(".")
    if last_comma >= 0 and last_dot >= 0:
        decimal_sep = "," if last_comma > last_dot else "."
    else:
        decimal_sep = _lone_separator(digits)
    if not decimal_sep:
        cleaned = re.sub(r"[.,]", "", digits)
    else:
        thousands = "." if decimal_sep == "," else ","
        cleaned = digits.replace(thousands, "").replace(decimal_sep, ".")
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _lone_separator(digits: str) -> str:
    """With one kind of separator, groups of exactly three digits mean thousands."""
    seps = [c for c in digits if c in ".,"]
    if not seps:
        return ""
    groups = re.split(r"[.,]", digits)
    if len(seps) > 1 or len(groups[-1]) == 3:
        return ""
    return seps[0]


def plain(number: Decimal) -> str:
    """A decimal written without exponent or trailing zeros: 22351, 49.08."""
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def name_key(name: str) -> str:
    """A company name reduced for comparison: case, punctuation and spacing ignored."""
    words = re.sub(r"[^A-Z0-9]+", " ", name.upper())
    return " ".join(words.split())


def same_company(a: str, b: str) -> bool:
    """Whether two printed names are one company; 'PT. Abc' equals 'PT ABC'."""
    return name_key(a) == name_key(b)


_VESSEL_PREFIX = re.compile(r"^(M ?V|M ?T|K ?M|KMP|S ?S|MS)\s+")


def same_vessel_name(a: str, b: str) -> bool:
    """Whether two vessel names match, ignoring prefixes such as MV or KM."""
    return _VESSEL_PREFIX.sub("", name_key(a)) == _VESSEL_PREFIX.sub("", name_key(b))


def compact(text: str) -> str:
    """An identifier upper-cased with spaces removed, for comparing references."""
    return re.sub(r"\s+", "", text).upper()
