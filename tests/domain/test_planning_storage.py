"""The optimiser's storage tariff agrees with the invoice's storage days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.pickup_storage import PlanClock, storage_tariff, tariff_in_force
from domain.seed_tariffs import DEMO_PRIOK_CAPPED, PRIOK_2021
from domain.tariff import size_class_of, storage_charge_days

WIB = ZoneInfo("Asia/Jakarta")
CLOCK = PlanClock.at(datetime(2025, 3, 3, 1, 30, tzinfo=UTC))


def test_the_clock_counts_whole_minutes_from_the_hour() -> None:
    at = datetime(2025, 3, 3, 2, 45, 59, tzinfo=UTC)

    assert CLOCK.epoch == datetime(2025, 3, 3, 1, 0, tzinfo=UTC)
    assert CLOCK.minutes(at) == 105
    assert CLOCK.moment(105) == datetime(2025, 3, 3, 2, 45, tzinfo=UTC)
    assert CLOCK.minutes(datetime(2025, 3, 3, 0, 59, tzinfo=UTC)) == -1


def test_a_morning_discharge_is_free_to_midnight_then_pays_from_day_two() -> None:
    discharged = datetime(2025, 3, 3, 10, 0, tzinfo=WIB)

    tariff = storage_tariff(PRIOK_2021, "42G1", discharged, CLOCK)

    midnight = datetime(2025, 3, 4, 0, 0, tzinfo=WIB)
    assert tariff.free_until == CLOCK.minutes(midnight)
    # 40' base Rp 85,000: day 2 at 300%, day 3 at 600%, day 4 on at 900%.
    assert tariff.daily_costs == (255_000, 510_000, 765_000)


def test_an_afternoon_discharge_is_free_a_day_longer() -> None:
    discharged = datetime(2025, 3, 3, 14, 0, tzinfo=WIB)

    tariff = storage_tariff(PRIOK_2021, "22G1", discharged, CLOCK)

    assert tariff.free_until == CLOCK.minutes(datetime(2025, 3, 5, 0, 0, tzinfo=WIB))
    # 20' base Rp 42,500; the scheme's charged days start on calendar day 3:
    # 300%, 600%, then 900%.
    assert tariff.daily_costs == (127_500, 255_000, 382_500)


@pytest.mark.parametrize("hour", [3, 11, 12, 23])
@pytest.mark.parametrize("days_later", [0, 1, 2, 4, 7])
def test_optimiser_storage_matches_the_invoice_rule(hour: int, days_later: int) -> None:
    discharged = datetime(2025, 3, 3, hour, 15, tzinfo=WIB)
    out = datetime(2025, 3, 4, 9, 0, tzinfo=WIB) + timedelta(days=days_later)
    book = DEMO_PRIOK_CAPPED

    tariff = storage_tariff(book, "45G1", discharged, CLOCK)
    free_until = tariff.free_until
    assert free_until is not None
    planned, _ = tariff.cost_until(free_until, CLOCK.minutes(out))

    base = book.storage_base.for_size(size_class_of("45G1")).amount
    days = storage_charge_days(discharged, out, book.storage_scheme, book.noon_rule)
    assert planned == sum(int(base * d.percent / 100) for d in days)


def test_a_port_without_a_tariff_charges_no_storage() -> None:
    at = datetime(2025, 3, 3, tzinfo=UTC)

    assert tariff_in_force("IDTPP", at) is DEMO_PRIOK_CAPPED
    assert tariff_in_force("SGSIN", at) is None
    assert storage_tariff(None, "22G1", at, CLOCK).daily_costs == ()
