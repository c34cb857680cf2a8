"""The audit stage: the checks a run makes on itself before it records a date
(docs/interface.md §5: conservation of rows and amounts).

Each check is a query in recon/sql/audit/ that returns the rows breaking it, with a
`problem` sentence; zero rows means it holds (sqlmesh's audits). The run's own counts
(what the aggregate pass read, rejected and found valid, what the matches paired) are
put into the temp table `run_counts` first, so that the audits hold them against what
the state now contains, inside the run's transaction. Every audit runs, and an
AuditError (exit 5) carries every offending row: nothing of the date is committed.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib import resources

from recon import queries
from recon.contract import SYSTEMS
from recon.errors import AuditError
from recon.pipeline.run import DateRun
from recon.result import SystemCounts

RUN_COUNTS = ("system", "dataset", "rows_read", "rows_loaded", "rows_rejected",
              "rows_matched", "unmatched")


def run(r: DateRun) -> None:
    """Hold the run's counts against the state; r.systems gets each system's counts."""
    with r.stages.stage("audit"):
        counts, matched = [], {}
        for system in SYSTEMS:
            stats, balances = r.loads[system], r.balance_loads[system]
            own = r.counts.v1_only if system == "v1" else r.counts.v2_only
            matched[system] = r.counts.matched + r.beyond[system]
            counts += [
                (system, "entries", stats.rows_read, stats.rows_loaded, stats.rows_rejected,
                 matched[system], own - r.beyond[system]),
                (system, "balances", balances.rows_read, balances.rows_loaded,
                 balances.rows_rejected, None, None),
            ]
        run_audits(r.con, r.biz_date, r.run_id, counts)
        missing = dict(queries.run(r.con, "audit/missing_per_system", {"d": r.biz_date})
                       .fetchall())
        r.systems = {system: SystemCounts(
            files=len(r.loads[system].files),
            rows_read=r.loads[system].rows_read,
            rows_loaded=r.loads[system].rows_loaded,
            rows_matched=matched[system],
            rows_missing=missing.get(system, 0),
            rows_rejected=r.loads[system].rows_rejected,
            balance_rows_read=r.balance_loads[system].rows_read,
            balance_rows_rejected=r.balance_loads[system].rows_rejected,
        ) for system in SYSTEMS}


@cache
def audits() -> tuple[str, ...]:
    """The audits' names, in the order they run (their file names, which start with a
    number, sort it)."""
    folder = resources.files("recon").joinpath("sql", "audit")
    return tuple(sorted(f"audit/{entry.name.removesuffix('.sql')}"
                        for entry in folder.iterdir()
                        if entry.name.endswith(".sql") and entry.name[0].isdigit()))


def run_audits(con, biz_date: date, run_id: str, counts: list[tuple]) -> None:
    """Put the run's counts (one tuple per system and dataset, as RUN_COUNTS) into
    run_counts, run every audit, and raise AuditError if any returned a row."""
    queries.run(con, "audit/run_counts")
    con.executemany(f"INSERT INTO run_counts VALUES ({', '.join('?' * len(RUN_COUNTS))})",
                    counts)
    failures = []
    for name in audits():
        rows = queries.run(con, name, {"d": biz_date, "run_id": run_id}).fetchall()
        failures += [(name, row[0]) for row in rows]
    if failures:
        raise AuditError(failures)
