"""The nightly plan: yesterday in Asia/Shanghai, after catching up the dates missed since
the last successful run (at most `nightly.catch_up_days` of them). `recon nightly` runs
the plan through `State.nightly` (recon/api.py), one date at a time.
"""

from __future__ import annotations

import contextlib
import sys
from datetime import date, timedelta
from pathlib import Path

from recon.dates import date_range
from recon.errors import UsageError


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


def gap(last: date | None, target: date, catch_up_days: int) -> dict | None:
    """The log line saying which missed dates the nightly job does not run (they fall
    before its catch-up window), or None."""
    missed = skipped(last, target, catch_up_days)
    if not missed:
        return None
    return {"status": "skipped", "from": missed[0].isoformat(), "to": missed[-1].isoformat(),
            "dates": len(missed),
            "message": f"{len(missed)} date(s) missed since the last success fall before the "
                       f"catch-up window of {catch_up_days} day(s): backfill them with "
                       f"recon diff --from {missed[0]} --to {missed[-1]}"}


@contextlib.contextmanager
def log_lines(path: str | None):
    """A function writing one log line to `path` (appended, flushed at once), or to
    stderr when there is no path."""
    if not path:
        yield lambda line: print(line, file=sys.stderr, flush=True)
        return
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise UsageError(f"cannot write the log: {exc.strerror or exc}", path) from None
    with handle:
        def log(line: str) -> None:
            handle.write(line + "\n")
            handle.flush()

        yield log
