"""The worklist stage: the date's findings carried into the worklist that the ledger
engineers work through (docs/interface.md §5), every status change kept with its run in
worklist_events: recon/sql/worklist/worklist_update.sql says how. Inside the run's
transaction, after the store stage has put the date's findings in place."""

from __future__ import annotations

from recon import queries
from recon.dates import utcnow
from recon.pipeline.run import DateRun


def run(r: DateRun) -> None:
    with r.stages.stage("worklist") as stage:
        queries.run(r.con, "worklist/worklist_update",
                    {"d": r.biz_date, "run_id": r.run_id, "now": utcnow()})
        (r.resolved,) = queries.run(r.con, "worklist/resolved_by_run",
                                    {"run_id": r.run_id}).fetchone()
        stage.rows = r.resolved
