"""The core: reconcile one date, or a range of dates in order.

One date is one transaction on the state database: load both systems, match, classify,
audit conservation, update the worklist and record the run. Output files are written to
a staging folder and moved into place only after the commit, so a killed run leaves the
database and the output folder as they were before it, or as after it.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from recon import metrics, outputs, queries, summarize
from recon.audit import run_audits
from recon.config import Config
from recon.contract import ENTRY_RULES
from recon.engines import engine_for
from recon.engines.duckdb import DuckDBEngine
from recon.errors import InternalError, ReconError
from recon.load import (
    FILE_STRIDE,
    LoadStats,
    ScannedEntries,
    load_balances,
    reading,
    scan_entries,
)
from recon.match import MatchCounts, match_beyond, match_entries
from recon.result import (
    DateResult,
    SystemCounts,
)
from recon.sources import Inputs
from recon.stages import LiveProgress, Stages
from recon.state import WorkingCopy, out_of_space, run_lock

TOP_ACCOUNTS = 10
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class DiffRequest:
    v1_dir: Path | None   # None when the system is read from metastore tables
    v2_dir: Path | None
    out_dir: Path
    db_path: Path
    config: Config
    command: str = "diff"
    fail_on: str = "any"     # what the date's recorded exit code counts (--fail-on)

    @property
    def inputs(self) -> Inputs:
        return Inputs(self.v1_dir, self.v2_dir, self.config)


def date_range(start: date, end: date) -> Iterator[date]:
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def diff(request: DiffRequest, dates: list[date], *, progress: LiveProgress | None = None,
         on_result: Callable[[DateResult], None] | None = None,
         on_stages: Callable[[DateResult, Stages], None] | None = None) -> list[DateResult]:
    """Reconcile `dates` in order under the run lock. Stops at the first error (dates
    before it stay committed) and raises it. `progress` sees each stage start and end;
    `on_stages` gets each date's timed stages (for --profile)."""
    request.inputs.check()
    results = []
    with run_lock(request.db_path):
        state = WorkingCopy(request.db_path, request.config)
        con = state.con
        engine = None

        def publish_state() -> None:
            """Make the state readable, and the metrics file say what it says. A
            metrics file that cannot be written fails the run here, at its start, but
            never hides the error of a run that is failing."""
            failing = sys.exc_info()[0] is not None   # called while a run's error unwinds
            state.publish()
            try:
                metrics.refresh(con, request.config, request.db_path)
            except ReconError:
                if not failing:
                    raise

        try:
            outputs.recover(con, request.out_dir)
            publish_state()
            engine = engine_for(con, request.config)
            for biz_date in dates:
                stages = Stages(on_start=progress.start if progress else None,
                                on_end=progress.end if progress else None)
                result = diff_date(con, request, biz_date, stages=stages, engine=engine,
                                   publish_state=publish_state)
                results.append(result)
                if on_stages:
                    on_stages(result, stages)
                if on_result:
                    on_result(result)
        finally:
            if engine is not None:
                engine.close()
            state.close()
    return results


def diff_date(con, request: DiffRequest, biz_date: date, *,
              stages: Stages | None = None, engine=None,
              publish_state: Callable[[], None] = lambda: None) -> DateResult:
    """One date in one transaction. `publish_state` makes what is committed readable
    (state.WorkingCopy): the run's 'running' record, then its outcome."""
    stages = stages or Stages()
    engine = engine or DuckDBEngine(con, request.config)
    started = utcnow()
    run_id = f"{biz_date:%Y%m%d}-{started:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    con.execute(
        "INSERT INTO runs (run_id, biz_date, command, started_at, status, v1_dir, v2_dir, "
        "out_dir) VALUES (?, ?, ?, ?, 'running', ?, ?, ?)",
        [run_id, biz_date, request.command, started, request.inputs.described("v1"),
         request.inputs.described("v2"), str(request.out_dir)],
    )
    publish_state()
    staging = None
    try:
        con.execute("BEGIN")
        result, staging, inputs = _reconcile(con, request, biz_date, run_id, started, stages,
                                             engine)
        with stages.stage("commit"):
            con.execute(
                "UPDATE runs SET status = 'succeeded', finished_at = ?, exit_code = ?, "
                "inputs = ?, counts = ? WHERE run_id = ?",
                [result.finished_at, result.exit_code(request.fail_on), json.dumps(inputs),
                 json.dumps(result.summary()), run_id],
            )
            con.execute("COMMIT")
            publish_state()
    except BaseException as exc:
        with contextlib.suppress(duckdb.Error):   # a transaction a failed write ended
            con.execute("ROLLBACK")
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        full = out_of_space(exc, request.db_path)
        if full is not None:
            raise full from None
        message = exc.one_line() if isinstance(exc, ReconError) else repr(exc)
        code = exc.exit_code if isinstance(exc, ReconError) else InternalError.exit_code
        con.execute(
            "UPDATE runs SET status = 'failed', finished_at = ?, exit_code = ?, message = ? "
            "WHERE run_id = ?",
            [utcnow(), code, message, run_id],
        )
        publish_state()
        raise
    with stages.stage("publish"):
        outputs.publish(staging, request.out_dir / biz_date.isoformat())
        con.execute("UPDATE runs SET published_at = ? WHERE run_id = ?", [utcnow(), run_id])
        publish_state()
    return result


def _reconcile(con, request: DiffRequest, biz_date: date, run_id: str, started: datetime,
               stages: Stages, engine) -> tuple[DateResult, Path, dict]:
    config = request.config
    scans: dict[str, ScannedEntries] = {}
    balance_loads: dict[str, LoadStats] = {}
    engine.begin(biz_date)
    for system in ("v1", "v2"):
        with stages.stage(f"load {system}") as stage:
            scans[system] = scan_entries(
                engine, system=system, location=request.inputs.locate(system, "entries"),
                biz_date=biz_date, config=config)
            balance_loads[system] = load_balances(
                engine, system=system, location=request.inputs.locate(system, "balances"),
                biz_date=biz_date, config=config)
            read = scans[system].stats.rows_read
            stage.rows = read + balance_loads[system].rows_read
            stage.detail = (f"{read:,} entries, "
                            f"{balance_loads[system].rows_read:,} balances")
    loads = {system: scan.stats for system, scan in scans.items()}

    fields = tuple(f for f in config.compare_fields
                   if all(_has_column(loads[s], f) for s in ("v1", "v2")))
    skipped = tuple(f for f in config.compare_fields if f not in fields)

    with stages.stage("match") as stage:
        with reading(engine, loads["v1"].files + loads["v2"].files):
            engine.run("day_accounts", {}, v1=scans["v1"].scan, v2=scans["v2"].scan)
            counts = match_entries(engine, biz_date, fields, scans["v1"], scans["v2"])
        stage.rows = loads["v1"].rows_loaded + loads["v2"].rows_loaded
        stage.detail = f"{counts.matched:,} pairs on {engine.name}, {counts.kept:,} kept"
    with stages.stage("balances") as stage:
        engine.run("balance_findings", {"d": biz_date})
        for system, scan in scans.items():
            engine.run("insert_evidence", {"d": biz_date, "s": system}, files=scan.files)
            if config.keep_entries == "all":
                with reading(engine, loads[system].files):
                    engine.run("insert_entries", {"d": biz_date, "s": system,
                                                  "stride": FILE_STRIDE},
                               valid=scan.valid, files=scan.files)
        engine.finish(biz_date)
        beyond = match_beyond(con, biz_date, config.timing_window_days)
        stage.rows = balance_loads["v1"].rows_loaded + balance_loads["v2"].rows_loaded
    with stages.stage("findings") as stage:
        queries.run(con, "finalize_findings", {"d": biz_date, "run_id": run_id,
                                               "p1": config.p1_amount, "p2": config.p2_amount})
        queries.run(con, "daily_aggregates", {"d": biz_date})
        stage.rows = con.execute("SELECT count(*) FROM findings WHERE biz_date = ?",
                                 [biz_date]).fetchone()[0]

    with stages.stage("state") as stage:
        now = utcnow()
        queries.run(con, "worklist_update", {"d": biz_date, "run_id": run_id, "now": now})
        systems = _check_conservation(con, biz_date, run_id, loads, balance_loads, counts,
                                      beyond)
        resolved = con.execute(
            "SELECT count(*) FROM worklist_events WHERE run_id = ? AND to_status = 'resolved'",
            [run_id],
        ).fetchone()[0]
        result = summarize.date_result(
            con, biz_date, run_id=run_id, started=started, systems=systems,
            compare_fields=fields, skipped_fields=skipped, resolved=resolved,
            out_dir=str(request.out_dir / biz_date.isoformat()), engine=engine.name,
            window=config.timing_window_days)
        stage.rows = result.findings
    with stages.stage("outputs") as stage:
        page = summarize.date_page(con, result) if config.html else None
        staging = outputs.write(con, result, page, request.out_dir, run_id)
        stage.rows = result.findings
    inputs = {f"{s}/{stats.dataset}": stats.fingerprints()
              for s in loads for stats in (loads[s], balance_loads[s])}
    return result, staging, inputs


def _has_column(stats: LoadStats, column: str) -> bool:
    # Required columns are always there (else the load fails); optional ones may not be.
    required = {r.column for r in ENTRY_RULES if r.required}
    return column in required or column in stats.present_columns


def _check_conservation(con, biz_date: date, run_id: str, loads: dict[str, LoadStats],
                        balance_loads: dict[str, LoadStats], counts: MatchCounts,
                        beyond: dict[str, int]) -> dict[str, SystemCounts]:
    """The date's row counts per system, once the audits (recon/audit.py) have held the
    run's own counts against what the state now contains: rows and amounts conserved.
    An entry matched across dates or in a split is matched (`beyond`). A run where they
    do not hold raises AuditError."""
    run_counts = []
    matched = {system: counts.matched + beyond[system] for system in ("v1", "v2")}
    for system in ("v1", "v2"):
        stats, bal = loads[system], balance_loads[system]
        unmatched = (counts.v1_only if system == "v1" else counts.v2_only) - beyond[system]
        run_counts += [
            (system, "entries", stats.rows_read, stats.rows_loaded, stats.rows_rejected,
             matched[system], unmatched),
            (system, "balances", bal.rows_read, bal.rows_loaded, bal.rows_rejected, None,
             None),
        ]
    run_audits(con, biz_date, run_id, run_counts)
    missing = dict(con.execute(
        "SELECT kind, count(*) FROM findings WHERE biz_date = ? "
        "AND kind IN ('MISSING_IN_V1', 'MISSING_IN_V2') GROUP BY kind", [biz_date]).fetchall())
    return {system: SystemCounts(
        files=len(loads[system].files),
        rows_read=loads[system].rows_read,
        rows_loaded=loads[system].rows_loaded,
        rows_matched=matched[system],
        rows_missing=missing.get("MISSING_IN_V2" if system == "v1" else "MISSING_IN_V1", 0),
        rows_rejected=loads[system].rows_rejected,
        balance_rows_read=balance_loads[system].rows_read,
        balance_rows_rejected=balance_loads[system].rows_rejected,
    ) for system in ("v1", "v2")}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
