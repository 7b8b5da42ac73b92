"""Seed tariff data: the published Tanjung Priok figures, plus named demo figures.

Published (Tanjung Priok container terminals, 2021): lift-on/lift-off and the
storage base rate per size class, and the progressive storage scheme. Every
figure whose name starts with DEMO_ is not published in our sources; it is a
plausible stand-in so a whole invoice can be computed, and must be replaced by
the terminal's own tariff before real use.
"""

from __future__ import annotations

from datetime import date

from domain.money import Money
from domain.tariff import (
    DEFAULT_ZONE,
    DeliveryRate,
    NoonRule,
    SizeRates,
    StorageScheme,
    TariffBook,
    VatRule,
)


def _idr(twenty: str, forty: str) -> SizeRates:
    return SizeRates(Money.parse(twenty), Money.parse(forty))


# Published 2021 Tanjung Priok figures, in rupiah.
PRIOK_2021_LIFT_ON_OFF = _idr("285500", "428250")
PRIOK_2021_STORAGE_BASE = _idr("42500", "85000")  # per box per day

# Progressive storage schemes: (from day, to day or None, percent of base).
PRIOK_PROGRESSIVE_900 = StorageScheme.from_rows(
    [(1, 1, "0"), (2, 2, "300"), (3, 3, "600"), (4, None, "900")]
)
PRIOK_PROGRESSIVE_CAPPED_600 = StorageScheme.from_rows(
    [(1, 1, "0"), (2, 2, "300"), (3, None, "600")]
)
# Belawan's published percents, applied from day 1 (no free day in the scheme).
BELAWAN_PROGRESSIVE = StorageScheme.from_rows(
    [(1, 1, "100"), (2, 2, "250"), (3, 3, "450"), (4, None, "700")]
)

# Free time: before 12:00 WIB to midnight that day, else to midnight next day.
NOON_RULE_WIB = NoonRule(enabled=True, cutoff_hour=12)

# PPN: 12% nominal on a tax base of 11/12 of the price (11% effective).
PPN_12_ON_11_12 = VatRule()

# Demo figures: not published in our sources.
DEMO_INSPECTION = _idr("1250000", "1875000")  # per red-lane inspection (behandle)
DEMO_REEFER_POWER = _idr("150000", "200000")  # per 8 hours or part
DEMO_ADMIN_FEE = Money.parse("25000")  # per document
DEMO_DELIVERY = (DeliveryRate(DEFAULT_ZONE, _idr("1500000", "2100000")),)
# A demo start date for the capped scheme, to show a newer version superseding.
DEMO_CAPPED_SCHEME_FROM = date(2024, 1, 1)

PRIOK_2021 = TariffBook(
    code="IDTPP-2021",
    port="IDTPP",
    valid_from=date(2021, 1, 1),
    valid_to=None,
    lift_on_off=PRIOK_2021_LIFT_ON_OFF,
    storage_base=PRIOK_2021_STORAGE_BASE,
    storage_scheme=PRIOK_PROGRESSIVE_900,
    noon_rule=NOON_RULE_WIB,
    inspection=DEMO_INSPECTION,
    reefer_power=DEMO_REEFER_POWER,
    admin_fee=DEMO_ADMIN_FEE,
    delivery=DEMO_DELIVERY,
    vat=PPN_12_ON_11_12,
)

DEMO_PRIOK_CAPPED = TariffBook(
    code="IDTPP-DEMO-CAPPED-600",
    port="IDTPP",
    valid_from=DEMO_CAPPED_SCHEME_FROM,
    valid_to=None,
    lift_on_off=PRIOK_2021_LIFT_ON_OFF,
    storage_base=PRIOK_2021_STORAGE_BASE,
    storage_scheme=PRIOK_PROGRESSIVE_CAPPED_600,
    noon_rule=NOON_RULE_WIB,
    inspection=DEMO_INSPECTION,
    reefer_power=DEMO_REEFER_POWER,
    admin_fee=DEMO_ADMIN_FEE,
    delivery=DEMO_DELIVERY,
    vat=PPN_12_ON_11_12,
)

PRIOK_VERSIONS: tuple[TariffBook, ...] = (PRIOK_2021, DEMO_PRIOK_CAPPED)
