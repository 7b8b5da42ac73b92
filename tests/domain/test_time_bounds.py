"""Times a client gives stay within a year ahead and twenty years back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.errors import ValidationError
from domain.time_bounds import check_near

NOW = datetime(2026, 12, 3, 8, tzinfo=UTC)


def test_a_time_within_the_horizon_passes() -> None:
    check_near(NOW + timedelta(days=300), now=NOW, field=("to",))
    check_near(NOW - timedelta(days=3000), now=NOW, field=("from",))


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, tzinfo=UTC),
        NOW + timedelta(days=367),
        datetime(1, 1, 1, tzinfo=UTC),
    ],
)
def test_a_time_far_off_is_out_of_range(moment: datetime) -> None:
    with pytest.raises(ValidationError) as refused:
        check_near(moment, now=NOW, field=("windowTo",))

    assert (refused.value.code, refused.value.field) == ("OUT_OF_RANGE", ("windowTo",))


def test_nothing_behind_now_when_the_caller_says_so() -> None:
    with pytest.raises(ValidationError):
        check_near(
            NOW - timedelta(minutes=1), now=NOW, field=("to",), behind=timedelta(0)
        )
