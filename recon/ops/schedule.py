"""The nightly plan: yesterday in Asia/Shanghai, after catching up the dates missed since
the last successful run (at most `nightly.catch_up_days` of them). `recon nightly` runs
the plan through `State.nightly` (recon/api.py), one date at a time.
"""

from __future__ import annotations

from datetime import date, timedelta

from recon.dates import date_range


def plan(last: date | None, target: date, catch_up_days: int) -> list[date]:
    """The dates to run, in order: every date after `last` up to `target`, but no more
    than `catch_up_days` before `target`. Nothing when `target` is already done."""
    if last is None:
        return [target]
    start = max(last + timedelta(days=1), target - timedelta(days=catch_up_days))
    return list(date_range(start, target))


def skipped(last: date | None, target: date, catch_up_days: int) -> list[date]:
    """The dates missed since `last` that fall before the catch-up window: the nightly
    job does not run them (a backfill with recon diff --from/--to does), but says so."""
    if last is None:
        return []
    return list(date_range(last + timedelta(days=1),
                           target - timedelta(days=catch_up_days + 1)))
