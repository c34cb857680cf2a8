"""The state recon keeps between runs (docs/state.md): a folder holding the catalog (the
run log, the worklist and its history; SQLite) and each business date's files (its
findings, evidence, balances, rejects and daily aggregates; Parquet).

- store.py: opening it, laying it out on a DuckDB connection, a run's commit, retention;
- catalog.py, files.py, schema.py: the catalog, the date files, the tables' columns;
- migrate.py: a new state, and the conversion of an older recon's single-file state;
- lock.py: one run at a time; settings.py: the DuckDB connection's settings.
"""

from __future__ import annotations

import errno
import json
import re
from datetime import date
from pathlib import Path

from recon.errors import NotFound, UsageError
from recon.state.lock import lock_held, run_lock
from recon.state.store import Store, reading

__all__ = ["Store", "lock_held", "out_of_space", "reading", "reconciled", "run_lock"]


def reconciled(con, biz_date: date) -> dict:
    """The summary (summary.json) of the date's last successful run, from the run log
    laid out on `con`; NotFound when the date has none."""
    row = con.execute(
        "SELECT counts FROM runs WHERE biz_date = ? AND status = 'succeeded' "
        "ORDER BY started_at DESC LIMIT 1", [biz_date]).fetchone()
    if row is None:
        raise NotFound(f"no successful reconciliation of {biz_date} in the state database")
    return json.loads(row[0])


def out_of_space(exc: BaseException, fallback: Path) -> UsageError | None:
    """The usage error (exit 2) of a disk that is full (ENOSPC, as the OS, DuckDB or
    SQLite says it), naming the file that could not be written (else `fallback`); None
    for any other error."""
    text = str(exc)
    if not re.search(r"no space left|disk is full|database or disk is full", text, re.I) \
            and getattr(exc, "errno", None) != errno.ENOSPC:
        return None
    named = re.search(r'Could not write file \\?"(.+?)\\?"', text)
    where = getattr(exc, "filename", None) or (named.group(1) if named else fallback)
    return UsageError("no space left on device: the date is not recorded and the state "
                      "is as before", str(where))
