"""Money rounding, invoice lines, PPN and the proforma, against hand-computed figures.

Figures: the published 2021 Tanjung Priok tariff (lift-on/lift-off Rp 285,500
for 20' and Rp 428,250 for 40'; storage base Rp 42,500 and Rp 85,000 a day;
day 1 free, day 2 300%, day 3 600%, day 4 on 900%) and the seed book's demo
figures (inspection Rp 1,250,000 / 1,875,000, reefer power Rp 150,000 /
200,000 per 8 h, admin fee Rp 25,000 per document).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.errors import NotFoundError, ValidationError
from domain.invoicing import (
    ContainerUsage,
    InvoiceDraft,
    ProformaContainer,
    ServiceCode,
    compute_invoice,
    estimate_initial_payment,
)
from domain.money import Money
from domain.seed_tariffs import PRIOK_2021
from domain.tariff import NoonRule, SizeClass, SizeRates, StorageScheme

WIB = ZoneInfo("Asia/Jakarta")
TWENTY_BOX = "CSQU3054383"
FORTY_BOX = "MWCU6059784"


def wib(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2021, 3, day, hour, minute, tzinfo=WIB)


def idr(text: str) -> Money:
    return Money.parse(text)


def storage_total(draft: InvoiceDraft) -> Money:
    lines = [line for line in draft.lines if line.service is ServiceCode.STORAGE]
    return sum((line.amount for line in lines), Money.zero())


# Money


def test_money_parses_decimal_strings_only() -> None:
    assert Money.parse(" 285500 ") == Money(Decimal("285500"), "IDR")
    with pytest.raises(ValidationError):
        Money.parse(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        Money.parse("Rp 10")
    with pytest.raises(ValidationError):
        Money.parse("NaN")
    with pytest.raises(ValidationError):
        Money.parse("10", "rupiah")


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("0.5", "IDR", "1"),
        ("2.5", "IDR", "3"),  # half up, where half-even would give 2
        ("106312.49", "IDR", "106312"),
        ("1.005", "USD", "1.01"),
    ],
)
def test_rounding_is_half_up_to_the_currency_unit(
    amount: str, currency: str, rounded: str
) -> None:
    result = Money.parse(amount, currency).rounded()

    assert result == Money.parse(rounded, currency)
    assert str(result.amount) == rounded


def test_money_arithmetic_stays_in_one_currency() -> None:
    assert idr("285500") + idr("428250") == idr("713750")
    assert idr("100") - idr("250") == idr("-150")
    assert idr("42500").times(Decimal("3")) == idr("127500")
    assert idr("1") < idr("2")
    with pytest.raises(ValidationError) as mismatch:
        idr("1") + Money.parse("1", "USD")
    assert mismatch.value.code == "CURRENCY_MISMATCH"
    with pytest.raises(ValidationError):
        idr("1").times(0.5)  # type: ignore[arg-type]


# Storage by size, discharge hour and collection day


@pytest.mark.parametrize(
    ("size", "hour", "collected_day", "expected"),
    [
        # 20', before noon: day 1 free; day 2 42,500 x 300% = 127,500;
        # day 3 42,500 x 600% = 255,000; days 4-6 42,500 x 900% = 382,500 each.
        (SizeClass.TWENTY, 9, 1, "0"),
        (SizeClass.TWENTY, 9, 3, "382500"),  # 127,500 + 255,000
        (SizeClass.TWENTY, 9, 6, "1530000"),  # 382,500 + 3 x 382,500
        # 20', after noon: days 1-2 free; charged days then follow the scheme
        # from scheme day 2: day 3 at 300%, day 4 at 600%, days 5-6 at 900%.
        (SizeClass.TWENTY, 14, 1, "0"),
        (SizeClass.TWENTY, 14, 3, "127500"),  # day 3: 42,500 x 300%
        (SizeClass.TWENTY, 14, 6, "1147500"),  # 127,500 + 255,000 + 2 x 382,500
        # 40', before noon: day 2 85,000 x 300% = 255,000; day 3 x 600% = 510,000;
        # days 4-6 85,000 x 900% = 765,000 each.
        (SizeClass.FORTY, 9, 1, "0"),
        (SizeClass.FORTY, 9, 3, "765000"),  # 255,000 + 510,000
        (SizeClass.FORTY, 9, 6, "3060000"),  # 765,000 + 3 x 765,000
        # 40', after noon: days 1-2 free; day 3 at 300%, day 4 at 600%,
        # days 5-6 at 900%.
        (SizeClass.FORTY, 14, 1, "0"),
        (SizeClass.FORTY, 14, 3, "255000"),  # day 3: 85,000 x 300%
        (SizeClass.FORTY, 14, 6, "2295000"),  # 255,000 + 510,000 + 2 x 765,000
    ],
)
def test_storage_per_size_noon_rule_and_collection_day(
    size: SizeClass, hour: int, collected_day: int, expected: str
) -> None:
    usage = ContainerUsage(
        TWENTY_BOX, size, wib(1, hour), gate_out_at=wib(collected_day, 17)
    )

    draft = compute_invoice(PRIOK_2021, [usage], 0, Money.zero())

    assert storage_total(draft) == idr(expected)


# The consolidated invoice


def two_box_shipment() -> list[ContainerUsage]:
    return [
        # 20', discharged before noon, one red-lane inspection, out on day 3.
        ContainerUsage(
            TWENTY_BOX,
            SizeClass.TWENTY,
            wib(1, 9),
            gate_out_at=wib(3, 15),
            inspections=1,
        ),
        # 40', discharged after noon, out on day 6.
        ContainerUsage(FORTY_BOX, SizeClass.FORTY, wib(1, 14), gate_out_at=wib(6, 8)),
    ]


def test_consolidated_invoice_lines() -> None:
    draft = compute_invoice(PRIOK_2021, two_box_shipment(), 2, idr("3000000"))

    rows = [
        (
            line.service,
            line.container_number,
            line.quantity,
            line.unit_price,
            line.amount,
            line.period,
        )
        for line in draft.lines
    ]
    assert rows == [
        (ServiceCode.LIFT_ON_OFF, TWENTY_BOX, 1, idr("285500"), idr("285500"), None),
        # 42,500 x 300% and 42,500 x 600%
        (ServiceCode.STORAGE, TWENTY_BOX, 1, idr("127500"), idr("127500"), "P2"),
        (ServiceCode.STORAGE, TWENTY_BOX, 1, idr("255000"), idr("255000"), "P3"),
        (ServiceCode.INSPECTION, TWENTY_BOX, 1, idr("1250000"), idr("1250000"), None),
        (ServiceCode.LIFT_ON_OFF, FORTY_BOX, 1, idr("428250"), idr("428250"), None),
        # days 1-2 free (after noon); then scheme days 2.. in order:
        # day 3 85,000 x 300%; day 4 x 600%; days 5-6 x 900%
        (ServiceCode.STORAGE, FORTY_BOX, 1, idr("255000"), idr("255000"), "P2"),
        (ServiceCode.STORAGE, FORTY_BOX, 1, idr("510000"), idr("510000"), "P3"),
        (ServiceCode.STORAGE, FORTY_BOX, 2, idr("765000"), idr("1530000"), "P4"),
        (ServiceCode.ADMIN_FEE, None, 2, idr("25000"), idr("50000"), None),
    ]


def test_consolidated_invoice_totals_ppn_and_balance() -> None:
    draft = compute_invoice(PRIOK_2021, two_box_shipment(), 2, idr("3000000"))

    # 285,500 + 127,500 + 255,000 + 1,250,000 + 428,250 + 255,000 + 510,000
    #   + 1,530,000 + 50,000 = 4,691,250
    assert draft.subtotal == idr("4691250")
    # 4,691,250 x 11 / 12 = 51,603,750 / 12 = 4,300,312.5 -> half up 4,300,313
    assert draft.tax_base == idr("4300313")
    # 4,300,313 x 12% = 516,037.56 -> 516,038
    assert draft.vat == idr("516038")
    # 4,691,250 + 516,038
    assert draft.total == idr("5207288")
    assert draft.initial_payment == idr("3000000")
    # 5,207,288 - 3,000,000
    assert draft.balance_due == idr("2207288")
    assert draft.refund_due == Money.zero()
    assert draft.tariff_code == "IDTPP-2021"


def test_overpaid_initial_payment_leaves_a_refund() -> None:
    draft = compute_invoice(PRIOK_2021, two_box_shipment(), 2, idr("6000000"))

    # 5,207,288 - 6,000,000 = -792,712
    assert draft.balance_due == idr("-792712")
    assert draft.refund_due == idr("792712")


def test_each_line_is_rounded_once_not_per_day() -> None:
    book = dataclasses.replace(
        PRIOK_2021,
        storage_base=SizeRates(idr("42525"), idr("85050")),
        storage_scheme=StorageScheme.from_rows([(1, None, "250")]),
        noon_rule=NoonRule(enabled=False),
    )
    usage = ContainerUsage(
        TWENTY_BOX, SizeClass.TWENTY, wib(1, 9), gate_out_at=wib(3, 9), lifts=0
    )

    (line,) = compute_invoice(book, [usage], 0, Money.zero()).lines

    # 42,525 x 250% = 106,312.5 a day, kept exact
    assert line.unit_price == idr("106312.5")
    # 3 x 106,312.5 = 318,937.5 -> 318,938 (per-day rounding would give 318,939)
    assert line.amount == idr("318938")


@pytest.mark.parametrize(
    ("plugged_out", "blocks"),
    [
        (wib(2, 6), 2),  # 14:00 to 06:00 next day = 16 h = 2 blocks
        (wib(2, 6, 1), 3),  # 16 h 1 min: the part block counts
    ],
)
def test_reefer_power_per_eight_hours_or_part(
    plugged_out: datetime, blocks: int
) -> None:
    usage = ContainerUsage(
        FORTY_BOX,
        SizeClass.FORTY,
        wib(1, 14),
        reefer=True,
        gate_out_at=wib(2, 10),
        reefer_plugged_in_at=wib(1, 14),
        reefer_plugged_out_at=plugged_out,
    )

    draft = compute_invoice(PRIOK_2021, [usage], 0, Money.zero())

    (line,) = [x for x in draft.lines if x.service is ServiceCode.REEFER_POWER]
    assert line.quantity == blocks
    assert line.amount == idr("200000").times(blocks)


def test_reefer_power_defaults_to_discharge_until_gate_out() -> None:
    usage = ContainerUsage(
        FORTY_BOX, SizeClass.FORTY, wib(1, 14), reefer=True, gate_out_at=wib(2, 10)
    )

    draft = compute_invoice(PRIOK_2021, [usage], 0, Money.zero())

    # 14:00 to 10:00 next day = 20 h = 3 blocks x 200,000
    (line,) = [x for x in draft.lines if x.service is ServiceCode.REEFER_POWER]
    assert line.amount == idr("600000")


def test_delivery_by_zone() -> None:
    usage = ContainerUsage(
        FORTY_BOX, SizeClass.FORTY, wib(1, 9), gate_out_at=wib(1, 15), delivery=True
    )

    draft = compute_invoice(PRIOK_2021, [usage], 0, Money.zero())

    assert draft.lines[-1].service is ServiceCode.DELIVERY
    assert draft.lines[-1].amount == idr("2100000")
    with pytest.raises(NotFoundError):
        compute_invoice(
            PRIOK_2021,
            [dataclasses.replace(usage, delivery_zone="NOWHERE")],
            0,
            Money.zero(),
        )


def test_box_still_in_the_yard_is_charged_to_as_of() -> None:
    usage = ContainerUsage(TWENTY_BOX, SizeClass.TWENTY, wib(1, 9))

    with pytest.raises(ValidationError):
        compute_invoice(PRIOK_2021, [usage], 0, Money.zero())
    draft = compute_invoice(PRIOK_2021, [usage], 0, Money.zero(), as_of=wib(2, 9))

    # day 2 at 300%: 42,500 x 3
    assert storage_total(draft) == idr("127500")


def test_invoice_refuses_bad_usage() -> None:
    with pytest.raises(ValidationError):
        ContainerUsage(TWENTY_BOX, SizeClass.TWENTY, wib(1, 9), inspections=-1)
    with pytest.raises(ValidationError):
        ContainerUsage(TWENTY_BOX, SizeClass.TWENTY, datetime(2021, 3, 1, 9))
    with pytest.raises(ValidationError):
        compute_invoice(PRIOK_2021, [], -1, Money.zero())
    with pytest.raises(ValidationError):
        compute_invoice(PRIOK_2021, [], 0, Money.parse("1", "USD"))


# The proforma


def test_proforma_covers_lifts_and_the_first_storage_days() -> None:
    boxes = [
        ProformaContainer(TWENTY_BOX, SizeClass.TWENTY),
        ProformaContainer(FORTY_BOX, SizeClass.FORTY),
    ]

    draft = estimate_initial_payment(PRIOK_2021, boxes, wib(1, 9), 3)

    # 20': 285,500 + 127,500 (day 2) + 255,000 (day 3) = 668,000
    # 40': 428,250 + 255,000 (day 2) + 510,000 (day 3) = 1,193,250
    assert draft.subtotal == idr("1861250")
    # 1,861,250 x 11 / 12 = 20,473,750 / 12 = 1,706,145.83 -> 1,706,146
    assert draft.tax_base == idr("1706146")
    # 1,706,146 x 12% = 204,737.52 -> 204,738
    assert draft.vat == idr("204738")
    assert draft.total == idr("2065988")
    assert draft.initial_payment == Money.zero()
    assert draft.balance_due == idr("2065988")


def test_proforma_adds_reefer_power_to_the_end_of_the_last_day() -> None:
    boxes = [ProformaContainer(TWENTY_BOX, SizeClass.TWENTY, reefer=True)]

    draft = estimate_initial_payment(PRIOK_2021, boxes, wib(1, 9), 1)

    # 09:00 to midnight = 15 h = 2 blocks x 150,000 = 300,000; day 1 free
    assert [line.amount for line in draft.lines] == [idr("285500"), idr("300000")]
    # 585,500 x 11 / 12 = 536,708.33 -> 536,708; x 12% = 64,404.96 -> 64,405
    assert draft.tax_base == idr("536708")
    assert draft.vat == idr("64405")
    assert draft.total == idr("649905")


def test_proforma_needs_a_day_and_an_aware_time() -> None:
    boxes = [ProformaContainer(TWENTY_BOX, SizeClass.TWENTY)]

    with pytest.raises(ValidationError):
        estimate_initial_payment(PRIOK_2021, boxes, wib(1, 9), 0)
    with pytest.raises(ValidationError):
        estimate_initial_payment(PRIOK_2021, boxes, datetime(2021, 3, 1, 9))
