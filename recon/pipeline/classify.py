"""The classify stage: what the date's pairs, lone entries and balances say
(docs/interface.md §3, §4).

Each finding kind of recon/contract.py's kinds table has its query,
recon/sql/classify/<kind>.sql, which adds the kind's rows to run_findings; they run in
the table's order, phase by phase:

- pairs: the pairs and lone entries of the match (diff_pairs, diff_entries), on the
  run's engine;
- balances: the accounts' balances against their entry findings (account_balances),
  on the engine; then the engine hands the date's rows back (`Engine.finish`);
- beyond: the matches beyond one-to-one, over the entries the phases before left
  MISSING_IN_* and the state (the open items of earlier dates), on DuckDB. Each adds to
  beyond_parts the entries it matched.

Then each finding gets its severity, item_id and suggested action (finalize_findings:
date_findings), and the date's evidence and daily aggregates are staged (date_evidence,
date_accounts, date_flows) for the store stage to put in the state.
"""

from __future__ import annotations

from functools import partial

from recon import queries
from recon.contract import KINDS_TABLE, SYSTEMS
from recon.pipeline.load import FILE_STRIDE, reading
from recon.pipeline.run import DateRun

FINDING_COLUMNS = ("scope", "kind", "system", "account_id", "currency", "v1_serial_no",
                   "v2_serial_no", "copy_no", "field", "v1_value", "v2_value",
                   "amount_impact", "residual", "biz_order_no", "copies")


def run(r: DateRun) -> None:
    """Find the date's findings; r.beyond counts, per system, the entries the matches
    beyond one-to-one paired."""
    with r.stages.stage("classify") as stage:
        r.engine.run("classify/run_findings", {})
        for kind in kinds("pairs") + kinds("balances"):
            _find(r, r.engine.run, kind)
        for system, scan in r.scans.items():
            r.engine.run("classify/insert_evidence", {"d": r.biz_date, "s": system},
                         files=scan.files)
            if r.config.keep_entries == "all":
                with reading(r.engine, scan.stats.files):
                    r.engine.run("classify/insert_entries",
                                 {"d": r.biz_date, "s": system, "stride": FILE_STRIDE},
                                 valid=scan.valid, files=scan.files)
        r.engine.finish(r.biz_date)
        on_state = partial(queries.run, r.con)
        on_state("classify/beyond_parts")
        for kind in kinds("beyond"):
            _find(r, on_state, kind)
        matched = dict(r.con.execute(
            "SELECT side, count(*) FROM beyond_parts GROUP BY side").fetchall())
        r.beyond = {system: matched.get(system, 0) for system in SYSTEMS}
        queries.run(r.con, "classify/finalize_findings",
                    {"d": r.biz_date, "run_id": r.run_id, "p1": r.config.p1_amount,
                     "p2": r.config.p2_amount})
        queries.run(r.con, "classify/daily_aggregates", {"d": r.biz_date})
        stage.rows = r.con.execute("SELECT count(*) FROM date_findings").fetchone()[0]


def kinds(phase: str) -> list:
    return [kind for kind in KINDS_TABLE if kind.phase == phase]


def _find(r: DateRun, run_query, kind) -> None:
    """Run one kind's query with `run_query` (the engine's run, or queries.run on the
    state's connection), once per compared field for a kind that is per field."""
    params = {"d": r.biz_date, "window": r.config.timing_window_days,
              "netting_max": r.config.netting_max_entries}
    columns = ", ".join(FINDING_COLUMNS)
    fields = r.fields if kind.per_field else (None,)
    for field in fields:
        fragments = {"finding_columns": columns}
        if field is not None:
            fragments.update(field_name=queries.literal(field),
                             v1_field=queries.ident(f"v1_{field}"),
                             v2_field=queries.ident(f"v2_{field}"))
        run_query(kind.query, params, **fragments)
