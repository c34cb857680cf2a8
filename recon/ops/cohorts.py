"""The readiness of each cut-over cohort, read from the state (recon/views/readiness.py
says what it is): for `recon readiness`, `recon status`, the metrics and the summary."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from recon.config import Config
from recon.state import reading
from recon.state.store import NO_DATES
from recon.views import readiness as gate


def readiness(db_path: Path, config: Config, as_of: date | None = None) -> gate.Readiness:
    """Each cohort's readiness as of the last date reconciled (on or before `as_of`):
    the dates of the last month are read first, every date only when a group is clean
    that far back."""
    with reading(db_path, config, *NO_DATES, worklist="none") as con:
        last = gate.last_date(con, as_of)
    first = gate.window(last)
    while True:
        span = (first, last) if last is not None else NO_DATES
        with reading(db_path, config, *span, worklist="unresolved") as con:
            result, cut_short = gate.check(con, config.readiness_days, last, first)
        if not cut_short:
            return result
        first = None
