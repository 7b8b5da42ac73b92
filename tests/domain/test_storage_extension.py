"""Paid-through times and storage extensions, hand-computed from the 2021 figures.

Boxes discharged on 5 Jan 2026 at 10:00 WIB, before noon: day 1 is free,
6 Jan is scheme day 2 (300%), 7 Jan day 3 (600%), from 8 Jan 900%.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from domain.invoicing import (
    ContainerUsage,
    ServiceCode,
    StayExtension,
    compute_storage_extension,
    paid_through,
)
from domain.money import Money
from domain.seed_tariffs import PRIOK_2021
from domain.tariff import SizeClass

WIB = ZoneInfo("Asia/Jakarta")
DRY = ContainerUsage(
    "CSQU3054383", SizeClass.TWENTY, datetime(2026, 1, 5, 10, tzinfo=WIB)
)
REEFER = ContainerUsage(
    "MWCU6059784", SizeClass.FORTY, datetime(2026, 1, 5, 10, tzinfo=WIB), reefer=True
)


def wib(day: int, hour: int) -> datetime:
    return datetime(2026, 1, day, hour, tzinfo=WIB)


def test_a_dry_box_is_paid_through_the_end_of_the_day_charged() -> None:
    assert paid_through(PRIOK_2021, DRY, wib(7, 11)) == wib(8, 0)


def test_a_reefer_is_paid_through_the_end_of_its_last_power_block() -> None:
    # 10:00 to 14:00 is one 8-hour block, which runs to 18:00.
    assert paid_through(PRIOK_2021, REEFER, wib(5, 14)) == wib(5, 18)
    # 10:00 on the 5th to 21:00 on the 7th is 59 h: 8 blocks, to 02:00 on the 8th.
    assert paid_through(PRIOK_2021, REEFER, wib(7, 21)) == wib(8, 0)


def test_an_extension_charges_only_the_days_and_blocks_not_yet_paid() -> None:
    stays = [
        StayExtension(DRY, wib(7, 11), wib(9, 11)),
        StayExtension(REEFER, wib(7, 11), wib(9, 11)),
    ]

    draft = compute_storage_extension(PRIOK_2021, stays)

    lines = [(x.service, x.container_number, x.quantity, x.period) for x in draft.lines]
    assert lines == [
        # 8 and 9 Jan at 900%: 20' 382,500 and 40' 765,000 a day
        (ServiceCode.STORAGE, "CSQU3054383", 2, "P4"),
        (ServiceCode.STORAGE, "MWCU6059784", 2, "P4"),
        # 49 h charged before (7 blocks), 97 h now (13 blocks): 6 more
        (ServiceCode.REEFER_POWER, "MWCU6059784", 6, None),
    ]
    assert [x.amount for x in draft.lines] == [
        Money.parse("765000"),
        Money.parse("1530000"),
        Money.parse("1200000"),
    ]
    assert draft.subtotal == Money.parse("3495000")
    assert draft.tax_base == Money.parse("3203750")  # 3,495,000 x 11/12
    assert draft.vat == Money.parse("384450")  # 12% of the base
    assert draft.balance_due == draft.total == Money.parse("3879450")


def test_a_later_hour_of_a_day_already_paid_adds_nothing_for_a_dry_box() -> None:
    draft = compute_storage_extension(
        PRIOK_2021, [StayExtension(DRY, wib(7, 11), wib(7, 20))]
    )

    assert draft.lines == ()
    assert draft.total == Money.zero()
