"""The store stage, the first inside the run's transaction: the date's rows, staged by the
stages before it in temp tables, take the place of what an earlier run of the date left
in the state (docs/interface.md §5: a rerun replaces a date's results, never duplicates
them). The run's transaction makes the replacement whole or nothing."""

from __future__ import annotations

from recon import queries
from recon.pipeline.run import DateRun

# (state table, the staged table holding the date's rows for it)
STAGED = (("findings", "date_findings"), ("evidence", "date_evidence"),
          ("entries", "date_entries"), ("balances", "date_balances"),
          ("rejects", "date_rejects"), ("daily_accounts", "date_accounts"),
          ("daily_flows", "date_flows"))


def run(r: DateRun) -> None:
    with r.stages.stage("store") as stage:
        stage.rows = 0
        for table, staged in STAGED:
            queries.run(r.con, "store/replace_date", {"d": r.biz_date},
                        table=queries.ident(table), staged=queries.ident(staged))
            stage.rows += r.con.execute(f"SELECT count(*) FROM {queries.ident(staged)}"
                                        ).fetchone()[0]
