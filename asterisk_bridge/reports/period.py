"""A report's period and grouping, validated from what an admin (or an API client) typed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asterisk_bridge.errors import ValidationError

KINDS = ("calls", "agents", "queues")
#: What each kind can be grouped by (the first is its default).
GROUPINGS = {"calls": ("day", "hour", "extension", "trunk", "queue"),
             "agents": ("agent", "day", "queue"),
             "queues": ("queue", "day", "hour")}
MOST_DAYS = 366


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC (naive, as CDR times are stored)."""

    start: datetime
    end: datetime


def _moment(value: str, field: str, *, end: bool) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"{field}: {value!r} is not a date (2026-11-30) or an ISO time "
                              "(2026-11-30T14:00)") from None
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC).replace(tzinfo=None)
    if end and len(value.strip()) == 10:  # a whole day: up to its end
        try:
            parsed += timedelta(days=1)
        except OverflowError:
            raise ValidationError(f"{field}: {value!r} is past the last date there is") \
                from None
    return parsed


def period(start: str, end: str) -> Period:
    """``--from`` (inclusive) and ``--to`` (a date includes its whole day)."""
    lo, hi = _moment(start, "from", end=False), _moment(end, "to", end=True)
    if hi <= lo:
        raise ValidationError("to: must be after from")
    if hi - lo > timedelta(days=MOST_DAYS):
        raise ValidationError(f"to: a report covers at most {MOST_DAYS} days")
    return Period(lo, hi)


def grouping(kind: str, by: str | None) -> str:
    """The grouping for *kind* (its default when *by* is None)."""
    if kind not in KINDS:
        raise ValidationError(f"report: {kind!r} is not one of {', '.join(KINDS)}")
    allowed = GROUPINGS[kind]
    if by is None:
        return allowed[0]
    if by not in allowed:
        raise ValidationError(f"by: a {kind} report groups by {', '.join(allowed)}")
    return by
