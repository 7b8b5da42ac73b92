"""Tariff data, size classes, the noon rule and storage-day counting."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.errors import ConflictError, NotFoundError, ValidationError
from domain.money import Money
from domain.seed_tariffs import (
    BELAWAN_PROGRESSIVE,
    DEMO_PRIOK_CAPPED,
    NOON_RULE_WIB,
    PRIOK_2021,
    PRIOK_PROGRESSIVE_900,
    PRIOK_VERSIONS,
)
from domain.tariff import (
    NoonRule,
    SizeClass,
    SizeRates,
    StorageDay,
    StorageScheme,
    is_reefer,
    size_class_of,
    storage_charge_days,
)

WIB = ZoneInfo("Asia/Jakarta")


def wib(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2021, 3, day, hour, minute, second, tzinfo=WIB)


def percents(days: list[StorageDay]) -> list[tuple[int, str, int | None]]:
    return [(d.day_index, str(d.percent), d.period) for d in days]


@pytest.mark.parametrize(
    ("code", "size_class"),
    [
        ("22G1", SizeClass.TWENTY),
        ("42G1", SizeClass.FORTY),
        ("45G1", SizeClass.FORTY),
        ("45R1", SizeClass.FORTY),
        ("L5G1", SizeClass.FORTY),
        ("22r1", SizeClass.TWENTY),
    ],
)
def test_size_class_of_iso_6346_codes(code: str, size_class: SizeClass) -> None:
    assert size_class_of(code) is size_class


@pytest.mark.parametrize("code", ["12G1", "G1", "", "M5G1"])
def test_size_class_refuses_codes_without_a_tariff(code: str) -> None:
    with pytest.raises(ValidationError):
        size_class_of(code)


def test_reefer_is_type_group_r() -> None:
    assert is_reefer("45R1")
    assert is_reefer("22R1")
    assert not is_reefer("22G1")
    assert not is_reefer("L5G1")


def test_period_of_follows_the_published_scheme() -> None:
    assert PRIOK_PROGRESSIVE_900.period_of(1) == (1, Decimal(0))
    assert PRIOK_PROGRESSIVE_900.period_of(2) == (2, Decimal(300))
    assert PRIOK_PROGRESSIVE_900.period_of(3) == (3, Decimal(600))
    assert PRIOK_PROGRESSIVE_900.period_of(40) == (4, Decimal(900))


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [(2, None, "100")],
        [(1, 1, "0"), (3, None, "300")],
        [(1, 2, "0")],
        [(1, None, "0"), (2, None, "300")],
        [(1, 1, "0"), (2, 1, "300"), (2, None, "600")],
        [(1, None, "-1")],
    ],
)
def test_scheme_rejects_gaps_closed_ends_and_negative_percents(
    rows: list[tuple[int, int | None, str]],
) -> None:
    with pytest.raises(ValidationError):
        StorageScheme.from_rows(rows)


def test_before_noon_free_to_midnight_then_scheme_by_day_index() -> None:
    days = storage_charge_days(
        wib(1, 9), wib(6, 10), PRIOK_PROGRESSIVE_900, NOON_RULE_WIB
    )

    assert [d.date for d in days] == [date(2021, 3, n) for n in range(1, 7)]
    assert percents(days) == [
        (1, "0", None),
        (2, "300", 2),
        (3, "600", 3),
        (4, "900", 4),
        (5, "900", 4),
        (6, "900", 4),
    ]


def test_after_noon_day_two_is_free_and_day_three_is_scheme_day_two() -> None:
    days = storage_charge_days(
        wib(1, 14), wib(3, 10), PRIOK_PROGRESSIVE_900, NOON_RULE_WIB
    )

    # The noon rule ends free time at midnight of day 2; calendar day 3 is the
    # first charged day and so scheme day 2 (300%), not its own day 3 (600%).
    assert percents(days) == [(1, "0", None), (2, "0", None), (3, "300", 2)]
    assert days[-1].scheme_day == 2


def test_after_noon_charged_days_follow_the_scheme_in_order() -> None:
    days = storage_charge_days(
        wib(1, 14), wib(6, 10), PRIOK_PROGRESSIVE_900, NOON_RULE_WIB
    )

    # calendar days 3, 4, 5, 6 are scheme days 2, 3, 4, 5: 300, 600, 900, 900
    assert percents(days) == [
        (1, "0", None),
        (2, "0", None),
        (3, "300", 2),
        (4, "600", 3),
        (5, "900", 4),
        (6, "900", 4),
    ]
    assert [d.scheme_day for d in days] == [None, None, 2, 3, 4, 5]


def test_noon_rule_on_a_scheme_without_free_time_charges_from_scheme_day_one() -> None:
    days = storage_charge_days(
        wib(1, 14), wib(4, 8), BELAWAN_PROGRESSIVE, NOON_RULE_WIB
    )

    # Belawan's scheme has no free period: after the noon rule's two free
    # days, calendar day 3 is scheme day 1 (100%) and day 4 scheme day 2 (250%).
    assert percents(days) == [
        (1, "0", None),
        (2, "0", None),
        (3, "100", 1),
        (4, "250", 2),
    ]


def test_leading_free_days_counts_the_closed_zero_periods() -> None:
    assert PRIOK_PROGRESSIVE_900.leading_free_days() == 1
    assert BELAWAN_PROGRESSIVE.leading_free_days() == 0
    assert (
        StorageScheme.from_rows([(1, 2, "0"), (3, None, "100")]).leading_free_days()
        == 2
    )
    assert StorageScheme.from_rows([(1, None, "0")]).leading_free_days() == 0


def test_leaving_on_the_discharge_day_is_one_free_day() -> None:
    days = storage_charge_days(
        wib(1, 14), wib(1, 23, 59), PRIOK_PROGRESSIVE_900, NOON_RULE_WIB
    )

    assert percents(days) == [(1, "0", None)]
    assert days[0].free


@pytest.mark.parametrize(
    ("discharged", "day_two"),
    [
        (wib(1, 11, 59, 59), (2, "300", 2)),
        (wib(1, 12), (2, "0", None)),
    ],
)
def test_noon_cutoff_is_exclusive(
    discharged: datetime, day_two: tuple[int, str, int | None]
) -> None:
    days = storage_charge_days(
        discharged, wib(2, 9), PRIOK_PROGRESSIVE_900, NOON_RULE_WIB
    )

    assert percents(days)[1] == day_two


def test_days_are_counted_on_jakarta_calendar_dates() -> None:
    # 2021-02-28 23:00 UTC is 2021-03-01 06:00 WIB: before noon on 1 March.
    discharged = datetime(2021, 2, 28, 23, 0, tzinfo=UTC)
    # 2021-03-02 17:30 UTC is 2021-03-03 00:30 WIB: day 3.
    out = datetime(2021, 3, 2, 17, 30, tzinfo=UTC)

    days = storage_charge_days(discharged, out, PRIOK_PROGRESSIVE_900, NOON_RULE_WIB)

    assert [d.date for d in days] == [
        date(2021, 3, 1),
        date(2021, 3, 2),
        date(2021, 3, 3),
    ]
    assert percents(days)[-1] == (3, "600", 3)


def test_without_the_noon_rule_only_the_scheme_decides() -> None:
    days = storage_charge_days(
        wib(1, 14), wib(4, 8), BELAWAN_PROGRESSIVE, NoonRule(enabled=False)
    )

    assert percents(days) == [
        (1, "100", 1),
        (2, "250", 2),
        (3, "450", 3),
        (4, "700", 4),
    ]


def test_a_custom_cutoff_hour_is_data() -> None:
    days = storage_charge_days(
        wib(1, 10), wib(2, 8), PRIOK_PROGRESSIVE_900, NoonRule(cutoff_hour=10)
    )

    assert percents(days) == [(1, "0", None), (2, "0", None)]


def test_storage_refuses_leaving_before_discharge_and_naive_times() -> None:
    with pytest.raises(ValidationError):
        storage_charge_days(wib(2, 9), wib(1, 9), PRIOK_PROGRESSIVE_900, NOON_RULE_WIB)
    with pytest.raises(ValidationError):
        storage_charge_days(
            datetime(2021, 3, 1, 9), wib(1, 9), PRIOK_PROGRESSIVE_900, NOON_RULE_WIB
        )


def test_in_force_picks_the_version_by_jakarta_date() -> None:
    # 2023-12-31 16:30 UTC is 23:30 WIB on 31 December: still the 2021 book.
    assert (
        PRIOK_2021.in_force(PRIOK_VERSIONS, datetime(2023, 12, 31, 16, 30, tzinfo=UTC))
        is PRIOK_2021
    )
    # 2023-12-31 17:30 UTC is 00:30 WIB on 1 January 2024: the newer version.
    assert (
        PRIOK_2021.in_force(PRIOK_VERSIONS, datetime(2023, 12, 31, 17, 30, tzinfo=UTC))
        is DEMO_PRIOK_CAPPED
    )


def test_in_force_skips_expired_versions_and_reports_gaps() -> None:
    ended = dataclasses.replace(PRIOK_2021, code="ended", valid_to=date(2021, 6, 30))
    later = dataclasses.replace(PRIOK_2021, code="later", valid_from=date(2022, 1, 1))
    versions = [ended, later]

    assert PRIOK_2021.in_force(versions, wib(10, 9)) is ended
    with pytest.raises(NotFoundError) as gap:
        PRIOK_2021.in_force(versions, datetime(2021, 9, 1, tzinfo=WIB))
    assert gap.value.code == "TARIFF_NOT_IN_FORCE"
    with pytest.raises(NotFoundError):
        PRIOK_2021.in_force(versions, datetime(2020, 12, 31, 23, tzinfo=WIB))


def test_in_force_refuses_two_versions_starting_the_same_day() -> None:
    twin = dataclasses.replace(PRIOK_2021, code="twin")

    with pytest.raises(ConflictError) as clash:
        PRIOK_2021.in_force([PRIOK_2021, twin], wib(1, 9))
    assert clash.value.code == "TARIFF_AMBIGUOUS"


def test_book_refuses_mixed_currencies_and_reversed_dates() -> None:
    usd = SizeRates(Money.parse("10", "USD"), Money.parse("20", "USD"))

    with pytest.raises(ValidationError):
        dataclasses.replace(PRIOK_2021, lift_on_off=usd)
    with pytest.raises(ValidationError):
        dataclasses.replace(PRIOK_2021, valid_to=date(2020, 1, 1))


def test_delivery_rate_by_zone_and_size() -> None:
    assert PRIOK_2021.delivery_rate("STANDARD", SizeClass.FORTY) == Money.parse(
        "2100000"
    )
    with pytest.raises(NotFoundError):
        PRIOK_2021.delivery_rate("NOWHERE", SizeClass.TWENTY)


def test_seed_book_holds_the_published_2021_figures() -> None:
    assert PRIOK_2021.lift_on_off.for_size(SizeClass.TWENTY) == Money.parse("285500")
    assert PRIOK_2021.lift_on_off.for_size(SizeClass.FORTY) == Money.parse("428250")
    assert PRIOK_2021.storage_base.for_size(SizeClass.TWENTY) == Money.parse("42500")
    assert PRIOK_2021.storage_base.for_size(SizeClass.FORTY) == Money.parse("85000")
    assert PRIOK_2021.valid_from == date(2021, 1, 1)


@pytest.mark.parametrize(
    ("change", "field"),
    [({"code": "T" * 41}, ("code",)), ({"port": "IDTPPX"}, ("port",))],
)
def test_a_book_refuses_a_code_or_port_its_columns_cannot_hold(
    change: dict[str, str], field: tuple[str, ...]
) -> None:
    with pytest.raises(ValidationError) as refused:
        dataclasses.replace(PRIOK_2021, **change)  # type: ignore[arg-type]

    assert refused.value.field == field
