"""`recon summary`: a period of business dates read from the state (recon/views/period.py
says what it holds)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from recon.config import Config
from recon.errors import UsageError
from recon.ops.cohorts import readiness
from recon.ops.status import read_runs
from recon.state import lock_held, reading
from recon.views import period


def summary(db_path: Path, config: Config, first: date, last: date) -> period.Summary:
    """The period from `first` to `last` (a reversed range is a usage error)."""
    if last < first:
        raise UsageError(f"--to {last} is before --from {first}")
    cohorts = readiness(db_path, config, as_of=last)
    with reading(db_path, config, first, last, worklist="all") as con:
        return period.gather(con, first, last, read_runs(con, lock_held(db_path)), cohorts)
