"""The checks a run makes on itself before it records a date (docs/interface.md §4).

Each check is a query in recon/sql/audits/ that returns the rows breaking it, with a
`problem` sentence; zero rows means it holds. The run's own counts (what the aggregate
pass read, rejected and found valid, what the match paired) are put into the temp table
`run_counts` first, so that the audits hold them against what the state now contains.
Every audit runs, and an AuditError (exit 5) carries every offending row.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources

from recon import queries
from recon.errors import AuditError

RUN_COUNTS = ("system", "dataset", "rows_read", "rows_loaded", "rows_rejected",
              "rows_matched", "unmatched")


@cache
def audits() -> tuple[str, ...]:
    """The audits' names, in the order they run (their file names sort it)."""
    folder = resources.files("recon").joinpath("sql", "audits")
    return tuple(sorted(f"audits/{entry.name.removesuffix('.sql')}"
                        for entry in folder.iterdir() if entry.name.endswith(".sql")))


def run_audits(con, biz_date: date, run_id: str, counts: list[tuple]) -> None:
    """Put the run's counts (one tuple per system and dataset, as RUN_COUNTS) into
    run_counts, run every audit, and raise AuditError if any returned a row."""
    con.execute("CREATE OR REPLACE TEMP TABLE run_counts (system VARCHAR, dataset VARCHAR, "
                "rows_read BIGINT, rows_loaded BIGINT, rows_rejected BIGINT, "
                "rows_matched BIGINT, unmatched BIGINT)")
    con.executemany(f"INSERT INTO run_counts VALUES ({', '.join('?' * len(RUN_COUNTS))})",
                    counts)
    failures = []
    for name in audits():
        rows = queries.run(con, name, {"d": biz_date, "run_id": run_id}).fetchall()
        failures += [(name, row[0]) for row in rows]
    if failures:
        raise AuditError(failures)
