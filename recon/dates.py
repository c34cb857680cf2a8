"""Business dates and moments, in one place: a business date is a day in Asia/Shanghai
(docs/interface.md §1); the state records moments in UTC, without a zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from recon.errors import UsageError

SHANGHAI = ZoneInfo("Asia/Shanghai")


def date_range(start: date, end: date) -> Iterator[date]:
    """Every date from `start` to `end`, both included, in order."""
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def yesterday(now: datetime | None = None) -> date:
    """The business date before `now`'s (default: really now), in Asia/Shanghai."""
    now = now.astimezone(SHANGHAI) if now else datetime.now(SHANGHAI)
    return now.date() - timedelta(days=1)


def utcnow() -> datetime:
    """Now in UTC, to the second, as the state records it (no zone)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def as_date(value: date | str, option: str = "date") -> date:
    """A date, or its YYYY-MM-DD text; UsageError naming `option` for anything else."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except (TypeError, ValueError):
        raise UsageError(f"{option} '{value}' is not a date in the form YYYY-MM-DD") from None
