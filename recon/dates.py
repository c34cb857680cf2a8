"""Business dates and moments, in one place: a business date is a day in Asia/Shanghai
(docs/interface.md §1); the state records moments in UTC, without a zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
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


def dates_asked(on_date: str | None, from_date: str | None, to_date: str | None
                ) -> list[date]:
    """The dates of `--date D`, or of `--from D1 --to D2` (both included, in order)."""
    if on_date and (from_date or to_date):
        raise UsageError("give either --date or --from/--to, not both")
    if on_date:
        return [as_date(on_date, "--date")]
    if not (from_date and to_date):
        raise UsageError("give --date YYYY-MM-DD, or both --from and --to")
    start, end = as_date(from_date, "--from"), as_date(to_date, "--to")
    if end < start:
        raise UsageError(f"--to {to_date} is before --from {from_date}")
    return list(date_range(start, end))


def pretend_today(today: str | None) -> datetime | None:
    """--today YYYY-MM-DD as noon of that day in Asia/Shanghai (None: really now)."""
    if not today:
        return None
    return datetime.combine(as_date(today, "--today"), time(12), SHANGHAI)
