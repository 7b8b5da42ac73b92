"""How far from now a time a client gives may lie.

Times near the ends of the calendar (year 1, year 9999) overflow Python's
datetime as soon as a slot length or an offset is added; no port business
needs them. Plans, slots and deliveries look at most a year ahead; reports
and slot lists may look back further.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from domain.errors import ValidationError

AHEAD = timedelta(days=366)
HISTORY = timedelta(days=20 * 366)
CODE = "OUT_OF_RANGE"


def check_near(
    moment: datetime,
    *,
    now: datetime,
    field: tuple[str, ...],
    ahead: timedelta = AHEAD,
    behind: timedelta = HISTORY,
) -> None:
    """Refuse a time more than `ahead` after or `behind` before `now`."""
    if moment > now + ahead:
        raise ValidationError(
            f"at most {_span(ahead)} ahead of now", code=CODE, field=field
        )
    if moment < now - behind:
        raise ValidationError(
            f"at most {_span(behind)} before now", code=CODE, field=field
        )


def _span(span: timedelta) -> str:
    """A bound in words: whole days as days, shorter ones in minutes."""
    if span >= timedelta(days=1) and not span % timedelta(days=1):
        count, unit = span.days, "day"
    else:
        count, unit = span // timedelta(minutes=1), "minute"
    return f"{count} {unit}{'' if count == 1 else 's'}"


def day_is_near(
    day: date, *, now: datetime, ahead: timedelta = AHEAD, behind: timedelta = HISTORY
) -> bool:
    """Whether a calendar day lies within the bounds `check_near` keeps."""
    moment = datetime.combine(day, time(), tzinfo=UTC)
    return now - behind <= moment <= now + ahead


def check_near_day(
    day: date,
    *,
    now: datetime,
    field: tuple[str, ...],
    ahead: timedelta = AHEAD,
    behind: timedelta = HISTORY,
) -> None:
    """Refuse a calendar day outside the bounds, as `check_near` does a time."""
    check_near(
        datetime.combine(day, time(), tzinfo=UTC),
        now=now,
        field=field,
        ahead=ahead,
        behind=behind,
    )
